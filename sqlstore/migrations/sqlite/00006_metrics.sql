-- +goose Up
-- Engagement comes back: every reading of a published target is a new row
-- (a time series, never overwritten); the target says when the next one is
-- due (a decaying schedule) and how many were taken. Followers per account
-- are read daily.
ALTER TABLE targets ADD COLUMN metrics_next_at text;
ALTER TABLE targets ADD COLUMN metrics_step integer NOT NULL DEFAULT 0;
CREATE INDEX targets_metrics_due ON targets (metrics_next_at) WHERE metrics_next_at IS NOT NULL;

CREATE TABLE metric_snapshots (
    id           integer PRIMARY KEY AUTOINCREMENT,
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    target_id    text NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
    account_id   text NOT NULL,
    network      text NOT NULL,
    at           text NOT NULL,
    impressions  bigint,
    reach        bigint,
    likes        bigint,
    comments     bigint,
    shares       bigint,
    saves        bigint,
    clicks       bigint,
    video_views  bigint,
    deleted      integer NOT NULL DEFAULT 0
);
CREATE INDEX metric_snapshots_target ON metric_snapshots (target_id, at);
CREATE INDEX metric_snapshots_workspace ON metric_snapshots (workspace_id, at);

ALTER TABLE accounts ADD COLUMN audience_next_at text;
CREATE TABLE audience_samples (
    id           integer PRIMARY KEY AUTOINCREMENT,
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    account_id   text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    at           text NOT NULL,
    followers    bigint NOT NULL
);
CREATE INDEX audience_samples_account ON audience_samples (account_id, at);
CREATE INDEX audience_samples_workspace ON audience_samples (workspace_id, at);

-- +goose Down
DROP TABLE audience_samples;
ALTER TABLE accounts DROP COLUMN audience_next_at;
DROP TABLE metric_snapshots;
DROP INDEX targets_metrics_due;
ALTER TABLE targets DROP COLUMN metrics_step;
ALTER TABLE targets DROP COLUMN metrics_next_at;
