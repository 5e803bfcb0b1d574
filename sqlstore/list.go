package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/rythmehq/rythme"
)

// ListPosts paging: the default and the largest page.
const (
	DefaultPostLimit = 50
	MaxPostLimit     = 200
)

// ListPosts returns a page of the workspace's posts, ordered by
// (scheduled_at, id), each with its targets, and the cursor of the next
// page ("" after the last one). Status and AccountID select posts having a
// target that matches both. A cursor that is not one this method returned
// answers EINVALID. Two queries per page: the posts, then their targets.
func (s *Store) ListPosts(ctx context.Context, workspaceID string, f rythme.PostFilter) ([]*rythme.Post, string, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultPostLimit
	}
	limit = min(limit, MaxPostLimit)
	if f.Status != "" && !f.Status.Valid() {
		return nil, "", rythme.Invalid(rythme.FieldError{Field: "status", Message: "is not a target status"})
	}

	var sb strings.Builder
	args := []any{workspaceID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	sb.WriteString(`SELECT ` + postCols + ` FROM posts p WHERE p.workspace_id = $1`)
	if f.From != nil {
		sb.WriteString(` AND p.scheduled_at >= ` + arg(s.ts(*f.From)))
	}
	if f.To != nil {
		sb.WriteString(` AND p.scheduled_at < ` + arg(s.ts(*f.To)))
	}
	if f.CampaignID != "" {
		sb.WriteString(` AND p.campaign_id = ` + arg(f.CampaignID))
	}
	if f.SeriesID != "" {
		sb.WriteString(` AND p.series_id = ` + arg(f.SeriesID))
	}
	if f.ChallengeWeek != "" {
		sb.WriteString(` AND p.challenge_week = ` + arg(f.ChallengeWeek))
	}
	if f.Author != "" {
		sb.WriteString(` AND p.author = ` + arg(f.Author))
	}
	if f.Review != "" {
		sb.WriteString(` AND p.review = ` + arg(f.Review))
	}
	if f.Tag != "" {
		// tags is a JSON array: look for the tag's JSON string in it.
		enc, _ := json.Marshal(f.Tag)
		sb.WriteString(` AND p.tags LIKE ` + arg("%"+likeEscape(string(enc))+"%") + ` ESCAPE '\'`)
	}
	if f.Status != "" || f.AccountID != "" || f.Network != "" {
		// One target meets every condition: "held on Bluesky" is not
		// "held somewhere and on Bluesky somewhere".
		sb.WriteString(` AND EXISTS (SELECT 1 FROM targets t WHERE t.post_id = p.id`)
		if f.Status != "" {
			sb.WriteString(` AND t.status = ` + arg(string(f.Status)))
		}
		if f.AccountID != "" {
			sb.WriteString(` AND t.account_id = ` + arg(f.AccountID))
		}
		if f.Network != "" {
			sb.WriteString(` AND t.network = ` + arg(f.Network))
		}
		sb.WriteString(`)`)
	}
	if f.Cursor != "" {
		at, id, ok := decodeCursor(f.Cursor)
		if !ok {
			return nil, "", rythme.Invalid(rythme.FieldError{Field: "cursor", Message: "is not a cursor returned by this list"})
		}
		sb.WriteString(` AND (p.scheduled_at, p.id) > (` + arg(s.ts(at)) + `, ` + arg(id) + `)`)
	}
	sb.WriteString(` ORDER BY p.scheduled_at, p.id LIMIT ` + arg(limit+1))

	var posts []*rythme.Post
	more := false
	err := s.readTx(ctx, "list posts", func(tx *sql.Tx) error {
		var err error
		if posts, err = listPosts(ctx, tx, sb.String(), args); err != nil {
			return err
		}
		if more = len(posts) > limit; more {
			posts = posts[:limit]
		}
		return loadTargets(ctx, tx, posts)
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if more { // the query asked for one row beyond the page, and got it
		last := posts[len(posts)-1]
		next = encodeCursor(last.ScheduledAt, last.ID)
	}
	return posts, next, nil
}

func listPosts(ctx context.Context, tx *sql.Tx, q string, args []any) ([]*rythme.Post, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	posts := []*rythme.Post{}
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			return nil, err
		}
		posts = append(posts, p)
	}
	return posts, rows.Err()
}

// loadTargets fills the targets of posts with one query.
func loadTargets(ctx context.Context, tx *sql.Tx, posts []*rythme.Post) error {
	if len(posts) == 0 {
		return nil
	}
	byID := make(map[string]*rythme.Post, len(posts))
	args := make([]any, len(posts))
	marks := make([]string, len(posts))
	for i, p := range posts {
		byID[p.ID] = p
		args[i] = p.ID
		marks[i] = "$" + strconv.Itoa(i+1)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+targetCols+` FROM targets WHERE post_id IN (`+
		strings.Join(marks, ", ")+`) ORDER BY post_id, position, id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scanTarget(rows, false)
		if err != nil {
			return err
		}
		p := byID[t.PostID]
		t.Text = p.TextFor(t)
		p.Targets = append(p.Targets, t)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	return loadParts(ctx, tx, postTargets(posts...))
}

// encodeCursor makes the opaque cursor after a row: base64 of its key.
func encodeCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at.UnixMicro(), 10) + "|" + id))
}

func decodeCursor(c string) (time.Time, string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", false
	}
	us, id, ok := strings.Cut(string(b), "|")
	if !ok || id == "" {
		return time.Time{}, "", false
	}
	n, err := strconv.ParseInt(us, 10, 64)
	if err != nil {
		return time.Time{}, "", false
	}
	return time.UnixMicro(n).UTC(), id, true
}

// likeEscape escapes LIKE's wildcards (with \ as the escape character).
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
