-- +goose Up
-- Recurring posts (a series and the occurrences materialised from it),
-- the plan item a campaign post comes from, and the week of a weekly
-- challenge a post was submitted to.
CREATE TABLE series (
    id                 text PRIMARY KEY,
    workspace_id       text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    rule               text NOT NULL,
    starts_at          text NOT NULL,
    timezone           text NOT NULL,
    template           text NOT NULL,
    review             text NOT NULL,
    status             text NOT NULL,
    materialised_until text,
    created_by         text NOT NULL,
    created_at         text NOT NULL,
    updated_at         text NOT NULL
);
CREATE INDEX series_workspace ON series (workspace_id, created_at, id);
CREATE INDEX series_due ON series (materialised_until) WHERE status = 'active';
ALTER TABLE posts ADD COLUMN series_id text NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN occurrence_at text;
ALTER TABLE posts ADD COLUMN detached integer NOT NULL DEFAULT 0;
-- One post per occurrence: two materialisers cannot both create it.
CREATE UNIQUE INDEX posts_occurrence ON posts (series_id, occurrence_at) WHERE series_id <> '';
ALTER TABLE posts ADD COLUMN plan_item text NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN challenge_week text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE posts DROP COLUMN challenge_week;
ALTER TABLE posts DROP COLUMN plan_item;
DROP INDEX posts_occurrence;
ALTER TABLE posts DROP COLUMN detached;
ALTER TABLE posts DROP COLUMN occurrence_at;
ALTER TABLE posts DROP COLUMN series_id;
DROP TABLE series;
