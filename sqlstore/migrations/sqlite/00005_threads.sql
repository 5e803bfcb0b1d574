-- +goose Up
-- The parts a post publishes after its content, each as a reply to the one
-- before (a JSON array of texts).
ALTER TABLE posts ADD COLUMN thread text NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE posts DROP COLUMN thread;
