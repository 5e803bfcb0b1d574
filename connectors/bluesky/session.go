package bluesky

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// OpenSession returns the account's session: requests carry the access
// JWT, refreshed (com.atproto.server.refreshSession, Authorization: Bearer
// <refresh JWT>,
// https://docs.bsky.app/docs/api/com-atproto-server-refresh-session)
// before it expires or once after the PDS answers ExpiredToken, the
// request then replayed. Every new pair is saved before it is used. A
// refused refresh is an Auth error: the account needs a new app password.
func (c *Connector) OpenSession(_ context.Context, acct *rythme.Account, base *http.Client, save func(context.Context, rythme.Token) error) (connectors.Session, error) {
	service, err := serviceOf(acct)
	if err != nil {
		return nil, err
	}
	if acct.Token.AccessToken == "" {
		return nil, connectors.Errorf(connectors.Auth, "the account has no Bluesky session; connect it again")
	}
	if base == nil {
		base = c.cfg.HTTPClient
	}
	s := &session{c: c, service: service, base: base, save: save, tok: acct.Token}
	s.client = &http.Client{Transport: &sessionTransport{s: s}, Timeout: base.Timeout}
	return s, nil
}

type session struct {
	c       *Connector
	service string
	base    *http.Client
	save    func(context.Context, rythme.Token) error
	client  *http.Client

	mu      sync.Mutex
	tok     rythme.Token
	invalid bool
}

func (s *session) Client() *http.Client { return s.client }

// Invalidate makes the next request refresh first; a refresh is possible
// while the refresh JWT has not expired.
func (s *session) Invalidate() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalid = true
	return s.refreshable()
}

// Refresh renews the session now and saves it.
func (s *session) Refresh(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshLocked(ctx)
}

// Expiry is when the access JWT expires.
func (s *session) Expiry() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tok.Expiry
}

// Token returns the current JWTs (for tests).
func (s *session) Token() rythme.Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tok
}

// refreshable reports whether the refresh JWT can still be used. Holds
// s.mu.
func (s *session) refreshable() bool {
	if s.tok.RefreshToken == "" {
		return false
	}
	exp := jwtClaims(s.tok.RefreshToken).Exp
	return exp == 0 || time.Now().Unix() < exp
}

// access returns an access JWT valid for a while, refreshing first when
// the current one expires within the margin or was refused.
func (s *session) access(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.invalid && (s.tok.Expiry.IsZero() || time.Until(s.tok.Expiry) > s.c.cfg.RefreshMargin) {
		return s.tok.AccessToken, nil
	}
	if err := s.refreshLocked(ctx); err != nil {
		return "", err
	}
	return s.tok.AccessToken, nil
}

// refreshAfter refreshes unless another request already replaced used.
func (s *session) refreshAfter(ctx context.Context, used string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok.AccessToken != used {
		return nil
	}
	return s.refreshLocked(ctx)
}

// refreshLocked calls refreshSession and saves the rotated pair. Holds
// s.mu.
func (s *session) refreshLocked(ctx context.Context) error {
	if !s.refreshable() {
		return connectors.Errorf(connectors.Auth, "the Bluesky session expired; connect the account again with an app password")
	}
	req, err := http.NewRequestWithContext(valueless{ctx}, http.MethodPost, s.service+"/xrpc/com.atproto.server.refreshSession", nil)
	if err != nil {
		return &connectors.Error{Kind: connectors.Permanent, Message: "invalid PDS URL", Err: err}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.tok.RefreshToken)
	var info sessionInfo
	if err := s.c.do(s.base, req, &info); err != nil {
		if e, ok := connectors.AsError(err); ok && (e.Kind == connectors.Permanent || e.Kind == connectors.Auth) {
			return &connectors.Error{Kind: connectors.Auth, Status: e.Status, Message: "the PDS refused to refresh the session: " + e.Message, Err: err}
		}
		return err
	}
	if info.AccessJwt == "" || info.RefreshJwt == "" {
		return connectors.Errorf(connectors.Retryable, "the PDS's refreshSession answer has no tokens")
	}
	tok := tokenOf(info)
	if s.save != nil {
		if err := s.save(ctx, tok); err != nil {
			return &connectors.Error{Kind: connectors.Retryable, Message: "could not save the refreshed session", Err: err}
		}
	}
	s.tok, s.invalid = tok, false
	return nil
}

// valueless keeps ctx's deadline and cancellation but none of its values,
// so that the refresh call is not traced as the request it serves (see
// connectors.Do).
type valueless struct{ context.Context }

func (valueless) Value(any) any { return nil }

// sessionTransport authorises requests with the session's access JWT.
type sessionTransport struct{ s *session }

func (t *sessionTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if req.GetBody != nil {
		defer closeBody(req) // every attempt sends a copy
	}
	tok, err := t.s.access(ctx)
	if err != nil {
		if req.GetBody == nil {
			closeBody(req)
		}
		return nil, err
	}
	resp, err := t.send(req, tok)
	if err != nil || (resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusUnauthorized) {
		return resp, err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, connectors.MaxErrorBody))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if name := parseXRPCError(body).Error; name != "ExpiredToken" && name != "InvalidToken" {
		return resp, nil
	}
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return resp, nil // cannot replay: the caller sees the Auth error
	}
	if err := t.s.refreshAfter(ctx, tok); err != nil {
		return nil, err
	}
	if tok, err = t.s.access(ctx); err != nil {
		return nil, err
	}
	return t.send(req, tok)
}

// send clones req with the Authorization header and a fresh body.
func (t *sessionTransport) send(req *http.Request, tok string) (*http.Response, error) {
	r := req.Clone(req.Context())
	if req.GetBody != nil {
		b, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = b
	}
	r.Header.Set("Authorization", "Bearer "+tok)
	tr := t.s.base.Transport
	if tr == nil {
		tr = http.DefaultTransport
	}
	return tr.RoundTrip(r)
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
