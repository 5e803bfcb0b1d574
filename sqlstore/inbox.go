package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/rythmehq/rythme"
)

// The community inbox: items read from the networks, notes, audit trail.

const inboxCols = `id, workspace_id, account_id, network, external_id, kind, target_id, post_id, in_reply_to,
	author_handle, author_name, author_url, text, url, created_at, received_at, status, assignee_id, updated_at, flagged, own`

func scanInboxItem(sc scanner) (*rythme.InboxItem, error) {
	it := &rythme.InboxItem{}
	var flagged, own any
	err := sc.Scan(&it.ID, &it.WorkspaceID, &it.AccountID, &it.Network, &it.ExternalID, &it.Kind, &it.TargetID,
		&it.PostID, &it.InReplyTo, &it.Author.Handle, &it.Author.DisplayName, &it.Author.ProfileURL, &it.Text, &it.URL,
		timeCol{&it.CreatedAt}, timeCol{&it.ReceivedAt}, &it.Status, &it.AssigneeID, timeCol{&it.UpdatedAt}, &flagged, &own)
	it.Flagged, it.Own = truthy(flagged), truthy(own)
	return it, err
}

// SaveInboxItems inserts the items not stored yet and returns those it
// inserted, in one transaction.
func (s *Store) SaveInboxItems(ctx context.Context, items []*rythme.InboxItem) ([]*rythme.InboxItem, error) {
	var created []*rythme.InboxItem
	err := s.tx(ctx, "save inbox items", func(tx *sql.Tx) error {
		created = created[:0]
		for _, it := range items {
			if it.ID == "" {
				it.ID = rythme.NewID(rythme.PrefixInboxItem)
			}
			if it.ReceivedAt.IsZero() {
				it.ReceivedAt = time.Now()
			}
			if it.UpdatedAt.IsZero() {
				it.UpdatedAt = it.ReceivedAt
			}
			it.Normalize()
			it.CreatedAt, it.ReceivedAt, it.UpdatedAt = norm(it.CreatedAt), norm(it.ReceivedAt), norm(it.UpdatedAt)
			res, err := tx.ExecContext(ctx, `INSERT INTO inbox_items (`+inboxCols+`)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
				ON CONFLICT (account_id, external_id) DO NOTHING`,
				it.ID, it.WorkspaceID, it.AccountID, it.Network, it.ExternalID, string(it.Kind), it.TargetID, it.PostID,
				it.InReplyTo, it.Author.Handle, it.Author.DisplayName, it.Author.ProfileURL, it.Text, it.URL,
				s.ts(it.CreatedAt), s.ts(it.ReceivedAt), string(it.Status), it.AssigneeID, s.ts(it.UpdatedAt), it.Flagged, it.Own)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				if err != nil {
					return err
				}
				continue // already stored
			}
			if err := s.insertInboxEvents(ctx, tx, it.WorkspaceID, it.ID, it.NewEvents); err != nil {
				return err
			}
			it.Audit, it.NewEvents = it.NewEvents, nil
			created = append(created, it)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return created, nil
}

func (s *Store) insertInboxEvents(ctx context.Context, tx *sql.Tx, workspaceID, itemID string, evs []rythme.InboxEvent) error {
	for _, e := range evs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO inbox_events (id, workspace_id, item_id, at, actor_id, actor, action, reason)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, rythme.NewID(rythme.PrefixInboxEvent), workspaceID, itemID,
			s.ts(e.At), e.ActorID, e.Actor, e.Action, e.Reason); err != nil {
			return err
		}
	}
	return nil
}

