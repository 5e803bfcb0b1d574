-- +goose Up
-- Outbound webhooks: a workspace's subscriptions to events, delivered to a
-- URL (signed with the sealed secret) or to one of its channel accounts.
CREATE TABLE webhooks (
    id           text PRIMARY KEY,
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    url          text NOT NULL,
    account_id   text REFERENCES accounts (id) ON DELETE CASCADE,
    events       text NOT NULL,
    secret       bytea NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX webhooks_workspace ON webhooks (workspace_id, created_at, id);

-- +goose Down
DROP TABLE webhooks;
