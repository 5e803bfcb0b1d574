package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/rythmehq/rythme"
)

// historyCols are the account's history import columns, as historyRow
// scans them (after accountRead's others).
const historyCols = `history_status, history_since, history_imported, history_read, history_cursor,
	history_started_at, history_updated_at, history_finished_at, history_error`

// historyRow is an account's history import as stored.
type historyRow struct {
	status, cursor, err               string
	imported, read                    int
	since, started, updated, finished *time.Time
}

// toImport is the import the row holds, or nil when none was asked.
func (h historyRow) toImport() *rythme.HistoryImport {
	if h.status == "" {
		return nil
	}
	hi := &rythme.HistoryImport{Status: rythme.HistoryStatus(h.status), Imported: h.imported, Read: h.read,
		Cursor: h.cursor, FinishedAt: h.finished, Error: h.err}
	for _, p := range []struct {
		dst *time.Time
		src *time.Time
	}{{&hi.Since, h.since}, {&hi.StartedAt, h.started}, {&hi.UpdatedAt, h.updated}} {
		if p.src != nil {
			*p.dst = *p.src
		}
	}
	return hi
}

// StartHistory marks the account's import running: see rythme.HistoryStore.
func (s *Store) StartHistory(ctx context.Context, accountID string, since, now, staleBefore time.Time) (*rythme.HistoryImport, error) {
	since, now = norm(since), norm(now)
	var out *rythme.HistoryImport
	err := s.tx(ctx, "start history", func(tx *sql.Tx) error {
		var h historyRow
		err := tx.QueryRowContext(ctx, `SELECT `+historyCols+` FROM accounts WHERE id = $1`+s.forUpdate(), accountID).
			Scan(&h.status, nullTimeCol{&h.since}, &h.imported, &h.read, &h.cursor, nullTimeCol{&h.started},
				nullTimeCol{&h.updated}, nullTimeCol{&h.finished}, &h.err)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("account", accountID)
		}
		if err != nil {
			return err
		}
		cur := h.toImport()
		switch {
		case cur != nil && cur.Status == rythme.HistoryRunning && !cur.UpdatedAt.Before(norm(staleBefore)):
			return rythme.Errorf(rythme.ECONFLICT, "the account's history is being imported (%d posts so far)", cur.Imported)
		case cur != nil && cur.Status != rythme.HistoryDone: // failed, or running but lost: go on
			cur.Status, cur.UpdatedAt, cur.FinishedAt, cur.Error = rythme.HistoryRunning, now, nil, ""
		default:
			cur = &rythme.HistoryImport{Status: rythme.HistoryRunning, Since: since, StartedAt: now, UpdatedAt: now}
		}
		_, err = tx.ExecContext(ctx, `UPDATE accounts SET history_status = $2, history_since = $3, history_imported = $4,
				history_read = $5, history_cursor = $6, history_started_at = $7, history_updated_at = $8,
				history_finished_at = NULL, history_error = '' WHERE id = $1`,
			accountID, string(cur.Status), s.ts(cur.Since), cur.Imported, cur.Read, cur.Cursor, s.ts(cur.StartedAt), s.ts(now))
		out = cur
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SaveHistoryPage stores a page of an import: see rythme.HistoryStore.
func (s *Store) SaveHistoryPage(ctx context.Context, accountID string, posts []rythme.HistoryPost, cursor string, done bool, now time.Time) (int, error) {
	now = norm(now)
	added := 0
	err := s.tx(ctx, "save history page", func(tx *sql.Tx) error {
		var ws, status string
		err := tx.QueryRowContext(ctx, `SELECT workspace_id, history_status FROM accounts WHERE id = $1`+s.forUpdate(), accountID).
			Scan(&ws, &status)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("account", accountID)
		}
		if err != nil {
			return err
		}
		if status != string(rythme.HistoryRunning) {
			return rythme.Errorf(rythme.ECONFLICT, "the account's history import is not running (%q)", status)
		}
		for _, hp := range posts {
			ok, err := s.importPost(ctx, tx, ws, accountID, hp, now)
			if err != nil {
				return err
			}
			if ok {
				added++
			}
		}
		var finished any
		st := rythme.HistoryRunning
		if done {
			finished, st = s.ts(now), rythme.HistoryDone
		}
		_, err = tx.ExecContext(ctx, `UPDATE accounts SET history_status = $2, history_imported = history_imported + $3,
				history_read = history_read + $4, history_cursor = $5, history_updated_at = $6, history_finished_at = $7
			WHERE id = $1`, accountID, string(st), added, len(posts), cursor, s.ts(now), finished)
		return err
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

// importPost stores hp as an imported post of the account, with one
// reading, unless the account has it already (imported, or published by
// rythme, a thread's part included). It reports whether it stored it.
func (s *Store) importPost(ctx context.Context, tx *sql.Tx, ws, accountID string, hp rythme.HistoryPost, now time.Time) (bool, error) {
	if hp.ExternalID == "" {
		return false, rythme.Invalid(rythme.FieldError{Field: "external_id", Message: "is required"})
	}
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM history_posts WHERE account_id = $1 AND external_id = $2
		UNION ALL SELECT 1 FROM targets WHERE account_id = $1 AND external_id = $2
		UNION ALL SELECT 1 FROM target_parts tp JOIN targets t ON t.id = tp.target_id
			WHERE t.account_id = $1 AND tp.external_id = $2
		LIMIT 1`, accountID, hp.ExternalID).Scan(&one)
	if err == nil {
		return false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, err
	}
	at := norm(hp.PublishedAt)
	p := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: ws, Content: strings.ToValidUTF8(hp.Text, ""),
		ScheduledAt: at, Timezone: "UTC", Tags: []string{}, Origin: rythme.OriginImported, CreatedBy: rythme.ActorRythme,
		CreatedAt: now, UpdatedAt: now,
		NewEvents: []rythme.PostEvent{{At: now, Actor: rythme.ActorRythme, Action: "imported",
			Comment: "published outside rythme; read from the network with its engagement"}}}
	t := &rythme.Target{ID: rythme.NewID(rythme.PrefixTarget), AccountID: accountID, Status: rythme.TargetPublished,
		Version: 1, QueuedVersion: 1, ScheduledAt: at, ExternalID: hp.ExternalID, URL: hp.URL, PublishedAt: &at,
		CreatedAt: now, UpdatedAt: now}
	p.Targets = []*rythme.Target{t}
	if err := s.insertPost(ctx, tx, p); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO history_posts (account_id, external_id, target_id) VALUES ($1, $2, $3)`,
		accountID, hp.ExternalID, t.ID); err != nil {
		return false, err
	}
	// Its later readings follow the schedule from where its age is.
	step := len(rythme.MetricsSchedule)
	for i, d := range rythme.MetricsSchedule {
		if at.Add(d).After(now) {
			step = i
			break
		}
	}
	m := hp.Metrics
	if m.At.IsZero() {
		m.At = now
	}
	if m.Deleted {
		step = len(rythme.MetricsSchedule)
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO metric_snapshots (workspace_id, target_id, account_id, network, at,
			impressions, reach, likes, comments, shares, saves, clicks, video_views, deleted)
		SELECT workspace_id, id, account_id, network, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM targets WHERE id = $1
		RETURNING id`,
		t.ID, s.ts(norm(m.At)), nullInt(m.Impressions), nullInt(m.Reach), nullInt(m.Likes), nullInt(m.Comments),
		nullInt(m.Shares), nullInt(m.Saves), nullInt(m.Clicks), nullInt(m.VideoViews), m.Deleted).Scan(&id); err != nil {
		return false, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE targets SET metrics_step = $2, metrics_next_at = $3,
			latest_snapshot_id = $4, latest_snapshot_at = $5, `+latestSet("", 6)+` WHERE id = $1`,
		append([]any{t.ID, step, s.tsPtr(rythme.NextMetricsAt(at, step)), id, s.ts(norm(m.At))}, readingValues(m)...)...)
	return true, err
}

// FailHistory stops a running import: see rythme.HistoryStore.
func (s *Store) FailHistory(ctx context.Context, accountID, reason string, now time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE accounts SET history_status = 'failed', history_error = $2,
			history_updated_at = $3 WHERE id = $1 AND history_status = 'running'`, accountID, reason, s.ts(norm(now)))
	return s.affected("fail history", res, err, func() error {
		if _, err := s.AccountByID(ctx, accountID); err != nil {
			return err
		}
		return rythme.Errorf(rythme.ECONFLICT, "the account's history import is not running")
	})
}
