package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/people"
)

// Members of a workspace, invitations to join it, and workspaces made by
// an instance administrator.

func (s *server) listMembers(c *gin.Context) {
	list, err := s.store.ListWorkspaceMembers(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, fmt.Errorf("api: list members: %w", err))
		return
	}
	c.JSON(http.StatusOK, gin.H{"data": list})
}

type memberRoleRequest struct {
	Role rythme.Role `json:"role"`
}

// notSelf refuses a change to the caller's own membership: an admin cannot
// lock itself out; another admin does it.
func (s *server) notSelf(c *gin.Context, id string) bool {
	if m := memberOf(c); m != nil && m.ID == id {
		s.fail(c, rythme.Errorf(rythme.ECONFLICT, "you cannot change your own membership; another admin can"))
		return false
	}
	return true
}

func (s *server) setMemberRole(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixMember, "member")
	if !ok {
		return
	}
	var req memberRoleRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if !req.Role.Valid() {
		s.fail(c, rythme.Invalid(rythme.FieldError{Field: "role", Message: "must be one of admin, manager, editor, viewer"}))
		return
	}
	if !s.notSelf(c, id) {
		return
	}
	if err := s.store.SetMemberRole(c.Request.Context(), workspace(c), id, req.Role); err != nil {
		s.fail(c, fmt.Errorf("api: set member role: %w", err))
		return
	}
	s.listMembers(c)
}

func (s *server) removeMember(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixMember, "member")
	if !ok || !s.notSelf(c, id) {
		return
	}
	if err := s.store.RemoveMembership(c.Request.Context(), workspace(c), id); err != nil {
		s.fail(c, fmt.Errorf("api: remove member: %w", err))
		return
	}
	c.Status(http.StatusNoContent)
}

type createInvitationRequest struct {
	Email string      `json:"email"`
	Role  rythme.Role `json:"role"`
}

// invitationJSON is an invitation with its state; URL only when made.
type invitationJSON struct {
	*rythme.Invitation
	Status string `json:"status"`
	URL    string `json:"url,omitempty"`
}

func (s *server) createInvitation(c *gin.Context) {
	var req createInvitationRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	email, ok := rythme.NormalizeEmail(req.Email)
	var fe fieldErrors
	if !ok {
		fe.add("email", "must be an email address such as ada@example.com")
	}
	if !req.Role.Valid() {
		fe.add("role", "must be one of admin, manager, editor, viewer")
	}
	if err := fe.err(); err != nil {
		s.fail(c, err)
		return
	}
	secret, err := randomToken()
	if err != nil {
		s.fail(c, fmt.Errorf("api: random invitation: %w", err))
		return
	}
	now := s.now()
	inv := &rythme.Invitation{ID: rythme.NewID(rythme.PrefixInvitation), WorkspaceID: workspace(c), Email: email, Role: req.Role,
		Hash: rythme.HashToken(secret), CreatedBy: tokenOf(c).ID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.InvitationTTL)}
	if err := s.store.CreateInvitation(c.Request.Context(), inv); err != nil {
		s.fail(c, fmt.Errorf("api: create invitation: %w", err))
		return
	}
	link := strings.TrimSuffix(s.cfg.PublicURL, "/") + "/#invite=" + secret
	if s.cfg.Mailer != nil {
		ws, err := s.store.GetWorkspace(c.Request.Context(), inv.WorkspaceID)
		if err == nil {
			body := fmt.Sprintf("%s invites you to the workspace %q on rythme, as %s. Open this link within %s to join (it works once):\n\n%s\n",
				tokenOf(c).Name, ws.Name, inv.Role, s.cfg.InvitationTTL, link)
			err = s.cfg.Mailer.Send(c.Request.Context(), email, "Join "+ws.Name+" on rythme", body)
		}
		if err != nil {
			s.log.WarnContext(c.Request.Context(), "api: invitation mail not sent", slog.String("error", err.Error()))
		}
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, invitationJSON{Invitation: inv, Status: inv.Status(now), URL: link})
}

func (s *server) listInvitations(c *gin.Context) {
	list, err := s.store.ListInvitations(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, fmt.Errorf("api: list invitations: %w", err))
		return
	}
	now := s.now()
	out := make([]invitationJSON, len(list))
	for i, inv := range list {
		out[i] = invitationJSON{Invitation: inv, Status: inv.Status(now)}
	}
	c.JSON(http.StatusOK, gin.H{"data": out})
}

func (s *server) revokeInvitation(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixInvitation, "invitation")
	if !ok {
		return
	}
	if err := s.store.RevokeInvitation(c.Request.Context(), workspace(c), id, s.now()); err != nil {
		s.fail(c, fmt.Errorf("api: revoke invitation: %w", err))
		return
	}
	c.Status(http.StatusNoContent)
}

type acceptRequest struct {
	Token    string `json:"token"`
	Name     string `json:"name"`
	Password string `json:"password"`
}

// acceptInvitation joins the invitation's workspace, once (see
// people.Service.AcceptInvitation: as the member signed in in this
// browser, the member the invitation's email belongs to, or a new one).
// The browser is then signed in, in that workspace.
func (s *server) acceptInvitation(c *gin.Context) {
	if !s.checkOrigin(c) {
		return
	}
	var req acceptRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	m, workspaceID, err := s.people.AcceptInvitation(c.Request.Context(), people.Acceptance{Token: req.Token,
		SessionSecret: s.sessionCookie(c.Request), Name: req.Name, Password: req.Password, Throttle: s.signInThrottle(c)})
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.startSession(c, m, workspaceID); err != nil {
		s.fail(c, err)
		return
	}
	s.writeMe(c)
}

type createWorkspaceRequest struct {
	Name string `json:"name"`
}

// createWorkspace makes a workspace (instance administrators only), with
// its maker as its admin.
func (s *server) createWorkspace(c *gin.Context) {
	m := memberOf(c)
	if !m.InstanceAdmin {
		s.fail(c, rythme.Errorf(rythme.EFORBIDDEN, "only an instance administrator creates workspaces"))
		return
	}
	var req createWorkspaceRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	name := strings.TrimSpace(req.Name)
	if n := utf8.RuneCountInString(name); n == 0 || n > 100 || rythme.HasControlChar(name) {
		s.fail(c, rythme.Invalid(rythme.FieldError{Field: "name", Message: "must be 1 to 100 characters"}))
		return
	}
	now := s.now()
	ws := &rythme.Workspace{ID: rythme.NewID(rythme.PrefixWorkspace), Name: name, CreatedAt: now}
	if err := s.store.CreateWorkspace(c.Request.Context(), ws); err != nil {
		s.fail(c, fmt.Errorf("api: create workspace: %w", err))
		return
	}
	if err := s.store.AddMembership(c.Request.Context(), &rythme.Membership{WorkspaceID: ws.ID, MemberID: m.ID,
		Role: rythme.RoleAdmin, CreatedAt: now}); err != nil {
		s.fail(c, fmt.Errorf("api: create workspace: %w", err))
		return
	}
	c.JSON(http.StatusCreated, ws)
}
