-- +goose Up
-- Posting slots per account, and one live target per (account, slot):
-- concurrent "next slot" requests cannot take the same one.
ALTER TABLE accounts ADD COLUMN schedule text NOT NULL DEFAULT '';
ALTER TABLE targets ADD COLUMN slotted boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX targets_slot ON targets (account_id, scheduled_at) WHERE slotted AND status <> 'cancelled';

-- +goose Down
DROP INDEX targets_slot;
ALTER TABLE targets DROP COLUMN slotted;
ALTER TABLE accounts DROP COLUMN schedule;
