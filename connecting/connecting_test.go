package connecting_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connecting"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// oauthNet is a network connected through OAuth 2, whose token endpoint
// is tokenURL; directNet connects with an app password.
type oauthNet struct {
	connectors.Connector // the methods the flow does not call
	tokenURL             string
}

func (n *oauthNet) Info() rythme.Network {
	return rythme.Network{Name: "oauthnet", Title: "OAuth Net", Auth: "oauth2", ConnectParams: []string{"instance_url"}}
}

func (n *oauthNet) OAuth2Config(_ context.Context, _ connectors.ConnectParams, redirectURI string, _ connectors.Apps) (*oauth2.Config, error) {
	return &oauth2.Config{ClientID: "client", RedirectURL: redirectURI,
		Endpoint: oauth2.Endpoint{AuthURL: "https://oauthnet.example/authorize", TokenURL: n.tokenURL}}, nil
}

func (n *oauthNet) Identify(_ context.Context, _ connectors.ConnectParams, _ *http.Client) (*connectors.Identity, error) {
	return &connectors.Identity{ExternalID: "42", Username: "alice"}, nil
}

type directNet struct{ connectors.Connector }

func (directNet) Info() rythme.Network {
	return rythme.Network{Name: "directnet", Title: "Direct Net", Auth: "app_password", ConnectParams: []string{"handle", "password"}}
}

func (directNet) Connect(_ context.Context, p connectors.ConnectParams, _ *http.Client) (*connectors.Identity, rythme.Token, error) {
	if p["password"] != "right" {
		return nil, rythme.Token{}, &connectors.Error{Kind: connectors.Auth, Status: 401, Message: "bad password"}
	}
	return &connectors.Identity{ExternalID: "did:" + p["handle"], Username: p["handle"], InstanceURL: "https://direct.example"},
		rythme.Token{AccessToken: "secret-" + p["handle"]}, nil
}

type queue struct {
	mu   sync.Mutex
	refs []rythme.TargetRef
}

func (q *queue) EnqueuePublish(_ context.Context, refs []rythme.TargetRef) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.refs = append(q.refs, refs...)
	return nil
}

type env struct {
	svc       *connecting.Service
	store     rythme.Store
	queue     *queue
	ws        string
	connected []*rythme.Account // what OnConnected saw
}

func newEnv(t *testing.T, st rythme.Store) *env {
	t.Helper()
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.PostForm.Get("code") != "good-code" || r.PostForm.Get("code_verifier") == "" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":"invalid_grant"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"oauth-secret","token_type":"bearer","expires_in":3600}`)
	}))
	t.Cleanup(tokens.Close)
	e := &env{store: st, queue: &queue{}}
	ws := &rythme.Workspace{ID: rythme.NewID(rythme.PrefixWorkspace), Name: "Team", CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if err := st.CreateWorkspace(t.Context(), ws); err != nil {
		t.Fatal(err)
	}
	e.ws = ws.ID
	e.svc = &connecting.Service{
		Store: st, Connectors: connectors.NewRegistry(&oauthNet{tokenURL: tokens.URL}, directNet{}),
		Queue: e.queue, Horizon: time.Hour, HTTPClient: tokens.Client(), Now: time.Now,
		RedirectURI: func(n string) string { return "https://rythme.example/v1/oauth/" + n + "/callback" },
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		OnConnected: func(_ context.Context, acc *rythme.Account) { e.connected = append(e.connected, acc) },
	}
	return e
}

var backends = []struct {
	name string
	open func(t *testing.T) rythme.Store
}{
	{"sqlite", func(t *testing.T) rythme.Store { return storetest.SQLite(t) }},
	{"postgres", func(t *testing.T) rythme.Store { return storetest.Postgres(t) }},
}

