package connectors

import (
	"context"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/netguard"
)

// DefaultTimeout bounds one call to a network. The publishing lease is far
// longer, so a live worker always finishes before its lease ends.
const DefaultTimeout = 30 * time.Second

// ToOAuth2 and FromOAuth2 convert between the domain's token and oauth2's.
func ToOAuth2(t rythme.Token) *oauth2.Token {
	return &oauth2.Token{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, TokenType: t.TokenType, Expiry: t.Expiry}
}

// FromOAuth2 converts an oauth2 token, keeping the granted scope.
func FromOAuth2(t *oauth2.Token) rythme.Token {
	out := rythme.Token{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, TokenType: t.TokenType, Expiry: t.Expiry}
	if s, ok := t.Extra("scope").(string); ok {
		out.Scope = s
	}
	return out
}

// TokenSource hands out an account's token, refreshing it through the
// oauth2 config when it has expired (or when Invalidate was called after a
// 401) and saving every new token (with a rotated refresh token) through
// save before it is used.
type TokenSource struct {
	cfg  *oauth2.Config
	save func(context.Context, rythme.Token) error
	ctx  context.Context

	mu      sync.Mutex
	tok     *oauth2.Token
	invalid bool
}

// NewTokenSource returns a saving, refreshing source for tok. ctx carries
// the HTTP client used for the token endpoint (oauth2.HTTPClient).
func NewTokenSource(ctx context.Context, cfg *oauth2.Config, tok rythme.Token, save func(context.Context, rythme.Token) error) *TokenSource {
	return &TokenSource{cfg: cfg, save: save, ctx: ctx, tok: ToOAuth2(tok)}
}

// Token returns a valid token, refreshing and saving first when needed.
func (s *TokenSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.invalid && s.tok.Valid() {
		return s.tok, nil
	}
	if s.tok.RefreshToken == "" {
		if s.invalid || !s.tok.Expiry.IsZero() {
			return nil, &Error{Kind: Auth, Message: "the token was refused or expired and there is no refresh token"}
		}
		return s.tok, nil
	}
	expired := *s.tok
	expired.AccessToken = ""
	expired.Expiry = time.Unix(1, 0)
	nt, err := s.cfg.TokenSource(s.ctx, &expired).Token()
	if err != nil {
		return nil, classifyTransport(s.ctx, err, true)
	}
	if nt.RefreshToken == "" {
		nt.RefreshToken = s.tok.RefreshToken // not rotated: keep the old one
	}
	if s.save != nil {
		if err := s.save(s.ctx, FromOAuth2(nt)); err != nil {
			return nil, &Error{Kind: Retryable, Message: "could not save the refreshed token", Err: err}
		}
	}
	s.tok, s.invalid = nt, false
	return nt, nil
}

// Invalidate marks the current token as refused: the next Token call
// refreshes it. It reports whether a refresh is possible.
func (s *TokenSource) Invalidate() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalid = true
	return s.tok.RefreshToken != ""
}

// Current returns the token as it stands (for tests and for saving).
func (s *TokenSource) Current() rythme.Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	return FromOAuth2(s.tok)
}

// Connections kept open for reuse: at the top of the hour a worker has
// thousands of calls in flight to one network's host, and a connection not
// kept is a new TCP (and TLS) handshake for the next call.
const (
	maxIdleConns        = 4096
	maxIdleConnsPerHost = 1024
)

// NewHTTPClient returns a client for calls to networks: bounded timeouts,
// no cookie jar, at most 10 redirects, no replay of a request the network
// may have acted on (NoReplay), and the User-Agent on every request. It
// reaches any address: for hosts a user chose (a Mastodon instance, a
// Bluesky PDS) use NewGuardedHTTPClient.
func NewHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = maxIdleConns, maxIdleConnsPerHost
	tr.ResponseHeaderTimeout = DefaultTimeout
	return &http.Client{Transport: WithUserAgent(NoReplay{tr}), Timeout: DefaultTimeout}
}

// NewGuardedHTTPClient is NewHTTPClient for requests to hosts a user chose:
// it connects only to addresses policy permits (checked on the resolved
// address when dialling), through no proxy, and follows redirects only for
// GET and HEAD, to permitted addresses (see package netguard). rythme's
// servers use it for every network call, so a user-given instance_url or
// service_url can never reach rythme's own network.
func NewGuardedHTTPClient(policy netguard.Policy) *http.Client {
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConns, base.MaxIdleConnsPerHost = maxIdleConns, maxIdleConnsPerHost
	base.ResponseHeaderTimeout = DefaultTimeout
	return &http.Client{Transport: WithUserAgent(NoReplay{policy.Transport(base)}), Timeout: DefaultTimeout,
		CheckRedirect: policy.CheckRedirect}
}

// NoReplay is an http.Transport that never replays a request with a body
// other than GET or HEAD. Go's transport replays a request it can rewind
// (GetBody) that carries an Idempotency-Key when a reused connection drops
// after the request was written; the server may have acted on it and not
// honour the key (GoToSocial ignores it): a thread's part was posted
// twice that way. Without the replay the loss comes back to Do as Unknown,
// and the worker decides. Wrappers above it (oauth2, a session that
// retries a refused token) keep their GetBody for their own, safe,
// replays.
type NoReplay struct{ *http.Transport }

// RoundTrip sends req without GetBody when it carries a body.
func (t NoReplay) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.GetBody != nil && req.Method != http.MethodGet && req.Method != http.MethodHead && req.Body != nil && req.Body != http.NoBody {
		r := *req // RoundTrip must not change the caller's request
		r.GetBody = nil
		req = &r
	}
	return t.Transport.RoundTrip(req)
}

// AuthorizedClient returns an HTTP client whose requests carry ts's token,
// built on base's transport. It has no client timeout of its own (oauth2's
// transport cannot cancel one cleanly): callers bound calls with their
// context, as the worker's PublishTimeout does.
func AuthorizedClient(base *http.Client, ts oauth2.TokenSource) *http.Client {
	return &http.Client{Transport: &oauth2.Transport{Source: ts, Base: base.Transport}}
}
