-- +goose Up
-- On PostgreSQL, readings are partitioned by month here (issue 17). SQLite
-- has no partitioning, and the embedded store is for one team on one
-- machine: its readings stay one table, and the retention policy deletes
-- rows instead of dropping partitions (sqlstore.CompactReadings).
--
-- The reports find a workspace's targets by publication time: an index
-- says which, rather than a scan of every target.
CREATE INDEX targets_published ON targets (workspace_id, published_at);

-- +goose Down
DROP INDEX targets_published;
