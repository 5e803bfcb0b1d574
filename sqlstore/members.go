package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/rythmehq/rythme"
)

// People: members, memberships, sessions, invitations and password resets.
// Secrets are stored as the SHA-256 hashes the caller computes; passwords as
// the argon2id encodings the caller computes.

const memberCols = `id, email, name, password_hash, instance_admin, created_at`

func scanMember(sc scanner) (*rythme.Member, error) {
	m := &rythme.Member{}
	var admin any
	err := sc.Scan(&m.ID, &m.Email, &m.Name, &m.PasswordHash, &admin, timeCol{&m.CreatedAt})
	m.InstanceAdmin = truthy(admin)
	return m, err
}

// CreateMember inserts m; ECONFLICT when the email is taken.
func (s *Store) CreateMember(ctx context.Context, m *rythme.Member) error {
	return s.fail("create member", s.insertMember(ctx, s.w, m))
}

func (s *Store) insertMember(ctx context.Context, db execer, m *rythme.Member) error {
	if m.ID == "" {
		m.ID = rythme.NewID(rythme.PrefixMember)
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = time.Now()
	}
	m.CreatedAt = norm(m.CreatedAt)
	_, err := db.ExecContext(ctx, `INSERT INTO members (`+memberCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		m.ID, m.Email, m.Name, m.PasswordHash, m.InstanceAdmin, s.ts(m.CreatedAt))
	return err
}

// CreateFirstMember creates m as an admin of workspaceID (empty: the
// oldest workspace) if the store has no member yet, and reports whether it
// did.
func (s *Store) CreateFirstMember(ctx context.Context, m *rythme.Member, workspaceID string) (bool, error) {
	created := false
	err := s.tx(ctx, "create first member", func(tx *sql.Tx) error {
		if s.dialect == DialectPostgres {
			if _, err := tx.ExecContext(ctx, `LOCK TABLE members IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				return err
			}
		}
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM members)`).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return nil
		}
		if workspaceID == "" {
			err := tx.QueryRowContext(ctx, `SELECT id FROM workspaces ORDER BY created_at, id LIMIT 1`).Scan(&workspaceID)
			if errors.Is(err, sql.ErrNoRows) {
				return rythme.Errorf(rythme.EINVALID, "there is no workspace to make the first member an admin of")
			}
			if err != nil {
				return err
			}
		}
		if err := s.insertMember(ctx, tx, m); err != nil {
			return err
		}
		if err := s.insertMembership(ctx, tx, &rythme.Membership{WorkspaceID: workspaceID, MemberID: m.ID,
			Role: rythme.RoleAdmin, CreatedAt: m.CreatedAt}); err != nil {
			return err
		}
		created = true
		return nil
	})
	return created, err
}

