package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/rythmehq/rythme"
)

const seriesCols = `id, workspace_id, rule, starts_at, timezone, template, review, status, materialised_until, created_by, created_at, updated_at`

// CreateSeries writes the series and its first occurrences in one
// transaction.
func (s *Store) CreateSeries(ctx context.Context, se *rythme.Series, posts []*rythme.Post) error {
	if se.ID == "" {
		se.ID = rythme.NewID(rythme.PrefixSeries)
	}
	now := norm(time.Now())
	if se.CreatedAt.IsZero() {
		se.CreatedAt = now
	}
	if se.UpdatedAt.IsZero() {
		se.UpdatedAt = se.CreatedAt
	}
	se.CreatedAt, se.UpdatedAt, se.StartsAt = norm(se.CreatedAt), norm(se.UpdatedAt), norm(se.StartsAt)
	se.MaterialisedUntil = normPtr(se.MaterialisedUntil)
	tpl, err := json.Marshal(se.Template)
	if err != nil {
		return s.fail("create series", err)
	}
	return s.tx(ctx, "create series", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO series (`+seriesCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			se.ID, se.WorkspaceID, se.Rule, s.ts(se.StartsAt), se.Timezone, string(tpl), se.Review, se.Status,
			s.tsPtr(se.MaterialisedUntil), se.CreatedBy, s.ts(se.CreatedAt), s.ts(se.UpdatedAt)); err != nil {
			return err
		}
		for _, p := range posts {
			p.SeriesID = se.ID
			if err := s.insertPost(ctx, tx, p); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) scanSeries(sc scanner) (*rythme.Series, error) {
	se := &rythme.Series{}
	var tpl string
	if err := sc.Scan(&se.ID, &se.WorkspaceID, &se.Rule, timeCol{&se.StartsAt}, &se.Timezone, &tpl, &se.Review, &se.Status,
		nullTimeCol{&se.MaterialisedUntil}, &se.CreatedBy, timeCol{&se.CreatedAt}, timeCol{&se.UpdatedAt}); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(tpl), &se.Template); err != nil {
		return nil, err
	}
	for _, l := range []*[]string{&se.Template.Tags, &se.Template.Media, &se.Template.Thread} {
		if *l == nil {
			*l = []string{}
		}
	}
	return se, nil
}

// GetSeries returns the workspace's series; ENOTFOUND otherwise.
func (s *Store) GetSeries(ctx context.Context, workspaceID, id string) (*rythme.Series, error) {
	se, err := s.scanSeries(s.r.QueryRowContext(ctx, `SELECT `+seriesCols+` FROM series WHERE id = $1 AND workspace_id = $2`, id, workspaceID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("series", id)
	}
	return se, s.fail("get series", err)
}

// ListSeries lists the workspace's series, newest first.
func (s *Store) ListSeries(ctx context.Context, workspaceID string) ([]*rythme.Series, error) {
	return s.listSeries(ctx, "list series", `SELECT `+seriesCols+` FROM series WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC`, workspaceID)
}

// SeriesDue lists active series materialised up to before or not at all,
// least advanced first.
func (s *Store) SeriesDue(ctx context.Context, before time.Time, limit int) ([]*rythme.Series, error) {
	return s.listSeries(ctx, "series due", `SELECT `+seriesCols+` FROM series
		WHERE status = 'active' AND (materialised_until IS NULL OR materialised_until < $1)
		ORDER BY materialised_until, id LIMIT $2`, s.ts(norm(before)), limit)
}

func (s *Store) listSeries(ctx context.Context, op, q string, args ...any) ([]*rythme.Series, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	out := []*rythme.Series{}
	for rows.Next() {
		se, err := s.scanSeries(rows)
		if err != nil {
			return nil, s.fail(op, err)
		}
		out = append(out, se)
	}
	return out, s.fail(op, rows.Err())
}

// UpdateSeries saves the series' rule, start, zone, template, review,
// status and MaterialisedUntil.
func (s *Store) UpdateSeries(ctx context.Context, se *rythme.Series) error {
	se.UpdatedAt = norm(time.Now())
	se.StartsAt, se.MaterialisedUntil = norm(se.StartsAt), normPtr(se.MaterialisedUntil)
	tpl, err := json.Marshal(se.Template)
	if err != nil {
		return s.fail("update series", err)
	}
	res, err := s.w.ExecContext(ctx, `UPDATE series SET rule = $1, starts_at = $2, timezone = $3, template = $4, review = $5,
		status = $6, materialised_until = $7, updated_at = $8 WHERE id = $9 AND workspace_id = $10`,
		se.Rule, s.ts(se.StartsAt), se.Timezone, string(tpl), se.Review, se.Status, s.tsPtr(se.MaterialisedUntil),
		s.ts(se.UpdatedAt), se.ID, se.WorkspaceID)
	return s.affected("update series", res, err, func() error { return notFound("series", se.ID) })
}

// AddOccurrences inserts the occurrences not yet stored (the unique
// posts_occurrence index decides, so two materialisers never both create
// one) and moves materialised_until forward to until, never back; complete
// marks the series finished. se must be the series as last read: when it
// was edited since (updated_at differs), nothing is written and the answer
// is ECONFLICT, so that posts are never made from an old template. An
// ended series gets nothing.
func (s *Store) AddOccurrences(ctx context.Context, se *rythme.Series, posts []*rythme.Post, until time.Time, complete bool) ([]*rythme.Post, error) {
	var created []*rythme.Post
	err := s.tx(ctx, "add occurrences", func(tx *sql.Tx) error {
		created = nil
		var status string
		var updated time.Time
		err := tx.QueryRowContext(ctx, `SELECT status, updated_at FROM series WHERE id = $1 AND workspace_id = $2`+s.forUpdate(),
			se.ID, se.WorkspaceID).Scan(&status, timeCol{&updated})
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("series", se.ID)
		}
		if err != nil {
			return err
		}
		if !updated.Equal(norm(se.UpdatedAt)) {
			return rythme.Errorf(rythme.ECONFLICT, "series %s was edited meanwhile", se.ID)
		}
		if status == rythme.SeriesEnded {
			return nil
		}
		for _, p := range posts {
			p.SeriesID = se.ID
			err := s.insertPost(ctx, tx, p)
			if errors.Is(err, errOccurrenceTaken) {
				continue
			}
			if err != nil {
				return err
			}
			created = append(created, p)
		}
		status = rythme.SeriesActive
		if complete {
			status = rythme.SeriesFinished
		}
		_, err = tx.ExecContext(ctx, `UPDATE series SET status = $1,
			materialised_until = CASE WHEN materialised_until IS NULL OR materialised_until < $2 THEN $2 ELSE materialised_until END
			WHERE id = $3`, status, s.ts(norm(until)), se.ID)
		return err
	})
	return created, err
}
