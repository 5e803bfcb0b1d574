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

// targetCols are the targets columns every query reads, in scanTarget's
// order; tcols is the same with the t. alias.
const targetCols = `id, post_id, workspace_id, account_id, network, content, status, version,
	queued_version, scheduled_at, external_id, url, last_error, attempts, lease_until, published_at,
	created_at, updated_at, in_reply_to`

var tcols = "t." + strings.Join(strings.Split(strings.ReplaceAll(targetCols, "\n\t", " "), ", "), ", t.")

// claimedCols is targetCols qualified by the table's name, for a RETURNING
// clause whose FROM joins posts.
var claimedCols = "targets." + strings.Join(strings.Split(strings.ReplaceAll(targetCols, "\n\t", " "), ", "), ", targets.")

// postText is the post's content, for Text, in a RETURNING clause: both
// backends allow a scalar subquery there, which keeps a claim one statement.
// https://sqlite.org/lang_returning.html (limitations, item 6)
const postText = `(SELECT p.content FROM posts p WHERE p.id = targets.post_id),
	(SELECT p.media FROM posts p WHERE p.id = targets.post_id),
	(SELECT p.thread FROM posts p WHERE p.id = targets.post_id),
	(SELECT p.first_comment FROM posts p WHERE p.id = targets.post_id),
	(SELECT p.poll FROM posts p WHERE p.id = targets.post_id)`

// scanTarget scans targetCols and then, when withText, the post's content,
// from which it fills Text.
func scanTarget(sc scanner, withText bool) (*rythme.Target, error) {
	t := &rythme.Target{}
	var status, postContent, postMedia, postThread, postPoll string
	dest := []any{&t.ID, &t.PostID, &t.WorkspaceID, &t.AccountID, &t.Network, &t.Content, &status,
		&t.Version, &t.QueuedVersion, timeCol{&t.ScheduledAt}, &t.ExternalID, &t.URL, &t.LastError,
		&t.Attempts, nullTimeCol{&t.LeaseUntil}, nullTimeCol{&t.PublishedAt}, timeCol{&t.CreatedAt},
		timeCol{&t.UpdatedAt}, &t.InReplyTo}
	if withText {
		dest = append(dest, &postContent, &postMedia, &postThread, &t.CommentText, &postPoll)
	}
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	if withText {
		media, err := parseTags(postMedia)
		if err != nil {
			return nil, err
		}
		if len(media) > 0 {
			t.Media = media
		}
		thread, err := parseTags(postThread)
		if err != nil {
			return nil, err
		}
		if len(thread) > 0 {
			t.Thread = thread
		}
		if t.Poll, err = parsePoll(postPoll); err != nil {
			return nil, err
		}
	}
	t.Status = rythme.TargetStatus(status)
	t.Text = t.Content
	if t.Text == "" {
		t.Text = postContent
	}
	return t, nil
}

// GetTarget returns a target with Text filled; ENOTFOUND if none.
func (s *Store) GetTarget(ctx context.Context, id string) (*rythme.Target, error) {
	t, err := scanTarget(s.r.QueryRowContext(ctx, `SELECT `+tcols+`, p.content, p.media, p.thread, p.first_comment, p.poll
		FROM targets t JOIN posts p ON p.id = t.post_id WHERE t.id = $1`, id), true)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("target", id)
	}
	if err == nil {
		err = loadParts(ctx, s.r, []*rythme.Target{t})
	}
	return t, s.fail("get target", err)
}

// getTargetsBatch is how many ids one GetTargets query carries.
const getTargetsBatch = 500

