package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/sqlstore/storetest"
	"github.com/rythmehq/rythme/worker"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type env struct {
	store rythme.Store
	clock *fakeClock
	conn  *fakeConnector
	reg   *connectors.Registry
	ws    *rythme.Workspace
	acct  *rythme.Account
}

func newEnv(t *testing.T, store rythme.Store) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{store: store, clock: &fakeClock{now: time.Now().UTC().Truncate(time.Microsecond)}, conn: &fakeConnector{name: "fake", idempotent: true}}
	e.reg = connectors.NewRegistry(e.conn)
	e.ws = &rythme.Workspace{ID: rythme.NewID(rythme.PrefixWorkspace), Name: "team", CreatedAt: e.clock.Now()}
	if err := store.CreateWorkspace(ctx, e.ws); err != nil {
		t.Fatal(err)
	}
	e.acct = e.account(t, "u1", rythme.Token{AccessToken: "at-1"})
	return e
}

func (e *env) account(t *testing.T, ext string, tok rythme.Token) *rythme.Account {
	t.Helper()
	a := &rythme.Account{WorkspaceID: e.ws.ID, Network: "fake", InstanceURL: "https://fake.test", ExternalID: ext,
		Username: ext, Status: rythme.AccountConnected, Token: tok}
	if err := e.store.UpsertAccount(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

// post stores a post due at `at` on the given accounts (default: e.acct).
func (e *env) post(t *testing.T, text string, at time.Time, accts ...*rythme.Account) *rythme.Post {
	t.Helper()
	if len(accts) == 0 {
		accts = []*rythme.Account{e.acct}
	}
	now := e.clock.Now()
	p := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: e.ws.ID, Content: text, ScheduledAt: at.UTC().Truncate(time.Microsecond),
		Timezone: "UTC", Tags: []string{}, CreatedAt: now, UpdatedAt: now}
	for _, a := range accts {
		p.Targets = append(p.Targets, &rythme.Target{ID: rythme.NewID(rythme.PrefixTarget), PostID: p.ID, WorkspaceID: e.ws.ID,
			AccountID: a.ID, Network: a.Network, Status: rythme.TargetScheduled, Version: 1, ScheduledAt: p.ScheduledAt,
			CreatedAt: now, UpdatedAt: now})
	}
	if err := e.store.CreatePost(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

func (e *env) handler() *worker.PublishHandler {
	return &worker.PublishHandler{Store: e.store, Connectors: e.reg, HTTPClient: connectors.NewHTTPClient(), Clock: e.clock,
		Logger: quiet, Lease: 5 * time.Minute, PublishTimeout: 5 * time.Second,
		RedirectURI: func(n string) string { return "http://127.0.0.1/v1/oauth/" + n + "/callback" }, Apps: e.store}
}

func publishTask(t *testing.T, id string, version int) *asynq.Task {
	t.Helper()
	b, _ := json.Marshal(worker.PublishPayload{TargetID: id, Version: version})
	return asynq.NewTask(worker.TypePublish, b)
}

func (e *env) target(t *testing.T, id string) *rythme.Target {
	t.Helper()
	tg, err := e.store.GetTarget(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func stores(t *testing.T) map[string]func(t *testing.T) rythme.Store {
	return map[string]func(t *testing.T) rythme.Store{
		"sqlite":   func(t *testing.T) rythme.Store { return storetest.SQLite(t) },
		"postgres": func(t *testing.T) rythme.Store { return storetest.Postgres(t) },
	}
}

func TestPublishWaitsOutEarlyDeliveryThenPublishesOnce(t *testing.T) {
	t.Parallel()
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, open(t))
			due := e.clock.Now().Add(700 * time.Millisecond)
			p := e.post(t, "hello", due)
			tg := p.Targets[0]

			if err := e.handler().ProcessTask(context.Background(), publishTask(t, tg.ID, 1)); err != nil {
				t.Fatal(err)
			}
			calls := e.conn.calls()
			if len(calls) != 1 || calls[0].Text != "hello" || calls[0].IdempotencyKey != tg.ID {
				t.Fatalf("publish calls = %+v, want one with the text and the target id as key", calls)
			}
			if len(e.clock.slept) == 0 || e.clock.slept[0] != 700*time.Millisecond {
				t.Fatalf("slept %v, want 700ms before publishing", e.clock.slept)
			}
			got := e.target(t, tg.ID)
			if got.Status != rythme.TargetPublished || got.ExternalID != "ext-"+tg.ID || got.URL == "" || got.PublishedAt == nil {
				t.Fatalf("target after publish = %+v", got)
			}
			if got.PublishedAt.Before(due) {
				t.Fatalf("published at %s, before its time %s", got.PublishedAt, due)
			}
			// A second delivery of the same task does nothing.
			if err := e.handler().ProcessTask(context.Background(), publishTask(t, tg.ID, 1)); err != nil {
				t.Fatal(err)
			}
			if n := len(e.conn.calls()); n != 1 {
				t.Fatalf("%d publish calls after a repeated task, want 1", n)
			}
		})
	}
}

func TestConcurrentDeliveriesPublishOnce(t *testing.T) {
	t.Parallel()
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, open(t))
			p := e.post(t, "race", e.clock.Now())
			var wg sync.WaitGroup
			for range 12 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := e.handler().ProcessTask(context.Background(), publishTask(t, p.Targets[0].ID, 1)); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if n := len(e.conn.calls()); n != 1 {
				t.Fatalf("%d publish calls from 12 concurrent deliveries, want exactly 1", n)
			}
		})
	}
}

func TestEditedPostOldTaskDoesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	p := e.post(t, "first draft", e.clock.Now())
	text := "final text"
	if _, err := e.store.UpdatePost(context.Background(), e.ws.ID, p.ID, func(p *rythme.Post) error {
		return p.ApplyEdit(rythme.PostEdit{Content: &text}, e.clock.Now())
	}); err != nil {
		t.Fatal(err)
	}
	h := e.handler()
	if err := h.ProcessTask(context.Background(), publishTask(t, p.Targets[0].ID, 1)); err != nil {
		t.Fatal(err)
	}
	if n := len(e.conn.calls()); n != 0 {
		t.Fatalf("the task of the old version published (%d calls)", n)
	}
	if err := h.ProcessTask(context.Background(), publishTask(t, p.Targets[0].ID, 2)); err != nil {
		t.Fatal(err)
	}
	if calls := e.conn.calls(); len(calls) != 1 || calls[0].Text != "final text" {
		t.Fatalf("calls = %+v, want the edited text once", calls)
	}
}

func TestErrorKindsDecideTheOutcome(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		err        error
		idempotent bool
		want       rythme.TargetStatus
		retry      bool // the handler returns an error so that asynq retries
		counts     bool // and that error counts as a failed attempt
		reason     string
	}{
		{"permanent", &connectors.Error{Kind: connectors.Permanent, Status: 422, Message: "Validation failed: Text character limit of 500 exceeded"}, true,
			rythme.TargetFailed, false, false, "character limit of 500"},
		{"rate limited", &connectors.Error{Kind: connectors.RateLimited, Status: 429, RetryAfter: 7 * time.Second}, true,
			rythme.TargetScheduled, true, false, "rate limited"},
		{"5xx", &connectors.Error{Kind: connectors.Retryable, Status: 503, Message: "down"}, true,
			rythme.TargetScheduled, true, true, "retrying"},
		{"unknown with honoured key", &connectors.Error{Kind: connectors.Unknown, Message: "no answer"}, true,
			rythme.TargetScheduled, true, true, "retrying"},
		{"unknown without key", &connectors.Error{Kind: connectors.Unknown, Message: "no answer"}, false,
			rythme.TargetUnconfirmed, false, false, "check the account"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, storetest.SQLite(t))
			e.conn.idempotent = c.idempotent
			e.conn.publish = func(context.Context, *rythme.Account, *http.Client, connectors.PublishRequest) (*connectors.Published, error) {
				return nil, c.err
			}
			p := e.post(t, "x", e.clock.Now())
			task := publishTask(t, p.Targets[0].ID, 1)
			err := e.handler().ProcessTask(context.Background(), task)
			if (err != nil) != c.retry {
				t.Fatalf("ProcessTask error = %v, want retry=%v", err, c.retry)
			}
			if err != nil && worker.IsFailure(err) != c.counts {
				t.Fatalf("IsFailure(%v) = %v, want %v", err, !c.counts, c.counts)
			}
			if c.name == "rate limited" {
				if d := worker.RetryDelay(1, err, task); d < 7*time.Second || d > 8*time.Second {
					t.Fatalf("retry delay %s, want the network's 7s (+ jitter)", d)
				}
			}
			got := e.target(t, p.Targets[0].ID)
			if got.Status != c.want || !strings.Contains(got.LastError, c.reason) || got.Version != 1 {
				t.Fatalf("target = %s v%d %q, want %s v1 with %q", got.Status, got.Version, got.LastError, c.want, c.reason)
			}
			if got.Status == rythme.TargetScheduled {
				// The retry claims it again at the same version.
				e.conn.publish = nil
				if err := e.handler().ProcessTask(context.Background(), task); err != nil {
					t.Fatal(err)
				}
				if got := e.target(t, p.Targets[0].ID); got.Status != rythme.TargetPublished || got.Attempts != 2 {
					t.Fatalf("after retry: %s, %d attempts; want published after 2", got.Status, got.Attempts)
				}
			}
		})
	}
}

