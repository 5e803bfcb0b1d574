-- +goose Up
-- Campaigns (themed weeks) and the posts they planned.
CREATE TABLE campaigns (
    id           text PRIMARY KEY,
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    kind         text NOT NULL,
    name         text NOT NULL,
    theme        text NOT NULL,
    first_day    text NOT NULL,
    timezone     text NOT NULL,
    status       text NOT NULL,
    plan         text NOT NULL,
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX campaigns_workspace ON campaigns (workspace_id, created_at, id);
ALTER TABLE posts ADD COLUMN campaign_id text NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN format text NOT NULL DEFAULT '';
CREATE INDEX posts_campaign ON posts (campaign_id) WHERE campaign_id <> '';

-- +goose Down
DROP INDEX posts_campaign;
ALTER TABLE posts DROP COLUMN format;
ALTER TABLE posts DROP COLUMN campaign_id;
DROP TABLE campaigns;