// GetMember returns the member; ENOTFOUND if none.
func (s *Store) GetMember(ctx context.Context, id string) (*rythme.Member, error) {
	m, err := scanMember(s.r.QueryRowContext(ctx, `SELECT `+memberCols+` FROM members WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("member", id)
	}
	return m, s.fail("get member", err)
}

// MemberByEmail returns the member with that (normalised) email; ENOTFOUND
// if none.
func (s *Store) MemberByEmail(ctx context.Context, email string) (*rythme.Member, error) {
	m, err := scanMember(s.r.QueryRowContext(ctx, `SELECT `+memberCols+` FROM members WHERE email = $1`, email))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rythme.Errorf(rythme.ENOTFOUND, "member not found")
	}
	return m, s.fail("member by email", err)
}

// AddMembership adds the member to the workspace; ECONFLICT if it is in it.
func (s *Store) AddMembership(ctx context.Context, ms *rythme.Membership) error {
	return s.fail("add membership", s.insertMembership(ctx, s.w, ms))
}

func (s *Store) insertMembership(ctx context.Context, db execer, ms *rythme.Membership) error {
	if ms.CreatedAt.IsZero() {
		ms.CreatedAt = time.Now()
	}
	ms.CreatedAt = norm(ms.CreatedAt)
	_, err := db.ExecContext(ctx, `INSERT INTO memberships (workspace_id, member_id, role, created_at) VALUES ($1, $2, $3, $4)`,
		ms.WorkspaceID, ms.MemberID, string(ms.Role), s.ts(ms.CreatedAt))
	return err
}

// MemberWorkspaces lists the member's workspaces by name, with its role.
func (s *Store) MemberWorkspaces(ctx context.Context, memberID string) ([]rythme.MemberWorkspace, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT w.id, w.name, m.role FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
		WHERE m.member_id = $1 ORDER BY w.name, w.id`, memberID)
	if err != nil {
		return nil, s.fail("member workspaces", err)
	}
	defer rows.Close()
	out := []rythme.MemberWorkspace{}
	for rows.Next() {
		var w rythme.MemberWorkspace
		var role string
		if err := rows.Scan(&w.ID, &w.Name, &role); err != nil {
			return nil, s.fail("member workspaces", err)
		}
		w.Role = rythme.Role(role)
		out = append(out, w)
	}
	return out, s.fail("member workspaces", rows.Err())
}

// ListWorkspaceMembers lists the workspace's members by name.
func (s *Store) ListWorkspaceMembers(ctx context.Context, workspaceID string) ([]rythme.WorkspaceMember, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT p.id, p.email, p.name, m.role, m.created_at FROM memberships m
		JOIN members p ON p.id = m.member_id WHERE m.workspace_id = $1 ORDER BY p.name, p.id`, workspaceID)
	if err != nil {
		return nil, s.fail("list workspace members", err)
	}
	defer rows.Close()
	out := []rythme.WorkspaceMember{}
	for rows.Next() {
		var w rythme.WorkspaceMember
		var role string
		if err := rows.Scan(&w.ID, &w.Email, &w.Name, &role, timeCol{&w.JoinedAt}); err != nil {
			return nil, s.fail("list workspace members", err)
		}
		w.Role = rythme.Role(role)
		out = append(out, w)
	}
	return out, s.fail("list workspace members", rows.Err())
}

// SetMemberRole changes the member's role in the workspace.
func (s *Store) SetMemberRole(ctx context.Context, workspaceID, memberID string, role rythme.Role) error {
	res, err := s.w.ExecContext(ctx, `UPDATE memberships SET role = $1 WHERE workspace_id = $2 AND member_id = $3`,
		string(role), workspaceID, memberID)
	return s.affected("set member role", res, err, func() error { return notFound("member", memberID) })
}

// RemoveMembership takes the member out of the workspace.
func (s *Store) RemoveMembership(ctx context.Context, workspaceID, memberID string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM memberships WHERE workspace_id = $1 AND member_id = $2`, workspaceID, memberID)
	return s.affected("remove membership", res, err, func() error { return notFound("member", memberID) })
}

// CreateSession stores se (ID defaults) and forgets the member's sessions
// that expired before it began.
func (s *Store) CreateSession(ctx context.Context, se *rythme.Session) error {
	if se.ID == "" {
		se.ID = rythme.NewID(rythme.PrefixSession)
	}
	se.CreatedAt, se.ExpiresAt = norm(se.CreatedAt), norm(se.ExpiresAt)
	return s.tx(ctx, "create session", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE member_id = $1 AND expires_at <= $2`,
			se.MemberID, s.ts(se.CreatedAt)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, hash, member_id, workspace_id, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, se.ID, se.Hash, se.MemberID, nullString(se.WorkspaceID), s.ts(se.CreatedAt), s.ts(se.ExpiresAt))
		return err
	})
}

// SessionByHash returns the session with that hash, unless expired at now.
func (s *Store) SessionByHash(ctx context.Context, hash []byte, now time.Time) (*rythme.Session, error) {
	se := &rythme.Session{}
	var ws sql.NullString
	err := s.r.QueryRowContext(ctx, `SELECT id, hash, member_id, workspace_id, created_at, expires_at FROM sessions
		WHERE hash = $1 AND expires_at > $2`, hash, s.ts(now)).
		Scan(&se.ID, &se.Hash, &se.MemberID, &ws, timeCol{&se.CreatedAt}, timeCol{&se.ExpiresAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rythme.Errorf(rythme.ENOTFOUND, "session not found")
	}
	se.WorkspaceID = ws.String
	return se, s.fail("session by hash", err)
}

// SetSessionWorkspace records the workspace the session works in.
func (s *Store) SetSessionWorkspace(ctx context.Context, id, workspaceID string) error {
	res, err := s.w.ExecContext(ctx, `UPDATE sessions SET workspace_id = $1 WHERE id = $2`, workspaceID, id)
	return s.affected("set session workspace", res, err, func() error { return notFound("session", id) })
}

// DeleteSession ends the session with that hash, if any.
func (s *Store) DeleteSession(ctx context.Context, hash []byte) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE hash = $1`, hash)
	return s.fail("delete session", err)
}

