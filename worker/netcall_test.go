package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/sqlstore/storetest"
	"github.com/rythmehq/rythme/worker"
)

// deliveries lists the events queued for webhooks, by type.
func deliveries(t *testing.T, insp *asynq.Inspector) map[string]int {
	t.Helper()
	out := map[string]int{}
	tasks, err := insp.ListPendingTasks(worker.WebhookQueue)
	if errors.Is(err, asynq.ErrQueueNotFound) {
		return out
	} else if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		var p worker.DeliverPayload
		if err := json.Unmarshal(task.Payload, &p); err != nil {
			t.Fatal(err)
		}
		out[p.Event.Type]++
	}
	return out
}

// Issue 11: a poll task archived once (a permanent error) kept its id
// `metrics:<account>` in asynq, and every later sweep's enqueue collided
// and was ignored: the account was never read again. Here a real asynq
// server on a real Redis runs the poller's tasks.
func TestPollingResumesAfterAFailedPoll(t *testing.T) {
	pe := newPollEnv(t, 3)
	ctx := context.Background()
	rdb := realRedis(t)
	client := asynq.NewClientFromRedisClient(rdb)
	insp := asynq.NewInspectorFromRedisClient(rdb)
	pe.poller.Client, pe.poller.Inspector, pe.poller.Redis = client, insp, rdb
	pe.poller.Limits = worker.NewLimits(rdb)
	pe.poller.Notifier = &worker.Notifier{Store: pe.store, Client: client, Logger: quiet}
	hook := &rythme.Webhook{ID: rythme.NewID(rythme.PrefixWebhook), WorkspaceID: pe.ws.ID, URL: "https://hooks.example.test/rythme",
		Events: []string{rythme.EventAccountMetricsFailing}, Secret: "whsec_test", CreatedAt: pe.clock.Now()}
	if err := pe.store.CreateWebhook(ctx, hook); err != nil {
		t.Fatal(err)
	}
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{Concurrency: 1, Queues: map[string]int{worker.MetricsQueue: 1},
		RetryDelayFunc: worker.RetryDelay, IsFailure: worker.IsFailure, LogLevel: asynq.FatalLevel,
		TaskCheckInterval: 20 * time.Millisecond, DelayedTaskCheckInterval: 20 * time.Millisecond})
	mux := asynq.NewServeMux()
	mux.Handle(worker.TypePollAccount, pe.poller)
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	taskID := worker.PollTaskID(pe.acct.ID)
	account := func() *rythme.Account {
		a, err := pe.store.AccountByID(ctx, pe.acct.ID)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}

	// The network refuses to tell (a 403 on every read): the task is
	// archived, and the account says its reads fail.
	pe.advance(15 * time.Minute)
	if err := pe.fn.Fake.InjectFault(fakenet.Fault{Network: "mastodon", Match: "get_statuses", Kind: fakenet.FaultStatus,
		Status: 403, Body: `{"error":"This action is not allowed"}`}); err != nil {
		t.Fatal(err)
	}
	if a, n, err := pe.poller.Sweep(ctx); a != 1 || n != 3 || err != nil {
		t.Fatalf("first sweep: %d accounts, %d readings, %v", a, n, err)
	}
	waitFor(t, 20*time.Second, func() bool {
		info, err := insp.GetTaskInfo(worker.MetricsQueue, taskID)
		return err == nil && info.State == asynq.TaskStateArchived
	})
	a := account()
	if a.LastMetricsError == "" || a.LastMetricsErrorAt == nil || a.MetricsFailures < 3 || a.LastMetricsAt != nil {
		t.Fatalf("after a refused read: error %q at %v, %d failures, last read %v", a.LastMetricsError, a.LastMetricsErrorAt, a.MetricsFailures, a.LastMetricsAt)
	}
	if a.Status != rythme.AccountConnected {
		t.Fatalf("a refused read made the account %s", a.Status)
	}
	if got := deliveries(t, insp)[rythme.EventAccountMetricsFailing]; got != 1 {
		t.Fatalf("%d account.metrics_failing deliveries queued, want 1", got)
	}

	// The network recovers: the very next sweep reads the account again.
	pe.fn.Fake.ClearFaults()
	if a, n, err := pe.poller.Sweep(ctx); a != 1 || n != 3 || err != nil {
		t.Fatalf("sweep after recovery: %d accounts, %d readings, %v; want the account read again", a, n, err)
	}
	waitFor(t, 20*time.Second, func() bool {
		snaps, err := pe.store.Snapshots(ctx, pe.ws.ID, time.Time{}, pe.clock.Now().Add(time.Hour))
		return err == nil && len(snaps) == 3
	})
	waitFor(t, 20*time.Second, func() bool { return account().LastMetricsAt != nil })
	if a := account(); a.LastMetricsError != "" || a.LastMetricsErrorAt != nil || a.MetricsFailures != 0 || !a.LastMetricsAt.Equal(pe.clock.Now()) {
		t.Fatalf("after a good read: error %q at %v, %d failures, last read %v", a.LastMetricsError, a.LastMetricsErrorAt, a.MetricsFailures, a.LastMetricsAt)
	}
	if got := deliveries(t, insp)[rythme.EventAccountMetricsFailing]; got != 1 {
		t.Fatalf("%d account.metrics_failing deliveries, want still 1 (once, not per failure)", got)
	}
}

