package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/rythmehq/rythme"
)

const mediaCols = `id, workspace_id, filename, content_type, size, sha256, alt_text, created_at`

// CreateMedia records an uploaded file. ID and CreatedAt default to a new
// id and now.
func (s *Store) CreateMedia(ctx context.Context, m *rythme.Media) error {
	if m.ID == "" {
		m.ID = rythme.NewID(rythme.PrefixMedia)
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = time.Now()
	}
	m.CreatedAt = norm(m.CreatedAt)
	_, err := s.w.ExecContext(ctx, `INSERT INTO media (`+mediaCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		m.ID, m.WorkspaceID, m.Filename, m.ContentType, m.Size, m.SHA256, m.AltText, s.ts(m.CreatedAt))
	return s.fail("create media", err)
}

func (s *Store) getMedia(ctx context.Context, op, where string, args ...any) (*rythme.Media, error) {
	m := &rythme.Media{}
	err := s.r.QueryRowContext(ctx, `SELECT `+mediaCols+` FROM media WHERE `+where, args...).
		Scan(&m.ID, &m.WorkspaceID, &m.Filename, &m.ContentType, &m.Size, &m.SHA256, &m.AltText, timeCol{&m.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("media", args[0].(string))
	}
	if err != nil {
		return nil, s.fail(op, err)
	}
	return m, nil
}

// GetMedia returns the workspace's media; ENOTFOUND otherwise.
func (s *Store) GetMedia(ctx context.Context, workspaceID, id string) (*rythme.Media, error) {
	return s.getMedia(ctx, "get media", `id = $1 AND workspace_id = $2`, id, workspaceID)
}

// MediaByID returns media without workspace scope.
func (s *Store) MediaByID(ctx context.Context, id string) (*rythme.Media, error) {
	return s.getMedia(ctx, "media by id", `id = $1`, id)
}

// MediaUsage is the bytes of the workspace's media files.
func (s *Store) MediaUsage(ctx context.Context, workspaceID string) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, `SELECT COALESCE(SUM(size), 0) FROM media WHERE workspace_id = $1`, workspaceID).Scan(&n)
	return n, s.fail("media usage", err)
}

// ListMedia lists the workspace's newest media, at most limit (default 100).
func (s *Store) ListMedia(ctx context.Context, workspaceID string, limit int) ([]*rythme.Media, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+mediaCols+` FROM media WHERE workspace_id = $1
		ORDER BY created_at DESC, id DESC LIMIT $2`, workspaceID, limit)
	if err != nil {
		return nil, s.fail("list media", err)
	}
	defer rows.Close()
	out := []*rythme.Media{}
	for rows.Next() {
		m := &rythme.Media{}
		if err := rows.Scan(&m.ID, &m.WorkspaceID, &m.Filename, &m.ContentType, &m.Size, &m.SHA256, &m.AltText, timeCol{&m.CreatedAt}); err != nil {
			return nil, s.fail("list media", err)
		}
		out = append(out, m)
	}
	return out, s.fail("list media", rows.Err())
}

// carriedBy is the condition "a post carries media id $n" on posts.media,
// a JSON array of ids (ids hold no character LIKE or JSON escapes).
func carriedBy(n string) string { return `media LIKE '%"' || ` + n + ` || '"%'` }

// DeleteMedia removes the workspace's media record: ENOTFOUND if none,
// ECONFLICT while a post with a target still to publish carries it.
func (s *Store) DeleteMedia(ctx context.Context, workspaceID, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM media WHERE id = $1 AND workspace_id = $2 AND NOT EXISTS (
		SELECT 1 FROM posts p JOIN targets t ON t.post_id = p.id
		WHERE p.workspace_id = $2 AND p.`+carriedBy("$1")+`
		AND t.status NOT IN ('published', 'failed', 'cancelled'))`, id, workspaceID)
	return s.affected("delete media", res, err, func() error {
		if _, err := s.GetMedia(ctx, workspaceID, id); err != nil {
			return err
		}
		return rythme.Errorf(rythme.ECONFLICT, "media %s is carried by a post not yet published: remove it from the post or cancel the post first", id)
	})
}

// DeleteUnreferencedMedia removes media created before before that no
// post carries, at most limit (default 100), and returns their ids.
func (s *Store) DeleteUnreferencedMedia(ctx context.Context, before time.Time, limit int) ([]string, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.w.QueryContext(ctx, `DELETE FROM media WHERE id IN (
		SELECT m.id FROM media m WHERE m.created_at < $1
		AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.workspace_id = m.workspace_id AND p.`+carriedBy("m.id")+`)
		ORDER BY m.created_at LIMIT $2) RETURNING id`, s.ts(before), limit)
	if err != nil {
		return nil, s.fail("delete unreferenced media", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, s.fail("delete unreferenced media", err)
		}
		ids = append(ids, id)
	}
	return ids, s.fail("delete unreferenced media", rows.Err())
}
