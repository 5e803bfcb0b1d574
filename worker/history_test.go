package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/mastodon"
	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/fakenet/sim"
	"github.com/rythmehq/rythme/sqlstore/storetest"
	"github.com/rythmehq/rythme/worker"
)

// historyEnv: an account on fakenet's Mastodon that has 90 days of posts
// from before it connected, and two posts rythme published since.
type historyEnv struct {
	*pollEnv
	importer *worker.HistoryImporter
	starts   *worker.HistoryRequests
}

func newHistoryEnv(t *testing.T) *historyEnv {
	t.Helper()
	fn := connectortest.Start(t, connectortest.Harness{Network: "mastodon",
		New:     func(string) connectors.Connector { return mastodon.New() },
		Params:  func(base string) connectors.ConnectParams { return connectors.ConnectParams{"instance_url": base} },
		Fakenet: func(c *fakenet.Config) { c.HistoryDays = 90 }})
	e := newEnv(t, storetest.SQLite(t))
	e.reg = connectors.NewRegistry(fn.Connector)
	e.clock.Set(fn.Clock.Now())
	c := fn.Connect("alice")
	acct := c.Account
	acct.ID, acct.WorkspaceID = "", e.ws.ID
	if err := e.store.UpsertAccount(context.Background(), acct); err != nil {
		t.Fatal(err)
	}
	pe := &pollEnv{env: e, fn: fn, acct: acct}
	for _, text := range []string{"first by rythme", "second by rythme"} {
		pe.advance(time.Hour)
		p := e.post(t, text, e.clock.Now(), acct)
		if err := e.handler().ProcessTask(context.Background(), publishTask(t, p.Targets[0].ID, 1)); err != nil {
			t.Fatal(err)
		}
	}
	rdb := redisBackends(t)["miniredis"](t)
	h := &historyEnv{pollEnv: pe,
		importer: &worker.HistoryImporter{Store: e.store, Connectors: e.reg, HTTPClient: connectors.NewHTTPClient(), Clock: e.clock,
			Logger: quiet, RedirectURI: func(string) string { return connectortest.RedirectURI }, Limits: worker.NewLimits(rdb), Redis: rdb},
		starts: worker.NewHistoryRequests(rdb, e.store, e.clock)}
	return h
}

func (h *historyEnv) run(t *testing.T) error {
	t.Helper()
	b, _ := json.Marshal(worker.HistoryPayload{AccountID: h.acct.ID})
	return h.importer.ProcessTask(context.Background(), asynq.NewTask(worker.TypeImportHistory, b))
}

func (h *historyEnv) history(t *testing.T) *rythme.HistoryImport {
	t.Helper()
	a, err := h.store.AccountByID(context.Background(), h.acct.ID)
	if err != nil || a.History == nil {
		t.Fatalf("account %+v, %v", a, err)
	}
	return a.History
}