// readingConnector is the fake network with engagement: fetch answers a
// read, given the bearer token the client carries.
type readingConnector struct {
	*fakeConnector
	fetch func(bearer string) error
}

func (r readingConnector) Info() rythme.Network {
	i := r.fakeConnector.Info()
	i.Metrics = true
	return i
}

// bearerOf asks a server which Authorization header client sends.
func bearerOf(ctx context.Context, client *http.Client) (string, error) {
	var bearer string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { bearer = r.Header.Get("Authorization") }))
	defer srv.Close()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	resp, err := connectors.Do(client, req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	return bearer, nil
}

func (r readingConnector) FetchMetrics(ctx context.Context, _ *rythme.Account, client *http.Client, ids []string) ([]rythme.Metrics, error) {
	bearer, err := bearerOf(ctx, client)
	if err != nil {
		return nil, err
	}
	if err := r.fetch(bearer); err != nil {
		return nil, err
	}
	likes := int64(4)
	out := make([]rythme.Metrics, len(ids))
	for i, id := range ids {
		out[i] = rythme.Metrics{ExternalID: id, Likes: &likes}
	}
	return out, nil
}

// tokenEndpoint grants at-2/rt-2 for rt-1 when ok, and counts requests.
type tokenEndpoint struct {
	mu       sync.Mutex
	ok       bool
	requests int
	srv      *httptest.Server
}

