package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/rythmehq/rythme"
)

const postCols = `id, workspace_id, content, scheduled_at, timezone, tags, author, created_by, created_at, updated_at, media, thread, review, campaign_id, format,
	plan_item, challenge_week, series_id, occurrence_at, detached, author_member_id, origin, first_comment, poll`

func scanPost(sc scanner) (*rythme.Post, error) {
	p := &rythme.Post{}
	var tags, media, thread, poll string
	var authorMember sql.NullString
	if err := sc.Scan(&p.ID, &p.WorkspaceID, &p.Content, timeCol{&p.ScheduledAt}, &p.Timezone, &tags,
		&p.Author, &p.CreatedBy, timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt}, &media, &thread, &p.Review,
		&p.CampaignID, &p.Format, &p.PlanItem, &p.ChallengeWeek, &p.SeriesID, nullTimeCol{&p.OccurrenceAt}, &p.Detached,
		&authorMember, &p.Origin, &p.FirstComment, &poll); err != nil {
		return nil, err
	}
	p.AuthorMemberID = authorMember.String
	var err error
	if p.Poll, err = parsePoll(poll); err != nil {
		return nil, err
	}
	if p.Tags, err = parseTags(tags); err != nil {
		return nil, err
	}
	if p.Thread, err = parseTags(thread); err != nil {
		return nil, err
	}
	p.Media, err = parseTags(media) // the same JSON array of strings
	p.Targets = []*rythme.Target{}
	return p, err
}

// normPost gives the post's and targets' times the precision the store
// keeps, in place, so that what the caller holds equals what it reads back.
func normPost(p *rythme.Post) {
	p.ScheduledAt, p.CreatedAt, p.UpdatedAt = norm(p.ScheduledAt), norm(p.CreatedAt), norm(p.UpdatedAt)
	p.OccurrenceAt = normPtr(p.OccurrenceAt)
	if p.Media == nil {
		p.Media = []string{} // as it reads back
	}
	if p.Thread == nil {
		p.Thread = []string{}
	}
	for _, t := range p.Targets {
		t.ScheduledAt, t.CreatedAt, t.UpdatedAt = norm(t.ScheduledAt), norm(t.CreatedAt), norm(t.UpdatedAt)
		t.LeaseUntil, t.PublishedAt = normPtr(t.LeaseUntil), normPtr(t.PublishedAt)
	}
}

// CreatePost writes the post and its targets in one transaction. IDs,
// versions and timestamps are the caller's; times are normalised (UTC,
// microseconds) in place, PostID, WorkspaceID and Text of the targets
// filled. A target whose account is not one of the workspace's answers
// EINVALID; a taken id ECONFLICT.
//
// A failure leaves NewEvents as they were (they rolled back with the rest),
// so that a retry of the same post records them: the API retries a post
// that lost its posting slot.
func (s *Store) CreatePost(ctx context.Context, p *rythme.Post) error {
	events := p.NewEvents
	var err error
	if s.dialect == DialectPostgres {
		err = s.fail("create post", s.insertPostBatch(ctx, p))
	} else {
		err = s.tx(ctx, "create post", func(tx *sql.Tx) error { return s.insertPost(ctx, tx, p) })
	}
	if err != nil {
		p.NewEvents = events
	}
	return err
}

