package api

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
)

// maxTokenName bounds a token's name.
const maxTokenName = 100

type createTokenRequest struct {
	Name string      `json:"name"`
	Role rythme.Role `json:"role"`
}

// createdToken is a new token with its secret: the only response that
// ever holds one.
type createdToken struct {
	*rythme.APIToken
	Secret string `json:"secret"`
}

func (s *server) createToken(c *gin.Context) {
	var req createTokenRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	var fe fieldErrors
	if n := utf8.RuneCountInString(strings.TrimSpace(req.Name)); n == 0 || n > maxTokenName || !utf8.ValidString(req.Name) {
		fe.add("name", "must be 1 to %d characters", maxTokenName)
	}
	if !req.Role.Valid() {
		fe.add("role", "must be one of admin, manager, editor, viewer")
	}
	if err := fe.err(); err != nil {
		s.fail(c, err)
		return
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		s.fail(c, fmt.Errorf("api: random token: %w", err))
		return
	}
	secret := rythme.TokenSecretPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	tok := &rythme.APIToken{
		ID: rythme.NewID(rythme.PrefixToken), WorkspaceID: workspace(c), Name: strings.TrimSpace(req.Name),
		Role: req.Role, Hash: rythme.HashToken(secret), CreatedAt: s.now(),
	}
	if err := s.store.CreateAPIToken(c.Request.Context(), tok); err != nil {
		s.fail(c, fmt.Errorf("api: create token: %w", err))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, createdToken{APIToken: tok, Secret: secret})
}

func (s *server) listTokens(c *gin.Context) {
	toks, err := s.store.ListAPITokens(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, fmt.Errorf("api: list tokens: %w", err))
		return
	}
	if toks == nil {
		toks = []*rythme.APIToken{}
	}
	c.JSON(http.StatusOK, gin.H{"data": toks})
}

func (s *server) revokeToken(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixToken, "token")
	if !ok {
		return
	}
	if err := s.store.RevokeAPIToken(c.Request.Context(), workspace(c), id, s.now()); err != nil {
		s.fail(c, fmt.Errorf("api: revoke token: %w", err))
		return
	}
	c.Status(http.StatusNoContent)
}