func newTokenEndpoint(t *testing.T, ok bool) *tokenEndpoint {
	te := &tokenEndpoint{ok: ok}
	te.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		te.mu.Lock()
		te.requests++
		ok := te.ok
		te.mu.Unlock()
		if !ok || r.Form.Get("refresh_token") != "rt-1" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"invalid_grant"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"at-2","refresh_token":"rt-2","token_type":"bearer","expires_in":7200}`)
	}))
	t.Cleanup(te.srv.Close)
	return te
}

// A 401 during a poll: one refresh under the account's lock, then the read
// again; refused for good, the account needs reconnecting (and says so to
// its webhooks), its posts held.
func TestPollerRefreshesOnceOnARefusedToken(t *testing.T) {
	for _, grant := range []bool{true, false} {
		t.Run("grant="+strconv.FormatBool(grant), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t, storetest.SQLite(t))
			te := newTokenEndpoint(t, grant)
			e.conn.tokenURL = te.srv.URL
			var reads []string
			var mu sync.Mutex
			rc := readingConnector{fakeConnector: e.conn, fetch: func(bearer string) error {
				mu.Lock()
				reads = append(reads, bearer)
				mu.Unlock()
				if bearer != "Bearer at-2" {
					return &connectors.Error{Kind: connectors.Auth, Status: 401, Message: "The access token is invalid"}
				}
				return nil
			}}
			e.reg = connectors.NewRegistry(rc)
			acct := e.account(t, "u2", rythme.Token{AccessToken: "at-1", RefreshToken: "rt-1", TokenType: "bearer", Expiry: e.clock.Now().Add(24 * time.Hour)})
			p := e.post(t, "x", e.clock.Now(), acct)
			later := e.post(t, "later", e.clock.Now().Add(48*time.Hour), acct)
			if err := e.handler().ProcessTask(ctx, publishTask(t, p.Targets[0].ID, 1)); err != nil {
				t.Fatal(err)
			}
			rdb := redisBackends(t)["miniredis"](t)
			client := asynq.NewClientFromRedisClient(rdb)
			hook := &rythme.Webhook{ID: rythme.NewID(rythme.PrefixWebhook), WorkspaceID: e.ws.ID, URL: "https://hooks.example.test/r",
				Events: []string{rythme.EventAccountNeedsReconnect, rythme.EventAccountMetricsFailing}, Secret: "whsec_x", CreatedAt: e.clock.Now()}
			if err := e.store.CreateWebhook(ctx, hook); err != nil {
				t.Fatal(err)
			}
			poller := &worker.Poller{Store: e.store, Connectors: e.reg, Client: client, Redis: rdb, Limits: worker.NewLimits(rdb),
				Notifier: &worker.Notifier{Store: e.store, Client: client, Logger: quiet}, HTTPClient: connectors.NewHTTPClient(),
				Clock: e.clock, Logger: quiet, RedirectURI: func(string) string { return "http://127.0.0.1/cb" }}
			e.clock.Set(e.clock.Now().Add(15 * time.Minute))
			due, err := e.store.DueMetrics(ctx, e.clock.Now(), 0)
			if err != nil || len(due) != 1 {
				t.Fatalf("due: %d, %v", len(due), err)
			}
			b, _ := json.Marshal(worker.PollAccountPayload{AccountID: acct.ID, Due: due})
			perr := poller.ProcessTask(ctx, asynq.NewTask(worker.TypePollAccount, b))

			got, _ := e.store.AccountByID(ctx, acct.ID)
			snaps, _ := e.store.Snapshots(ctx, e.ws.ID, time.Time{}, e.clock.Now().Add(time.Hour))
			events := deliveries(t, asynq.NewInspectorFromRedisClient(rdb))
			if grant {
				if te.requests != 1 {
					t.Fatalf("%d refreshes, want exactly 1", te.requests)
				}
				if perr != nil || len(reads) != 2 || len(snaps) != 1 || got.Status != rythme.AccountConnected ||
					got.Token.AccessToken != "at-2" || got.LastMetricsAt == nil {
					t.Fatalf("refreshed: err %v, reads %v, %d snapshots, account %s token %q, last read %v",
						perr, reads, len(snaps), got.Status, got.Token.AccessToken, got.LastMetricsAt)
				}
				if len(events) != 0 {
					t.Fatalf("events after a good refresh: %v", events)
				}
				return
			}
			// One refresh: oauth2 sends a refused one twice (it tries the
			// client credentials in the header, then in the body).
			if te.requests == 0 || te.requests > 2 {
				t.Fatalf("%d token requests, want one refresh", te.requests)
			}
			if perr != nil || len(reads) != 1 || len(snaps) != 0 {
				t.Fatalf("refused: err %v, reads %v, %d snapshots", perr, reads, len(snaps))
			}
			if got.Status != rythme.AccountNeedsReconnect || got.LastMetricsError == "" {
				t.Fatalf("refused: account %s, read error %q", got.Status, got.LastMetricsError)
			}
			if events[rythme.EventAccountNeedsReconnect] != 1 {
				t.Fatalf("events %v, want account.needs_reconnect once", events)
			}
			if tg := e.target(t, later.Targets[0].ID); tg.Status != rythme.TargetHeld {
				t.Fatalf("the account's scheduled post is %s, want held", tg.Status)
			}
		})
	}
}

// requestingConnector publishes a post as one HTTP request per part (a
// thread makes several) to a test server, under limits (default: 5
// requests a minute per account, and a DELETE-only limit that a POST never
// uses).
type requestingConnector struct {
	*fakeConnector
	base   string
	limits []rythme.RateLimit
}

func (r requestingConnector) Info() rythme.Network {
	i := r.fakeConnector.Info()
	i.RateLimits = r.limits
	if i.RateLimits == nil {
		i.RateLimits = []rythme.RateLimit{{Scope: "account", Requests: 1, PeriodSeconds: 3600, Method: http.MethodDelete},
			{Scope: "account", Requests: 5, PeriodSeconds: 60}}
	}
	return i
}

func (r requestingConnector) Publish(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.PublishRequest) (*connectors.Published, error) {
	r.fakeConnector.Publish(ctx, acct, client, req) // records the call
	for range 1 + len(req.Thread) {
		hr, _ := http.NewRequestWithContext(ctx, http.MethodPost, r.base+"/statuses", nil)
		resp, err := connectors.Do(client, hr)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode/100 != 2 {
			return nil, connectors.FromResponse(resp, nil)
		}
		resp.Body.Close()
	}
	return &connectors.Published{ExternalID: "ext-" + req.IdempotencyKey}, nil
}

// threadPost stores a post of content and thread parts due now on acct.
func (e *env) threadPost(t *testing.T, acct *rythme.Account, content string, thread ...string) *rythme.Post {
	t.Helper()
	now := e.clock.Now()
	p := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: e.ws.ID, Content: content, Thread: thread, ScheduledAt: now,
		Timezone: "UTC", Tags: []string{}, CreatedAt: now, UpdatedAt: now}
	p.Targets = []*rythme.Target{{ID: rythme.NewID(rythme.PrefixTarget), PostID: p.ID, WorkspaceID: e.ws.ID, AccountID: acct.ID,
		Network: acct.Network, Status: rythme.TargetScheduled, Version: 1, ScheduledAt: now, CreatedAt: now, UpdatedAt: now}}
	if err := e.store.CreatePost(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

// Issue 11: limits were charged one token per post, though a thread with
// media makes ten requests. Now every HTTP request is charged against the
// buckets it falls in, and a wait a successful answer announces (quota
// used up) is shared without the connector knowing.
func TestRateLimitsAreChargedPerRequest(t *testing.T) {
	for name, newRedis := range redisBackends(t) {
		t.Run(name, func(t *testing.T) {
			var mu sync.Mutex
			sent := 0
			quotaGone := false
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				sent++
				if quotaGone {
					// A success that says the quota is used up for 50s.
					w.Header().Set("X-RateLimit-Remaining", "0")
					w.Header().Set("X-RateLimit-Reset", time.Now().Add(50*time.Second).UTC().Format(time.RFC3339))
				}
			}))
			defer srv.Close()
			count := func() int { mu.Lock(); defer mu.Unlock(); return sent }

			rdb := newRedis(t)
			limits := worker.NewLimits(rdb)
			e := newEnv(t, storetest.SQLite(t))
			e.reg = connectors.NewRegistry(requestingConnector{fakeConnector: e.conn, base: srv.URL})
			run := func(p *rythme.Post) error {
				h := e.handler()
				h.Redis, h.Limits = rdb, limits
				return h.ProcessTask(context.Background(), publishTask(t, p.Targets[0].ID, 1))
			}

			// Three requests; the DELETE-only limit (1 an hour) is not charged.
			a := e.threadPost(t, e.acct, "a1", "a2", "a3")
			if err := run(a); err != nil {
				t.Fatal(err)
			}
			if got := e.target(t, a.Targets[0].ID); got.Status != rythme.TargetPublished || count() != 3 {
				t.Fatalf("a thread of 3: %s %q after %d requests", got.Status, got.LastError, count())
			}
			// Two requests left in the minute: two posts take them, the
			// next waits on the queue, unsent.
			for _, text := range []string{"b", "c"} {
				if err := run(e.threadPost(t, e.acct, text)); err != nil {
					t.Fatal(err)
				}
			}
			b := e.threadPost(t, e.acct, "d1", "d2")
			err := run(b)
			if err == nil || worker.IsFailure(err) {
				t.Fatalf("the 6th request within the minute: %v; want a wait that is not a failure", err)
			}
			if d := worker.RetryDelay(0, err, nil); d <= 2*time.Second || d > time.Minute+time.Second {
				t.Fatalf("wait %s, want the limiter's (~12s, within the minute)", d)
			}
			if count() != 5 {
				t.Fatalf("%d requests sent, want 5: the limit is 5 a minute", count())
			}
			if got := e.target(t, b.Targets[0].ID); got.Status != rythme.TargetScheduled {
				t.Fatalf("the waiting post is %s, want scheduled", got.Status)
			}
			// Our own limiter's wait is not the network's: no block for others.
			if d, err := limits.Blocked(context.Background(), "fake", e.acct.ID); err != nil || d != 0 {
				t.Fatalf("block %s (%v) from rythme's own limiter", d, err)
			}

			// Another account has its own quota; its answer says the network's
			// quota is used up: every worker waits, without calling.
			other := e.account(t, "other", rythme.Token{AccessToken: "o"})
			mu.Lock()
			quotaGone = true
			mu.Unlock()
			if err := run(e.threadPost(t, other, "c1")); err != nil {
				t.Fatal(err)
			}
			if d, err := limits.Blocked(context.Background(), "fake", other.ID); err != nil || d < 40*time.Second || d > 51*time.Second {
				t.Fatalf("block after an exhausted quota: %s (%v); want ~50s", d, err)
			}
			before := count()
			err = run(e.threadPost(t, other, "d1"))
			if err == nil || worker.IsFailure(err) || worker.RetryDelay(0, err, nil) < 40*time.Second {
				t.Fatalf("during the network's wait: %v", err)
			}
			if count() != before {
				t.Fatal("the network was called during its announced wait")
			}
		})
	}
}

// A team channel's account is called through the same policy: a refused
// token is refreshed once, then the message goes out.
func TestChannelDeliveryRefreshesOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, storetest.SQLite(t))
	te := newTokenEndpoint(t, true)
	e.conn.tokenURL = te.srv.URL
	channel := e.account(t, "team-channel", rythme.Token{AccessToken: "at-1", RefreshToken: "rt-1", TokenType: "bearer", Expiry: e.clock.Now().Add(24 * time.Hour)})
	e.conn.publish = func(ctx context.Context, _ *rythme.Account, client *http.Client, req connectors.PublishRequest) (*connectors.Published, error) {
		bearer, err := bearerOf(ctx, client)
		if err != nil {
			return nil, err
		}
		if bearer != "Bearer at-2" {
			return nil, &connectors.Error{Kind: connectors.Auth, Status: 401, Message: "token expired"}
		}
		return &connectors.Published{ExternalID: "m1"}, nil
	}
	hook := &rythme.Webhook{ID: rythme.NewID(rythme.PrefixWebhook), WorkspaceID: e.ws.ID, AccountID: channel.ID,
		Events: []string{rythme.EventPostFailed}, Secret: "whsec_c", CreatedAt: e.clock.Now()}
	if err := e.store.CreateWebhook(ctx, hook); err != nil {
		t.Fatal(err)
	}
	rdb := redisBackends(t)["miniredis"](t)
	d := &worker.Deliverer{Store: e.store, Connectors: e.reg, Channels: connectors.NewHTTPClient(), Redis: rdb, Limits: worker.NewLimits(rdb),
		Clock: e.clock, Logger: quiet, RedirectURI: func(string) string { return "http://127.0.0.1/cb" }}
	ev := rythme.Event{ID: "evt_1", Type: rythme.EventPostFailed, CreatedAt: e.clock.Now(), Workspace: e.ws.ID,
		Data: rythme.EventData{Network: "fake", Reason: "refused"}}
	b, _ := json.Marshal(worker.DeliverPayload{WebhookID: hook.ID, Event: ev})
	if err := d.ProcessTask(ctx, asynq.NewTask(worker.TypeDeliverWebhook, b)); err != nil {
		t.Fatal(err)
	}
	calls := e.conn.calls()
	if len(calls) != 2 || calls[1].Text != worker.EventText(ev) || calls[1].IdempotencyKey != ev.ID || te.requests != 1 {
		t.Fatalf("%d channel calls (%+v), %d refreshes; want the message sent again once after one refresh", len(calls), calls, te.requests)
	}
	if got, _ := e.store.AccountByID(ctx, channel.ID); got.Token.AccessToken != "at-2" || got.Status != rythme.AccountConnected {
		t.Fatalf("channel account %s with token %q", got.Status, got.Token.AccessToken)
	}
}

// A thread whose first part is out waits for the limiter rather than stop
// half-way (a retry would publish the first part again where the network
// cannot dedupe): 2 requests per 5 s, so the third part of a thread waits
// 2.5 s, past what a call that wrote nothing yet would sleep.
func TestRateLimitsDoNotCutAThreadHalfWay(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	sent := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { mu.Lock(); sent++; mu.Unlock() }))
	defer srv.Close()
	rdb := redisBackends(t)["miniredis"](t)
	e := newEnv(t, storetest.SQLite(t))
	e.reg = connectors.NewRegistry(requestingConnector{fakeConnector: e.conn, base: srv.URL,
		limits: []rythme.RateLimit{{Scope: "account", Requests: 2, PeriodSeconds: 5}}})
	p := e.threadPost(t, e.acct, "p1", "p2", "p3")
	h := e.handler()
	h.Redis, h.Limits = rdb, worker.NewLimits(rdb)
	if err := h.ProcessTask(context.Background(), publishTask(t, p.Targets[0].ID, 1)); err != nil {
		t.Fatalf("a thread that fits within a short wait: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if got := e.target(t, p.Targets[0].ID); got.Status != rythme.TargetPublished || sent != 3 || len(e.conn.calls()) != 1 {
		t.Fatalf("thread %s %q after %d requests and %d publish calls; want published, 3 requests, 1 call", got.Status, got.LastError, sent, len(e.conn.calls()))
	}
}

// limitedReader is the reading fake under a documented limit of one
// request an hour per account.
type limitedReader struct{ readingConnector }

func (l limitedReader) Info() rythme.Network {
	i := l.readingConnector.Info()
	i.RateLimits = []rythme.RateLimit{{Scope: "account", Requests: 1, PeriodSeconds: 3600}}
	return i
}

// Issue 11: the poller was not rate limited at all. Its requests are now
// charged like publishing's: past the limit, the read waits on the queue
// (not a failure, nothing recorded as an error) without calling.
func TestPollerIsRateLimitedPerRequest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, storetest.SQLite(t))
	var mu sync.Mutex
	reads := 0
	lr := limitedReader{readingConnector{fakeConnector: e.conn, fetch: func(string) error { mu.Lock(); reads++; mu.Unlock(); return nil }}}
	e.reg = connectors.NewRegistry(lr)
	p := e.post(t, "x", e.clock.Now())
	if err := e.handler().ProcessTask(ctx, publishTask(t, p.Targets[0].ID, 1)); err != nil {
		t.Fatal(err)
	}
	rdb := redisBackends(t)["miniredis"](t)
	poller := &worker.Poller{Store: e.store, Connectors: e.reg, Redis: rdb, Limits: worker.NewLimits(rdb), HTTPClient: connectors.NewHTTPClient(),
		Clock: e.clock, Logger: quiet, RedirectURI: func(string) string { return "http://127.0.0.1/cb" }}
	poll := func() error {
		t.Helper()
		due, err := e.store.DueMetrics(ctx, e.clock.Now(), 0)
		if err != nil || len(due) != 1 {
			t.Fatalf("due: %d, %v", len(due), err)
		}
		b, _ := json.Marshal(worker.PollAccountPayload{AccountID: e.acct.ID, Due: due})
		return poller.ProcessTask(ctx, asynq.NewTask(worker.TypePollAccount, b))
	}
	e.clock.Set(e.clock.Now().Add(15 * time.Minute))
	if err := poll(); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(e.clock.Now().Add(45 * time.Minute)) // the 1-hour reading is due
	err := poll()
	if err == nil || worker.IsFailure(err) {
		t.Fatalf("a read past the limit: %v; want a wait that is not a failure", err)
	}
	if d := worker.RetryDelay(0, err, nil); d < 30*time.Minute {
		t.Fatalf("wait %s, want the rest of the hour", d)
	}
	got, _ := e.store.AccountByID(ctx, e.acct.ID)
	if reads != 1 || got.LastMetricsError != "" || got.MetricsFailures != 0 {
		t.Fatalf("%d reads; account read error %q after %d failures; want 1 read and no error", reads, got.LastMetricsError, got.MetricsFailures)
	}
}
