-- +goose Up
-- When an account's token expires, in clear (the token itself is sealed), so
-- that the refresh-ahead sweep finds the accounts to refresh.
ALTER TABLE accounts ADD COLUMN token_expires_at text;
CREATE INDEX accounts_token_expiry ON accounts (token_expires_at) WHERE status = 'connected';

-- +goose Down
DROP INDEX accounts_token_expiry;
ALTER TABLE accounts DROP COLUMN token_expires_at;