func TestAuthFailureHoldsTheAccountsPosts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	e.conn.publish = func(context.Context, *rythme.Account, *http.Client, connectors.PublishRequest) (*connectors.Published, error) {
		return nil, &connectors.Error{Kind: connectors.Auth, Status: 401, Message: "The access token is invalid"}
	}
	p := e.post(t, "now", e.clock.Now())
	later := e.post(t, "later", e.clock.Now().Add(time.Hour))
	if err := e.handler().ProcessTask(context.Background(), publishTask(t, p.Targets[0].ID, 1)); err != nil {
		t.Fatal(err)
	}
	if got := e.target(t, p.Targets[0].ID); got.Status != rythme.TargetHeld {
		t.Fatalf("target = %s, want held", got.Status)
	}
	if got := e.target(t, later.Targets[0].ID); got.Status != rythme.TargetHeld {
		t.Fatalf("the account's other target = %s, want held", got.Status)
	}
	acct, _ := e.store.AccountByID(context.Background(), e.acct.ID)
	if acct.Status != rythme.AccountNeedsReconnect {
		t.Fatalf("account = %s, want needs_reconnect", acct.Status)
	}
	if n := len(e.conn.calls()); n != 1 {
		t.Fatalf("%d publish calls without a refresh token, want 1 (no blind retry)", n)
	}
	// Reconnecting releases the held targets.
	if n, err := e.store.ReleaseAccountTargets(context.Background(), e.acct.ID, e.clock.Now()); err != nil || n != 2 {
		t.Fatalf("released %d, %v; want 2", n, err)
	}
}

func TestAuthFailureRefreshesOnceAndSavesTheToken(t *testing.T) {
	t.Parallel()
	var refreshes int
	var mu sync.Mutex
	tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		mu.Lock()
		refreshes++
		mu.Unlock()
		if r.Form.Get("grant_type") != "refresh_token" || r.Form.Get("refresh_token") != "rt-1" {
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"at-2","refresh_token":"rt-2","token_type":"bearer","expires_in":7200}`)
	}))
	defer tokenSrv.Close()

	e := newEnv(t, storetest.SQLite(t))
	e.conn.tokenURL = tokenSrv.URL
	acct := e.account(t, "u2", rythme.Token{AccessToken: "at-1", RefreshToken: "rt-1", TokenType: "bearer", Expiry: e.clock.Now().Add(time.Hour)})
	e.conn.publish = func(ctx context.Context, _ *rythme.Account, client *http.Client, req connectors.PublishRequest) (*connectors.Published, error) {
		// Ask the client which token it carries.
		var got string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Get("Authorization") }))
		defer srv.Close()
		resp, err := client.Get(srv.URL)
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
		if got != "Bearer at-2" {
			return nil, &connectors.Error{Kind: connectors.Auth, Status: 401, Message: "expired"}
		}
		return &connectors.Published{ExternalID: "1", URL: "u"}, nil
	}
	p := e.post(t, "x", e.clock.Now(), acct)
	if err := e.handler().ProcessTask(context.Background(), publishTask(t, p.Targets[0].ID, 1)); err != nil {
		t.Fatal(err)
	}
	if got := e.target(t, p.Targets[0].ID); got.Status != rythme.TargetPublished {
		t.Fatalf("target = %s %q, want published after one refresh", got.Status, got.LastError)
	}
	if refreshes != 1 {
		t.Fatalf("%d refreshes, want 1", refreshes)
	}
	saved, _ := e.store.AccountByID(context.Background(), acct.ID)
	if saved.Token.AccessToken != "at-2" || saved.Token.RefreshToken != "rt-2" {
		t.Fatal("the refreshed (and rotated) token was not saved")
	}
}

func TestRetryDelayBacksOff(t *testing.T) {
	t.Parallel()
	task := asynq.NewTask(worker.TypePublish, nil)
	prev := time.Duration(0)
	for n := 0; n < 6; n++ {
		d := worker.RetryDelay(n, errors.New("boom"), task)
		if d <= prev {
			t.Fatalf("delay %d = %s, not more than %s", n, d, prev)
		}
		prev = d
	}
	if d := worker.RetryDelay(50, errors.New("boom"), task); d > 30*time.Minute {
		t.Fatalf("delay capped at %s, want at most ~17 min", d)
	}
}
