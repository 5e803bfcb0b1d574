package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/rythmehq/rythme"
)

// ConnectedAccounts lists connected accounts of network after afterID, by
// id, at most limit (default 100).
func (s *Store) ConnectedAccounts(ctx context.Context, network, afterID string, limit int) ([]*rythme.Account, error) {
	if limit <= 0 {
		limit = 100
	}
	return s.queryAccounts(ctx, "connected accounts", `SELECT `+accountRead+` FROM accounts
		WHERE network = $1 AND status = $2 AND id > $3 ORDER BY id LIMIT $4`,
		network, string(rythme.AccountConnected), afterID, limit)
}

// MergeAccountMeta sets the given keys of the account's meta (an empty
// value removes one) in one transaction, so that a concurrent merge of
// other keys is not lost; its token and status are not touched.
func (s *Store) MergeAccountMeta(ctx context.Context, id string, meta map[string]string) error {
	return s.tx(ctx, "merge account meta", func(tx *sql.Tx) error {
		var raw string
		// The no-op UPDATE takes the row's write lock on PostgreSQL (SQLite
		// has one writer) before the read.
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET meta = meta WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return notFound("account", id)
		}
		if err := tx.QueryRowContext(ctx, `SELECT meta FROM accounts WHERE id = $1`, id).Scan(&raw); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return notFound("account", id)
			}
			return err
		}
		m, err := parseMap(raw)
		if err != nil {
			return err
		}
		if m == nil {
			m = map[string]string{}
		}
		for k, v := range meta {
			if v == "" {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		text, err := mapText(m)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE accounts SET meta = $1, updated_at = $2 WHERE id = $3`, text, s.ts(time.Now()), id)
		return err
	})
}
