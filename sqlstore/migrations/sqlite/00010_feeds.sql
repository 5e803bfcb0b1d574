-- +goose Up
-- Read-only calendar feed tokens (their hash only).
CREATE TABLE feed_tokens (
    id           text PRIMARY KEY,
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         text NOT NULL,
    hash         blob NOT NULL UNIQUE,
    created_at   text NOT NULL,
    revoked_at   text
);
CREATE INDEX feed_tokens_workspace ON feed_tokens (workspace_id, created_at, id);

-- +goose Down
DROP TABLE feed_tokens;
