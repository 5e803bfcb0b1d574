package sqlstore

import (
	"context"
	"encoding/hex"
	"log/slog"
	"strconv"
	"strings"
)

// RekeyProgress counts the sealed values a rekey went through.
type RekeyProgress struct {
	Total    int // sealed values found
	Resealed int // re-sealed with the current key, bound to their place
	Current  int // already sealed with the current key and bound
	Failed   int // no configured key opens them (logged; an account shows as needs_reconnect)
}

// Done is how many values have been looked at.
func (p RekeyProgress) Done() int { return p.Resealed + p.Current + p.Failed }

// sealedColumn is one column holding sealed values, and how to name the
// row each value is bound to.
type sealedColumn struct {
	table, column string
	keys          []string // the row's key columns, in the order place binds them
}

var sealedColumns = []sealedColumn{
	{"accounts", "token", []string{"id"}},
	{"oauth_apps", "client_secret", []string{"network", "instance_url", "redirect_uri"}},
	{"oauth_states", "verifier", []string{"state_hash"}},
	{"webhooks", "secret", []string{"id"}},
}

type sealedRow struct {
	keys  []any
	value []byte
}

// Rekey re-seals every sealed value (account tokens, OAuth client secrets
// and verifiers, webhook secrets) that an older key or the unbound format
// sealed, with the current key and bound to its table, column and row, so
// that the older keys can then be dropped from RYTHME_SECRET_KEY. progress,
// if not nil, is called after each value. A value changed meanwhile (a
// token refreshed) is left as the writer sealed it, with the current key.
// Safe to run again, and beside running servers and workers.
func (s *Store) Rekey(ctx context.Context, progress func(RekeyProgress)) (RekeyProgress, error) {
	var p RekeyProgress
	all := make([][]sealedRow, len(sealedColumns))
	for i, col := range sealedColumns {
		rows, err := s.sealedRows(ctx, col)
		if err != nil {
			return p, err
		}
		all[i] = rows
		p.Total += len(rows)
	}
	for i, col := range sealedColumns {
		for _, r := range all[i] {
			if err := ctx.Err(); err != nil {
				return p, err
			}
			if err := s.rekeyOne(ctx, col, r, &p); err != nil {
				return p, err
			}
			if progress != nil {
				progress(p)
			}
		}
	}
	return p, nil
}

func (s *Store) sealedRows(ctx context.Context, col sealedColumn) ([]sealedRow, error) {
	keys := strings.Join(col.keys, ", ")
	rows, err := s.r.QueryContext(ctx, `SELECT `+keys+`, `+col.column+` FROM `+col.table+
		` WHERE `+col.column+` IS NOT NULL ORDER BY `+keys)
	if err != nil {
		return nil, s.fail("rekey: list "+col.table, err)
	}
	defer rows.Close()
	var out []sealedRow
	for rows.Next() {
		r := sealedRow{keys: make([]any, len(col.keys))}
		dest := make([]any, 0, len(col.keys)+1)
		for i := range col.keys {
			dest = append(dest, &r.keys[i])
		}
		if err := rows.Scan(append(dest, &r.value)...); err != nil {
			return nil, s.fail("rekey: list "+col.table, err)
		}
		if len(r.value) > 0 {
			out = append(out, r)
		}
	}
	return out, s.fail("rekey: list "+col.table, rows.Err())
}

func (s *Store) rekeyOne(ctx context.Context, col sealedColumn, r sealedRow, p *RekeyProgress) error {
	if !s.sealer.NeedsReseal(r.value) {
		p.Current++
		return nil
	}
	names := make([]string, len(r.keys))
	for i, k := range r.keys {
		switch v := k.(type) {
		case []byte:
			if col.keys[i] == "state_hash" {
				names[i] = hex.EncodeToString(v)
			} else {
				names[i] = string(v)
			}
		case string:
			names[i] = v
		}
	}
	at := place(col.table, col.column, names...)
	pt, err := s.unseal(col.column, r.value, at)
	if err != nil {
		s.log.Warn("sqlstore: rekey: a sealed value cannot be opened with any configured key",
			slog.String("table", col.table), slog.String("row", rowName(col, names)), slog.String("error", err.Error()))
		p.Failed++
		return nil
	}
	sealed, err := s.seal(col.column, pt, at)
	if err != nil {
		return err
	}
	where := make([]string, len(col.keys))
	args := []any{sealed}
	for i, k := range col.keys {
		args = append(args, r.keys[i])
		where[i] = k + " = $" + strconv.Itoa(len(args))
	}
	args = append(args, r.value)
	res, err := s.w.ExecContext(ctx, `UPDATE `+col.table+` SET `+col.column+` = $1 WHERE `+
		strings.Join(where, " AND ")+` AND `+col.column+` = $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return s.fail("rekey: update "+col.table, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		p.Current++ // rewritten meanwhile, by a writer sealing with the current key
		return nil
	}
	p.Resealed++
	return nil
}

// rowName names a row in a log line: ids only, never a state hash.
func rowName(col sealedColumn, names []string) string {
	if col.table == "oauth_states" {
		return "(an authorization state)"
	}
	return strings.Join(names, " ")
}

// Reseal is Rekey for a background sweep: it returns how many values it
// re-sealed and how many no configured key opens.
func (s *Store) Reseal(ctx context.Context) (resealed, failed int, err error) {
	p, err := s.Rekey(ctx, nil)
	return p.Resealed, p.Failed, err
}
