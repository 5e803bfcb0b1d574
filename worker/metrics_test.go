package worker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/mastodon"
	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/sqlstore/storetest"
	"github.com/rythmehq/rythme/worker"
)

// pollEnv publishes posts on fakenet's Mastodon through the real connector
// and the publish handler, then reads their engagement with the poller.
type pollEnv struct {
	*env
	fn     *connectortest.Env
	acct   *rythme.Account
	poller *worker.Poller
	posts  map[string]string // post ids by target id (publishPolls)
}

func newPollEnv(t *testing.T, posts int) *pollEnv {
	t.Helper()
	return newPollEnvOn(t, connectortest.Harness{Network: "mastodon",
		New:    func(string) connectors.Connector { return mastodon.New() },
		Params: func(base string) connectors.ConnectParams { return connectors.ConnectParams{"instance_url": base} }}, posts)
}

// newPollEnvOn connects alice on h's network in fakenet and publishes posts
// posts there through the worker.
func newPollEnvOn(t *testing.T, h connectortest.Harness, posts int) *pollEnv {
	t.Helper()
	fn := connectortest.Start(t, h)
	e := newEnv(t, storetest.SQLite(t))
	e.reg = connectors.NewRegistry(fn.Connector)
	e.clock.Set(fn.Clock.Now())
	c := fn.Connect("alice")
	acct := c.Account
	acct.ID, acct.WorkspaceID = "", e.ws.ID
	if err := e.store.UpsertAccount(context.Background(), acct); err != nil {
		t.Fatal(err)
	}
	for i := range posts {
		p := e.post(t, fmt.Sprintf("post %d", i), e.clock.Now(), acct)
		if err := e.handler().ProcessTask(context.Background(), publishTask(t, p.Targets[0].ID, 1)); err != nil {
			t.Fatal(err)
		}
		if tg := e.target(t, p.Targets[0].ID); tg.Status != rythme.TargetPublished {
			t.Fatalf("post %d: %s %q", i, tg.Status, tg.LastError)
		}
	}
	pe := &pollEnv{env: e, fn: fn, acct: acct}
	pe.poller = &worker.Poller{Store: e.store, Connectors: e.reg, HTTPClient: connectors.NewHTTPClient(), Clock: e.clock,
		Logger: quiet, RedirectURI: func(string) string { return connectortest.RedirectURI }}
	return pe
}

// advance moves both clocks (rythme's and fakenet's) forward.
func (pe *pollEnv) advance(d time.Duration) {
	pe.fn.Clock.Advance(d)
	pe.clock.Set(pe.fn.Clock.Now())
}

// poll reads what is due, as the sweep's account task would; it returns
// how many readings were due.
func (pe *pollEnv) poll(t *testing.T) (int, error) {
	t.Helper()
	due, err := pe.store.DueMetrics(context.Background(), pe.clock.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) == 0 {
		return 0, nil
	}
	b, _ := json.Marshal(worker.PollAccountPayload{AccountID: pe.acct.ID, Due: due})
	return len(due), pe.poller.ProcessTask(context.Background(), asynq.NewTask(worker.TypePollAccount, b))
}

func (pe *pollEnv) requests(op string) int64 {
	return pe.fn.Fake.Stats().Operations[pe.fn.Harness.Network+"."+op]
}