// TestHistoryImportResumesAndStoresEachPostOnce: a page that fails leaves
// the pages before it stored with the cursor after them; the retry goes on
// from there; every earlier post of the window is then stored once, and
// rythme's own posts are not; a second import adds nothing. Nothing
// imported is ever published: not by the reconciler, not by a publish
// task for it.
func TestHistoryImportResumesAndStoresEachPostOnce(t *testing.T) {
	t.Parallel()
	h := newHistoryEnv(t)
	ctx := context.Background()
	hi, err := h.starts.Start(ctx, h.acct)
	if err != nil || hi.Status != rythme.HistoryRunning {
		t.Fatalf("start: %+v, %v", hi, err)
	}
	if _, err := h.starts.Start(ctx, h.acct); rythme.ErrorCode(err) != rythme.ECONFLICT {
		t.Fatalf("a second start while running: %v, want ECONFLICT", err)
	}
	// The earlier posts of the window, as fakenet made them.
	connected := h.fn.Clock.Now().Add(-2 * time.Hour)
	want := 0
	for _, p := range sim.History(42, "mastodon", "alice", 90) {
		if !connected.Add(-p.Age).Before(hi.Since) {
			want++
		}
	}
	if want < 30 {
		t.Fatalf("fakenet gave alice %d earlier posts in the window", want)
	}
	if err := h.fn.Fake.InjectFault(fakenet.Fault{Network: "mastodon", Match: "account_statuses", Kind: fakenet.FaultStatus,
		Status: 503, Skip: 1, Count: 1}); err != nil {
		t.Fatal(err)
	}
	if err := h.run(t); err == nil || !worker.IsFailure(err) {
		t.Fatalf("a failed page: %v, want a retryable failure", err)
	}
	mid := h.history(t)
	if mid.Status != rythme.HistoryRunning || mid.Read != 40 || mid.Imported != 38 || mid.Cursor == "" {
		t.Fatalf("after the first page and a failure: %+v; want 40 read, 38 imported (2 are rythme's), a cursor", mid)
	}
	if err := h.run(t); err != nil {
		t.Fatalf("the retry: %v", err)
	}
	done := h.history(t)
	if done.Status != rythme.HistoryDone || done.Imported != want || done.Read != want+2 || done.FinishedAt == nil {
		t.Fatalf("done: %+v; want %d imported of %d read", done, want, want+2)
	}
	calls := h.pollEnv.requests("account_statuses")
	if pages := int64((want+2+39)/40) + 1; calls != pages && calls != pages+1 {
		t.Errorf("%d listing requests for %d posts by 40, with one failed", calls, want+2)
	}
	posts, _, err := h.store.ListPosts(ctx, h.ws.ID, rythme.PostFilter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	imported, own := 0, 0
	var one *rythme.Post
	for _, p := range posts {
		if p.Origin == rythme.OriginImported {
			imported++
			one = p
		} else {
			own++
		}
	}
	if imported != want || own != 2 {
		t.Fatalf("%d imported and %d own posts stored, want %d and 2", imported, own, want)
	}
	// Again: starts over, adds nothing.
	if _, err := h.starts.Start(ctx, h.acct); err != nil {
		t.Fatal(err)
	}
	if err := h.run(t); err != nil {
		t.Fatal(err)
	}
	if again := h.history(t); again.Status != rythme.HistoryDone || again.Imported != 0 || again.Read != want+2 {
		t.Fatalf("a second import: %+v, want 0 imported", again)
	}
	// Never published: the reconciler's full sweep finds nothing due, a
	// publish task for an imported target does nothing.
	published := len(h.fn.Posts())
	rdb := redisBackends(t)["miniredis"](t)
	q := worker.NewQueue(asynq.NewClientFromRedisClient(rdb), h.store, time.Hour, h.clock)
	r := &worker.Reconciler{Store: h.store, Queue: q, Redis: rdb, Connectors: h.reg, Clock: h.clock, Logger: quiet, Horizon: time.Hour, Batch: 100, FullLimit: 1000}
	if st, err := r.Run(ctx, true); err != nil || st.Enqueued != 0 {
		t.Fatalf("full sweep: %+v %v, want nothing enqueued", st, err)
	}
	if err := h.handler().ProcessTask(ctx, publishTask(t, one.Targets[0].ID, 1)); err != nil {
		t.Fatalf("a publish task for an imported target: %v", err)
	}
	if got := len(h.fn.Posts()); got != published {
		t.Fatalf("fakenet received %d posts after the import's checks, want %d", got, published)
	}
	if tg := h.target(t, one.Targets[0].ID); tg.Status != rythme.TargetPublished || tg.Attempts != 0 {
		t.Fatalf("imported target after a publish task: %+v", tg)
	}
}

// TestHistoryImportStopsAtMaxPostsAndOnARefusal: at most MaxPosts are
// read; a refusal (403) stops the import with the network's reason, and a
// later start goes on from the cursor.
func TestHistoryImportStopsAtMaxPostsAndOnARefusal(t *testing.T) {
	t.Parallel()
	h := newHistoryEnv(t)
	ctx := context.Background()
	h.importer.MaxPosts = 10
	if _, err := h.starts.Start(ctx, h.acct); err != nil {
		t.Fatal(err)
	}
	if err := h.run(t); err != nil {
		t.Fatal(err)
	}
	if hi := h.history(t); hi.Status != rythme.HistoryDone || hi.Read != 10 || hi.Imported != 8 {
		t.Fatalf("with MaxPosts 10: %+v", hi)
	}
	h.importer.MaxPosts = 0
	if _, err := h.starts.Start(ctx, h.acct); err != nil {
		t.Fatal(err)
	}
	if err := h.fn.Fake.InjectFault(fakenet.Fault{Network: "mastodon", Match: "account_statuses", Kind: fakenet.FaultStatus,
		Status: 403, Skip: 1, Count: 1, Body: `{"error":"This action is outside the authorized scopes"}`}); err != nil {
		t.Fatal(err)
	}
	if err := h.run(t); !errors.Is(err, asynq.SkipRetry) {
		t.Fatalf("a refusal: %v, want a failure not retried", err)
	}
	hi := h.history(t)
	if hi.Status != rythme.HistoryFailed || hi.Error == "" || hi.Cursor == "" {
		t.Fatalf("after a refusal: %+v", hi)
	}
	if again, err := h.starts.Start(ctx, h.acct); err != nil || again.Cursor != hi.Cursor || again.Imported != hi.Imported {
		t.Fatalf("start after a failure: %+v, %v; want it to go on from %q", again, err, hi.Cursor)
	}
	if err := h.run(t); err != nil {
		t.Fatal(err)
	}
	if end := h.history(t); end.Status != rythme.HistoryDone || end.Imported <= hi.Imported {
		t.Fatalf("resumed: %+v", end)
	}
}

// TestHistoryRequestsAreRateLimited: a member may ask once per
// HistoryEvery per account.
func TestHistoryRequestsAreRateLimited(t *testing.T) {
	t.Parallel()
	h := newHistoryEnv(t)
	ctx := context.Background()
	hi, wait, err := h.starts.Request(ctx, h.acct)
	if err != nil || wait != 0 || hi == nil {
		t.Fatalf("first request: %+v %s %v", hi, wait, err)
	}
	if err := h.run(t); err != nil {
		t.Fatal(err)
	}
	if _, wait, err := h.starts.Request(ctx, h.acct); err != nil || wait <= 0 || wait > worker.HistoryEvery {
		t.Fatalf("second request: wait %s, %v; want a wait of at most %s", wait, err, worker.HistoryEvery)
	}
}
