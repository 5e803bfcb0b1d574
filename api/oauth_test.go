package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/connectors"
)

// provider is a tiny OAuth 2 server: /token checks the code and the PKCE
// verifier against the challenge of the authorize URL; /me answers the
// identity of the access token.
type provider struct {
	srv *httptest.Server

	mu         sync.Mutex
	challenges map[string]string // code → challenge
	exchanges  int
}

const (
	providerAccessToken  = "at-provider-secret-1234"
	providerRefreshToken = "rt-provider-secret-5678"
)

func newProvider(t *testing.T) *provider {
	t.Helper()
	p := &provider{challenges: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.exchanges++
		challenge, ok := p.challenges[r.FormValue("code")]
		delete(p.challenges, r.FormValue("code"))
		p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.FormValue("code_verifier")))
		if !ok || r.FormValue("grant_type") != "authorization_code" || base64.RawURLEncoding.EncodeToString(sum[:]) != challenge {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"access_token": providerAccessToken, "refresh_token": providerRefreshToken,
			"token_type": "Bearer", "expires_in": 3600, "scope": "read write",
		})
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+providerAccessToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{"id":"42","username":"alice"}`))
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// approve plays the user approving at the authorize URL: it returns the
// code the provider would send back, bound to the URL's PKCE challenge.
func (p *provider) approve(t *testing.T, authorizeURL string) (code, state string) {
	t.Helper()
	u, err := url.Parse(authorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") == "" {
		t.Fatalf("authorize URL without PKCE S256 or state: %s", authorizeURL)
	}
	code = "code-" + rythme.NewID("c")
	p.mu.Lock()
	p.challenges[code] = q.Get("code_challenge")
	p.mu.Unlock()
	return code, q.Get("state")
}

// wire makes the env's fake connector use p.
func (e *env) wire(p *provider) {
	e.fake.oauth2Config = func(_ context.Context, params connectors.ConnectParams, redirectURI string, apps connectors.Apps) (*oauth2.Config, error) {
		if apps == nil {
			return nil, rythme.Errorf(rythme.EINTERNAL, "no apps store")
		}
		if params["instance_url"] != p.srv.URL {
			return nil, rythme.Invalid(rythme.FieldError{Field: "instance_url", Message: "is not the test provider"})
		}
		return &oauth2.Config{
			ClientID: "client", ClientSecret: "client-secret-9999", RedirectURL: redirectURI, Scopes: []string{"read", "write"},
			Endpoint: oauth2.Endpoint{AuthURL: p.srv.URL + "/authorize", TokenURL: p.srv.URL + "/token", AuthStyle: oauth2.AuthStyleInParams},
		}, nil
	}
	e.fake.identify = func(ctx context.Context, _ connectors.ConnectParams, client *http.Client) (*connectors.Identity, error) {
		req, _ := http.NewRequestWithContext(ctx, "GET", p.srv.URL+"/me", nil)
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			return nil, connectors.FromResponse(resp, nil)
		}
		var me struct{ ID, Username string }
		if err := json.NewDecoder(resp.Body).Decode(&me); err != nil {
			return nil, err
		}
		return &connectors.Identity{ExternalID: me.ID, Username: me.Username, DisplayName: "Alice", InstanceURL: p.srv.URL,
			ProfileURL: p.srv.URL + "/@" + me.Username, Meta: map[string]string{"idempotency": "honoured"}}, nil
	}
	e.noLeak(providerAccessToken, providerRefreshToken, "client-secret-9999")
}

// connect starts a connection and returns the authorize URL.
func (e *env) connect(p *provider) string {
	e.t.Helper()
	res := e.as(rythme.RoleManager, "POST", "/v1/accounts/fakenet/connect", map[string]string{"instance_url": p.srv.URL})
	expect(e.t, res, http.StatusOK)
	var out struct {
		AuthorizeURL string `json:"authorize_url"`
	}
	res.decode(e.t, &out)
	return out.AuthorizeURL
}

func callbackPath(code, state string) string {
	return "/v1/oauth/fakenet/callback?" + url.Values{"code": {code}, "state": {state}}.Encode()
}

func TestConnectAccount(t *testing.T) {
	t.Parallel()
	p := newProvider(t)
	e := newEnv(t, storeFor(t), func(c *api.Config) { c.HTTPClient = p.srv.Client() })
	e.wire(p)

	authURL := e.connect(p)
	u, _ := url.Parse(authURL)
	if got := u.Query().Get("redirect_uri"); got != "https://rythme.test/v1/oauth/fakenet/callback" {
		t.Errorf("redirect_uri %q", got)
	}
	code, state := p.approve(t, authURL)
	res := e.do(req{method: "GET", path: callbackPath(code, state)})
	expect(t, res, http.StatusOK)
	var out struct{ Account rythme.Account }
	res.decode(t, &out)
	acc := out.Account
	if acc.Username != "alice" || acc.ExternalID != "42" || acc.Status != rythme.AccountConnected || acc.WorkspaceID != e.ws ||
		acc.Meta["idempotency"] != "honoured" || !rythme.ValidID(rythme.PrefixAccount, acc.ID) {
		t.Errorf("account %+v", acc)
	}
	stored, err := e.store.GetAccount(context.Background(), e.ws, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Token.AccessToken != providerAccessToken || stored.Token.RefreshToken != providerRefreshToken {
		t.Errorf("stored token %+v", stored.Token.TokenType)
	}

	// The state is single use.
	res = e.do(req{method: "GET", path: callbackPath(code, state)})
	expect(t, res, http.StatusBadRequest)
	if msg := res.err(t).Error.Message; !strings.Contains(msg, "already used") {
		t.Errorf("replay message %q", msg)
	}

	// Held targets come back when the account reconnects.
	post := e.createPost("while away", 10*time.Minute, &acc)
	e.queue.take()
	expect(t, e.as(rythme.RoleManager, "DELETE", "/v1/accounts/"+acc.ID, nil), http.StatusOK)
	if got := e.getPost(post.ID); got.Targets[0].Status != "held" {
		t.Fatalf("target %+v", got.Targets[0])
	}
	code, state = p.approve(t, e.connect(p))
	res = e.do(req{method: "GET", path: callbackPath(code, state), header: map[string]string{"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}})
	expect(t, res, http.StatusOK)
	if !strings.Contains(string(res.Body), "Connected @alice") {
		t.Errorf("HTML answer: %s", res.Body)
	}
	got := e.getPost(post.ID)
	if got.Targets[0].Status != "scheduled" {
		t.Errorf("target after reconnect %+v", got.Targets[0])
	}
	found := false
	for _, r := range e.queue.take() {
		found = found || (r.ID == got.Targets[0].ID && r.Version == got.Targets[0].Version)
	}
	if !found {
		t.Errorf("released target %s v%d was not enqueued", got.Targets[0].ID, got.Targets[0].Version)
	}
	res = e.as(rythme.RoleViewer, "GET", "/v1/accounts", nil)
	var list struct{ Data []rythme.Account }
	res.decode(t, &list)
	if len(list.Data) != 1 || list.Data[0].ID != acc.ID || list.Data[0].Status != rythme.AccountConnected {
		t.Errorf("accounts after reconnect %+v", list.Data)
	}
}

func TestConnectErrors(t *testing.T) {
	t.Parallel()
	p := newProvider(t)
	e := newEnv(t, storeFor(t), func(c *api.Config) { c.HTTPClient = p.srv.Client() })
	e.wire(p)

	connectBad := []struct {
		name   string
		path   string
		body   any
		status int
		field  string
	}{
		{"unknown network", "/v1/accounts/myspace/connect", map[string]string{"instance_url": p.srv.URL}, 404, ""},
		{"missing param", "/v1/accounts/fakenet/connect", map[string]string{}, 422, "instance_url"},
		{"unknown param", "/v1/accounts/fakenet/connect", map[string]string{"instance_url": p.srv.URL, "token": "x"}, 400, "token"},
		{"wrong type", "/v1/accounts/fakenet/connect", map[string]any{"instance_url": 5}, 400, ""},
		{"refused by the connector", "/v1/accounts/fakenet/connect", map[string]string{"instance_url": "https://elsewhere.example"}, 422, "instance_url"},
	}
	for _, c := range connectBad {
		res := e.as(rythme.RoleManager, "POST", c.path, c.body)
		expect(t, res, c.status)
		if c.field != "" && !res.err(t).hasField(c.field) {
			t.Errorf("%s: %+v, want field %s", c.name, res.err(t).Error, c.field)
		}
	}

	// A network that cannot be reached is a 503 naming no host.
	e.fake.oauth2Config = func(context.Context, connectors.ConnectParams, string, connectors.Apps) (*oauth2.Config, error) {
		return nil, &connectors.Error{Kind: connectors.Retryable, Message: "could not reach the network", Err: &url.Error{Op: "Post", URL: "https://10.1.2.3/api/v1/apps"}}
	}
	res := e.as(rythme.RoleManager, "POST", "/v1/accounts/fakenet/connect", map[string]string{"instance_url": p.srv.URL})
	expect(t, res, http.StatusServiceUnavailable)
	if strings.Contains(string(res.Body), "10.1.2.3") {
		t.Errorf("internal address leaked: %s", res.Body)
	}
	e.wire(p)

	callbackBad := []struct {
		name   string
		path   func() string
		status int
		want   string
	}{
		{"no state", func() string { return "/v1/oauth/fakenet/callback?code=x" }, 400, "unknown, expired or already used"},
		{"unknown state", func() string { return callbackPath("x", "nope") }, 400, "unknown, expired or already used"},
		{"access denied", func() string {
			_, state := p.approve(t, e.connect(p))
			return "/v1/oauth/fakenet/callback?error=access_denied&state=" + state
		}, 400, "access_denied"},
		{"provider error with junk", func() string {
			return "/v1/oauth/fakenet/callback?error=%3Cscript%3E"
		}, 400, "did not authorize"},
		{"no code", func() string {
			_, state := p.approve(t, e.connect(p))
			return "/v1/oauth/fakenet/callback?state=" + state
		}, 400, "no authorization code"},
		{"code refused", func() string {
			_, state := p.approve(t, e.connect(p))
			return callbackPath("forged", state)
		}, 400, "refused the authorization code"},
		{"other network", func() string {
			code, state := p.approve(t, e.connect(p))
			return "/v1/oauth/othernet/callback?" + url.Values{"code": {code}, "state": {state}}.Encode()
		}, 400, "unknown, expired or already used"},
		{"unsupported network", func() string { return "/v1/oauth/myspace/callback?code=x&state=y" }, 404, "not supported"},
		{"expired", func() string {
			code, state := p.approve(t, e.connect(p))
			e.clock.Add(16 * time.Minute)
			return callbackPath(code, state)
		}, 400, "unknown, expired or already used"},
	}
	e.h = e.withOtherNet(t, p)
	for _, c := range callbackBad {
		res := e.do(req{method: "GET", path: c.path()})
		expect(t, res, c.status)
		if msg := res.err(t).Error.Message; !strings.Contains(msg, c.want) {
			t.Errorf("%s: message %q, want %q", c.name, msg, c.want)
		}
	}
	// The access_denied state was consumed too: nothing can reuse it.
	res = e.as(rythme.RoleViewer, "GET", "/v1/accounts", nil)
	if strings.Contains(string(res.Body), "alice") {
		t.Errorf("an account was connected by a failed callback: %s", res.Body)
	}
	// A browser gets the error as a page.
	res = e.do(req{method: "GET", path: callbackPath("x", "nope"), header: map[string]string{"Accept": "text/html"}})
	expect(t, res, http.StatusBadRequest)
	if !strings.Contains(string(res.Body), "<h1>Could not connect the account</h1>") {
		t.Errorf("HTML error: %s", res.Body)
	}
}

// withOtherNet rebuilds the env's API with a second network, othernet.
func (e *env) withOtherNet(t *testing.T, p *provider) http.Handler {
	t.Helper()
	other := &fakeConnector{info: rythme.Network{Name: "othernet", Title: "Othernet", Auth: "oauth2", ConnectParams: []string{"instance_url"}, MaxLength: 10}}
	other.oauth2Config, other.identify = e.fake.oauth2Config, e.fake.identify
	h, err := api.New(api.Config{
		Store: e.store, Connectors: connectors.NewRegistry(e.fake, other), Queue: e.queue, PublicURL: "https://rythme.test",
		HTTPClient: p.srv.Client(), Now: e.clock.Now, Logger: e.newLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}
