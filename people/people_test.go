package people_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/password"
	"github.com/rythmehq/rythme/people"
)

var cheap = password.Params{Time: 1, Memory: 64, Threads: 1, SaltLen: 16, KeyLen: 32}

var now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// fakeStore holds members, sessions and one invitation in memory, and
// records the AcceptInvitation call.
type fakeStore struct {
	members    map[string]*rythme.Member // by id
	sessions   map[string]*rythme.Session
	invitation *rythme.Invitation
	secret     string // the invitation's
	accepted   []accepted
}

type accepted struct {
	memberID  string
	newMember *rythme.Member
}

func (f *fakeStore) GetMember(_ context.Context, id string) (*rythme.Member, error) {
	if m, ok := f.members[id]; ok {
		return m, nil
	}
	return nil, rythme.Errorf(rythme.ENOTFOUND, "member not found")
}

func (f *fakeStore) MemberByEmail(_ context.Context, email string) (*rythme.Member, error) {
	for _, m := range f.members {
		if m.Email == email {
			return m, nil
		}
	}
	return nil, rythme.Errorf(rythme.ENOTFOUND, "member not found")
}

func (f *fakeStore) SessionByHash(_ context.Context, hash []byte, _ time.Time) (*rythme.Session, error) {
	if se, ok := f.sessions[string(hash)]; ok {
		return se, nil
	}
	return nil, rythme.Errorf(rythme.ENOTFOUND, "session not found")
}

func (f *fakeStore) InvitationByHash(_ context.Context, hash []byte, _ time.Time) (*rythme.Invitation, error) {
	if f.invitation != nil && string(hash) == string(rythme.HashToken(f.secret)) && f.invitation.AcceptedAt == nil {
		return f.invitation, nil
	}
	return nil, rythme.Errorf(rythme.ENOTFOUND, "invitation not found")
}

func (f *fakeStore) AcceptInvitation(ctx context.Context, hash []byte, at time.Time, memberID string, newMember *rythme.Member) (*rythme.Invitation, error) {
	inv, err := f.InvitationByHash(ctx, hash, at)
	if err != nil {
		return nil, err
	}
	inv.AcceptedAt = &at
	f.accepted = append(f.accepted, accepted{memberID, newMember})
	return inv, nil
}

// setup returns a service over a store with ada (password "ada's long
// password", signed in with session secret "ses-ada") and an invitation
// for email to workspace ws_1 with the secret "inv-secret".
func setup(t *testing.T, email string) (*people.Service, *fakeStore) {
	t.Helper()
	ph, err := password.Hash("ada's long password", cheap)
	if err != nil {
		t.Fatal(err)
	}
	ada := &rythme.Member{ID: "mem_ada", Email: "ada@example.com", Name: "Ada", PasswordHash: ph}
	st := &fakeStore{
		members:    map[string]*rythme.Member{ada.ID: ada},
		sessions:   map[string]*rythme.Session{string(rythme.HashToken("ses-ada")): {ID: "ses_1", MemberID: ada.ID}},
		invitation: &rythme.Invitation{ID: "inv_1", WorkspaceID: "ws_1", Email: email, Role: rythme.RoleEditor, ExpiresAt: now.Add(time.Hour)},
		secret:     "inv-secret",
	}
	return &people.Service{Store: st, Now: func() time.Time { return now }, PasswordParams: cheap}, st
}

func TestAcceptInvitationNewMember(t *testing.T) {
	t.Parallel()
	svc, st := setup(t, "cat@example.com")
	ctx := context.Background()
	_, _, err := svc.AcceptInvitation(ctx, people.Acceptance{Token: "inv-secret", Name: "Cat", Password: "short"})
	if rythme.ErrorCode(err) != rythme.EINVALID || len(rythme.ErrorFields(err)) != 1 || rythme.ErrorFields(err)[0].Field != "password" {
		t.Fatalf("short password: %v %+v", err, rythme.ErrorFields(err))
	}
	m, ws, err := svc.AcceptInvitation(ctx, people.Acceptance{Token: "inv-secret", Name: "  Cat ", Password: "cat's long password",
		Throttle: func(string) error { t.Error("a new member's password is not throttled"); return nil }})
	if err != nil || ws != "ws_1" || m.Email != "cat@example.com" || m.Name != "Cat" || !strings.HasPrefix(m.ID, rythme.PrefixMember+"_") {
		t.Fatalf("accept: %+v %q %v", m, ws, err)
	}
	if ok, err := password.Verify("cat's long password", m.PasswordHash); !ok || err != nil || strings.Contains(m.PasswordHash, "cat's") {
		t.Errorf("password stored as %q", m.PasswordHash)
	}
	if len(st.accepted) != 1 || st.accepted[0].memberID != "" || st.accepted[0].newMember != m {
		t.Errorf("store got %+v", st.accepted)
	}
	// Once only.
	if _, _, err := svc.AcceptInvitation(ctx, people.Acceptance{Token: "inv-secret", Name: "Eve", Password: "eve's long password"}); rythme.ErrorCode(err) != rythme.ENOTFOUND {
		t.Errorf("second use: %v", err)
	}
}

