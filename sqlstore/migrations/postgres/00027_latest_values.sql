-- +goose Up
-- Each target carries its latest engagement reading's numbers, kept with
-- its pointer (latest_snapshot_id/at) by every new reading: a comparison
-- as of now reads them from the targets alone, instead of probing the
-- readings' monthly partitions once per target (the readings' size then
-- no longer shows in its time).
ALTER TABLE targets ADD COLUMN latest_impressions bigint;
ALTER TABLE targets ADD COLUMN latest_reach bigint;
ALTER TABLE targets ADD COLUMN latest_likes bigint;
ALTER TABLE targets ADD COLUMN latest_comments bigint;
ALTER TABLE targets ADD COLUMN latest_shares bigint;
ALTER TABLE targets ADD COLUMN latest_saves bigint;
ALTER TABLE targets ADD COLUMN latest_clicks bigint;
ALTER TABLE targets ADD COLUMN latest_video_views bigint;
ALTER TABLE targets ADD COLUMN latest_deleted boolean NOT NULL DEFAULT false;
ALTER TABLE targets ADD COLUMN latest_poll text NOT NULL DEFAULT '';
UPDATE targets SET latest_impressions = m.impressions, latest_reach = m.reach, latest_likes = m.likes,
    latest_comments = m.comments, latest_shares = m.shares, latest_saves = m.saves, latest_clicks = m.clicks,
    latest_video_views = m.video_views, latest_deleted = m.deleted, latest_poll = m.poll
FROM metric_snapshots m WHERE m.id = targets.latest_snapshot_id AND m.at = targets.latest_snapshot_at;

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
