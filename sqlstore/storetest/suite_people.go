package storetest

import (
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

func init() {
	register(suiteCase{"People", testPeople}, suiteCase{"PeopleLinks", testPeopleLinks})
}

// testPeople: members are unique by email; the first member is made once;
// memberships are per workspace; sessions are found by hash until they
// expire and end one by one or all together.
func testPeople(t *testing.T, s rythme.Store) {
	ws, other := newWorkspace(t, s), newWorkspace(t, s)
	first := &rythme.Member{Email: "root@example.com", Name: "Root", PasswordHash: "$argon2id$x", InstanceAdmin: true, CreatedAt: T0}
	made, err := s.CreateFirstMember(ctx(t), first, "")
	must(t, err)
	again, err := s.CreateFirstMember(ctx(t), &rythme.Member{Email: "two@example.com", Name: "Two", CreatedAt: T0}, ws.ID)
	must(t, err)
	if !made || again {
		t.Fatalf("CreateFirstMember: %v then %v", made, again)
	}
	got, err := s.MemberByEmail(ctx(t), "root@example.com")
	must(t, err)
	if got.ID != first.ID || !got.InstanceAdmin || got.PasswordHash != "$argon2id$x" || !got.CreatedAt.Equal(us(T0)) {
		t.Fatalf("member %s", dump(got))
	}
	firstWS, err := s.MemberWorkspaces(ctx(t), first.ID)
	must(t, err)
	if len(firstWS) != 1 || firstWS[0].Role != rythme.RoleAdmin {
		t.Fatalf("the first member's workspaces %s", dump(firstWS))
	}
	ada := &rythme.Member{Email: "ada@example.com", Name: "Ada", PasswordHash: "h", CreatedAt: T0}
	must(t, s.CreateMember(ctx(t), ada))
	wantCode(t, s.CreateMember(ctx(t), &rythme.Member{Email: "ada@example.com", Name: "Other", CreatedAt: T0}), rythme.ECONFLICT)
	_, err = s.GetMember(ctx(t), rythme.NewID(rythme.PrefixMember))
	wantCode(t, err, rythme.ENOTFOUND)

	must(t, s.AddMembership(ctx(t), &rythme.Membership{WorkspaceID: ws.ID, MemberID: ada.ID, Role: rythme.RoleEditor, CreatedAt: T0}))
	must(t, s.AddMembership(ctx(t), &rythme.Membership{WorkspaceID: other.ID, MemberID: ada.ID, Role: rythme.RoleViewer, CreatedAt: T0}))
	wantCode(t, s.AddMembership(ctx(t), &rythme.Membership{WorkspaceID: ws.ID, MemberID: ada.ID, Role: rythme.RoleAdmin, CreatedAt: T0}), rythme.ECONFLICT)
	list, err := s.MemberWorkspaces(ctx(t), ada.ID)
	must(t, err)
	if len(list) != 2 {
		t.Fatalf("ada's workspaces %s", dump(list))
	}
	must(t, s.SetMemberRole(ctx(t), other.ID, ada.ID, rythme.RoleManager))
	wantCode(t, s.SetMemberRole(ctx(t), other.ID, first.ID, rythme.RoleManager), rythme.ENOTFOUND)
	members, err := s.ListWorkspaceMembers(ctx(t), other.ID)
	must(t, err)
	if len(members) != 1 || members[0].ID != ada.ID || members[0].Role != rythme.RoleManager {
		t.Fatalf("other's members %s", dump(members))
	}
	must(t, s.RemoveMembership(ctx(t), other.ID, ada.ID))
	wantCode(t, s.RemoveMembership(ctx(t), other.ID, ada.ID), rythme.ENOTFOUND)

	se := &rythme.Session{Hash: []byte("hash-1"), MemberID: ada.ID, WorkspaceID: ws.ID, CreatedAt: T0, ExpiresAt: T0.Add(time.Hour)}
	must(t, s.CreateSession(ctx(t), se))
	must(t, s.CreateSession(ctx(t), &rythme.Session{Hash: []byte("hash-2"), MemberID: ada.ID, CreatedAt: T0, ExpiresAt: T0.Add(time.Hour)}))
	found, err := s.SessionByHash(ctx(t), []byte("hash-1"), T0.Add(time.Minute))
	must(t, err)
	if found.ID != se.ID || found.MemberID != ada.ID || found.WorkspaceID != ws.ID {
		t.Fatalf("session %s", dump(found))
	}
	_, err = s.SessionByHash(ctx(t), []byte("hash-1"), T0.Add(time.Hour))
	wantCode(t, err, rythme.ENOTFOUND)
	must(t, s.SetSessionWorkspace(ctx(t), se.ID, other.ID))
	found, err = s.SessionByHash(ctx(t), []byte("hash-1"), T0)
	must(t, err)
	if found.WorkspaceID != other.ID {
		t.Fatalf("switched session %s", dump(found))
	}
	must(t, s.DeleteSession(ctx(t), []byte("hash-1")))
	_, err = s.SessionByHash(ctx(t), []byte("hash-1"), T0)
	wantCode(t, err, rythme.ENOTFOUND)
	n, err := s.DeleteMemberSessions(ctx(t), ada.ID)
	must(t, err)
	if n != 1 {
		t.Fatalf("DeleteMemberSessions ended %d, want 1", n)
	}
}

// testPeopleLinks: invitations and password resets work once, before they
// expire; a revoked invitation does not work.
func testPeopleLinks(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	inv := &rythme.Invitation{WorkspaceID: ws.ID, Email: "cat@example.com", Role: rythme.RoleEditor, Hash: []byte("inv-1"),
		CreatedBy: "tok_x", CreatedAt: T0, ExpiresAt: T0.Add(time.Hour)}
	must(t, s.CreateInvitation(ctx(t), inv))
	_, err := s.AcceptInvitation(ctx(t), []byte("inv-1"), T0.Add(time.Hour), "", &rythme.Member{Email: "cat@example.com", Name: "Cat", CreatedAt: T0})
	wantCode(t, err, rythme.ENOTFOUND) // expired
	cat := &rythme.Member{ID: rythme.NewID(rythme.PrefixMember), Email: "cat@example.com", Name: "Cat", CreatedAt: T0}
	got, err := s.AcceptInvitation(ctx(t), []byte("inv-1"), T0, "", cat)
	must(t, err)
	if got.AcceptedBy != cat.ID || got.AcceptedAt == nil || got.Status(T0) != "accepted" {
		t.Fatalf("accepted %s", dump(got))
	}
	_, err = s.AcceptInvitation(ctx(t), []byte("inv-1"), T0, "", &rythme.Member{Email: "eve@example.com", Name: "Eve", CreatedAt: T0})
	wantCode(t, err, rythme.ENOTFOUND) // once
	if _, err := s.MemberByEmail(ctx(t), "eve@example.com"); rythme.ErrorCode(err) != rythme.ENOTFOUND {
		t.Fatalf("a refused acceptance made a member: %v", err)
	}
	wantCode(t, s.RevokeInvitation(ctx(t), ws.ID, inv.ID, T0), rythme.ECONFLICT)

	second := &rythme.Invitation{WorkspaceID: ws.ID, Email: "dan@example.com", Role: rythme.RoleViewer, Hash: []byte("inv-2"),
		CreatedBy: "tok_x", CreatedAt: T0.Add(time.Second), ExpiresAt: T0.Add(time.Hour)}
	must(t, s.CreateInvitation(ctx(t), second))
	wantCode(t, s.RevokeInvitation(ctx(t), newWorkspace(t, s).ID, second.ID, T0), rythme.ENOTFOUND)
	must(t, s.RevokeInvitation(ctx(t), ws.ID, second.ID, T0))
	_, err = s.InvitationByHash(ctx(t), []byte("inv-2"), T0)
	wantCode(t, err, rythme.ENOTFOUND)
	list, err := s.ListInvitations(ctx(t), ws.ID)
	must(t, err)
	if len(list) != 2 || list[0].ID != second.ID || list[0].Status(T0) != "revoked" {
		t.Fatalf("invitations %s", dump(list))
	}
	// A member already in the workspace cannot accept another invitation.
	must(t, s.CreateInvitation(ctx(t), &rythme.Invitation{WorkspaceID: ws.ID, Email: "cat@example.com", Role: rythme.RoleAdmin,
		Hash: []byte("inv-3"), CreatedBy: "tok_x", CreatedAt: T0, ExpiresAt: T0.Add(time.Hour)}))
	_, err = s.AcceptInvitation(ctx(t), []byte("inv-3"), T0, cat.ID, nil)
	wantCode(t, err, rythme.ECONFLICT)

	must(t, s.CreatePasswordReset(ctx(t), &rythme.PasswordReset{Hash: []byte("reset-1"), MemberID: cat.ID, CreatedAt: T0, ExpiresAt: T0.Add(time.Hour)}))
	must(t, s.CreateSession(ctx(t), &rythme.Session{Hash: []byte("cat-session"), MemberID: cat.ID, CreatedAt: T0, ExpiresAt: T0.Add(time.Hour)}))
	_, err = s.ResetPassword(ctx(t), []byte("reset-1"), T0.Add(time.Hour), "new")
	wantCode(t, err, rythme.ENOTFOUND) // expired
	m, err := s.ResetPassword(ctx(t), []byte("reset-1"), T0, "new-hash")
	must(t, err)
	if m.ID != cat.ID || m.PasswordHash != "new-hash" {
		t.Fatalf("reset %s", dump(m))
	}
	_, err = s.ResetPassword(ctx(t), []byte("reset-1"), T0, "again")
	wantCode(t, err, rythme.ENOTFOUND) // once
	_, err = s.SessionByHash(ctx(t), []byte("cat-session"), T0)
	wantCode(t, err, rythme.ENOTFOUND) // sessions ended
}
