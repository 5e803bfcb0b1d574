-- +goose Up
-- How the metrics poller fares with each account: the last successful
-- engagement read, and the last error since (with when, and how many reads
-- in a row failed), so that an account whose reads keep failing says so.
ALTER TABLE accounts ADD COLUMN last_metrics_at text;
ALTER TABLE accounts ADD COLUMN last_metrics_error text NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN last_metrics_error_at text;
ALTER TABLE accounts ADD COLUMN metrics_failures integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE accounts DROP COLUMN metrics_failures;
ALTER TABLE accounts DROP COLUMN last_metrics_error_at;
ALTER TABLE accounts DROP COLUMN last_metrics_error;
ALTER TABLE accounts DROP COLUMN last_metrics_at;