func TestOAuthConnect(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			e := newEnv(t, b.open(t))
			ctx := t.Context()
			st, err := e.svc.Start(ctx, e.ws, "oauthnet", map[string]string{"instance_url": "https://oauthnet.example"})
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(st.AuthorizeURL)
			if err != nil || u.Query().Get("state") != st.State || u.Query().Get("code_challenge_method") != "S256" || st.Binding == "" {
				t.Fatalf("started: %+v (%v)", st, err)
			}
			if st.Account != nil {
				t.Fatalf("an OAuth network connected at once: %+v", st.Account)
			}
			acc, err := e.svc.Finish(ctx, connecting.Callback{Network: "oauthnet", State: st.State, Code: "good-code"})
			if err != nil {
				t.Fatal(err)
			}
			if acc.Username != "alice" || acc.Status != rythme.AccountConnected || acc.InstanceURL != "https://oauthnet.example" || acc.Token.AccessToken != "" {
				t.Fatalf("account: %+v", acc)
			}
			saved, err := e.store.GetAccount(ctx, e.ws, acc.ID)
			if err != nil || saved.Token.AccessToken != "oauth-secret" {
				t.Fatalf("stored: %+v, %v", saved, err)
			}
			if len(e.connected) != 1 || e.connected[0].ID != acc.ID || e.connected[0].Token.AccessToken != "" {
				t.Fatalf("OnConnected saw %+v, want the account once, without its token", e.connected)
			}
			// The state is single use.
			_, err = e.svc.Finish(ctx, connecting.Callback{Network: "oauthnet", State: st.State, Code: "good-code"})
			if rythme.ErrorCode(err) != rythme.EBADREQUEST {
				t.Fatalf("replayed state: %v, want EBADREQUEST", err)
			}
		})
	}
}

func TestFinishRefusals(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	ctx := t.Context()
	start := func() string {
		st, err := e.svc.Start(ctx, e.ws, "oauthnet", map[string]string{"instance_url": "https://oauthnet.example"})
		if err != nil {
			t.Fatal(err)
		}
		return st.State
	}
	// The network's refusal consumes the state.
	state := start()
	_, err := e.svc.Finish(ctx, connecting.Callback{Network: "oauthnet", State: state, Error: "access_denied"})
	if rythme.ErrorCode(err) != rythme.EBADREQUEST {
		t.Fatalf("access_denied: %v", err)
	}
	if _, err := e.svc.Finish(ctx, connecting.Callback{Network: "oauthnet", State: state, Code: "good-code"}); rythme.ErrorCode(err) != rythme.EBADREQUEST {
		t.Fatalf("after a refusal: %v, want EBADREQUEST", err)
	}
	// A code the token endpoint refuses.
	if _, err := e.svc.Finish(ctx, connecting.Callback{Network: "oauthnet", State: start(), Code: "bad-code"}); rythme.ErrorCode(err) != rythme.EBADREQUEST {
		t.Fatalf("bad code: %v, want EBADREQUEST", err)
	}
	// A state of another network.
	if _, err := e.svc.Finish(ctx, connecting.Callback{Network: "directnet", State: start(), Code: "good-code"}); rythme.ErrorCode(err) != rythme.EBADREQUEST {
		t.Fatalf("another network's state: %v, want EBADREQUEST", err)
	}
	if len(e.connected) != 0 {
		t.Fatalf("OnConnected called for refused callbacks: %+v", e.connected)
	}
}

func TestStartChecksParams(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	ctx := t.Context()
	_, err := e.svc.Start(ctx, e.ws, "directnet", map[string]string{"handle": "a", "password": "right", "pin": "1"})
	if rythme.ErrorCode(err) != rythme.EBADREQUEST || len(rythme.ErrorFields(err)) != 1 || rythme.ErrorFields(err)[0].Field != "pin" {
		t.Fatalf("unknown parameter: %v", err)
	}
	_, err = e.svc.Start(ctx, e.ws, "directnet", map[string]string{"handle": "a"})
	if rythme.ErrorCode(err) != rythme.EINVALID || len(rythme.ErrorFields(err)) != 1 || rythme.ErrorFields(err)[0].Field != "password" {
		t.Fatalf("missing parameter: %v", err)
	}
	_, err = e.svc.Start(ctx, e.ws, "directnet", map[string]string{"handle": "a", "password": "wrong"})
	var ne *connecting.NetworkError
	if !errors.As(err, &ne) || ne.Step != "connect" {
		t.Fatalf("refused credentials: %v, want a NetworkError of step connect", err)
	}
	if _, err := e.svc.Start(ctx, e.ws, "nonet", nil); rythme.ErrorCode(err) != rythme.ENOTFOUND {
		t.Fatalf("unknown network: %v", err)
	}
}