// CreatePosts writes the posts in one transaction: all or none (and, on a
// failure, every post keeps its NewEvents, as with CreatePost).
func (s *Store) CreatePosts(ctx context.Context, posts []*rythme.Post) error {
	events := make([][]rythme.PostEvent, len(posts))
	for i, p := range posts {
		events[i] = p.NewEvents
	}
	err := s.tx(ctx, "create posts", func(tx *sql.Tx) error {
		for _, p := range posts {
			if err := s.insertPost(ctx, tx, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for i, p := range posts {
			p.NewEvents = events[i]
		}
	}
	return err
}

// errOccurrenceTaken: insertPost found the series occurrence already
// materialised (by another worker, or before an edit).
var errOccurrenceTaken = errors.New("sqlstore: occurrence already materialised")

// insertPost writes a post, its events and its targets in tx; for a
// series occurrence that exists already it writes nothing and returns
// errOccurrenceTaken.
func (s *Store) insertPost(ctx context.Context, tx *sql.Tx, p *rythme.Post) error {
	args, err := s.postArgs(p)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, insertPostSQL, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return errOccurrenceTaken
	}
	if err := s.insertEvents(ctx, tx, p); err != nil {
		return err
	}
	for i, t := range p.Targets {
		t.PostID, t.WorkspaceID, t.Text = p.ID, p.WorkspaceID, p.TextFor(t)
		if err := s.insertTarget(ctx, tx, t, i); err != nil {
			return err
		}
	}
	return nil
}

// insertPostSQL inserts a post; an occurrence already materialised
// (posts_occurrence) is skipped: no row.
const insertPostSQL = `INSERT INTO posts (` + postCols + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)
	ON CONFLICT (series_id, occurrence_at) WHERE series_id <> '' DO NOTHING`

// postArgs normalises p (normPost) and returns the arguments of
// insertPostSQL.
func (s *Store) postArgs(p *rythme.Post) ([]any, error) {
	normPost(p)
	tags, err := tagsText(p.Tags)
	if err != nil {
		return nil, err
	}
	media, err := tagsText(p.Media)
	if err != nil {
		return nil, err
	}
	thread, err := tagsText(p.Thread)
	if err != nil {
		return nil, err
	}
	poll, err := pollText(p.Poll)
	if err != nil {
		return nil, err
	}
	return []any{p.ID, p.WorkspaceID, p.Content, s.ts(p.ScheduledAt), p.Timezone, tags, p.Author,
		p.CreatedBy, s.ts(p.CreatedAt), s.ts(p.UpdatedAt), media, thread, p.Review, p.CampaignID, p.Format,
		p.PlanItem, p.ChallengeWeek, p.SeriesID, s.tsPtr(p.OccurrenceAt), p.Detached, nullString(p.AuthorMemberID), p.Origin, p.FirstComment, poll}, nil
}

// insertPostBatch is CreatePost's insertPost on PostgreSQL, in one round
// trip instead of 3 + events + targets (BEGIN, post, each event, each
// target, COMMIT): the statements go out as one pgx batch, which the server
// runs as one implicit transaction, so that any error rolls all of them
// back. Hence the two differences from insertPost, whose checks come after
// a statement and before the next:
//   - the targets join their account with a LEFT JOIN (insertTargetJoin):
//     an account outside the workspace leaves account_id NULL and fails
//     its NOT NULL constraint, which aborts the batch (insertTarget's
//     SELECT would insert no row, and the batch would commit without it);
//   - a series occurrence already materialised inserts no post, and the
//     event and target rows then fail their foreign key to it: nothing is
//     written and the answer is errOccurrenceTaken, as from insertPost.
func (s *Store) insertPostBatch(ctx context.Context, p *rythme.Post) error {
	args, err := s.postArgs(p)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	b.Queue(insertPostSQL, args...)
	for _, ev := range p.NewEvents {
		b.Queue(insertEventSQL, s.eventArgs(p, ev)...)
	}
	for i, t := range p.Targets {
		t.PostID, t.WorkspaceID, t.Text = p.ID, p.WorkspaceID, p.TextFor(t)
		b.Queue(insertTargetSQL+insertTargetJoin, s.targetArgs(t, i)...)
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		br := dc.(*stdlib.Conn).Conn().SendBatch(ctx, b)
		defer br.Close() // reads what is left (after an error, the batch is rolled back)
		if tag, err := br.Exec(); err != nil {
			return err
		} else if tag.RowsAffected() == 0 {
			return errOccurrenceTaken
		}
		for range p.NewEvents {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		for i, t := range p.Targets {
			if err := br.QueryRow().Scan(&t.Network); err != nil {
				var pe *pgconn.PgError
				if errors.As(err, &pe) && pe.Code == "23502" && pe.ColumnName == "account_id" {
					return noAccount(i)
				}
				return err
			}
		}
		return br.Close()
	})
	if err == nil {
		p.NewEvents = nil
	}
	return err
}

// insertTargetSQL inserts a target with its account's network unless it
// has one; one of the FROM clauses below completes it.
const insertTargetSQL = `INSERT INTO targets (id, post_id, workspace_id, account_id, position,
		network, content, status, version, queued_version, scheduled_at, external_id, url, last_error,
		attempts, lease_until, published_at, created_at, updated_at, slotted, in_reply_to)
	SELECT $1, $2, $3, a.id, $4, CASE WHEN $5 = '' THEN a.network ELSE $5 END, $6, $7, $8, $9, $10,
		$11, $12, $13, $14, $15, $16, $17, $18, $20, $21`

const (
	// insertTargetFrom inserts no row when the account is not the
	// workspace's (insertTarget).
	insertTargetFrom = ` FROM accounts a WHERE a.id = $19 AND a.workspace_id = $3 RETURNING network`
	// insertTargetJoin fails then: account_id is NULL (insertPostBatch).
	insertTargetJoin = ` FROM (SELECT 1) one LEFT JOIN accounts a ON a.id = $19 AND a.workspace_id = $3 RETURNING network`
)

// targetArgs returns the arguments of insertTargetSQL.
func (s *Store) targetArgs(t *rythme.Target, pos int) []any {
	return []any{t.ID, t.PostID, t.WorkspaceID, pos, t.Network, t.Content, string(t.Status), t.Version,
		t.QueuedVersion, s.ts(t.ScheduledAt), t.ExternalID, t.URL, t.LastError, t.Attempts,
		s.tsPtr(t.LeaseUntil), s.tsPtr(t.PublishedAt), s.ts(t.CreatedAt), s.ts(t.UpdatedAt), t.AccountID, t.Slotted, t.InReplyTo}
}

// noAccount is the error of the target at pos whose account is not the
// workspace's.
func noAccount(pos int) error {
	return rythme.Invalid(rythme.FieldError{
		Field:   fmt.Sprintf("targets[%d].account_id", pos),
		Message: "no such account in this workspace",
	})
}

// insertTarget inserts t at position pos, checking in the same statement
// that its account belongs to the post's workspace; the network defaults
// to the account's.
func (s *Store) insertTarget(ctx context.Context, tx *sql.Tx, t *rythme.Target, pos int) error {
	var network string
	err := tx.QueryRowContext(ctx, insertTargetSQL+insertTargetFrom, s.targetArgs(t, pos)...).Scan(&network)
	if errors.Is(err, sql.ErrNoRows) {
		return noAccount(pos)
	}
	t.Network = network
	return err
}

// GetPost returns the workspace's post with its targets (Text filled);
// ENOTFOUND if none.
func (s *Store) GetPost(ctx context.Context, workspaceID, id string) (*rythme.Post, error) {
	var p *rythme.Post
	err := s.readTx(ctx, "get post", func(tx *sql.Tx) error {
		var err error
		p, err = s.loadPost(ctx, tx, workspaceID, id, "")
		return err
	})
	return p, err
}

// loadPost reads a post and its targets in tx, with suffix (FOR UPDATE)
// after both SELECTs.
func (s *Store) loadPost(ctx context.Context, tx *sql.Tx, workspaceID, id, suffix string) (*rythme.Post, error) {
	p, err := scanPost(tx.QueryRowContext(ctx,
		`SELECT `+postCols+` FROM posts WHERE id = $1 AND workspace_id = $2`+suffix, id, workspaceID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("post", id)
	}
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx,
		`SELECT `+targetCols+` FROM targets WHERE post_id = $1 ORDER BY position, id`+suffix, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scanTarget(rows, false)
		if err != nil {
			return nil, err
		}
		t.Text = p.TextFor(t)
		p.Targets = append(p.Targets, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return p, loadParts(ctx, tx, p.Targets)
}

// UpdatePost loads the post and its targets with a lock (SELECT … FOR
// UPDATE on PostgreSQL; SQLite's immediate transaction holds the write
// lock), calls fn, and saves the post and every target fn changed; each
// target UPDATE is guarded by the version loaded, and any mismatch rolls
// back with ECONFLICT. A target fn appends is inserted. fn's error is
// returned as is. fn must not call the store (on SQLite it would wait for
// the one write connection this transaction holds).
func (s *Store) UpdatePost(ctx context.Context, workspaceID, id string, fn func(*rythme.Post) error) (*rythme.Post, error) {
	var out *rythme.Post
	var fnErr error
	err := s.tx(ctx, "update post", func(tx *sql.Tx) error {
		p, err := s.loadPost(ctx, tx, workspaceID, id, s.forUpdate())
		if err != nil {
			return err
		}
		before := make(map[string]rythme.Target, len(p.Targets))
		for _, t := range p.Targets {
			before[t.ID] = *t
		}
		if fnErr = fn(p); fnErr != nil {
			return fnErr
		}
		if p.ID != id || p.WorkspaceID != workspaceID {
			return errors.New("update post: fn changed the post's id or workspace")
		}
		normPost(p)
		tags, err := tagsText(p.Tags)
		if err != nil {
			return err
		}
		media, err := tagsText(p.Media)
		if err != nil {
			return err
		}
		thread, err := tagsText(p.Thread)
		if err != nil {
			return err
		}
		poll, err := pollText(p.Poll)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE posts SET content = $1, scheduled_at = $2, timezone = $3,
			tags = $4, author = $5, updated_at = $6, media = $7, thread = $8, review = $9, format = $10, plan_item = $11,
			occurrence_at = $12, detached = $13, first_comment = $16, poll = $17 WHERE id = $14 AND workspace_id = $15`,
			p.Content, s.ts(p.ScheduledAt), p.Timezone, tags, p.Author, s.ts(p.UpdatedAt), media, thread, p.Review,
			p.Format, p.PlanItem, s.tsPtr(p.OccurrenceAt), p.Detached, p.ID, p.WorkspaceID, p.FirstComment, poll); err != nil {
			return err
		}
		if err := s.insertEvents(ctx, tx, p); err != nil {
			return err
		}
		seen := make(map[string]bool, len(p.Targets))
		for i, t := range p.Targets {
			seen[t.ID] = true
			t.Text = p.TextFor(t)
			old, ok := before[t.ID]
			if !ok {
				t.PostID, t.WorkspaceID = p.ID, p.WorkspaceID
				if err := s.insertTarget(ctx, tx, t, i); err != nil {
					return err
				}
				continue
			}
			if targetEqual(&old, t) {
				continue
			}
			if err := s.updateTarget(ctx, tx, t, old.Version, i); err != nil {
				return err
			}
		}
		for tid := range before {
			if !seen[tid] {
				return errors.New("update post: fn removed a target; targets are cancelled, never deleted")
			}
		}
		out = p
		return nil
	})
	if fnErr != nil {
		return nil, fnErr
	}
	return out, err
}

