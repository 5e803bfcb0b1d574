// Package connectortest is the conformance suite every connector passes:
// the full OAuth 2 authorization-code flow with PKCE, identification,
// publishing with idempotency keys, validation, every error kind, token
// refresh and metrics, all against fakenet, rythme's network simulator.
//
// A connector's test calls Run with a Harness. The suite only talks to
// fakenet on loopback; it must never reach a real network, and it never
// prints tokens.
package connectortest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/fakenet"
)

// Harness describes a connector to the suite.
type Harness struct {
	// Network is the connector's network name, which is also the fakenet
	// network (and path prefix) simulating it.
	Network string
	// New returns the connector under test for the network simulated at
	// base (for Mastodon http://127.0.0.1:port/mastodon). A connector
	// whose base URL is a connect parameter may ignore base.
	New func(base string) connectors.Connector
	// Params returns the connect parameters of an account on the network
	// simulated at base.
	Params func(base string) connectors.ConnectParams
	// Refresh is true when the network issues refresh tokens: the suite
	// then refreshes an expired token through connectors.TokenSource.
	Refresh bool
	// ServersMayIgnoreIdempotency is true when some servers speaking the
	// network's API ignore idempotency keys (GoToSocial for Mastodon),
	// which fakenet simulates with an ignore_idempotency fault.
	ServersMayIgnoreIdempotency bool
	// Direct, for a connectors.DirectConnector (webhook URL, app
	// password), returns the connect parameters of user's account on the
	// simulated network, making it there first where needed (a webhook).
	Direct func(e *Env, user string) connectors.ConnectParams
	// Fakenet, when set, adjusts the simulator's configuration before it
	// starts (fakenet.Config.GoToSocial: a Mastodon API that acts like
	// GoToSocial).
	Fakenet func(*fakenet.Config)
	// NoFollowers, for a connector that is not a connectors.AudienceFetcher,
	// says why: the network's API gives no follower count (Slack, a
	// webhook). The suite fails a connector that neither reads followers
	// nor says why.
	NoFollowers string
	// NoHistory, for a connector that is not a connectors.HistoryReader,
	// says why: the network's API lists no account's earlier posts
	// (a webhook, TikTok's posting API). The suite fails a connector that
	// neither reads history nor says why.
	NoHistory string
}

// RedirectURI is the redirect URI the suite registers. Nothing listens
// there: the suite reads the redirect instead of following it.
const RedirectURI = "http://127.0.0.1:9/oauth/callback"

// Clock is a settable clock for fakenet's Config.Now.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Apps is an in-memory connectors.Apps that counts registrations saved.
type Apps struct {
	mu    sync.Mutex
	apps  map[string]*rythme.OAuthApp
	saves int
}

// GetOAuthApp returns a saved registration or ENOTFOUND.
func (a *Apps) GetOAuthApp(_ context.Context, network, instanceURL, redirectURI string) (*rythme.OAuthApp, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if app, ok := a.apps[network+" "+instanceURL+" "+redirectURI]; ok {
		c := *app
		return &c, nil
	}
	return nil, rythme.Errorf(rythme.ENOTFOUND, "no app")
}

// SaveOAuthApp stores app.
func (a *Apps) SaveOAuthApp(_ context.Context, app *rythme.OAuthApp) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.apps == nil {
		a.apps = map[string]*rythme.OAuthApp{}
	}
	c := *app
	a.apps[app.Network+" "+app.InstanceURL+" "+app.RedirectURI] = &c
	a.saves++
	return nil
}

// Saves returns how many registrations were saved.
func (a *Apps) Saves() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.saves
}

// Env is one fakenet, served on loopback, and the connector pointed at
// it. Every case of the suite gets its own.
type Env struct {
	T         *testing.T
	Harness   Harness
	Fake      *fakenet.Server
	Server    *httptest.Server
	Clock     *Clock
	Base      string // the network's base URL on fakenet
	Connector connectors.Connector
	Params    connectors.ConnectParams
	Apps      *Apps
}

// Start runs a fakenet for h and returns the environment; it is shut down
// when the test ends.
func Start(t *testing.T, h Harness) *Env {
	t.Helper()
	return start(t, h, nil)
}

// start runs Start's fakenet behind wrap (when not nil).
func start(t *testing.T, h Harness, wrap func(http.Handler) http.Handler) *Env {
	t.Helper()
	clock := &Clock{t: time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC)}
	fcfg := fakenet.Config{Seed: 42, Now: clock.Now}
	if h.Fakenet != nil {
		h.Fakenet(&fcfg)
	}
	fake := fakenet.New(fcfg)
	handler := fake.Handler()
	if wrap != nil {
		handler = wrap(handler)
	}
	hs := httptest.NewServer(handler)
	t.Cleanup(func() { fake.Close(); hs.Close() })
	base := strings.TrimSuffix(hs.URL, "/") + "/" + h.Network
	return &Env{T: t, Harness: h, Fake: fake, Server: hs, Clock: clock, Base: base,
		Connector: h.New(base), Params: h.Params(base), Apps: &Apps{}}
}

// InjectFault adds a fault on the harness's network.
func (e *Env) InjectFault(f fakenet.Fault) {
	e.T.Helper()
	f.Network = e.Harness.Network
	if err := e.Fake.InjectFault(f); err != nil {
		e.T.Fatalf("inject fault: %v", err)
	}
}

// Posts returns what fakenet recorded of the network's publish requests.
func (e *Env) Posts() []fakenet.Post {
	var out []fakenet.Post
	for _, p := range e.Fake.Posts() {
		if p.Network == e.Harness.Network {
			out = append(out, p)
		}
	}
	return out
}

