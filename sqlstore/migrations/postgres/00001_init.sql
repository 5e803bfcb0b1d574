-- +goose Up
-- Initial schema: workspaces, tokens, OAuth, accounts, posts and targets.
-- Secrets (accounts.token, oauth_apps.client_secret, oauth_states.verifier)
-- are sealed by the application before they reach these columns.
CREATE TABLE workspaces (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE api_tokens (
    id           text PRIMARY KEY,
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         text NOT NULL,
    role         text NOT NULL,
    hash         bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_workspace ON api_tokens (workspace_id, created_at, id);

CREATE TABLE oauth_apps (
    network       text NOT NULL,
    instance_url  text NOT NULL,
    redirect_uri  text NOT NULL,
    client_id     text NOT NULL,
    client_secret bytea NOT NULL,
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (network, instance_url, redirect_uri)
);

CREATE TABLE oauth_states (
    state_hash   bytea PRIMARY KEY,
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    network      text NOT NULL,
    params       text NOT NULL,
    verifier     bytea NOT NULL,
    redirect_uri text NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);
CREATE INDEX oauth_states_expires ON oauth_states (expires_at);

CREATE TABLE accounts (
    id            text PRIMARY KEY,
    workspace_id  text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    network       text NOT NULL,
    instance_url  text NOT NULL,
    external_id   text NOT NULL,
    username      text NOT NULL,
    display_name  text NOT NULL,
    profile_url   text NOT NULL,
    status        text NOT NULL,
    status_reason text NOT NULL,
    meta          text NOT NULL,
    token         bytea,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    UNIQUE (workspace_id, network, instance_url, external_id)
);

CREATE TABLE posts (
    id           text PRIMARY KEY,
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    content      text NOT NULL,
    scheduled_at timestamptz NOT NULL,
    timezone     text NOT NULL,
    tags         text NOT NULL,
    author       text NOT NULL,
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX posts_list ON posts (workspace_id, scheduled_at, id);

CREATE TABLE targets (
    id             text PRIMARY KEY,
    post_id        text NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    workspace_id   text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    account_id     text NOT NULL REFERENCES accounts (id),
    position       integer NOT NULL,
    network        text NOT NULL,
    content        text NOT NULL,
    status         text NOT NULL,
    version        integer NOT NULL,
    queued_version integer NOT NULL DEFAULT 0,
    scheduled_at   timestamptz NOT NULL,
    external_id    text NOT NULL DEFAULT '',
    url            text NOT NULL DEFAULT '',
    last_error     text NOT NULL DEFAULT '',
    attempts       integer NOT NULL DEFAULT 0,
    lease_until    timestamptz,
    published_at   timestamptz,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    UNIQUE (post_id, account_id)
);
CREATE INDEX targets_due ON targets (status, scheduled_at, id);
CREATE INDEX targets_lease ON targets (status, lease_until);
CREATE INDEX targets_account ON targets (account_id, status);
CREATE INDEX targets_post ON targets (post_id, position);

-- +goose Down
DROP TABLE targets;
DROP TABLE posts;
DROP TABLE accounts;
DROP TABLE oauth_states;
DROP TABLE oauth_apps;
DROP TABLE api_tokens;
DROP TABLE workspaces;
