-- +goose Up
-- Native polls (issue 16): a post's poll (JSON: options, duration_minutes,
-- multiple; '' for none), and each reading's poll results (JSON: votes per
-- option, votes, voters, closed; '' for none).
ALTER TABLE posts ADD COLUMN poll text NOT NULL DEFAULT '';
ALTER TABLE metric_snapshots ADD COLUMN poll text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE metric_snapshots DROP COLUMN poll;
ALTER TABLE posts DROP COLUMN poll;