// Connected is an account connected through the OAuth flow, or directly
// (DirectConnector).
type Connected struct {
	Account *rythme.Account
	Config  *oauth2.Config          // OAuth 2 networks only
	Tokens  *connectors.TokenSource // OAuth 2 networks only
	// Session is the account's session: Client, Invalidate, Refresh.
	Session connectors.Session
	// Client carries the account's credentials, with
	// connectors.NewHTTPClient's transport.
	Client *http.Client
	// Saved counts the credentials the session saved (refreshes).
	Saved func() int

	env *Env
}

// ClientWithTimeout returns a client carrying the account's credentials
// whose calls give up after d.
func (c *Connected) ClientWithTimeout(d time.Duration) *http.Client {
	base := connectors.NewHTTPClient()
	base.Timeout = d
	if c.Tokens != nil {
		client := connectors.AuthorizedClient(base, c.Tokens)
		client.Timeout = d // the suite's own bound (AuthorizedClient sets none)
		return client
	}
	sess, err := connectors.OpenSession(c.env.Context(), c.env.Connector, c.Account, base, RedirectURI, c.env.Apps, nil)
	if err != nil {
		c.env.T.Fatalf("OpenSession: %v", err)
	}
	client := *sess.Client()
	client.Timeout = d
	return &client
}

// noRedirect reads a redirect instead of following it.
var noRedirect = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// Authorize runs the authorization request for user (fakenet approves at
// once) and returns the code, after checking that the redirect goes back
// to RedirectURI with the state.
func (e *Env) Authorize(cfg *oauth2.Config, user, verifier string) string {
	e.T.Helper()
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	state := hex.EncodeToString(b)
	u := cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("fakenet_user", user))
	if !strings.HasPrefix(u, e.Base) {
		e.T.Fatalf("authorize URL %q is not on the simulated network %q", u, e.Base)
	}
	resp, err := noRedirect.Get(u)
	if err != nil {
		e.T.Fatalf("authorize: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		e.T.Fatalf("authorize: status %d, want a redirect", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), RedirectURI) {
		e.T.Fatalf("authorize: redirect to %q, want %s", resp.Header.Get("Location"), RedirectURI)
	}
	if got := loc.Query().Get("state"); got != state {
		e.T.Fatalf("authorize: state %q came back, want %q", got, state)
	}
	code := loc.Query().Get("code")
	if code == "" {
		e.T.Fatalf("authorize: no code in the redirect (error %q)", loc.Query().Get("error"))
	}
	return code
}

// Context returns a context whose oauth2 calls use a plain client.
func (e *Env) Context() context.Context {
	return context.WithValue(context.Background(), oauth2.HTTPClient, connectors.NewHTTPClient())
}

// Exchange trades an authorization code for a token, the way the API
// does: through the connector's Exchanger when it has one.
func (e *Env) Exchange(ctx context.Context, cfg *oauth2.Config, code, verifier string) (*oauth2.Token, error) {
	if ex, ok := e.Connector.(connectors.Exchanger); ok {
		return ex.Exchange(ctx, cfg, code, verifier)
	}
	return cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
}

// Connect runs the whole flow for user (OAuth 2, or the direct connect of
// a DirectConnector) and identifies the account.
func (e *Env) Connect(user string) *Connected {
	e.T.Helper()
	ctx := e.Context()
	var mu sync.Mutex
	saved := 0
	save := func(context.Context, rythme.Token) error {
		mu.Lock()
		saved++
		mu.Unlock()
		return nil
	}
	c := &Connected{env: e, Saved: func() int {
		mu.Lock()
		defer mu.Unlock()
		return saved
	}}
	if dc, ok := e.Connector.(connectors.DirectConnector); ok {
		if e.Harness.Direct == nil {
			e.T.Fatal("connectortest: a DirectConnector needs Harness.Direct")
		}
		params := e.Harness.Direct(e, user)
		id, tok, err := dc.Connect(ctx, params, connectors.NewHTTPClient())
		if err != nil {
			e.T.Fatalf("Connect: %v", err)
		}
		c.Account = account(e, user, id, tok)
		if c.Session, err = connectors.OpenSession(ctx, e.Connector, c.Account, connectors.NewHTTPClient(), RedirectURI, e.Apps, save); err != nil {
			e.T.Fatalf("OpenSession: %v", err)
		}
		c.Client = c.Session.Client()
		return c
	}
	cfg, err := e.Connector.OAuth2Config(ctx, e.Params, RedirectURI, e.Apps)
	if err != nil {
		e.T.Fatalf("OAuth2Config: %v", err)
	}
	verifier := oauth2.GenerateVerifier()
	code := e.Authorize(cfg, user, verifier)
	tok, err := e.Exchange(ctx, cfg, code, verifier)
	if err != nil {
		e.T.Fatalf("exchange: %v", err)
	}
	ts := connectors.NewTokenSource(ctx, cfg, connectors.FromOAuth2(tok), save)
	base := connectors.NewHTTPClient()
	c.Config, c.Tokens = cfg, ts
	c.Session = connectors.NewOAuth2Session(ts, base)
	c.Client = c.Session.Client()
	id, err := e.Connector.Identify(ctx, e.Params, c.Client)
	if err != nil {
		e.T.Fatalf("Identify: %v", err)
	}
	c.Account = account(e, user, id, connectors.FromOAuth2(tok))
	return c
}

func account(e *Env, user string, id *connectors.Identity, tok rythme.Token) *rythme.Account {
	return &rythme.Account{ID: "acct-" + user, WorkspaceID: "ws", Network: e.Harness.Network, InstanceURL: id.InstanceURL,
		ExternalID: id.ExternalID, Username: id.Username, DisplayName: id.DisplayName, ProfileURL: id.ProfileURL,
		Status: rythme.AccountConnected, Meta: id.Meta, Token: tok}
}
