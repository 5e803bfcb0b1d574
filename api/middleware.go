package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
)

// tokenKey is where the auth middleware keeps the caller's *APIToken.
const tokenKey = "rythme.token"

// route returns the route template of the request (never the raw path,
// which holds ids), or "unmatched".
func route(c *gin.Context) string {
	if p := c.FullPath(); p != "" {
		return p
	}
	return "unmatched"
}

// metricsMiddleware counts requests and their latency by route template.
func (s *server) metricsMiddleware(c *gin.Context) {
	start := time.Now()
	c.Next()
	r := route(c)
	s.cfg.Metrics.HTTPRequests.WithLabelValues(c.Request.Method, r, strconv.Itoa(c.Writer.Status())).Inc()
	s.cfg.Metrics.HTTPDuration.WithLabelValues(c.Request.Method, r).Observe(time.Since(start).Seconds())
}

// logMiddleware writes one access-log line per request: method, route
// template, status, duration and token id (member id for a session).
// Never the Authorization header, a cookie, the query (it may hold an
// OAuth code) or a body.
func (s *server) logMiddleware(c *gin.Context) {
	start := time.Now()
	c.Next()
	level := slog.LevelInfo
	if c.Writer.Status() >= 500 {
		level = slog.LevelError
	}
	if !s.log.Enabled(c.Request.Context(), level) {
		return // access logs off: build nothing
	}
	attrs := []slog.Attr{
		slog.String("method", c.Request.Method),
		slog.String("route", route(c)),
		slog.Int("status", c.Writer.Status()),
		slog.Duration("duration", time.Since(start)),
	}
	if m := memberOf(c); m != nil {
		attrs = append(attrs, slog.String("member_id", m.ID), slog.String("workspace_id", tokenOf(c).WorkspaceID))
	} else if tok := tokenOf(c); tok != nil {
		attrs = append(attrs, slog.String("token_id", tok.ID), slog.String("workspace_id", tok.WorkspaceID))
	}
	s.log.LogAttrs(c.Request.Context(), level, "http request", attrs...)
}

// recoverMiddleware turns a panic into a logged error and a generic 500.
func (s *server) recoverMiddleware(c *gin.Context) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler {
			panic(v) // the client went away; net/http handles it
		}
		s.log.ErrorContext(c.Request.Context(), "api: panic",
			slog.String("route", route(c)), slog.String("panic", fmt.Sprint(v)), slog.String("stack", string(debug.Stack())))
		if c.Writer.Written() {
			c.Abort()
			return
		}
		c.AbortWithStatusJSON(http.StatusInternalServerError, errorBody{Error: errorJSON{Code: rythme.EINTERNAL, Message: msgInternal}})
	}()
	c.Next()
}

// bodyLimitMiddleware bounds request bodies to MaxBodyBytes: a declared
// length over it is refused at once; an undeclared one fails while read.
func (s *server) bodyLimitMiddleware(c *gin.Context) {
	if p := c.FullPath(); (p == "/v1/media" || p == "/v1/posts/import") && c.Request.Method == http.MethodPost {
		c.Next() // uploads and imports have limits of their own
		return
	}
	if c.Request.ContentLength > s.cfg.MaxBodyBytes {
		s.fail(c, rythme.Errorf(rythme.ETOOLARGE, "the body is larger than %d bytes", s.cfg.MaxBodyBytes))
		return
	}
	if c.Request.Body != nil {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxBodyBytes)
	}
	c.Next()
}

// authMiddleware requires a live bearer token, or, without an
// Authorization header, a member's session cookie (session.go), and keeps
// the caller on the context.
func (s *server) authMiddleware(c *gin.Context) {
	h := c.GetHeader("Authorization")
	if h == "" {
		if secret := s.sessionCookie(c.Request); secret != "" {
			if s.sessionAuth(c, secret) {
				c.Next()
			}
			return
		}
	}
	scheme, secret, ok := strings.Cut(h, " ")
	secret = strings.TrimSpace(secret)
	if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
		s.fail(c, rythme.Errorf(rythme.EUNAUTHORIZED, "sign in, or send an API token in the header Authorization: Bearer rym_…"))
		return
	}
	tok, err := s.store.TokenByHash(c.Request.Context(), rythme.HashToken(secret))
	if err != nil {
		if rythme.ErrorCode(err) == rythme.ENOTFOUND {
			s.fail(c, rythme.Errorf(rythme.EUNAUTHORIZED, "the API token is unknown or revoked"))
			return
		}
		s.fail(c, fmt.Errorf("api: look up token: %w", err))
		return
	}
	if tok.RevokedAt != nil {
		s.fail(c, rythme.Errorf(rythme.EUNAUTHORIZED, "the API token is unknown or revoked"))
		return
	}
	c.Set(tokenKey, tok)
	if s.limits != nil {
		if ok, wait := s.limits.allow(tok.ID, time.Now()); !ok {
			c.Header("Retry-After", retryAfter(wait))
			s.fail(c, errRateLimited)
			return
		}
	}
	c.Next()
}

// require answers 403 unless the caller's role has every right of min.
func require(min rythme.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		tok := tokenOf(c)
		if tok == nil {
			// Only reachable if a route is registered outside the auth group.
			c.AbortWithStatusJSON(http.StatusInternalServerError, errorBody{Error: errorJSON{Code: rythme.EINTERNAL, Message: msgInternal}})
			return
		}
		if !tok.Role.AtLeast(min) {
			err := rythme.Errorf(rythme.EFORBIDDEN, "this needs the %s role; the token has %s", min, tok.Role)
			if memberOf(c) != nil {
				err = rythme.Errorf(rythme.EFORBIDDEN, "this needs the %s role in the workspace; you have %s", min, orNoRole(tok.Role))
			}
			status := statusOf[rythme.EFORBIDDEN]
			c.AbortWithStatusJSON(status, errorBody{Error: errorJSON{Code: err.Code, Message: err.Message}})
			return
		}
		c.Next()
	}
}

// tokenOf returns the caller's token, or nil before authentication.
func tokenOf(c *gin.Context) *rythme.APIToken {
	v, ok := c.Get(tokenKey)
	if !ok {
		return nil
	}
	tok, _ := v.(*rythme.APIToken)
	return tok
}

// workspace returns the caller's workspace id.
func workspace(c *gin.Context) string { return tokenOf(c).WorkspaceID }

// errNotFound is the answer for ids that cannot exist.
var errNotFound = errors.New("not found")

// pathID returns the path parameter name if it is a well-formed id with
// prefix; otherwise it answers 404 and returns false.
func (s *server) pathID(c *gin.Context, name, prefix, what string) (string, bool) {
	id := c.Param(name)
	if !rythme.ValidID(prefix, id) {
		s.fail(c, &rythme.Error{Code: rythme.ENOTFOUND, Message: what + " not found", Err: errNotFound})
		return "", false
	}
	return id, true
}

// orNoRole names a member's role, or says it has none (no workspace).
func orNoRole(r rythme.Role) string {
	if r == "" {
		return "none (you are in no workspace)"
	}
	return string(r)
}
