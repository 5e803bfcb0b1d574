-- +goose Up
-- People: members sign in with an email and a password (argon2id, encoded
-- with its salt and parameters); a member belongs to workspaces with a role.
-- Sessions, invitations and password resets are stored by the SHA-256 hash
-- of their secret, never the secret itself.
CREATE TABLE members (
    id             text PRIMARY KEY,
    email          text NOT NULL UNIQUE,
    name           text NOT NULL,
    password_hash  text NOT NULL,
    instance_admin integer NOT NULL DEFAULT 0,
    created_at     text NOT NULL
);

CREATE TABLE memberships (
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    member_id    text NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    role         text NOT NULL,
    created_at   text NOT NULL,
    PRIMARY KEY (workspace_id, member_id)
);
CREATE INDEX memberships_member ON memberships (member_id);

CREATE TABLE sessions (
    id           text PRIMARY KEY,
    hash         blob NOT NULL UNIQUE,
    member_id    text NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    workspace_id text,
    created_at   text NOT NULL,
    expires_at   text NOT NULL
);
CREATE INDEX sessions_member ON sessions (member_id);

CREATE TABLE invitations (
    id           text PRIMARY KEY,
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    email        text NOT NULL,
    role         text NOT NULL,
    hash         blob NOT NULL UNIQUE,
    created_by   text NOT NULL,
    created_at   text NOT NULL,
    expires_at   text NOT NULL,
    accepted_at  text,
    accepted_by  text,
    revoked_at   text
);
CREATE INDEX invitations_workspace ON invitations (workspace_id, created_at);

CREATE TABLE password_resets (
    hash       blob PRIMARY KEY,
    member_id  text NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created_at text NOT NULL,
    expires_at text NOT NULL
);
CREATE INDEX password_resets_member ON password_resets (member_id);

-- A post written by a member names it, beside the free-text author.
ALTER TABLE posts ADD COLUMN author_member_id text;

-- +goose Down
ALTER TABLE posts DROP COLUMN author_member_id;
DROP TABLE password_resets;
DROP TABLE invitations;
DROP TABLE sessions;
DROP TABLE memberships;
DROP TABLE members;