// DeleteMemberSessions ends every session of the member.
func (s *Store) DeleteMemberSessions(ctx context.Context, memberID string) (int, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE member_id = $1`, memberID)
	if err != nil {
		return 0, s.fail("delete member sessions", err)
	}
	n, err := res.RowsAffected()
	return int(n), s.fail("delete member sessions", err)
}

const invitationCols = `id, workspace_id, email, role, hash, created_by, created_at, expires_at, accepted_at, accepted_by, revoked_at`

func scanInvitation(sc scanner) (*rythme.Invitation, error) {
	inv := &rythme.Invitation{}
	var role string
	var by sql.NullString
	err := sc.Scan(&inv.ID, &inv.WorkspaceID, &inv.Email, &role, &inv.Hash, &inv.CreatedBy, timeCol{&inv.CreatedAt},
		timeCol{&inv.ExpiresAt}, nullTimeCol{&inv.AcceptedAt}, &by, nullTimeCol{&inv.RevokedAt})
	inv.Role, inv.AcceptedBy = rythme.Role(role), by.String
	return inv, err
}

// CreateInvitation stores inv (ID defaults).
func (s *Store) CreateInvitation(ctx context.Context, inv *rythme.Invitation) error {
	if inv.ID == "" {
		inv.ID = rythme.NewID(rythme.PrefixInvitation)
	}
	inv.CreatedAt, inv.ExpiresAt = norm(inv.CreatedAt), norm(inv.ExpiresAt)
	_, err := s.w.ExecContext(ctx, `INSERT INTO invitations (id, workspace_id, email, role, hash, created_by, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, inv.ID, inv.WorkspaceID, inv.Email, string(inv.Role), inv.Hash, inv.CreatedBy,
		s.ts(inv.CreatedAt), s.ts(inv.ExpiresAt))
	return s.fail("create invitation", err)
}

// ListInvitations lists the workspace's invitations, newest first.
func (s *Store) ListInvitations(ctx context.Context, workspaceID string) ([]*rythme.Invitation, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+invitationCols+` FROM invitations WHERE workspace_id = $1
		ORDER BY created_at DESC, id DESC`, workspaceID)
	if err != nil {
		return nil, s.fail("list invitations", err)
	}
	defer rows.Close()
	out := []*rythme.Invitation{}
	for rows.Next() {
		inv, err := scanInvitation(rows)
		if err != nil {
			return nil, s.fail("list invitations", err)
		}
		out = append(out, inv)
	}
	return out, s.fail("list invitations", rows.Err())
}