// GetInboxItem returns the workspace's item with its notes and audit trail.
func (s *Store) GetInboxItem(ctx context.Context, workspaceID, id string) (*rythme.InboxItem, error) {
	var it *rythme.InboxItem
	err := s.readTx(ctx, "get inbox item", func(tx *sql.Tx) error {
		var err error
		it, err = scanInboxItem(tx.QueryRowContext(ctx, `SELECT `+inboxCols+` FROM inbox_items
			WHERE id = $1 AND workspace_id = $2`, id, workspaceID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("inbox item", id)
		}
		if err != nil {
			return err
		}
		return s.loadInboxDetail(ctx, tx, it)
	})
	if err != nil {
		return nil, err
	}
	return it, nil
}

func (s *Store) loadInboxDetail(ctx context.Context, tx *sql.Tx, it *rythme.InboxItem) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, author_id, author, text, created_at FROM inbox_notes
		WHERE item_id = $1 ORDER BY created_at, id`, it.ID)
	if err != nil {
		return err
	}
	it.Notes = []rythme.InboxNote{}
	for rows.Next() {
		n := rythme.InboxNote{ItemID: it.ID}
		if err := rows.Scan(&n.ID, &n.AuthorID, &n.Author, &n.Text, timeCol{&n.CreatedAt}); err != nil {
			rows.Close()
			return err
		}
		it.Notes = append(it.Notes, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = tx.QueryContext(ctx, `SELECT at, actor_id, actor, action, reason FROM inbox_events
		WHERE item_id = $1 ORDER BY at, id`, it.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	it.Audit = []rythme.InboxEvent{}
	for rows.Next() {
		e := rythme.InboxEvent{ItemID: it.ID}
		if err := rows.Scan(timeCol{&e.At}, &e.ActorID, &e.Actor, &e.Action, &e.Reason); err != nil {
			return err
		}
		it.Audit = append(it.Audit, e)
	}
	return rows.Err()
}

// ListInboxItems returns a page of the workspace's items, newest first.
func (s *Store) ListInboxItems(ctx context.Context, workspaceID string, f rythme.InboxFilter) ([]*rythme.InboxItem, string, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = rythme.DefaultInboxMax
	}
	limit = min(limit, rythme.MaxInboxLimit)
	if f.Status != "" && !f.Status.Valid() {
		return nil, "", rythme.Invalid(rythme.FieldError{Field: "status", Message: "must be one of new, assigned, done, hidden"})
	}
	var sb strings.Builder
	args := []any{workspaceID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	sb.WriteString(`SELECT ` + inboxCols + ` FROM inbox_items WHERE workspace_id = $1`)
	if f.AccountID != "" {
		sb.WriteString(` AND account_id = ` + arg(f.AccountID))
	}
	if f.Network != "" {
		sb.WriteString(` AND network = ` + arg(f.Network))
	}
	if f.PostID != "" {
		sb.WriteString(` AND post_id = ` + arg(f.PostID))
	}
	if f.Status != "" {
		sb.WriteString(` AND status = ` + arg(string(f.Status)))
	}
	if f.Author != "" {
		sb.WriteString(` AND lower(author_handle) = ` + arg(strings.ToLower(f.Author)))
	}
	if f.Flagged {
		sb.WriteString(` AND flagged = ` + arg(true))
	}
	if f.AssigneeID != "" {
		sb.WriteString(` AND assignee_id = ` + arg(f.AssigneeID))
	}
	if f.Cursor != "" {
		at, id, ok := decodeCursor(f.Cursor)
		if !ok {
			return nil, "", rythme.Invalid(rythme.FieldError{Field: "cursor", Message: "is not a cursor returned by this list"})
		}
		sb.WriteString(` AND (created_at, id) < (` + arg(s.ts(at)) + `, ` + arg(id) + `)`)
	}
	sb.WriteString(` ORDER BY created_at DESC, id DESC LIMIT ` + arg(limit+1))
	rows, err := s.r.QueryContext(ctx, sb.String(), args...)
	if err != nil {
		return nil, "", s.fail("list inbox", err)
	}
	defer rows.Close()
	items := []*rythme.InboxItem{}
	for rows.Next() {
		it, err := scanInboxItem(rows)
		if err != nil {
			return nil, "", s.fail("list inbox", err)
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, "", s.fail("list inbox", err)
	}
	next := ""
	if len(items) > limit {
		items = items[:limit]
		last := items[limit-1]
		next = encodeCursor(last.CreatedAt, last.ID)
	}
	return items, next, nil
}

// UpdateInboxItem changes the item's triage under a row lock.
func (s *Store) UpdateInboxItem(ctx context.Context, workspaceID, id string, fn func(*rythme.InboxItem) error) (*rythme.InboxItem, error) {
	var it *rythme.InboxItem
	var fnErr error
	err := s.tx(ctx, "update inbox item", func(tx *sql.Tx) error {
		var err error
		it, err = scanInboxItem(tx.QueryRowContext(ctx, `SELECT `+inboxCols+` FROM inbox_items
			WHERE id = $1 AND workspace_id = $2`+s.forUpdate(), id, workspaceID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("inbox item", id)
		}
		if err != nil {
			return err
		}
		if fnErr = fn(it); fnErr != nil {
			return fnErr
		}
		it.UpdatedAt = norm(it.UpdatedAt)
		if _, err := tx.ExecContext(ctx, `UPDATE inbox_items SET status = $1, assignee_id = $2, updated_at = $3, flagged = $4
			WHERE id = $5`, string(it.Status), it.AssigneeID, s.ts(it.UpdatedAt), it.Flagged, it.ID); err != nil {
			return err
		}
		if err := s.insertInboxEvents(ctx, tx, workspaceID, it.ID, it.NewEvents); err != nil {
			return err
		}
		it.NewEvents = nil
		return s.loadInboxDetail(ctx, tx, it)
	})
	if fnErr != nil {
		return nil, fnErr
	}
	if err != nil {
		return nil, err
	}
	return it, nil
}

// AddInboxNote stores a note on the workspace's item, with its audit event.
func (s *Store) AddInboxNote(ctx context.Context, workspaceID string, n *rythme.InboxNote) error {
	if n.ID == "" {
		n.ID = rythme.NewID(rythme.PrefixInboxNote)
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = time.Now()
	}
	n.CreatedAt = norm(n.CreatedAt)
	return s.tx(ctx, "add inbox note", func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM inbox_items WHERE id = $1 AND workspace_id = $2`, n.ItemID, workspaceID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("inbox item", n.ItemID)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO inbox_notes (id, workspace_id, item_id, author_id, author, text, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, n.ID, workspaceID, n.ItemID, n.AuthorID, n.Author, n.Text, s.ts(n.CreatedAt)); err != nil {
			return err
		}
		return s.insertInboxEvents(ctx, tx, workspaceID, n.ItemID, []rythme.InboxEvent{{At: n.CreatedAt, ActorID: n.AuthorID,
			Actor: n.Author, Action: rythme.InboxActionNote}})
	})
}