// GetTargets returns the targets of ids that exist, with Text and Parts.
func (s *Store) GetTargets(ctx context.Context, ids []string) ([]*rythme.Target, error) {
	out := make([]*rythme.Target, 0, len(ids))
	for off := 0; off < len(ids); off += getTargetsBatch {
		chunk := ids[off:min(len(ids), off+getTargetsBatch)]
		marks := make([]string, len(chunk))
		args := make([]any, len(chunk))
		for i, id := range chunk {
			marks[i], args[i] = "$"+strconv.Itoa(i+1), id
		}
		rows, err := s.r.QueryContext(ctx, `SELECT `+tcols+`, p.content, p.media, p.thread, p.first_comment, p.poll
			FROM targets t JOIN posts p ON p.id = t.post_id WHERE t.id IN (`+strings.Join(marks, ", ")+`)`, args...)
		if err != nil {
			return nil, s.fail("get targets", err)
		}
		first := len(out)
		for rows.Next() {
			t, err := scanTarget(rows, true)
			if err != nil {
				rows.Close()
				return nil, s.fail("get targets", err)
			}
			out = append(out, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, s.fail("get targets", err)
		}
		if err := loadParts(ctx, s.r, out[first:]); err != nil {
			return nil, s.fail("get targets", err)
		}
	}
	return out, nil
}

// ClaimTarget moves the target from scheduled at version to publishing in
// one compare-and-set statement: of concurrent claimers exactly one wins,
// the others get ECONFLICT (ENOTFOUND if there is no such target).
func (s *Store) ClaimTarget(ctx context.Context, id string, version int, now, leaseUntil time.Time) (*rythme.Target, error) {
	t, err := scanTarget(s.w.QueryRowContext(ctx, `UPDATE targets SET status = 'publishing',
		attempts = attempts + 1, lease_until = $1, updated_at = $2
		WHERE id = $3 AND status = 'scheduled' AND version = $4
		RETURNING `+targetCols+`, `+postText,
		s.ts(leaseUntil), s.ts(now), id, version), true)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s.casFailed(ctx, "claim", id, rythme.TargetScheduled, version)
	}
	if err == nil {
		err = loadParts(ctx, s.w, []*rythme.Target{t})
	}
	return t, s.fail("claim target", err)
}

// casFailed explains why a compare-and-set on a target changed nothing.
func (s *Store) casFailed(ctx context.Context, verb, id string, want rythme.TargetStatus, version int) error {
	var status string
	var v int
	err := s.w.QueryRowContext(ctx, `SELECT status, version FROM targets WHERE id = $1`, id).Scan(&status, &v)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("target", id)
	}
	if err != nil {
		return s.fail(verb+" target", err)
	}
	return rythme.Errorf(rythme.ECONFLICT, "cannot %s target %s: it is %s at version %d, not %s at version %d",
		verb, id, status, v, want, version)
}

// finishStatuses are the outcomes FinishTarget accepts.
var finishStatuses = map[rythme.TargetStatus]bool{
	rythme.TargetPublished: true, rythme.TargetFailed: true, rythme.TargetUnconfirmed: true,
	rythme.TargetHeld: true, rythme.TargetScheduled: true,
}

// FinishTarget records the outcome of an attempt, only from publishing at
// version (ECONFLICT otherwise): published sets external id, URL and
// published_at; the error text goes to last_error; the lease is cleared;
// BumpVersion increments the version (queued_version stays behind, so the
// reconciler queues a new task). Out.At (default now) is the update time.
func (s *Store) FinishTarget(ctx context.Context, id string, version int, out rythme.Outcome) (*rythme.Target, error) {
	if !finishStatuses[out.Status] {
		return nil, rythme.Invalid(rythme.FieldError{Field: "status", Message: "is not an outcome of an attempt"})
	}
	var t *rythme.Target
	err := s.tx(ctx, "finish target", func(tx *sql.Tx) error {
		var err error
		if t, err = s.finishOne(ctx, tx, id, version, out); err != nil || t == nil {
			return err
		}
		return loadParts(ctx, tx, []*rythme.Target{t})
	})
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, s.casFailed(ctx, "finish", id, rythme.TargetPublishing, version)
	}
	return t, nil
}

