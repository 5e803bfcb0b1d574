-- +goose Up
-- The community inbox: comments, replies and mentions read from the
-- networks on the workspace's accounts, one row per (account, network id);
-- the team's notes on them and the audit trail of every action (who or
-- which rule, what, when, why).
CREATE TABLE inbox_items (
    id            text PRIMARY KEY,
    workspace_id  text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    account_id    text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    network       text NOT NULL,
    external_id   text NOT NULL,
    kind          text NOT NULL,
    target_id     text NOT NULL DEFAULT '',
    post_id       text NOT NULL DEFAULT '',
    in_reply_to   text NOT NULL DEFAULT '',
    author_handle text NOT NULL,
    author_name   text NOT NULL,
    author_url    text NOT NULL,
    text          text NOT NULL,
    url           text NOT NULL,
    created_at    text NOT NULL,
    received_at   text NOT NULL,
    status        text NOT NULL,
    assignee_id   text NOT NULL DEFAULT '',
    flagged       integer NOT NULL DEFAULT 0,
    updated_at    text NOT NULL,
    UNIQUE (account_id, external_id)
);
CREATE INDEX inbox_items_list ON inbox_items (workspace_id, created_at, id);
CREATE INDEX inbox_items_post ON inbox_items (workspace_id, post_id);

CREATE TABLE inbox_notes (
    id           text PRIMARY KEY,
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    item_id      text NOT NULL REFERENCES inbox_items (id) ON DELETE CASCADE,
    author_id    text NOT NULL,
    author       text NOT NULL,
    text         text NOT NULL,
    created_at   text NOT NULL
);
CREATE INDEX inbox_notes_item ON inbox_notes (item_id, created_at, id);

CREATE TABLE inbox_events (
    id           text PRIMARY KEY,
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    item_id      text NOT NULL REFERENCES inbox_items (id) ON DELETE CASCADE,
    at           text NOT NULL,
    actor_id     text NOT NULL,
    actor        text NOT NULL,
    action       text NOT NULL,
    reason       text NOT NULL
);
CREATE INDEX inbox_events_item ON inbox_events (item_id, at, id);

-- Moderation rules: words, a phrase, a regular expression or links that
-- flag or hide a new item.
CREATE TABLE inbox_rules (
    id           text PRIMARY KEY,
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         text NOT NULL,
    kind         text NOT NULL,
    terms        text NOT NULL,
    action       text NOT NULL,
    created_by   text NOT NULL,
    created_at   text NOT NULL
);
CREATE INDEX inbox_rules_workspace ON inbox_rules (workspace_id, created_at);

-- A reply from the inbox is a post target answering a network id.
ALTER TABLE targets ADD COLUMN in_reply_to text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE targets DROP COLUMN in_reply_to;
DROP TABLE inbox_rules;
DROP TABLE inbox_events;
DROP TABLE inbox_notes;
DROP TABLE inbox_items;