// CreateInboxRule stores a moderation rule.
func (s *Store) CreateInboxRule(ctx context.Context, r *rythme.InboxRule) error {
	if r.ID == "" {
		r.ID = rythme.NewID(rythme.PrefixInboxRule)
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now()
	}
	r.CreatedAt = norm(r.CreatedAt)
	terms, err := tagsText(r.Terms)
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO inbox_rules (id, workspace_id, name, kind, terms, action, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, r.ID, r.WorkspaceID, r.Name, string(r.Kind), terms, string(r.Action),
		r.CreatedBy, s.ts(r.CreatedAt))
	return s.fail("create inbox rule", err)
}

// ListInboxRules lists the workspace's rules, oldest first.
func (s *Store) ListInboxRules(ctx context.Context, workspaceID string) ([]*rythme.InboxRule, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, workspace_id, name, kind, terms, action, created_by, created_at
		FROM inbox_rules WHERE workspace_id = $1 ORDER BY created_at, id`, workspaceID)
	if err != nil {
		return nil, s.fail("list inbox rules", err)
	}
	defer rows.Close()
	out := []*rythme.InboxRule{}
	for rows.Next() {
		r := &rythme.InboxRule{}
		var terms string
		if err := rows.Scan(&r.ID, &r.WorkspaceID, &r.Name, &r.Kind, &terms, &r.Action, &r.CreatedBy, timeCol{&r.CreatedAt}); err != nil {
			return nil, s.fail("list inbox rules", err)
		}
		if r.Terms, err = parseTags(terms); err != nil {
			return nil, s.fail("list inbox rules", err)
		}
		out = append(out, r)
	}
	return out, s.fail("list inbox rules", rows.Err())
}

// DeleteInboxRule removes the workspace's rule; ENOTFOUND if none.
func (s *Store) DeleteInboxRule(ctx context.Context, workspaceID, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM inbox_rules WHERE id = $1 AND workspace_id = $2`, id, workspaceID)
	return s.affected("delete inbox rule", res, err, func() error { return notFound("inbox rule", id) })
}

// CountInboxAuthors counts the workspace's items of a period by author
// (network and lower-cased handle), with the name and profile URL of each
// author's latest item.
func (s *Store) CountInboxAuthors(ctx context.Context, workspaceID string, f rythme.InboxAuthorFilter) ([]rythme.InboxAuthorCount, error) {
	args := []any{workspaceID, s.ts(f.From), s.ts(f.To)}
	where := `workspace_id = $1 AND created_at >= $2 AND created_at < $3`
	if f.Network != "" {
		args = append(args, f.Network)
		where += ` AND network = $4`
	}
	q := `WITH items AS (
		SELECT network, lower(author_handle) AS who, author_handle, author_name, author_url, kind, post_id, created_at,
			row_number() OVER (PARTITION BY network, lower(author_handle) ORDER BY created_at DESC, id DESC) AS nth
		FROM inbox_items WHERE ` + where + `)
	SELECT network, who,
		max(CASE WHEN nth = 1 THEN author_handle END), max(CASE WHEN nth = 1 THEN author_name END),
		max(CASE WHEN nth = 1 THEN author_url END),
		sum(CASE WHEN kind = 'comment' THEN 1 ELSE 0 END), sum(CASE WHEN kind = 'reply' THEN 1 ELSE 0 END),
		sum(CASE WHEN kind = 'mention' THEN 1 ELSE 0 END),
		count(DISTINCT CASE WHEN kind <> 'mention' AND post_id <> '' THEN post_id END), max(created_at)
	FROM items GROUP BY network, who`
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.fail("count inbox authors", err)
	}
	defer rows.Close()
	out := []rythme.InboxAuthorCount{}
	for rows.Next() {
		var c rythme.InboxAuthorCount
		var who string
		if err := rows.Scan(&c.Network, &who, &c.Author.Handle, &c.Author.DisplayName, &c.Author.ProfileURL,
			&c.Comments, &c.Replies, &c.Mentions, &c.Posts, timeCol{&c.LastAt}); err != nil {
			return nil, s.fail("count inbox authors", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("count inbox authors", err)
	}
	return out, nil
}
