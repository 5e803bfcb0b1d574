package meta

import (
	"context"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// Refresher renews a long-lived token (Instagram's ig_refresh_token,
// Threads' th_refresh_token) and returns the new one.
type Refresher func(ctx context.Context, client *http.Client, current string) (*TokenResponse, error)

// RefreshingSession is the session of an account whose long-lived token
// (60 days) can be renewed while it is valid and at least a day old, as
// Instagram and Threads document
// (https://developers.facebook.com/docs/threads/get-started/long-lived-tokens/,
// https://developers.facebook.com/docs/instagram-platform/reference/refresh_access_token).
// There is no refresh token: the access token itself is traded for a new
// one, so a token the network refused cannot be refreshed, and Invalidate
// reports false. Requests carry the token in the Authorization header.
type RefreshingSession struct {
	base    *http.Client
	client  *http.Client
	refresh Refresher
	save    func(context.Context, rythme.Token) error
	now     func() time.Time
	within  time.Duration

	mu  sync.Mutex
	tok rythme.Token
}

// SessionConfig configures NewRefreshingSession.
type SessionConfig struct {
	// Refresh renews the token. Required.
	Refresh Refresher
	// Save keeps a renewed token (may be nil).
	Save func(context.Context, rythme.Token) error
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Within: a token expiring sooner than this is renewed before use.
	// Default 14 days.
	Within time.Duration
}

// MinTokenAge is how old a long-lived token must be before Meta renews it.
const MinTokenAge = 24 * time.Hour

// LongLivedTTL is the life of a long-lived token.
const LongLivedTTL = 60 * 24 * time.Hour

// NewRefreshingSession returns the session of tok, on base's transport.
func NewRefreshingSession(tok rythme.Token, base *http.Client, cfg SessionConfig) *RefreshingSession {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Within <= 0 {
		cfg.Within = 14 * 24 * time.Hour
	}
	s := &RefreshingSession{base: base, refresh: cfg.Refresh, save: cfg.Save, now: cfg.Now, within: cfg.Within, tok: tok}
	rt := base.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	s.client = &http.Client{Transport: &sessionTransport{s: s, base: rt}}
	return s
}

var _ connectors.Session = (*RefreshingSession)(nil)

// Client carries the token, renewed first when it nears its expiry.
func (s *RefreshingSession) Client() *http.Client { return s.client }

// Invalidate reports false: a refused token cannot be traded for another.
func (s *RefreshingSession) Invalidate() bool { return false }

// Expiry is when the current token expires.
func (s *RefreshingSession) Expiry() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tok.Expiry
}

// Token returns the current token.
func (s *RefreshingSession) Token() rythme.Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tok
}

// Refresh renews the token now and saves it: Auth when the network
// refuses (the token expired or was revoked), Retryable when it failed. A
// token less than a day old (by its expiry) is left as it is: Meta would
// refuse, and it has 59 days to go.
func (s *RefreshingSession) Refresh(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if exp := s.tok.Expiry; !exp.IsZero() && LongLivedTTL-exp.Sub(s.now()) < MinTokenAge {
		return nil
	}
	return s.renewLocked(ctx)
}

func (s *RefreshingSession) renewLocked(ctx context.Context) error {
	if s.tok.AccessToken == "" {
		return &connectors.Error{Kind: connectors.Auth, Message: "the account has no token"}
	}
	tr, err := s.refresh(ctx, HTTPClient(ctx, s.base), s.tok.AccessToken)
	if err != nil {
		if ce, ok := connectors.AsError(err); ok && ce.Kind == connectors.Permanent {
			return &connectors.Error{Kind: connectors.Auth, Status: ce.Status, Message: "the network refused to renew the token: " + ce.Message, Err: ce.Err}
		}
		return err
	}
	nt := connectors.FromOAuth2(tr.Token(s.now()))
	if nt.Scope == "" {
		nt.Scope = s.tok.Scope
	}
	if s.save != nil {
		if err := s.save(ctx, nt); err != nil {
			return &connectors.Error{Kind: connectors.Retryable, Message: "could not save the renewed token", Err: err}
		}
	}
	s.tok = nt
	return nil
}

// current returns the token to use, renewing it first when it expires
// within the window and is old enough; a failed renewal of a token still
// valid is not an error (the next call tries again).
func (s *RefreshingSession) current(ctx context.Context) (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	exp := s.tok.Expiry
	if !exp.IsZero() {
		left := exp.Sub(now)
		if left <= 0 {
			return nil, &connectors.Error{Kind: connectors.Auth, Message: "the long-lived token expired: reconnect the account"}
		}
		if left < s.within && LongLivedTTL-left >= MinTokenAge {
			_ = s.renewLocked(ctx)
		}
	}
	return connectors.ToOAuth2(s.tok), nil
}

// sessionTransport sets the Authorization header with the session's token,
// renewing it under the request's context.
type sessionTransport struct {
	s    *RefreshingSession
	base http.RoundTripper
}

func (t *sessionTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.s.current(req.Context())
	if err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	r := req.Clone(req.Context())
	tok.SetAuthHeader(r)
	return t.base.RoundTrip(r)
}