func TestAcceptInvitationExistingMember(t *testing.T) {
	t.Parallel()
	svc, st := setup(t, "ada@example.com")
	ctx := context.Background()
	if _, _, err := svc.AcceptInvitation(ctx, people.Acceptance{Token: "inv-secret"}); rythme.ErrorCode(err) != rythme.EINVALID {
		t.Errorf("no password: %v", err)
	}
	limited := rythme.Errorf(rythme.ERATELIMITED, "slow down")
	var throttled []string
	throttle := func(email string) error { throttled = append(throttled, email); return nil }
	if _, _, err := svc.AcceptInvitation(ctx, people.Acceptance{Token: "inv-secret", Password: "ada's long password",
		Throttle: func(string) error { return limited }}); !errors.Is(err, limited) {
		t.Errorf("throttled: %v", err)
	}
	if _, _, err := svc.AcceptInvitation(ctx, people.Acceptance{Token: "inv-secret", Password: "not ada's password", Throttle: throttle}); !errors.Is(err, people.ErrBadCredentials) {
		t.Errorf("wrong password: %v", err)
	}
	if len(st.accepted) != 0 {
		t.Fatalf("accepted before the right password: %+v", st.accepted)
	}
	m, ws, err := svc.AcceptInvitation(ctx, people.Acceptance{Token: "inv-secret", Password: "ada's long password", Throttle: throttle})
	if err != nil || m.ID != "mem_ada" || ws != "ws_1" {
		t.Fatalf("accept: %+v %q %v", m, ws, err)
	}
	if len(throttled) != 2 || throttled[0] != "ada@example.com" {
		t.Errorf("throttle called with %q", throttled)
	}
	if len(st.accepted) != 1 || st.accepted[0].memberID != "mem_ada" || st.accepted[0].newMember != nil {
		t.Errorf("store got %+v", st.accepted)
	}
}

func TestAcceptInvitationSignedIn(t *testing.T) {
	t.Parallel()
	// The invitation names another email: the signed-in member joins
	// without a password.
	svc, st := setup(t, "cat@example.com")
	ctx := context.Background()
	if _, _, err := svc.AcceptInvitation(ctx, people.Acceptance{}); rythme.ErrorCode(err) != rythme.EINVALID {
		t.Errorf("no token: %v", err)
	}
	if _, _, err := svc.AcceptInvitation(ctx, people.Acceptance{Token: "another", SessionSecret: "ses-ada"}); rythme.ErrorCode(err) != rythme.ENOTFOUND {
		t.Errorf("unknown invitation: %v", err)
	}
	m, ws, err := svc.AcceptInvitation(ctx, people.Acceptance{Token: "inv-secret", SessionSecret: "ses-ada"})
	if err != nil || m.ID != "mem_ada" || ws != "ws_1" || len(st.accepted) != 1 || st.accepted[0].memberID != "mem_ada" {
		t.Fatalf("accept: %+v %q %v %+v", m, ws, err, st.accepted)
	}
	// An ended session counts as none: the email decides (here, a new
	// member, who needs a name and a password).
	svc, _ = setup(t, "cat@example.com")
	if _, _, err := svc.AcceptInvitation(ctx, people.Acceptance{Token: "inv-secret", SessionSecret: "ended"}); rythme.ErrorCode(err) != rythme.EINVALID {
		t.Errorf("ended session: %v", err)
	}
}

func TestCheckPassword(t *testing.T) {
	t.Parallel()
	svc, st := setup(t, "ada@example.com")
	ada := st.members["mem_ada"]
	for _, c := range []struct {
		m    *rythme.Member
		pw   string
		want bool
	}{
		{ada, "ada's long password", true},
		{ada, "ada's long passwore", false},
		{nil, "ada's long password", false},
		{&rythme.Member{ID: "mem_x", PasswordHash: "not a hash"}, "anything", false},
	} {
		if got := svc.CheckPassword(c.m, c.pw); got != c.want {
			t.Errorf("CheckPassword(%v, %q) = %v", c.m, c.pw, got)
		}
	}
}