// updateTarget writes every editable field of t, guarded by the version
// loaded; no row means a concurrent change: ECONFLICT.
func (s *Store) updateTarget(ctx context.Context, tx *sql.Tx, t *rythme.Target, loaded, pos int) error {
	res, err := tx.ExecContext(ctx, `UPDATE targets SET position = $1, content = $2, status = $3,
		version = $4, queued_version = $5, scheduled_at = $6, external_id = $7, url = $8, last_error = $9,
		attempts = $10, lease_until = $11, published_at = $12, updated_at = $13, slotted = $16
		WHERE id = $14 AND version = $15`,
		pos, t.Content, string(t.Status), t.Version, t.QueuedVersion, s.ts(t.ScheduledAt), t.ExternalID,
		t.URL, t.LastError, t.Attempts, s.tsPtr(t.LeaseUntil), s.tsPtr(t.PublishedAt), s.ts(t.UpdatedAt),
		t.ID, loaded, t.Slotted)
	return s.affected("update target", res, err, func() error {
		return rythme.Errorf(rythme.ECONFLICT, "target %s changed while the post was being updated; try again", t.ID)
	})
}

// targetEqual reports whether fn left the stored fields of a target alone.
func targetEqual(a, b *rythme.Target) bool {
	ta, tb := timePtrEqual(a.LeaseUntil, b.LeaseUntil), timePtrEqual(a.PublishedAt, b.PublishedAt)
	a2, b2 := *a, *b
	a2.LeaseUntil, a2.PublishedAt, b2.LeaseUntil, b2.PublishedAt = nil, nil, nil, nil
	a2.Text, b2.Text = "", ""
	a2.Media, b2.Media, a2.Thread, b2.Thread = nil, nil, nil, nil // the post's, not the target's
	a2.Parts, b2.Parts = nil, nil                                 // written apart (SaveTargetPart)
	return ta && tb && a2.ScheduledAt.Equal(b2.ScheduledAt) && a2.UpdatedAt.Equal(b2.UpdatedAt) &&
		a2.CreatedAt.Equal(b2.CreatedAt) && sameScalars(a2, b2)
}

