-- +goose Up
-- A post's first comment, published right after it under it (issue 16);
-- '' for none. Once out, it is stored in target_parts at idx -1
-- (rythme.FirstCommentIndex), the moment the network confirmed it.
ALTER TABLE posts ADD COLUMN first_comment text NOT NULL DEFAULT '';
-- An inbox item the account itself wrote (its first comment), shown as
-- the team's own.
ALTER TABLE inbox_items ADD COLUMN own boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE inbox_items DROP COLUMN own;
ALTER TABLE posts DROP COLUMN first_comment;
