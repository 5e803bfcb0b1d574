// Package people holds the use cases of the people who sign in to rythme
// (members): checking a member's password, and joining a workspace with
// an invitation link. The api's handlers decode the request, call a
// Service method and encode its answer; cookies, sessions' HTTP side and
// the throttling of sign-in attempts per client address stay there, as
// they are HTTP.
//
// This package never logs a password, an invitation's or a session's
// secret, and never stores a password in clear: only its argon2id hash
// (package password).
package people

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/password"
)

// ErrBadCredentials is the answer to a wrong email or password: the same
// for both, so that it does not tell which emails are members'.
var ErrBadCredentials = rythme.Errorf(rythme.EUNAUTHORIZED, "the email or the password is wrong")

// maxSecret bounds the length of a link's secret a request may carry.
const maxSecret = 200

// Store is what the people use cases read and write of the store.
type Store interface {
	GetMember(ctx context.Context, id string) (*rythme.Member, error)
	MemberByEmail(ctx context.Context, email string) (*rythme.Member, error)
	SessionByHash(ctx context.Context, hash []byte, now time.Time) (*rythme.Session, error)
	InvitationByHash(ctx context.Context, hash []byte, now time.Time) (*rythme.Invitation, error)
	AcceptInvitation(ctx context.Context, hash []byte, now time.Time, memberID string, newMember *rythme.Member) (*rythme.Invitation, error)
}

// Service holds the people use cases. Store and Now are required;
// PasswordParams defaults to password.RFC9106 and Logger to discarding.
type Service struct {
	Store          Store
	Now            func() time.Time
	PasswordParams password.Params
	Logger         *slog.Logger

	dummyOnce sync.Once
	dummyHash string
}

// CheckPassword verifies pw against m's hash, or, for no member (m nil),
// against a dummy hash, so that both take the same time. It reports false
// for no member, a wrong password or a hash that cannot be read (logged).
func (s *Service) CheckPassword(m *rythme.Member, pw string) bool {
	hash := s.dummy()
	if m != nil && m.PasswordHash != "" {
		hash = m.PasswordHash
	}
	ok, err := password.Verify(pw, hash)
	if err != nil {
		s.logger().Error("people: a stored password hash cannot be read", slog.String("error", err.Error()))
		return false
	}
	return ok && m != nil
}

// dummy returns a hash to check passwords against when no member has the
// email, made once, at the first check.
func (s *Service) dummy() string {
	s.dummyOnce.Do(func() {
		h, err := password.Hash("not a password of anyone", s.params())
		if err != nil {
			panic(err) // crypto/rand failed
		}
		s.dummyHash = h
	})
	return s.dummyHash
}

func (s *Service) params() password.Params {
	if s.PasswordParams == (password.Params{}) {
		return password.RFC9106
	}
	return s.PasswordParams
}

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// Acceptance is an invitation link being used.
type Acceptance struct {
	// Token is the link's secret (after #invite=). Required.
	Token string
	// SessionSecret is the secret of the session of the browser that
	// accepts, if any: its member joins.
	SessionSecret string
	// Name and Password make a new member when no member has the
	// invitation's email; Password alone, that member's, joins it.
	Name, Password string
	// Throttle, when set, is called with the invitation's email before a
	// password is checked against that member's: its error (a rate limit)
	// is returned as is and nothing is checked.
	Throttle func(email string) error
}

// AcceptInvitation joins the invitation's workspace, once: as the member
// signed in with a.SessionSecret; else as the member the invitation's email
// belongs to (a.Password theirs); else as a new member (a.Name and
// a.Password valid). It returns the member who joined and the workspace.
//
// Errors: EINVALID for a missing token or, for a new member, a name or
// password out of bounds; ENOTFOUND for an unknown, used, revoked or
// expired invitation; EUNAUTHORIZED (ErrBadCredentials) for a wrong
// password; what Throttle returns.
func (s *Service) AcceptInvitation(ctx context.Context, a Acceptance) (*rythme.Member, string, error) {
	if a.Token == "" || len(a.Token) > maxSecret {
		return nil, "", rythme.Invalid(rythme.FieldError{Field: "token", Message: "is required: the part of the link after #invite="})
	}
	hash := rythme.HashToken(a.Token)
	inv, err := s.Store.InvitationByHash(ctx, hash, s.Now())
	if err != nil {
		return nil, "", err
	}
	joiner, err := s.signedIn(ctx, a.SessionSecret)
	if err != nil {
		return nil, "", err
	}
	var fresh *rythme.Member
	if joiner == nil {
		if joiner, fresh, err = s.joiner(ctx, inv.Email, a); err != nil {
			return nil, "", err
		}
	}
	memberID := ""
	if joiner != nil {
		memberID = joiner.ID
	}
	if _, err := s.Store.AcceptInvitation(ctx, hash, s.Now(), memberID, fresh); err != nil {
		return nil, "", err
	}
	if fresh != nil {
		joiner = fresh
	}
	return joiner, inv.WorkspaceID, nil
}

// signedIn returns the member of the session with that secret, or nil for
// no secret or a session that has ended.
func (s *Service) signedIn(ctx context.Context, secret string) (*rythme.Member, error) {
	if secret == "" {
		return nil, nil
	}
	se, err := s.Store.SessionByHash(ctx, rythme.HashToken(secret), s.Now())
	if err != nil {
		return nil, nil // an ended session: the invitation's email decides
	}
	m, err := s.Store.GetMember(ctx, se.MemberID)
	if err != nil {
		return nil, fmt.Errorf("people: accept invitation: %w", err)
	}
	return m, nil
}

// joiner is who joins when no one is signed in: the member with email,
// given its password (existing), or a new member (fresh, not yet stored).
func (s *Service) joiner(ctx context.Context, email string, a Acceptance) (existing, fresh *rythme.Member, err error) {
	existing, err = s.Store.MemberByEmail(ctx, email)
	switch {
	case err == nil:
		if a.Password == "" {
			return nil, nil, rythme.Invalid(rythme.FieldError{Field: "password", Message: "this email has an account: give its password to join"})
		}
		if a.Throttle != nil {
			if err := a.Throttle(email); err != nil {
				return nil, nil, err
			}
		}
		if !s.CheckPassword(existing, a.Password) {
			return nil, nil, ErrBadCredentials
		}
		return existing, nil, nil
	case rythme.ErrorCode(err) == rythme.ENOTFOUND:
		if err := rythme.ValidateMember(email, a.Name, a.Password); err != nil {
			return nil, nil, err
		}
		ph, err := password.Hash(a.Password, s.params())
		if err != nil {
			return nil, nil, fmt.Errorf("people: hash password: %w", err)
		}
		return nil, &rythme.Member{ID: rythme.NewID(rythme.PrefixMember), Email: email, Name: strings.TrimSpace(a.Name),
			PasswordHash: ph, CreatedAt: s.Now()}, nil
	default:
		return nil, nil, fmt.Errorf("people: accept invitation: %w", err)
	}
}
