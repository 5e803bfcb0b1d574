-- +goose Up
-- Readings (metric_snapshots) partitioned by month of their time (issue 17):
-- a poller at 10 million posts a day writes some 70 million readings a day,
-- and a table that size is kept in bounds only by dropping whole months. The
-- rows keep their ids (the targets' latest_snapshot_id still points at them);
-- the primary key becomes (id, at), as a partitioned table's must hold its key.
-- One partition per UTC month from the first reading's month to two months
-- ahead; the worker's housekeeping creates the later ones
-- (sqlstore.PrepareReadings), and a DEFAULT partition takes a reading no
-- partition covers yet, so that a late housekeeping never loses one.
ALTER TABLE metric_snapshots RENAME TO metric_snapshots_unpartitioned;
ALTER TABLE metric_snapshots_unpartitioned RENAME CONSTRAINT metric_snapshots_pkey TO metric_snapshots_unpartitioned_pkey;
ALTER INDEX metric_snapshots_target RENAME TO metric_snapshots_unpartitioned_target;
ALTER INDEX metric_snapshots_workspace RENAME TO metric_snapshots_unpartitioned_workspace;

CREATE TABLE metric_snapshots (
    id           bigint NOT NULL DEFAULT nextval('metric_snapshots_id_seq'),
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    target_id    text NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
    account_id   text NOT NULL,
    network      text NOT NULL,
    at           timestamptz NOT NULL,
    impressions  bigint,
    reach        bigint,
    likes        bigint,
    comments     bigint,
    shares       bigint,
    saves        bigint,
    clicks       bigint,
    video_views  bigint,
    deleted      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
ALTER SEQUENCE metric_snapshots_id_seq OWNED BY metric_snapshots.id;
CREATE INDEX metric_snapshots_target ON metric_snapshots (target_id, at);
CREATE INDEX metric_snapshots_workspace ON metric_snapshots (workspace_id, at);
CREATE TABLE metric_snapshots_default PARTITION OF metric_snapshots DEFAULT;

-- +goose StatementBegin
DO $$
DECLARE
    m timestamptz;
    last timestamptz := date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + interval '2 months';
BEGIN
    SELECT date_trunc('month', least(min(at), now()) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
        INTO m FROM metric_snapshots_unpartitioned;
    -- Readings dated far in the future (tests) stay in the default partition.
    WHILE m <= last LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF metric_snapshots FOR VALUES FROM (%L) TO (%L)',
            'metric_snapshots_p' || to_char(m AT TIME ZONE 'UTC', 'YYYYMM'), m, m + interval '1 month');
        m := m + interval '1 month';
    END LOOP;
END
$$;
-- +goose StatementEnd

INSERT INTO metric_snapshots SELECT * FROM metric_snapshots_unpartitioned;
DROP TABLE metric_snapshots_unpartitioned;

-- The reports find a workspace's targets by publication time: an index
-- says which (10,000 of millions), rather than a scan of every target.
CREATE INDEX targets_published ON targets (workspace_id, published_at);

-- +goose Down
DROP INDEX targets_published;
ALTER TABLE metric_snapshots RENAME TO metric_snapshots_partitioned;
ALTER TABLE metric_snapshots_partitioned RENAME CONSTRAINT metric_snapshots_pkey TO metric_snapshots_partitioned_pkey;
ALTER INDEX metric_snapshots_target RENAME TO metric_snapshots_partitioned_target;
ALTER INDEX metric_snapshots_workspace RENAME TO metric_snapshots_partitioned_workspace;
CREATE TABLE metric_snapshots (
    id           bigint PRIMARY KEY DEFAULT nextval('metric_snapshots_id_seq'),
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    target_id    text NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
    account_id   text NOT NULL,
    network      text NOT NULL,
    at           timestamptz NOT NULL,
    impressions  bigint,
    reach        bigint,
    likes        bigint,
    comments     bigint,
    shares       bigint,
    saves        bigint,
    clicks       bigint,
    video_views  bigint,
    deleted      boolean NOT NULL DEFAULT false
);
ALTER SEQUENCE metric_snapshots_id_seq OWNED BY metric_snapshots.id;
INSERT INTO metric_snapshots SELECT * FROM metric_snapshots_partitioned;
DROP TABLE metric_snapshots_partitioned;
CREATE INDEX metric_snapshots_target ON metric_snapshots (target_id, at);
CREATE INDEX metric_snapshots_workspace ON metric_snapshots (workspace_id, at);
