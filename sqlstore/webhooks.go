package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rythmehq/rythme"
)

const webhookCols = `id, workspace_id, url, account_id, events, secret, created_at`

// CreateWebhook stores the subscription, its secret sealed. ID and
// CreatedAt default to a new id and now. EINVALID for an account of
// another workspace.
func (s *Store) CreateWebhook(ctx context.Context, w *rythme.Webhook) error {
	if w.ID == "" {
		w.ID = rythme.NewID(rythme.PrefixWebhook)
	}
	if w.CreatedAt.IsZero() {
		w.CreatedAt = time.Now()
	}
	w.CreatedAt = norm(w.CreatedAt)
	events, err := json.Marshal(w.Events)
	if err != nil {
		return s.fail("create webhook", err)
	}
	secret, err := s.seal("webhook secret", []byte(w.Secret), place("webhooks", "secret", w.ID))
	if err != nil {
		return err
	}
	var account any
	if w.AccountID != "" {
		account = w.AccountID
		var n int
		if err := s.w.QueryRowContext(ctx, `SELECT count(*) FROM accounts WHERE id = $1 AND workspace_id = $2`,
			w.AccountID, w.WorkspaceID).Scan(&n); err != nil {
			return s.fail("create webhook", err)
		}
		if n == 0 {
			return rythme.Invalid(rythme.FieldError{Field: "account_id", Message: "no such account in this workspace"})
		}
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO webhooks (`+webhookCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		w.ID, w.WorkspaceID, w.URL, account, string(events), secret, s.ts(w.CreatedAt))
	return s.fail("create webhook", err)
}

func (s *Store) scanWebhook(sc scanner) (*rythme.Webhook, error) {
	w := &rythme.Webhook{}
	var account sql.NullString
	var events string
	var secret []byte
	if err := sc.Scan(&w.ID, &w.WorkspaceID, &w.URL, &account, &events, &secret, timeCol{&w.CreatedAt}); err != nil {
		return nil, err
	}
	w.AccountID = account.String
	if err := json.Unmarshal([]byte(events), &w.Events); err != nil {
		return nil, errors.New("sqlstore: webhook events: not valid JSON")
	}
	pt, err := s.unseal("webhook secret", secret, place("webhooks", "secret", w.ID))
	if err != nil {
		return w, errUnopened{err}
	}
	w.Secret = string(pt)
	return w, nil
}

// errUnopened is a webhook whose secret no configured key opens: listing
// shows it (its secret is never shown anyway), delivering refuses it.
type errUnopened struct{ error }

func (e errUnopened) Unwrap() error { return e.error }

func (s *Store) listWebhooks(ctx context.Context, op string, tolerant bool, where string, args ...any) ([]*rythme.Webhook, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE `+where+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	out := []*rythme.Webhook{}
	for rows.Next() {
		w, err := s.scanWebhook(rows)
		var unopened errUnopened
		if tolerant && errors.As(err, &unopened) {
			s.log.Warn("sqlstore: a webhook's secret cannot be opened with any configured key; it cannot be delivered",
				slog.String("webhook_id", w.ID), slog.String("error", err.Error()))
			err = nil
		}
		if err != nil {
			return nil, s.fail(op, err)
		}
		out = append(out, w)
	}
	return out, s.fail(op, rows.Err())
}

// ListWebhooks lists the workspace's webhooks, oldest first.
func (s *Store) ListWebhooks(ctx context.Context, workspaceID string) ([]*rythme.Webhook, error) {
	return s.listWebhooks(ctx, "list webhooks", true, `workspace_id = $1`, workspaceID)
}

// WebhooksOf lists the webhooks of several workspaces (the worker's read
// for many events at once), oldest first.
func (s *Store) WebhooksOf(ctx context.Context, workspaceIDs []string) ([]*rythme.Webhook, error) {
	if len(workspaceIDs) == 0 {
		return []*rythme.Webhook{}, nil
	}
	marks := make([]string, len(workspaceIDs))
	args := make([]any, len(workspaceIDs))
	for i, id := range workspaceIDs {
		marks[i], args[i] = "$"+strconv.Itoa(i+1), id
	}
	return s.listWebhooks(ctx, "webhooks of workspaces", false, `workspace_id IN (`+strings.Join(marks, ", ")+`)`, args...)
}

// WebhooksFor lists the workspace's webhooks subscribed to event.
func (s *Store) WebhooksFor(ctx context.Context, workspaceID, event string) ([]*rythme.Webhook, error) {
	all, err := s.listWebhooks(ctx, "webhooks for event", false, `workspace_id = $1`, workspaceID)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, w := range all {
		if slices.Contains(w.Events, event) {
			out = append(out, w)
		}
	}
	return out, nil
}

// GetWebhook returns a webhook by id, without workspace scope.
func (s *Store) GetWebhook(ctx context.Context, id string) (*rythme.Webhook, error) {
	w, err := s.scanWebhook(s.r.QueryRowContext(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("webhook", id)
	}
	return w, s.fail("get webhook", err)
}

// DeleteWebhook removes the workspace's webhook; ENOTFOUND if none.
func (s *Store) DeleteWebhook(ctx context.Context, workspaceID, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM webhooks WHERE id = $1 AND workspace_id = $2`, id, workspaceID)
	return s.affected("delete webhook", res, err, func() error { return notFound("webhook", id) })
}
