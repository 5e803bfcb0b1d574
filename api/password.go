package api

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/password"
)

type changePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

var errWrongPassword = rythme.Errorf(rythme.EUNAUTHORIZED, "the current password is wrong")

// changePassword sets a signed-in member's new password, given the current
// one (throttled as sign-in is, so a borrowed session cannot guess it).
// Every session of the member ends, as after a reset, and this browser
// gets a new one: a session stolen before the change is worth nothing.
func (s *server) changePassword(c *gin.Context) {
	var req changePasswordRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	var fe fieldErrors
	if req.CurrentPassword == "" || len(req.CurrentPassword) > 4*rythme.MaxPasswordLength {
		fe.add("current_password", "is required")
	}
	if msg := rythme.CheckPassword(req.NewPassword); msg != "" {
		fe.add("new_password", "%s", msg)
	}
	if err := fe.err(); err != nil {
		s.fail(c, err)
		return
	}
	m := memberOf(c)
	if !s.throttleSignIn(c, m.Email) {
		return
	}
	if !s.people.CheckPassword(m, req.CurrentPassword) {
		s.fail(c, errWrongPassword)
		return
	}
	hash, err := password.Hash(req.NewPassword, s.cfg.PasswordParams)
	if err != nil {
		s.fail(c, err)
		return
	}
	// A reset made and used at once: one transaction sets the hash and
	// ends every session.
	secret, err := randomToken()
	if err != nil {
		s.fail(c, fmt.Errorf("api: random reset: %w", err))
		return
	}
	ctx, now := c.Request.Context(), s.now()
	if err := s.store.CreatePasswordReset(ctx, &rythme.PasswordReset{Hash: rythme.HashToken(secret), MemberID: m.ID,
		CreatedAt: now, ExpiresAt: now.Add(s.cfg.ResetTTL)}); err != nil {
		s.fail(c, fmt.Errorf("api: change password: %w", err))
		return
	}
	if _, err := s.store.ResetPassword(ctx, rythme.HashToken(secret), now, hash); err != nil {
		s.fail(c, fmt.Errorf("api: change password: %w", err))
		return
	}
	workspace := ""
	if se := sessionOf(c); se != nil {
		workspace = se.WorkspaceID
	}
	if err := s.startSession(c, m, workspace); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
