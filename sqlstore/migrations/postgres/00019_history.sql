-- +goose Up
-- History on connect: an account's earlier posts, read from the network,
-- are stored as posts published outside rythme (posts.origin 'imported'),
-- each once per account (history_posts: unique on account and the
-- network's post id). The account keeps how its import fares: status,
-- window, counts, and the cursor a crashed import goes on from.
ALTER TABLE posts ADD COLUMN origin text NOT NULL DEFAULT '';

CREATE TABLE history_posts (
    account_id  text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    external_id text NOT NULL,
    target_id   text NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, external_id)
);
CREATE INDEX targets_account_external ON targets (account_id, external_id);

ALTER TABLE accounts ADD COLUMN history_status text NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN history_since timestamptz;
ALTER TABLE accounts ADD COLUMN history_imported integer NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN history_read integer NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN history_cursor text NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN history_started_at timestamptz;
ALTER TABLE accounts ADD COLUMN history_updated_at timestamptz;
ALTER TABLE accounts ADD COLUMN history_finished_at timestamptz;
ALTER TABLE accounts ADD COLUMN history_error text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE accounts DROP COLUMN history_error;
ALTER TABLE accounts DROP COLUMN history_finished_at;
ALTER TABLE accounts DROP COLUMN history_updated_at;
ALTER TABLE accounts DROP COLUMN history_started_at;
ALTER TABLE accounts DROP COLUMN history_cursor;
ALTER TABLE accounts DROP COLUMN history_read;
ALTER TABLE accounts DROP COLUMN history_imported;
ALTER TABLE accounts DROP COLUMN history_since;
ALTER TABLE accounts DROP COLUMN history_status;
DROP INDEX targets_account_external;
DROP TABLE history_posts;
ALTER TABLE posts DROP COLUMN origin;