func TestPollerReadsOnADecayingScheduleInBatches(t *testing.T) {
	t.Parallel()
	pe := newPollEnv(t, 30)
	ctx := context.Background()
	if n, err := pe.poll(t); n != 0 || err != nil {
		t.Fatalf("due at once: %d %v", n, err)
	}
	pe.advance(15 * time.Minute)
	before := pe.requests("get_statuses")
	if n, err := pe.poll(t); n != 30 || err != nil {
		t.Fatalf("after 15 minutes: %d due, %v", n, err)
	}
	if got := pe.requests("get_statuses") - before; got != 2 {
		t.Fatalf("%d batch requests for 30 posts, want 2 (Mastodon takes 20 ids a request)", got)
	}
	snaps, err := pe.store.Snapshots(ctx, pe.ws.ID, pe.clock.Now().Add(-time.Hour), pe.clock.Now())
	if err != nil || len(snaps) != 30 || snaps[0].Metrics.Likes == nil {
		t.Fatalf("%d snapshots after the first reading (%v)", len(snaps), err)
	}

	// One post is deleted on the network: marked so, never read again.
	gone := snaps[0]
	if !pe.fn.Fake.DeletePost("mastodon", gone.Metrics.ExternalID) {
		t.Fatal("could not delete on fakenet")
	}
	pe.advance(45 * time.Minute)
	if n, err := pe.poll(t); n != 30 || err != nil {
		t.Fatalf("after an hour: %d due, %v", n, err)
	}
	total := 0
	for step := 2; step < len(rythme.MetricsSchedule)+2; step++ {
		pe.advance(31 * 24 * time.Hour / 7)
		n, err := pe.poll(t)
		if err != nil {
			t.Fatal(err)
		}
		total += n
	}
	for i := 0; i < 10; i++ { // long after: nothing left
		pe.advance(40 * 24 * time.Hour)
		if n, _ := pe.poll(t); n != 0 {
			t.Fatalf("still %d due after the schedule ended", n)
		}
	}
	snaps, _ = pe.store.Snapshots(ctx, pe.ws.ID, time.Time{}, pe.clock.Now())
	perTarget := map[string]int{}
	var likesFirst, likesLast int64
	for _, s := range snaps {
		perTarget[s.TargetID]++
		if s.TargetID == snaps[1].TargetID && s.Metrics.Likes != nil {
			if likesFirst == 0 {
				likesFirst = *s.Metrics.Likes
			}
			likesLast = *s.Metrics.Likes
		}
	}
	if perTarget[gone.TargetID] != 2 {
		t.Errorf("the deleted post has %d snapshots, want 2 (one before, one saying deleted)", perTarget[gone.TargetID])
	}
	if perTarget[snaps[1].TargetID] != len(rythme.MetricsSchedule) {
		t.Errorf("a post has %d snapshots, want one per step of the schedule (%d)", perTarget[snaps[1].TargetID], len(rythme.MetricsSchedule))
	}
	if likesLast <= likesFirst {
		t.Errorf("likes did not grow across snapshots: %d then %d", likesFirst, likesLast)
	}
	if st := pe.fn.Fake.Stats(); st.RateLimited != 0 {
		t.Errorf("fakenet sent %d 429s while polling, want 0", st.RateLimited)
	}
}

func TestPollerWaitsOutARateLimit(t *testing.T) {
	t.Parallel()
	pe := newPollEnv(t, 3)
	rdb := redisBackends(t)["miniredis"](t)
	pe.poller.Limits = worker.NewLimits(rdb)
	pe.advance(15 * time.Minute)
	if err := pe.fn.Fake.InjectFault(fakenet.Fault{Network: "mastodon", Match: "get_statuses", Kind: fakenet.FaultStatus,
		Status: 429, RetryAfter: 7, Count: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := pe.poll(t)
	if err == nil || worker.IsFailure(err) {
		t.Fatalf("a 429: %v, want a wait", err)
	}
	if d := worker.RetryDelay(0, err, nil); d < 7*time.Second {
		t.Fatalf("wait %s, want the network's 7s", d)
	}
	// Until the wait is over, the account is not called at all.
	calls := pe.requests("get_statuses")
	if _, err := pe.poll(t); err == nil {
		t.Fatal("polled again during the network's wait")
	}
	if pe.requests("get_statuses") != calls {
		t.Fatal("the network was called during its wait")
	}
	if snaps, _ := pe.store.Snapshots(context.Background(), pe.ws.ID, time.Time{}, pe.clock.Now()); len(snaps) != 0 {
		t.Fatalf("%d snapshots stored from a refused read", len(snaps))
	}
}

func TestPollSweepEnqueuesOneTaskPerAccount(t *testing.T) {
	t.Parallel()
	pe := newPollEnv(t, 5)
	rdb := redisBackends(t)["miniredis"](t)
	pe.poller.Client = asynq.NewClientFromRedisClient(rdb)
	pe.advance(15 * time.Minute)
	accounts, readings, err := pe.poller.Sweep(context.Background())
	if err != nil || accounts != 1 || readings != 5 {
		t.Fatalf("sweep: %d accounts, %d readings, %v", accounts, readings, err)
	}
	// A second sweep while the first task is pending adds nothing.
	if a, _, _ := pe.poller.Sweep(context.Background()); a != 0 {
		t.Fatalf("a second sweep enqueued %d account tasks", a)
	}
	info, err := asynq.NewInspectorFromRedisClient(rdb).GetTaskInfo(worker.MetricsQueue, "metrics:"+pe.acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	var pl worker.PollAccountPayload
	json.Unmarshal(info.Payload, &pl)
	if len(pl.Due) != 5 || !pl.Audience {
		t.Fatalf("task payload: %d due, audience %v; want 5 and the followers reading", len(pl.Due), pl.Audience)
	}
	// Followers are read once a day.
	if err := pe.poller.ProcessTask(context.Background(), asynq.NewTask(worker.TypePollAccount, info.Payload)); err != nil {
		t.Fatal(err)
	}
	samples, _ := pe.store.AudienceSamples(context.Background(), pe.ws.ID, time.Time{}, pe.clock.Now().Add(time.Hour))
	if len(samples) != 1 || samples[0].Followers <= 0 {
		t.Fatalf("audience samples %+v", samples)
	}
}
