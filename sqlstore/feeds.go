package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/rythmehq/rythme"
)

// CreateFeedToken stores a calendar feed token (its hash).
func (s *Store) CreateFeedToken(ctx context.Context, f *rythme.FeedToken) error {
	if f.ID == "" {
		f.ID = rythme.NewID(rythme.PrefixFeed)
	}
	if f.CreatedAt.IsZero() {
		f.CreatedAt = time.Now()
	}
	f.CreatedAt = norm(f.CreatedAt)
	_, err := s.w.ExecContext(ctx, `INSERT INTO feed_tokens (id, workspace_id, name, hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
		f.ID, f.WorkspaceID, f.Name, f.Hash, s.ts(f.CreatedAt))
	return s.fail("create feed token", err)
}

func scanFeed(sc scanner) (*rythme.FeedToken, error) {
	f := &rythme.FeedToken{}
	err := sc.Scan(&f.ID, &f.WorkspaceID, &f.Name, &f.Hash, timeCol{&f.CreatedAt}, nullTimeCol{&f.RevokedAt})
	return f, err
}

// FeedTokenByHash returns the live token with that hash; ENOTFOUND
// otherwise (unknown or revoked).
func (s *Store) FeedTokenByHash(ctx context.Context, hash []byte) (*rythme.FeedToken, error) {
	f, err := scanFeed(s.r.QueryRowContext(ctx, `SELECT id, workspace_id, name, hash, created_at, revoked_at FROM feed_tokens
		WHERE hash = $1 AND revoked_at IS NULL`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rythme.Errorf(rythme.ENOTFOUND, "no such feed")
	}
	return f, s.fail("feed token", err)
}

// ListFeedTokens lists the workspace's feed tokens, oldest first.
func (s *Store) ListFeedTokens(ctx context.Context, workspaceID string) ([]*rythme.FeedToken, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, workspace_id, name, hash, created_at, revoked_at FROM feed_tokens
		WHERE workspace_id = $1 ORDER BY created_at, id`, workspaceID)
	if err != nil {
		return nil, s.fail("list feed tokens", err)
	}
	defer rows.Close()
	out := []*rythme.FeedToken{}
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			return nil, s.fail("list feed tokens", err)
		}
		out = append(out, f)
	}
	return out, s.fail("list feed tokens", rows.Err())
}

// RevokeFeedToken revokes the workspace's token (keeping the first
// revocation time); ENOTFOUND if none.
func (s *Store) RevokeFeedToken(ctx context.Context, workspaceID, id string, at time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE feed_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 AND workspace_id = $3`,
		s.ts(at), id, workspaceID)
	return s.affected("revoke feed token", res, err, func() error { return notFound("feed", id) })
}
