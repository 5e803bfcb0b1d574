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
