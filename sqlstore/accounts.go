package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/rythmehq/rythme"
)

const accountCols = `id, workspace_id, network, instance_url, external_id, username, display_name,
	profile_url, status, status_reason, meta, token, created_at, updated_at`

// accountRead is what scanAccount reads.
const accountRead = accountCols + `, schedule, last_metrics_at, last_metrics_error, last_metrics_error_at, metrics_failures,
	` + historyCols

// sealToken encodes the token as JSON and seals it, bound to the account
// id; a zero token is NULL.
func (s *Store) sealToken(id string, tok rythme.Token) ([]byte, error) {
	if tok == (rythme.Token{}) {
		return nil, nil
	}
	b, err := json.Marshal(tok)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: encode token: %w", err)
	}
	return s.seal("token", b, place("accounts", "token", id))
}

// unopenedReason is the status reason of an account whose sealed token no
// configured key opens.
const unopenedReason = "its stored token cannot be decrypted with the configured RYTHME_SECRET_KEY " +
	"(a key was dropped before 'rythme rekey' re-sealed it): reconnect the account"

func (s *Store) scanAccount(sc scanner) (*rythme.Account, error) {
	a := &rythme.Account{}
	var status, meta, schedule string
	var token []byte
	var h historyRow
	if err := sc.Scan(&a.ID, &a.WorkspaceID, &a.Network, &a.InstanceURL, &a.ExternalID, &a.Username,
		&a.DisplayName, &a.ProfileURL, &status, &a.StatusReason, &meta, &token,
		timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt}, &schedule, nullTimeCol{&a.LastMetricsAt}, &a.LastMetricsError,
		nullTimeCol{&a.LastMetricsErrorAt}, &a.MetricsFailures,
		&h.status, nullTimeCol{&h.since}, &h.imported, &h.read, &h.cursor, nullTimeCol{&h.started},
		nullTimeCol{&h.updated}, nullTimeCol{&h.finished}, &h.err); err != nil {
		return nil, err
	}
	a.History = h.toImport()
	if schedule != "" {
		a.Schedule = &rythme.PostingSchedule{}
		if err := json.Unmarshal([]byte(schedule), a.Schedule); err != nil {
			return nil, errors.New("sqlstore: account schedule: not valid JSON")
		}
	}
	a.Status = rythme.AccountStatus(status)
	var err error
	if a.Meta, err = parseMap(meta); err != nil {
		return nil, err
	}
	if len(token) > 0 {
		pt, err := s.unseal("token", token, place("accounts", "token", a.ID))
		if err != nil {
			// A token no configured key opens (RYTHME_SECRET_KEY lost a key
			// still in use, or the blob was moved here from another row) is
			// an account to reconnect, not a failure of every list.
			s.log.Warn("sqlstore: an account's token cannot be opened; it shows as needs_reconnect",
				slog.String("account_id", a.ID), slog.String("error", err.Error()))
			a.Status = rythme.AccountNeedsReconnect
			a.StatusReason = unopenedReason
			return a, nil
		}
		if err := json.Unmarshal(pt, &a.Token); err != nil {
			return nil, errors.New("sqlstore: decode token: not valid JSON") // never echo the plaintext
		}
	}
	return a, nil
}

// UpsertAccount inserts the account, or, when the workspace already has
// the same (network, instance_url, external_id), updates its profile,
// token and meta and sets it connected. ID and CreatedAt are filled from
// the stored row; Status defaults to connected.
func (s *Store) UpsertAccount(ctx context.Context, a *rythme.Account) error {
	now := norm(time.Now())
	if a.ID == "" {
		a.ID = rythme.NewID(rythme.PrefixAccount)
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = now
	}
	if a.Status == "" {
		a.Status = rythme.AccountConnected
	}
	a.CreatedAt, a.UpdatedAt = norm(a.CreatedAt), norm(a.UpdatedAt)
	sealedFor := a.ID
	token, err := s.sealToken(sealedFor, a.Token)
	if err != nil {
		return err
	}
	meta, err := mapText(a.Meta)
	if err != nil {
		return err
	}
	var status string
	err = s.w.QueryRowContext(ctx, `INSERT INTO accounts (`+accountCols+`, token_expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (workspace_id, network, instance_url, external_id) DO UPDATE SET
			username = excluded.username, display_name = excluded.display_name,
			profile_url = excluded.profile_url, meta = excluded.meta, token = excluded.token,
			token_expires_at = excluded.token_expires_at,
			status = 'connected', status_reason = '', updated_at = excluded.updated_at
		RETURNING id, status, status_reason, created_at`,
		a.ID, a.WorkspaceID, a.Network, a.InstanceURL, a.ExternalID, a.Username, a.DisplayName,
		a.ProfileURL, string(a.Status), a.StatusReason, meta, token, s.ts(a.CreatedAt), s.ts(a.UpdatedAt),
		s.expiry(a.Token)).
		Scan(&a.ID, &status, &a.StatusReason, timeCol{&a.CreatedAt})
	if err != nil {
		return s.fail("upsert account", err)
	}
	a.Status = rythme.AccountStatus(status)
	if a.ID != sealedFor && token != nil {
		// The account existed under another id: bind its token to that one.
		if token, err = s.sealToken(a.ID, a.Token); err != nil {
			return err
		}
		_, err = s.w.ExecContext(ctx, `UPDATE accounts SET token = $1 WHERE id = $2`, token, a.ID)
		return s.fail("upsert account", err)
	}
	return nil
}

