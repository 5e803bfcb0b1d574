-- +goose Up
-- Each target points at its latest engagement reading, kept with every
-- new reading: a comparison reads one row per target instead of ranking
-- every reading.
ALTER TABLE targets ADD COLUMN latest_snapshot_id integer;
ALTER TABLE targets ADD COLUMN latest_snapshot_at text;
UPDATE targets SET
    latest_snapshot_id = (SELECT m.id FROM metric_snapshots m WHERE m.target_id = targets.id ORDER BY m.at DESC, m.id DESC LIMIT 1),
    latest_snapshot_at = (SELECT m.at FROM metric_snapshots m WHERE m.target_id = targets.id ORDER BY m.at DESC, m.id DESC LIMIT 1);

-- +goose Down
ALTER TABLE targets DROP COLUMN latest_snapshot_at;
ALTER TABLE targets DROP COLUMN latest_snapshot_id;
