package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/rythmehq/rythme"
)

// Bootstrap creates ws and its admin token tok if, and only if, the store
// has no workspace yet. Two concurrent calls: one creates, the other
// reports false. Empty ids are filled, and tok joins ws when its
// WorkspaceID is empty.
func (s *Store) Bootstrap(ctx context.Context, ws *rythme.Workspace, tok *rythme.APIToken) (bool, error) {
	created := false
	err := s.tx(ctx, "bootstrap", func(tx *sql.Tx) error {
		if s.dialect == DialectPostgres {
			// Self-exclusive, and excludes inserts: a concurrent Bootstrap
			// waits here, then sees the workspace this one made.
			if _, err := tx.ExecContext(ctx, `LOCK TABLE workspaces IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				return err
			}
		}
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM workspaces)`).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return nil
		}
		if err := s.insertWorkspace(ctx, tx, ws); err != nil {
			return err
		}
		if tok.WorkspaceID == "" {
			tok.WorkspaceID = ws.ID
		}
		if err := s.insertToken(ctx, tx, tok); err != nil {
			return err
		}
		created = true
		return nil
	})
	return created, err
}

// CreateWorkspace inserts ws (CreatedAt defaults to now); ECONFLICT when
// the id is taken.
func (s *Store) CreateWorkspace(ctx context.Context, ws *rythme.Workspace) error {
	return s.fail("create workspace", s.insertWorkspace(ctx, s.w, ws))
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) insertWorkspace(ctx context.Context, db execer, ws *rythme.Workspace) error {
	if ws.ID == "" {
		ws.ID = rythme.NewID(rythme.PrefixWorkspace)
	}
	if ws.CreatedAt.IsZero() {
		ws.CreatedAt = time.Now()
	}
	ws.CreatedAt = norm(ws.CreatedAt)
	_, err := db.ExecContext(ctx, `INSERT INTO workspaces (id, name, created_at, approval_required) VALUES ($1, $2, $3, $4)`,
		ws.ID, ws.Name, s.ts(ws.CreatedAt), ws.ApprovalRequired)
	return err
}

// UpdateWorkspace saves the workspace's name and settings; ENOTFOUND if
// there is none.
func (s *Store) UpdateWorkspace(ctx context.Context, ws *rythme.Workspace) error {
	res, err := s.w.ExecContext(ctx, `UPDATE workspaces SET name = $1, approval_required = $2 WHERE id = $3`,
		ws.Name, ws.ApprovalRequired, ws.ID)
	return s.affected("update workspace", res, err, func() error { return notFound("workspace", ws.ID) })
}

// GetWorkspace returns the workspace; ENOTFOUND if none.
func (s *Store) GetWorkspace(ctx context.Context, id string) (*rythme.Workspace, error) {
	ws := &rythme.Workspace{}
	var approval any
	err := s.r.QueryRowContext(ctx, `SELECT id, name, created_at, approval_required FROM workspaces WHERE id = $1`, id).
		Scan(&ws.ID, &ws.Name, timeCol{&ws.CreatedAt}, &approval)
	ws.ApprovalRequired = truthy(approval)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("workspace", id)
	}
	if err != nil {
		return nil, s.fail("get workspace", err)
	}
	return ws, nil
}

// CreateAPIToken inserts t (ID and CreatedAt default); ECONFLICT when the
// hash is taken, EINVALID when the workspace does not exist.
func (s *Store) CreateAPIToken(ctx context.Context, t *rythme.APIToken) error {
	return s.fail("create api token", s.insertToken(ctx, s.w, t))
}

func (s *Store) insertToken(ctx context.Context, db execer, t *rythme.APIToken) error {
	if t.ID == "" {
		t.ID = rythme.NewID(rythme.PrefixToken)
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	t.CreatedAt = norm(t.CreatedAt)
	t.LastUsedAt, t.RevokedAt = normPtr(t.LastUsedAt), normPtr(t.RevokedAt)
	_, err := db.ExecContext(ctx, `INSERT INTO api_tokens
		(id, workspace_id, name, role, hash, created_at, last_used_at, revoked_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		t.ID, t.WorkspaceID, t.Name, string(t.Role), t.Hash, s.ts(t.CreatedAt),
		s.tsPtr(t.LastUsedAt), s.tsPtr(t.RevokedAt))
	return err
}

const tokenCols = `id, workspace_id, name, role, hash, created_at, last_used_at, revoked_at`

func scanToken(sc scanner) (*rythme.APIToken, error) {
	t := &rythme.APIToken{}
	var role string
	err := sc.Scan(&t.ID, &t.WorkspaceID, &t.Name, &role, &t.Hash, timeCol{&t.CreatedAt},
		nullTimeCol{&t.LastUsedAt}, nullTimeCol{&t.RevokedAt})
	t.Role = rythme.Role(role)
	return t, err
}

// TokenByHash returns the live (not revoked) token with that hash;
// ENOTFOUND otherwise.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (*rythme.APIToken, error) {
	t, err := scanToken(s.r.QueryRowContext(ctx,
		`SELECT `+tokenCols+` FROM api_tokens WHERE hash = $1 AND revoked_at IS NULL`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rythme.Errorf(rythme.ENOTFOUND, "token not found")
	}
	if err != nil {
		return nil, s.fail("token by hash", err)
	}
	return t, nil
}

// ListAPITokens lists the workspace's tokens, revoked ones included,
// oldest first.
func (s *Store) ListAPITokens(ctx context.Context, workspaceID string) ([]*rythme.APIToken, error) {
	rows, err := s.r.QueryContext(ctx,
		`SELECT `+tokenCols+` FROM api_tokens WHERE workspace_id = $1 ORDER BY created_at, id`, workspaceID)
	if err != nil {
		return nil, s.fail("list api tokens", err)
	}
	defer rows.Close()
	out := []*rythme.APIToken{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, s.fail("list api tokens", err)
		}
		out = append(out, t)
	}
	return out, s.fail("list api tokens", rows.Err())
}

// RevokeAPIToken revokes the token at the given time; revoking it again
// keeps the first time. ENOTFOUND for a token of another workspace.
func (s *Store) RevokeAPIToken(ctx context.Context, workspaceID, id string, at time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1)
		WHERE id = $2 AND workspace_id = $3`, s.ts(at), id, workspaceID)
	if err != nil {
		return s.fail("revoke api token", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.fail("revoke api token", err)
	} else if n == 0 {
		return notFound("token", id)
	}
	return nil
}
