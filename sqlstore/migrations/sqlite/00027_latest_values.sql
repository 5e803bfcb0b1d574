-- +goose Up
-- Each target carries its latest engagement reading's numbers, kept with
-- its pointer by every new reading (see the PostgreSQL migration).
ALTER TABLE targets ADD COLUMN latest_impressions integer;
ALTER TABLE targets ADD COLUMN latest_reach integer;
ALTER TABLE targets ADD COLUMN latest_likes integer;
ALTER TABLE targets ADD COLUMN latest_comments integer;
ALTER TABLE targets ADD COLUMN latest_shares integer;
ALTER TABLE targets ADD COLUMN latest_saves integer;
ALTER TABLE targets ADD COLUMN latest_clicks integer;
ALTER TABLE targets ADD COLUMN latest_video_views integer;
ALTER TABLE targets ADD COLUMN latest_deleted integer NOT NULL DEFAULT 0;
ALTER TABLE targets ADD COLUMN latest_poll text NOT NULL DEFAULT '';
UPDATE targets SET (latest_impressions, latest_reach, latest_likes, latest_comments, latest_shares, latest_saves,
        latest_clicks, latest_video_views, latest_deleted, latest_poll) =
    (SELECT m.impressions, m.reach, m.likes, m.comments, m.shares, m.saves, m.clicks, m.video_views, m.deleted, m.poll
     FROM metric_snapshots m WHERE m.id = targets.latest_snapshot_id)
WHERE latest_snapshot_id IS NOT NULL AND EXISTS (SELECT 1 FROM metric_snapshots m WHERE m.id = targets.latest_snapshot_id);

-- +goose Down
ALTER TABLE targets DROP COLUMN latest_poll;
ALTER TABLE targets DROP COLUMN latest_deleted;
ALTER TABLE targets DROP COLUMN latest_video_views;
ALTER TABLE targets DROP COLUMN latest_clicks;
ALTER TABLE targets DROP COLUMN latest_saves;
ALTER TABLE targets DROP COLUMN latest_shares;
ALTER TABLE targets DROP COLUMN latest_comments;
ALTER TABLE targets DROP COLUMN latest_likes;
ALTER TABLE targets DROP COLUMN latest_reach;
ALTER TABLE targets DROP COLUMN latest_impressions;