// finishOne is FinishTarget's compare-and-set in tx: the target after it,
// or nil when no target is publishing at version.
func (s *Store) finishOne(ctx context.Context, tx *sql.Tx, id string, version int, out rythme.Outcome) (*rythme.Target, error) {
	at := out.At
	if at.IsZero() {
		at = time.Now()
	}
	bump := 0
	if out.BumpVersion {
		bump = 1
	}
	var publishedAt any
	var metricsNext any // the first engagement reading of a published post
	if out.Status == rythme.TargetPublished {
		publishedAt = s.ts(at)
		metricsNext = s.ts(*rythme.NextMetricsAt(at, 0))
	}
	t, err := scanTarget(tx.QueryRowContext(ctx, `UPDATE targets SET status = $1, version = version + $2,
		external_id = CASE WHEN $3 = '' THEN external_id ELSE $3 END,
		url = CASE WHEN $4 = '' THEN url ELSE $4 END,
		last_error = $5, published_at = COALESCE($6, published_at), lease_until = NULL, updated_at = $7,
		metrics_next_at = COALESCE($10, metrics_next_at), metrics_step = CASE WHEN $10 IS NULL THEN metrics_step ELSE 0 END
		WHERE id = $8 AND status = 'publishing' AND version = $9
		RETURNING `+targetCols+`, `+postText,
		string(out.Status), bump, out.ExternalID, out.URL, out.Error, publishedAt, s.ts(at), id, version, metricsNext), true)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	for _, p := range out.Parts {
		if _, err := s.insertPart(ctx, tx, id, p); err != nil {
			return nil, err
		}
	}
	if out.Event != "" {
		ev := rythme.PostEvent{At: at, Actor: rythme.ActorRythme, Action: "publishing", Comment: out.Event}
		if _, err := tx.ExecContext(ctx, insertEventSQL, s.eventArgs(&rythme.Post{ID: t.PostID, WorkspaceID: t.WorkspaceID}, ev)...); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// FinishTargets records many outcomes in one transaction, each as
// FinishTarget does; a target not publishing at its version gets ECONFLICT.
func (s *Store) FinishTargets(ctx context.Context, fs []rythme.TargetFinish) ([]rythme.TargetResult, error) {
	out := make([]rythme.TargetResult, len(fs))
	if len(fs) == 0 {
		return out, nil
	}
	err := s.tx(ctx, "finish targets", func(tx *sql.Tx) error {
		done := make([]*rythme.Target, 0, len(fs))
		var valid []int // the outcomes to record, by index in fs
		for i, f := range fs {
			out[i] = rythme.TargetResult{}
			if !finishStatuses[f.Outcome.Status] {
				out[i].Err = rythme.Invalid(rythme.FieldError{Field: "status", Message: "is not an outcome of an attempt"})
				continue
			}
			valid = append(valid, i)
		}
		record := func(i int, t *rythme.Target) {
			if t == nil {
				out[i].Err = rythme.Errorf(rythme.ECONFLICT, "cannot finish target %s: it is not publishing at version %d", fs[i].ID, fs[i].Version)
				return
			}
			out[i].Target = t
			done = append(done, t)
		}
		if s.dialect != DialectPostgres { // in-process: a statement each costs no round trip
			for _, i := range valid {
				t, err := s.finishOne(ctx, tx, fs[i].ID, fs[i].Version, fs[i].Outcome)
				if err != nil {
					return err
				}
				record(i, t)
			}
		}
		for len(valid) > 0 && s.dialect == DialectPostgres {
			// A round holds each target once; the rest wait for the next.
			seen := map[string]bool{}
			var round, later []int
			for _, i := range valid {
				if seen[fs[i].ID] {
					later = append(later, i)
					continue
				}
				seen[fs[i].ID] = true
				round = append(round, i)
			}
			batch := make([]rythme.TargetFinish, len(round))
			for j, i := range round {
				batch[j] = fs[i]
			}
			ts, err := s.finishRound(ctx, tx, batch)
			if err != nil {
				return err
			}
			for j, i := range round {
				record(i, ts[j])
			}
			valid = later
		}
		for len(done) > 0 { // the parts, 500 targets a query
			n := min(len(done), 500)
			if err := loadParts(ctx, tx, done[:n]); err != nil {
				return err
			}
			done = done[n:]
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// claimBatch is how many refs one ClaimTargets statement carries.
const claimBatch = 200

// ClaimTargets claims many targets, each as ClaimTarget does, in one
// statement per claimBatch refs; a ref listed twice is claimed once. A
// statement that fails gives its refs the error (its claims, if it made any
// before failing, are resolved by the reconciler when their lease ends, as
// a ClaimTarget whose answer was lost).
func (s *Store) ClaimTargets(ctx context.Context, refs []rythme.TargetRef, now, leaseUntil time.Time) ([]rythme.TargetResult, error) {
	out := make([]rythme.TargetResult, len(refs))
	type key struct {
		id      string
		version int
	}
	first := map[key]int{} // the index that gets a target claimed in the batch
	for off := 0; off < len(refs); off += claimBatch {
		chunk := refs[off:min(len(refs), off+claimBatch)]
		for i, r := range chunk {
			if _, ok := first[key{r.ID, r.Version}]; !ok {
				first[key{r.ID, r.Version}] = off + i
			}
		}
		q, args := s.claimQuery(chunk, now, leaseUntil)
		claimed, err := s.claimChunk(ctx, q, args)
		if err != nil { // this chunk's refs get the error; earlier chunks keep their claims
			for i := range chunk {
				out[off+i].Err = err
			}
			continue
		}
		for _, t := range claimed {
			if i, ok := first[key{t.ID, t.Version}]; ok {
				out[i].Target = t
			}
		}
	}
	for i, r := range refs {
		if out[i].Target == nil && out[i].Err == nil {
			out[i].Err = rythme.Errorf(rythme.ECONFLICT, "cannot claim target %s: it is not scheduled at version %d", r.ID, r.Version)
		}
	}
	return out, nil
}

// claimQuery is one ClaimTargets statement for refs: on PostgreSQL the
// refs go as two arrays (one plan whatever their number), elsewhere as a
// list of conditions.
func (s *Store) claimQuery(refs []rythme.TargetRef, now, leaseUntil time.Time) (string, []any) {
	const set = `UPDATE targets SET status = 'publishing', attempts = attempts + 1, lease_until = $1, updated_at = $2 `
	args := []any{s.ts(leaseUntil), s.ts(now)}
	if s.dialect == DialectPostgres {
		ids, versions := make([]string, len(refs)), make([]int64, len(refs))
		for i, r := range refs {
			ids[i], versions[i] = r.ID, int64(r.Version)
		}
		// The post's fields come from a join, not postText's five
		// sub-selects a row; the columns are qualified, since posts has
		// some of the same names.
		return `UPDATE targets SET status = 'publishing', attempts = targets.attempts + 1, lease_until = $1, updated_at = $2
		FROM unnest($3::text[], $4::bigint[]) AS r(rid, rversion), posts p
		WHERE targets.status = 'scheduled' AND targets.id = r.rid AND targets.version = r.rversion AND p.id = targets.post_id
		RETURNING ` + claimedCols + `, p.content, p.media, p.thread, p.first_comment, p.poll`, append(args, ids, versions)
	}
	var sb strings.Builder
	sb.WriteString(set + `WHERE status = 'scheduled' AND (`)
	for i, r := range refs {
		if i > 0 {
			sb.WriteString(" OR ")
		}
		sb.WriteString("(id = $" + strconv.Itoa(len(args)+1) + " AND version = $" + strconv.Itoa(len(args)+2) + ")")
		args = append(args, r.ID, r.Version)
	}
	sb.WriteString(`) RETURNING ` + targetCols + `, ` + postText)
	return sb.String(), args
}

// claimChunk runs one ClaimTargets statement and loads the parts of what
// it claimed.
func (s *Store) claimChunk(ctx context.Context, q string, args []any) ([]*rythme.Target, error) {
	rows, err := s.w.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.fail("claim targets", err)
	}
	var claimed []*rythme.Target
	for rows.Next() {
		t, err := scanTarget(rows, true)
		if err != nil {
			rows.Close()
			return nil, s.fail("claim targets", err)
		}
		claimed = append(claimed, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.fail("claim targets", err)
	}
	// A target claimed for the first time (attempts was 0: nothing ever
	// increments it but a claim, nothing resets it) has no parts yet: only
	// the others need the parts' query.
	var again []*rythme.Target
	for _, t := range claimed {
		if t.Attempts > 1 {
			again = append(again, t)
		}
	}
	return claimed, s.fail("claim targets", loadParts(ctx, s.w, again))
}

// DueTargetsLimit is DueTargets' page size when limit is not positive.
const DueTargetsLimit = 1000

// DueTargets lists scheduled targets due at or before until, oldest first;
// unless all, only those not yet on the queue (queued_version <> version).
func (s *Store) DueTargets(ctx context.Context, until time.Time, all bool, limit int) ([]rythme.TargetRef, error) {
	if limit <= 0 {
		limit = DueTargetsLimit
	}
	q := `SELECT id, version, network, scheduled_at FROM targets
		WHERE status = 'scheduled' AND scheduled_at <= $1`
	if !all {
		q += ` AND queued_version <> version`
	}
	q += ` ORDER BY scheduled_at, id LIMIT $2`
	rows, err := s.r.QueryContext(ctx, q, s.ts(until), limit)
	if err != nil {
		return nil, s.fail("due targets", err)
	}
	defer rows.Close()
	out := []rythme.TargetRef{}
	for rows.Next() {
		var r rythme.TargetRef
		if err := rows.Scan(&r.ID, &r.Version, &r.Network, timeCol{&r.ScheduledAt}); err != nil {
			return nil, s.fail("due targets", err)
		}
		out = append(out, r)
	}
	return out, s.fail("due targets", rows.Err())
}

// markQueuedBatch is how many refs one MarkQueued statement carries.
const markQueuedBatch = 100

// MarkQueued records that a task exists for each ref's version: it sets
// queued_version where the version still matches, in batched statements.
func (s *Store) MarkQueued(ctx context.Context, refs []rythme.TargetRef) error {
	for len(refs) > 0 {
		n := min(len(refs), markQueuedBatch)
		var sb strings.Builder
		sb.WriteString(`UPDATE targets SET queued_version = version WHERE `)
		args := make([]any, 0, 2*n)
		for i, r := range refs[:n] {
			if i > 0 {
				sb.WriteString(" OR ")
			}
			sb.WriteString("(id = $" + strconv.Itoa(2*i+1) + " AND version = $" + strconv.Itoa(2*i+2) + ")")
			args = append(args, r.ID, r.Version)
		}
		if _, err := s.w.ExecContext(ctx, sb.String(), args...); err != nil {
			return s.fail("mark queued", err)
		}
		refs = refs[n:]
	}
	return nil
}

// ExpiredLeases lists targets publishing whose lease ended before now,
// oldest lease first, with Text filled. limit <= 0 means DueTargetsLimit.
func (s *Store) ExpiredLeases(ctx context.Context, now time.Time, limit int) ([]*rythme.Target, error) {
	if limit <= 0 {
		limit = DueTargetsLimit
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+tcols+`, p.content, p.media, p.thread, p.first_comment, p.poll
		FROM targets t JOIN posts p ON p.id = t.post_id
		WHERE t.status = 'publishing' AND t.lease_until < $1
		ORDER BY t.lease_until, t.id LIMIT $2`, s.ts(now), limit)
	if err != nil {
		return nil, s.fail("expired leases", err)
	}
	defer rows.Close()
	out := []*rythme.Target{}
	for rows.Next() {
		t, err := scanTarget(rows, true)
		if err != nil {
			return nil, s.fail("expired leases", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("expired leases", err)
	}
	rows.Close()
	return out, s.fail("expired leases", loadParts(ctx, s.r, out))
}

// HoldAccountTargets moves the account's scheduled targets to held
// (version bumped, reason in last_error) and returns how many moved.
func (s *Store) HoldAccountTargets(ctx context.Context, accountID, reason string, now time.Time) (int, error) {
	return s.moveAccountTargets(ctx, "hold account targets", accountID,
		rythme.TargetScheduled, rythme.TargetHeld, reason, now)
}

// ReleaseAccountTargets moves the account's held targets back to scheduled
// (version bumped, last_error cleared) and returns how many moved.
func (s *Store) ReleaseAccountTargets(ctx context.Context, accountID string, now time.Time) (int, error) {
	return s.moveAccountTargets(ctx, "release account targets", accountID,
		rythme.TargetHeld, rythme.TargetScheduled, "", now)
}

func (s *Store) moveAccountTargets(ctx context.Context, op, accountID string, from, to rythme.TargetStatus, lastError string, now time.Time) (int, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE targets SET status = $1, version = version + 1,
		last_error = $2, updated_at = $3 WHERE account_id = $4 AND status = $5`,
		string(to), lastError, s.ts(now), accountID, string(from))
	if err != nil {
		return 0, s.fail(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.fail(op, err)
	}
	return int(n), nil
}