func sameScalars(a, b rythme.Target) bool {
	a.ScheduledAt, a.UpdatedAt, a.CreatedAt = b.ScheduledAt, b.UpdatedAt, b.CreatedAt
	a.Media, b.Media, a.Thread, b.Thread = nil, nil, nil, nil
	a.Parts, b.Parts = nil, nil
	return reflect.DeepEqual(a, b)
}

func timePtrEqual(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// insertEvents saves the post's new events, in its transaction, and
// forgets them (they are saved once).
func (s *Store) insertEvents(ctx context.Context, tx *sql.Tx, p *rythme.Post) error {
	for _, ev := range p.NewEvents {
		if _, err := tx.ExecContext(ctx, insertEventSQL, s.eventArgs(p, ev)...); err != nil {
			return err
		}
	}
	p.NewEvents = nil
	return nil
}

const insertEventSQL = `INSERT INTO post_events (workspace_id, post_id, at, actor_id, actor, action, comment)
	VALUES ($1, $2, $3, $4, $5, $6, $7)`

// eventArgs returns the arguments of insertEventSQL.
func (s *Store) eventArgs(p *rythme.Post, ev rythme.PostEvent) []any {
	return []any{p.WorkspaceID, p.ID, s.ts(ev.At), ev.ActorID, ev.Actor, ev.Action, ev.Comment}
}

// PostEvents lists the post's transitions, oldest first; ENOTFOUND when
// the workspace has no such post.
func (s *Store) PostEvents(ctx context.Context, workspaceID, postID string) ([]rythme.PostEvent, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM posts WHERE id = $1 AND workspace_id = $2`, postID, workspaceID).Scan(&n); err != nil {
		return nil, s.fail("post events", err)
	}
	if n == 0 {
		return nil, notFound("post", postID)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, post_id, at, actor_id, actor, action, comment FROM post_events
		WHERE post_id = $1 AND workspace_id = $2 ORDER BY at, id`, postID, workspaceID)
	if err != nil {
		return nil, s.fail("post events", err)
	}
	defer rows.Close()
	out := []rythme.PostEvent{}
	for rows.Next() {
		var ev rythme.PostEvent
		if err := rows.Scan(&ev.ID, &ev.PostID, timeCol{&ev.At}, &ev.ActorID, &ev.Actor, &ev.Action, &ev.Comment); err != nil {
			return nil, s.fail("post events", err)
		}
		out = append(out, ev)
	}
	return out, s.fail("post events", rows.Err())
}

// nullString is NULL for "" (a column that names something only sometimes).
func nullString(v string) any {
	if v == "" {
		return nil
	}
	return v
}