// RevokeInvitation revokes a pending invitation of the workspace.
func (s *Store) RevokeInvitation(ctx context.Context, workspaceID, id string, at time.Time) error {
	return s.tx(ctx, "revoke invitation", func(tx *sql.Tx) error {
		inv, err := scanInvitation(tx.QueryRowContext(ctx, `SELECT `+invitationCols+` FROM invitations
			WHERE id = $1 AND workspace_id = $2`+s.forUpdate(), id, workspaceID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("invitation", id)
		}
		if err != nil {
			return err
		}
		if inv.AcceptedAt != nil {
			return rythme.Errorf(rythme.ECONFLICT, "the invitation was accepted already")
		}
		_, err = tx.ExecContext(ctx, `UPDATE invitations SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2`, s.ts(at), id)
		return err
	})
}

// InvitationByHash returns the pending invitation with that hash at now.
func (s *Store) InvitationByHash(ctx context.Context, hash []byte, now time.Time) (*rythme.Invitation, error) {
	inv, err := scanInvitation(s.r.QueryRowContext(ctx, `SELECT `+invitationCols+` FROM invitations
		WHERE hash = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2`, hash, s.ts(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errInvitationGone
	}
	return inv, s.fail("invitation by hash", err)
}

var errInvitationGone = rythme.Errorf(rythme.ENOTFOUND, "the invitation is unknown, used, revoked or expired")

// AcceptInvitation uses the pending invitation once: it creates newMember
// (when given) and adds it, or memberID, to the workspace.
func (s *Store) AcceptInvitation(ctx context.Context, hash []byte, now time.Time, memberID string, newMember *rythme.Member) (*rythme.Invitation, error) {
	var inv *rythme.Invitation
	err := s.tx(ctx, "accept invitation", func(tx *sql.Tx) error {
		var err error
		inv, err = scanInvitation(tx.QueryRowContext(ctx, `SELECT `+invitationCols+` FROM invitations
			WHERE hash = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2`+s.forUpdate(), hash, s.ts(now)))
		if errors.Is(err, sql.ErrNoRows) {
			return errInvitationGone
		}
		if err != nil {
			return err
		}
		if newMember != nil {
			if err := s.insertMember(ctx, tx, newMember); err != nil {
				return err
			}
			memberID = newMember.ID
		}
		if err := s.insertMembership(ctx, tx, &rythme.Membership{WorkspaceID: inv.WorkspaceID, MemberID: memberID,
			Role: inv.Role, CreatedAt: now}); err != nil {
			if isUnique(err) {
				return rythme.Errorf(rythme.ECONFLICT, "you are a member of this workspace already")
			}
			return err
		}
		at := norm(now)
		res, err := tx.ExecContext(ctx, `UPDATE invitations SET accepted_at = $1, accepted_by = $2
			WHERE id = $3 AND accepted_at IS NULL`, s.ts(at), memberID, inv.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errInvitationGone
		}
		inv.AcceptedAt, inv.AcceptedBy = &at, memberID
		return nil
	})
	if err != nil {
		return nil, err
	}
	return inv, nil
}

// CreatePasswordReset stores a reset link's hash.
func (s *Store) CreatePasswordReset(ctx context.Context, r *rythme.PasswordReset) error {
	r.CreatedAt, r.ExpiresAt = norm(r.CreatedAt), norm(r.ExpiresAt)
	_, err := s.w.ExecContext(ctx, `INSERT INTO password_resets (hash, member_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		r.Hash, r.MemberID, s.ts(r.CreatedAt), s.ts(r.ExpiresAt))
	return s.fail("create password reset", err)
}

// ResetPassword consumes the reset once, sets the password and ends the
// member's sessions and other resets.
func (s *Store) ResetPassword(ctx context.Context, hash []byte, now time.Time, passwordHash string) (*rythme.Member, error) {
	var m *rythme.Member
	err := s.tx(ctx, "reset password", func(tx *sql.Tx) error {
		var memberID string
		err := tx.QueryRowContext(ctx, `SELECT member_id FROM password_resets WHERE hash = $1 AND expires_at > $2`+s.forUpdate(),
			hash, s.ts(now)).Scan(&memberID)
		if errors.Is(err, sql.ErrNoRows) {
			return rythme.Errorf(rythme.ENOTFOUND, "the reset link is unknown, used or expired")
		}
		if err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM password_resets WHERE member_id = $1`,
			`DELETE FROM sessions WHERE member_id = $1`,
		} {
			if _, err := tx.ExecContext(ctx, q, memberID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE members SET password_hash = $1 WHERE id = $2`, passwordHash, memberID); err != nil {
			return err
		}
		m, err = scanMember(tx.QueryRowContext(ctx, `SELECT `+memberCols+` FROM members WHERE id = $1`, memberID))
		return err
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}
