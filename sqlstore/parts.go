package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/rythmehq/rythme"
)

const insertPartSQL = `INSERT INTO target_parts (target_id, idx, external_id, url, ref, published_at)
	SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM targets WHERE id = $1)
	ON CONFLICT (target_id, idx) DO NOTHING`

// SaveTargetPart records a thread part (or, at rythme.FirstCommentIndex,
// the first comment) that is on the network, whatever the target's state:
// saving it again is a no-op, another external id at the same index
// ECONFLICT, no such target ENOTFOUND.
func (s *Store) SaveTargetPart(ctx context.Context, targetID string, p rythme.TargetPart) error {
	if p.Index < rythme.FirstCommentIndex || p.ExternalID == "" {
		return rythme.Invalid(rythme.FieldError{Field: "part", Message: "needs an index of -1 (the first comment) or more and an external id"})
	}
	n, err := s.insertPart(ctx, s.w, targetID, p)
	if err != nil || n == 1 {
		return s.fail("save target part", err)
	}
	var ext string
	err = s.w.QueryRowContext(ctx, `SELECT external_id FROM target_parts WHERE target_id = $1 AND idx = $2`, targetID, p.Index).Scan(&ext)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("target", targetID)
	}
	if err != nil {
		return s.fail("save target part", err)
	}
	if ext != p.ExternalID && p.Index == rythme.FirstCommentIndex {
		return rythme.Errorf(rythme.ECONFLICT, "the first comment of target %s is already recorded as %s, not %s", targetID, ext, p.ExternalID)
	}
	if ext != p.ExternalID {
		return rythme.Errorf(rythme.ECONFLICT, "part %d of target %s is already recorded as %s, not %s", p.Index+1, targetID, ext, p.ExternalID)
	}
	return nil
}

// insertPart inserts p unless the target already has that part; it
// returns how many rows it wrote.
func (s *Store) insertPart(ctx context.Context, x execer, targetID string, p rythme.TargetPart) (int64, error) {
	res, err := x.ExecContext(ctx, insertPartSQL, targetID, p.Index, p.ExternalID, p.URL, p.Ref, s.ts(p.PublishedAt))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// loadParts fills the Parts (and Comment) of targets, in one query.
func loadParts(ctx context.Context, q execer, targets []*rythme.Target) error {
	if len(targets) == 0 {
		return nil
	}
	byID := make(map[string]*rythme.Target, len(targets))
	args := make([]any, 0, len(targets))
	marks := make([]string, 0, len(targets))
	for _, t := range targets {
		if _, dup := byID[t.ID]; dup {
			continue
		}
		byID[t.ID] = t
		t.Parts, t.Comment = nil, nil
		args = append(args, t.ID)
		marks = append(marks, "$"+strconv.Itoa(len(args)))
	}
	rows, err := q.QueryContext(ctx, `SELECT target_id, idx, external_id, url, ref, published_at FROM target_parts
		WHERE target_id IN (`+strings.Join(marks, ", ")+`) ORDER BY target_id, idx`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var p rythme.TargetPart
		if err := rows.Scan(&id, &p.Index, &p.ExternalID, &p.URL, &p.Ref, timeCol{&p.PublishedAt}); err != nil {
			return err
		}
		t := byID[id]
		if p.Index == rythme.FirstCommentIndex {
			t.Comment = &p
			continue
		}
		t.Parts = append(t.Parts, p)
	}
	return rows.Err()
}

// postTargets returns every target of posts.
func postTargets(posts ...*rythme.Post) []*rythme.Target {
	var out []*rythme.Target
	for _, p := range posts {
		out = append(out, p.Targets...)
	}
	return out
}
