-- +goose Up
-- Uploaded files (their bytes live in the media directory) and the media a
-- post carries (a JSON array of media ids, in order).
CREATE TABLE media (
    id           text PRIMARY KEY,
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    filename     text NOT NULL,
    content_type text NOT NULL,
    size         bigint NOT NULL,
    sha256       text NOT NULL,
    alt_text     text NOT NULL,
    created_at   text NOT NULL
);
CREATE INDEX media_workspace ON media (workspace_id, created_at, id);
ALTER TABLE posts ADD COLUMN media text NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE posts DROP COLUMN media;
DROP TABLE media;
