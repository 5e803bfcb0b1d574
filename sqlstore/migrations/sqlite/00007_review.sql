-- +goose Up
-- Review before publishing: a workspace setting, the post's review state,
-- and every transition (who, when, what, why).
ALTER TABLE workspaces ADD COLUMN approval_required integer NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN review text NOT NULL DEFAULT '';
CREATE TABLE post_events (
    id           integer PRIMARY KEY AUTOINCREMENT,
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    post_id      text NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    at           text NOT NULL,
    actor_id     text NOT NULL,
    actor        text NOT NULL,
    action       text NOT NULL,
    comment      text NOT NULL
);
CREATE INDEX post_events_post ON post_events (post_id, at, id);

-- +goose Down
DROP TABLE post_events;
ALTER TABLE posts DROP COLUMN review;
ALTER TABLE workspaces DROP COLUMN approval_required;
