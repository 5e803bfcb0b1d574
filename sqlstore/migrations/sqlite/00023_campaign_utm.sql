-- +goose Up
-- A campaign's UTM parameters (JSON: default and per-network templates),
-- added to the links of its posts; '' for none.
ALTER TABLE campaigns ADD COLUMN utm text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE campaigns DROP COLUMN utm;
