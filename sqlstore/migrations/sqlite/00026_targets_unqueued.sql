-- +goose Up
-- The targets still to be put on the queue, in the order the reconciler
-- lists them (DueTargets): with a million scheduled within the horizon,
-- listing them no longer walks past every target already queued.
CREATE INDEX targets_unqueued ON targets (scheduled_at, id) WHERE status = 'scheduled' AND queued_version <> version;

-- +goose Down
DROP INDEX targets_unqueued;
