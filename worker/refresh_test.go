package worker_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/sqlstore/storetest"
	"github.com/rythmehq/rythme/worker"
)

// rotatingTokens is a token endpoint that rotates refresh tokens as TikTok
// does: each refresh token works once.
type rotatingTokens struct {
	mu      sync.Mutex
	current string
	n       int
	refused int
	srv     *httptest.Server
}

func newRotatingTokens(t *testing.T) *rotatingTokens {
	rt := &rotatingTokens{current: "rt-0"}
	rt.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		rt.mu.Lock()
		defer rt.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Form.Get("grant_type") != "refresh_token" || r.Form.Get("refresh_token") != rt.current {
			rt.refused++
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"invalid_grant"}`)
			return
		}
		rt.n++
		rt.current = fmt.Sprintf("rt-%d", rt.n)
		fmt.Fprintf(w, `{"access_token":"at-%d","refresh_token":"%s","token_type":"bearer","expires_in":7200}`, rt.n, rt.current)
	}))
	t.Cleanup(rt.srv.Close)
	return rt
}

func (rt *rotatingTokens) counts() (grants, refused int) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.n, rt.refused
}

func TestConcurrentPublishesRefreshARotatingTokenOnce(t *testing.T) {
	t.Parallel()
	rt := newRotatingTokens(t)
	e := newEnv(t, storetest.SQLite(t))
	e.clock.Set(time.Now())
	e.conn.tokenURL = rt.srv.URL
	rdb := redisBackends(t)["miniredis"](t)
	// Expired: every publish must refresh first, under the lock.
	acct := e.account(t, "rot", rythme.Token{AccessToken: "at-0", RefreshToken: "rt-0", TokenType: "bearer", Expiry: e.clock.Now().Add(-time.Minute)})
	e.conn.publish = func(_ context.Context, _ *rythme.Account, client *http.Client, _ connectors.PublishRequest) (*connectors.Published, error) {
		var got string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Get("Authorization") }))
		defer srv.Close()
		resp, err := client.Get(srv.URL)
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
		if !strings.HasPrefix(got, "Bearer at-") || got == "Bearer at-0" {
			return nil, &connectors.Error{Kind: connectors.Auth, Status: 401, Message: "expired"}
		}
		return &connectors.Published{ExternalID: "1", URL: "u"}, nil
	}
	var posts []*rythme.Post
	for i := range 6 {
		posts = append(posts, e.post(t, fmt.Sprintf("p%d", i), e.clock.Now(), acct))
	}
	var wg sync.WaitGroup
	for _, p := range posts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := e.handler()
			h.Redis = rdb
			if err := h.ProcessTask(context.Background(), publishTask(t, p.Targets[0].ID, 1)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	grants, refused := rt.counts()
	if grants != 1 || refused != 0 {
		t.Fatalf("%d refreshes and %d refused refresh tokens; want exactly one refresh (the lock)", grants, refused)
	}
	for _, p := range posts {
		if got := e.target(t, p.Targets[0].ID); got.Status != rythme.TargetPublished {
			t.Errorf("target %s: %s %q", got.ID, got.Status, got.LastError)
		}
	}
	saved, _ := e.store.AccountByID(context.Background(), acct.ID)
	if saved.Token.RefreshToken != "rt-1" || saved.Status != rythme.AccountConnected {
		t.Fatalf("saved token %q, status %s; want the rotated rt-1, connected", saved.Token.RefreshToken, saved.Status)
	}
}

func TestRefreshSweep(t *testing.T) {
	t.Parallel()
	rt := newRotatingTokens(t)
	e := newEnv(t, storetest.SQLite(t))
	e.conn.tokenURL = rt.srv.URL
	rdb := redisBackends(t)["miniredis"](t)
	soon := e.account(t, "soon", rythme.Token{AccessToken: "at-0", RefreshToken: "rt-0", Expiry: e.clock.Now().Add(5 * time.Minute)})
	later := e.account(t, "later", rythme.Token{AccessToken: "x", RefreshToken: "y", Expiry: e.clock.Now().Add(5 * time.Hour)})
	dead := e.account(t, "dead", rythme.Token{AccessToken: "x", RefreshToken: "revoked", Expiry: e.clock.Now().Add(-time.Minute)})
	held := e.post(t, "waits for dead", e.clock.Now().Add(time.Hour), dead)

	newR := func() *worker.Refresher {
		return &worker.Refresher{Store: e.store, Connectors: e.reg, Redis: rdb, HTTPClient: connectors.NewHTTPClient(), Clock: e.clock,
			Logger: quiet, RedirectURI: func(string) string { return "http://127.0.0.1/cb" }, Ahead: 10 * time.Minute}
	}
	// Two workers sweep at once: the expiring token is refreshed once.
	var wg sync.WaitGroup
	stats := make([]worker.RefreshStats, 2)
	for i := range stats {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := newR().Run(context.Background())
			if err != nil {
				t.Error(err)
			}
			stats[i] = st
		}()
	}
	wg.Wait()
	if grants, _ := rt.counts(); grants != 1 {
		t.Fatalf("%d refreshes of the expiring token by two sweeps, want 1 (stats %+v)", grants, stats)
	}
	if s := stats[0].Refreshed + stats[1].Refreshed; s != 1 {
		t.Fatalf("sweeps report %d refreshed, want 1", s)
	}
	got, _ := e.store.AccountByID(context.Background(), soon.ID)
	if got.Token.AccessToken != "at-1" || got.Token.RefreshToken != "rt-1" || !got.Token.Expiry.After(e.clock.Now().Add(time.Hour)) {
		t.Fatalf("saved token %+v, want the new one", got.Token.Expiry)
	}
	if got, _ := e.store.AccountByID(context.Background(), later.ID); got.Token.AccessToken != "x" {
		t.Fatal("a token good for hours was refreshed")
	}
	// The refused, expired one: needs reconnecting, its post held.
	if got, _ := e.store.AccountByID(context.Background(), dead.ID); got.Status != rythme.AccountNeedsReconnect {
		t.Fatalf("dead account = %s, want needs_reconnect", got.Status)
	}
	if got := e.target(t, held.Targets[0].ID); got.Status != rythme.TargetHeld {
		t.Fatalf("its post = %s, want held", got.Status)
	}
}

// TestRefreshRefusedWhileTheTokenStillWorks: a refresh refused for good
// marks the account needs_reconnect at once, even if its access token has
// minutes left — a revoked grant is found by the refresh (as on a Bluesky
// PDS, which honours access JWTs it issued after their app password was
// revoked), and posts due meanwhile are held rather than published.
func TestRefreshRefusedWhileTheTokenStillWorks(t *testing.T) {
	t.Parallel()
	rt := newRotatingTokens(t)
	e := newEnv(t, storetest.SQLite(t))
	e.conn.tokenURL = rt.srv.URL
	revoked := e.account(t, "revoked", rythme.Token{AccessToken: "x", RefreshToken: "revoked", Expiry: e.clock.Now().Add(5 * time.Minute)})
	p := e.post(t, "due after the revocation", e.clock.Now().Add(time.Hour), revoked)
	r := &worker.Refresher{Store: e.store, Connectors: e.reg, HTTPClient: connectors.NewHTTPClient(), Clock: e.clock,
		Logger: quiet, RedirectURI: func(string) string { return "http://127.0.0.1/cb" }, Ahead: 10 * time.Minute}
	st, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, refused := rt.counts(); refused == 0 || st.Reconnect != 1 {
		t.Fatalf("refused %d, stats %+v: want the refresh refused and the account to reconnect", refused, st)
	}
	if got, _ := e.store.AccountByID(context.Background(), revoked.ID); got.Status != rythme.AccountNeedsReconnect {
		t.Fatalf("account = %s, want needs_reconnect", got.Status)
	}
	if got := e.target(t, p.Targets[0].ID); got.Status != rythme.TargetHeld {
		t.Fatalf("its post = %s, want held", got.Status)
	}
}
