-- +goose Up
-- An authorization is bound to the browser that started it: the hash of a
-- nonce kept in that browser's cookie (NULL for states made before).
ALTER TABLE oauth_states ADD COLUMN binding_hash bytea;
CREATE INDEX oauth_states_workspace ON oauth_states (workspace_id, expires_at);

-- +goose Down
DROP INDEX oauth_states_workspace;
ALTER TABLE oauth_states DROP COLUMN binding_hash;