// GetAccount returns the workspace's account; ENOTFOUND if none.
func (s *Store) GetAccount(ctx context.Context, workspaceID, id string) (*rythme.Account, error) {
	a, err := s.scanAccount(s.r.QueryRowContext(ctx,
		`SELECT `+accountRead+` FROM accounts WHERE id = $1 AND workspace_id = $2`, id, workspaceID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("account", id)
	}
	return a, s.fail("get account", err)
}

// AccountByID is GetAccount without workspace scope, for workers.
func (s *Store) AccountByID(ctx context.Context, id string) (*rythme.Account, error) {
	a, err := s.scanAccount(s.r.QueryRowContext(ctx, `SELECT `+accountRead+` FROM accounts WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("account", id)
	}
	return a, s.fail("account by id", err)
}

// accountsBatch is how many ids one AccountsByID statement carries.
const accountsBatch = 500

// AccountsByID returns the accounts of ids that exist, in no particular
// order, without workspace scope (the worker's read of many at once).
func (s *Store) AccountsByID(ctx context.Context, ids []string) ([]*rythme.Account, error) {
	out := make([]*rythme.Account, 0, len(ids))
	for off := 0; off < len(ids); off += accountsBatch {
		chunk := ids[off:min(len(ids), off+accountsBatch)]
		marks := make([]string, len(chunk))
		args := make([]any, len(chunk))
		for i, id := range chunk {
			marks[i], args[i] = "$"+strconv.Itoa(i+1), id
		}
		got, err := s.queryAccounts(ctx, "accounts by id",
			`SELECT `+accountRead+` FROM accounts WHERE id IN (`+strings.Join(marks, ", ")+`)`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// ListAccounts lists the workspace's accounts, oldest first.
func (s *Store) ListAccounts(ctx context.Context, workspaceID string) ([]*rythme.Account, error) {
	return s.queryAccounts(ctx, "list accounts",
		`SELECT `+accountRead+` FROM accounts WHERE workspace_id = $1 ORDER BY created_at, id`, workspaceID)
}

// queryAccounts runs a query of accountRead and scans every
// row.
func (s *Store) queryAccounts(ctx context.Context, op, query string, args ...any) ([]*rythme.Account, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	out := []*rythme.Account{}
	for rows.Next() {
		a, err := s.scanAccount(rows)
		if err != nil {
			return nil, s.fail(op, err)
		}
		out = append(out, a)
	}
	return out, s.fail(op, rows.Err())
}

// UpdateAccountToken replaces the account's sealed token; ENOTFOUND if
// there is no such account.
func (s *Store) UpdateAccountToken(ctx context.Context, id string, tok rythme.Token) error {
	token, err := s.sealToken(id, tok)
	if err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, `UPDATE accounts SET token = $1, token_expires_at = $2, updated_at = $3 WHERE id = $4`,
		token, s.expiry(tok), s.ts(time.Now()), id)
	return s.affected("update account token", res, err, func() error { return notFound("account", id) })
}

// expiry is the token_expires_at argument: NULL for a token that never
// expires.
func (s *Store) expiry(tok rythme.Token) any {
	if tok.Expiry.IsZero() {
		return nil
	}
	return s.ts(tok.Expiry)
}

// AccountsExpiring lists connected accounts whose token expires before
// before, soonest first, at most limit (default 100).
func (s *Store) AccountsExpiring(ctx context.Context, before time.Time, limit int) ([]*rythme.Account, error) {
	if limit <= 0 {
		limit = 100
	}
	return s.queryAccounts(ctx, "accounts expiring", `SELECT `+accountRead+` FROM accounts
		WHERE status = 'connected' AND token_expires_at IS NOT NULL AND token_expires_at < $1
		ORDER BY token_expires_at, id LIMIT $2`, s.ts(before), limit)
}

// SetAccountStatus changes the status (EINVALID for an unknown one);
// AccountDisconnected also wipes the token. ENOTFOUND if no such account.
func (s *Store) SetAccountStatus(ctx context.Context, id string, status rythme.AccountStatus, reason string) error {
	switch status {
	case rythme.AccountConnected, rythme.AccountNeedsReconnect, rythme.AccountDisconnected:
	default:
		return rythme.Invalid(rythme.FieldError{Field: "status", Message: "is not a known account status"})
	}
	res, err := s.w.ExecContext(ctx, `UPDATE accounts SET status = $1, status_reason = $2, updated_at = $3,
		token = CASE WHEN $1 = 'disconnected' THEN NULL ELSE token END WHERE id = $4`,
		string(status), reason, s.ts(time.Now()), id)
	return s.affected("set account status", res, err, func() error { return notFound("account", id) })
}

// RecordMetricsRead notes a successful engagement read and clears the
// read error; ENOTFOUND if no such account.
func (s *Store) RecordMetricsRead(ctx context.Context, accountID string, at time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE accounts SET last_metrics_at = $1, last_metrics_error = '',
		last_metrics_error_at = NULL, metrics_failures = 0 WHERE id = $2`, s.ts(at), accountID)
	return s.affected("record metrics read", res, err, func() error { return notFound("account", accountID) })
}

// RecordMetricsError notes a failed engagement read (failures: how many in
// a row); ENOTFOUND if no such account.
func (s *Store) RecordMetricsError(ctx context.Context, accountID, reason string, at time.Time, failures int) error {
	res, err := s.w.ExecContext(ctx, `UPDATE accounts SET last_metrics_error = $1, last_metrics_error_at = $2,
		metrics_failures = $3 WHERE id = $4`, reason, s.ts(at), failures, accountID)
	return s.affected("record metrics error", res, err, func() error { return notFound("account", accountID) })
}

// affected translates an Exec's outcome: err as fail does, and none() when
// no row changed.
func (s *Store) affected(op string, res sql.Result, err error, none func() error) error {
	if err != nil {
		return s.fail(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.fail(op, err)
	}
	if n == 0 {
		return none()
	}
	return nil
}

// SetAccountSchedule saves the account's posting slots and cadence (nil
// clears them).
func (s *Store) SetAccountSchedule(ctx context.Context, workspaceID, id string, sched *rythme.PostingSchedule) error {
	text := ""
	if sched != nil {
		b, err := json.Marshal(sched)
		if err != nil {
			return s.fail("set account schedule", err)
		}
		text = string(b)
	}
	res, err := s.w.ExecContext(ctx, `UPDATE accounts SET schedule = $1, updated_at = $2 WHERE id = $3 AND workspace_id = $4`,
		text, s.ts(time.Now()), id, workspaceID)
	return s.affected("set account schedule", res, err, func() error { return notFound("account", id) })
}

// TakenTimes returns, per account, the times its live targets are
// scheduled at in [from, to).
func (s *Store) TakenTimes(ctx context.Context, workspaceID string, accountIDs []string, from, to time.Time) (map[string][]time.Time, error) {
	out := map[string][]time.Time{}
	for _, id := range accountIDs {
		rows, err := s.r.QueryContext(ctx, `SELECT scheduled_at FROM targets WHERE workspace_id = $1 AND account_id = $2
			AND scheduled_at >= $3 AND scheduled_at < $4 AND status <> 'cancelled' ORDER BY scheduled_at`,
			workspaceID, id, s.ts(from), s.ts(to))
		if err != nil {
			return nil, s.fail("taken times", err)
		}
		for rows.Next() {
			var at time.Time
			if err := rows.Scan(timeCol{&at}); err != nil {
				rows.Close()
				return nil, s.fail("taken times", err)
			}
			out[id] = append(out[id], at)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, s.fail("taken times", err)
		}
	}
	return out, nil
}
