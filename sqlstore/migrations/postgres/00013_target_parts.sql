-- +goose Up
-- Each post of a target's thread that is on the network, stored the moment
-- the network confirmed it: a retry resumes after the last one.
CREATE TABLE target_parts (
    target_id    text NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
    idx          integer NOT NULL,
    external_id  text NOT NULL,
    url          text NOT NULL,
    ref          text NOT NULL,
    published_at timestamptz NOT NULL,
    PRIMARY KEY (target_id, idx)
);

-- +goose Down
DROP TABLE target_parts;