func TestTooManyAuthorizations(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	ctx := t.Context()
	params := map[string]string{"instance_url": "https://oauthnet.example"}
	for i := range connecting.MaxOpenStates {
		if _, err := e.svc.Start(ctx, e.ws, "oauthnet", params); err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
	}
	_, err := e.svc.Start(ctx, e.ws, "oauthnet", params)
	if rythme.ErrorCode(err) != rythme.ERATELIMITED || !errors.Is(err, connecting.ErrTooManyAuthorizations) {
		t.Fatalf("start %d: %v, want ERATELIMITED wrapping ErrTooManyAuthorizations", connecting.MaxOpenStates+1, err)
	}
}

// Disconnecting holds the account's targets; reconnecting releases them
// and enqueues those due within the horizon.
func TestReconnectReleasesHeldTargets(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			e := newEnv(t, b.open(t))
			ctx := t.Context()
			params := map[string]string{"handle": "bob", "password": "right"}
			st, err := e.svc.Start(ctx, e.ws, "directnet", params)
			if err != nil || st.Account == nil || st.Account.Token.AccessToken != "" {
				t.Fatalf("direct connect: %+v, %v", st, err)
			}
			acc := st.Account
			p := newPost(t, e.store, e.ws, acc, time.Now().Add(10*time.Minute))
			if _, err := e.svc.Disconnect(ctx, e.ws, acc.ID); err != nil {
				t.Fatal(err)
			}
			if got := targetStatus(t, e.store, e.ws, p.ID); got != rythme.TargetHeld {
				t.Fatalf("after disconnecting: target %s, want held", got)
			}
			if len(e.queue.refs) != 0 {
				t.Fatalf("enqueued before the reconnection: %+v", e.queue.refs)
			}
			st, err = e.svc.Start(ctx, e.ws, "directnet", params)
			if err != nil || st.Account.ID != acc.ID {
				t.Fatalf("reconnect: %+v, %v", st, err)
			}
			if got := targetStatus(t, e.store, e.ws, p.ID); got != rythme.TargetScheduled {
				t.Fatalf("after reconnecting: target %s, want scheduled", got)
			}
			if len(e.queue.refs) != 1 || e.queue.refs[0].ID != p.Targets[0].ID {
				t.Fatalf("enqueued %+v, want the released target", e.queue.refs)
			}
			if len(e.connected) != 2 || e.connected[1].ID != acc.ID {
				t.Fatalf("OnConnected saw %d connections, want 2 (connect, reconnect)", len(e.connected))
			}
			if _, err := e.svc.Disconnect(ctx, "ws_other", acc.ID); rythme.ErrorCode(err) != rythme.ENOTFOUND {
				t.Fatalf("another workspace's account: %v, want ENOTFOUND", err)
			}
		})
	}
}

func newPost(t *testing.T, st rythme.Store, ws string, acc *rythme.Account, at time.Time) *rythme.Post {
	t.Helper()
	now, at := time.Now().UTC().Truncate(time.Microsecond), at.UTC().Truncate(time.Microsecond)
	p := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: ws, Content: "Hello", ScheduledAt: at,
		Timezone: "UTC", CreatedAt: now, UpdatedAt: now}
	p.Targets = []*rythme.Target{{ID: rythme.NewID(rythme.PrefixTarget), AccountID: acc.ID, Network: acc.Network,
		Status: rythme.TargetScheduled, Version: 1, ScheduledAt: at, CreatedAt: now, UpdatedAt: now}}
	if err := st.CreatePost(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

func targetStatus(t *testing.T, st rythme.Store, ws, postID string) rythme.TargetStatus {
	t.Helper()
	p, err := st.GetPost(t.Context(), ws, postID)
	if err != nil {
		t.Fatal(err)
	}
	return p.Targets[0].Status
}
