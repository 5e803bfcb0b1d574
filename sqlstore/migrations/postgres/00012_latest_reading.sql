-- +goose Up
-- Each target points at its latest engagement reading, kept with every
-- new reading: a comparison reads one row per target instead of ranking
-- every reading.
ALTER TABLE targets ADD COLUMN latest_snapshot_id bigint;
ALTER TABLE targets ADD COLUMN latest_snapshot_at timestamptz;
UPDATE targets SET latest_snapshot_id = l.id, latest_snapshot_at = l.at
FROM (SELECT DISTINCT ON (target_id) target_id, id, at FROM metric_snapshots ORDER BY target_id, at DESC, id DESC) l
WHERE l.target_id = targets.id;

-- +goose Down
ALTER TABLE targets DROP COLUMN latest_snapshot_at;
ALTER TABLE targets DROP COLUMN latest_snapshot_id;
