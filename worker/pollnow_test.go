package worker_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rythmehq/rythme/worker"
)

// TestPollNowReadsEveryPostAndKeepsTheSchedule: a member's request reads
// every post of the account on its schedule at once, followers too, and
// the scheduled readings still come when they were due.
func TestPollNowReadsEveryPostAndKeepsTheSchedule(t *testing.T) {
	for name, backend := range redisBackends(t) {
		t.Run(name, func(t *testing.T) {
			pe := newPollEnv(t, 3)
			ctx := context.Background()
			rdb := backend(t)
			pe.poller.Client = asynq.NewClientFromRedisClient(rdb)
			pe.poller.Inspector = asynq.NewInspectorFromRedisClient(rdb)
			requests := worker.NewPollRequests(rdb, pe.clock)
			pe.advance(5 * time.Minute) // nothing due for 10 more minutes

			runsAt, wait, err := requests.PollNow(ctx, pe.acct)
			if err != nil || wait != 0 || !runsAt.Equal(pe.clock.Now()) {
				t.Fatalf("poll now: runs at %s, wait %s, %v; want now (%s)", runsAt, wait, err, pe.clock.Now())
			}
			// A second request within 5 minutes: refused, with the wait left.
			if _, wait, err := requests.PollNow(ctx, pe.acct); err != nil || wait <= 0 || wait > worker.PollEvery {
				t.Fatalf("a second request: wait %s, %v; want a wait of at most %s", wait, err, worker.PollEvery)
			}
			// The sweep finds the account's task id taken: one read at a time.
			pe.advance(10 * time.Minute)
			if accounts, _, err := pe.poller.Sweep(ctx); err != nil || accounts != 0 {
				t.Fatalf("the sweep added %d account tasks while the request's is queued (%v)", accounts, err)
			}
			info, err := pe.poller.Inspector.GetTaskInfo(worker.MetricsQueue, worker.PollTaskID(pe.acct.ID))
			if err != nil {
				t.Fatal(err)
			}
			var pl worker.PollAccountPayload
			if err := json.Unmarshal(info.Payload, &pl); err != nil || !pl.Now || !pl.Audience || pl.AccountID != pe.acct.ID {
				t.Fatalf("task payload %s (%v)", info.Payload, err)
			}
			pe.advance(-10 * time.Minute) // run it at the time asked (5 minutes after publishing)
			if err := pe.poller.ProcessTask(ctx, asynq.NewTask(worker.TypePollAccount, info.Payload)); err != nil {
				t.Fatal(err)
			}
			snaps, err := pe.store.Snapshots(ctx, pe.ws.ID, time.Time{}, pe.clock.Now().Add(time.Hour))
			if err != nil || len(snaps) != 3 {
				t.Fatalf("%d readings after poll now (%v), want 3", len(snaps), err)
			}
			for _, s := range snaps {
				if s.Metrics.Likes == nil || s.Metrics.Deleted {
					t.Fatalf("reading %+v, want likes", s.Metrics)
				}
			}
			if samples, _ := pe.store.AudienceSamples(ctx, pe.ws.ID, time.Time{}, pe.clock.Now().Add(time.Hour)); len(samples) != 1 {
				t.Fatalf("%d follower readings after poll now, want 1", len(samples))
			}
			// The schedule is unchanged: at 15 minutes all three are due, step 0.
			pe.advance(10 * time.Minute)
			due, err := pe.store.DueMetrics(ctx, pe.clock.Now(), 0)
			if err != nil || len(due) != 3 || due[0].Step != 0 {
				t.Fatalf("due at 15 minutes after poll now: %+v (%v); want the 3 first readings", due, err)
			}
		})
	}
}

// TestPollNowAnswersTheQueuedTask: when the sweep has queued the account's
// reads already, a request leaves them and answers their time.
func TestPollNowAnswersTheQueuedTask(t *testing.T) {
	pe := newPollEnv(t, 2)
	ctx := context.Background()
	rdb := redisBackends(t)["miniredis"](t)
	pe.poller.Client = asynq.NewClientFromRedisClient(rdb)
	pe.poller.Inspector = asynq.NewInspectorFromRedisClient(rdb)
	pe.poller.Spread = time.Hour // the sweep's task starts within the hour
	pe.advance(15 * time.Minute)
	if accounts, _, err := pe.poller.Sweep(ctx); err != nil || accounts != 1 {
		t.Fatalf("sweep: %d accounts, %v", accounts, err)
	}
	info, err := pe.poller.Inspector.GetTaskInfo(worker.MetricsQueue, worker.PollTaskID(pe.acct.ID))
	if err != nil {
		t.Fatal(err)
	}
	runsAt, wait, err := worker.NewPollRequests(rdb, pe.clock).PollNow(ctx, pe.acct)
	if err != nil || wait != 0 {
		t.Fatalf("poll now: wait %s, %v", wait, err)
	}
	want := pe.clock.Now()
	if info.NextProcessAt.After(want) {
		want = info.NextProcessAt
	}
	if !runsAt.Equal(want) {
		t.Fatalf("poll now runs at %s, want the queued task's %s", runsAt, want)
	}
	again, _ := pe.poller.Inspector.GetTaskInfo(worker.MetricsQueue, worker.PollTaskID(pe.acct.ID))
	var pl worker.PollAccountPayload
	if json.Unmarshal(again.Payload, &pl); pl.Now || len(pl.Due) != 2 {
		t.Fatalf("the queued task was replaced: %s", again.Payload)
	}
}

// TestPollNowAfterTheNetworksWait: where the network asked rythme to wait
// on the account (a 429), the reads are queued for after the wait.
func TestPollNowAfterTheNetworksWait(t *testing.T) {
	pe := newPollEnv(t, 1)
	ctx := context.Background()
	rdb := redisBackends(t)["miniredis"](t)
	if err := worker.NewLimits(rdb).Block(ctx, pe.acct.Network, pe.acct.ID, 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	runsAt, wait, err := worker.NewPollRequests(rdb, pe.clock).PollNow(ctx, pe.acct)
	if err != nil || wait != 0 {
		t.Fatalf("poll now: wait %s, %v", wait, err)
	}
	if d := runsAt.Sub(pe.clock.Now()); d <= time.Minute || d > 2*time.Minute {
		t.Fatalf("runs %s after now, want after the network's 2-minute wait", d)
	}
	// The task is queued (asynq holds it until then by the real clock; the
	// test's clock is in the past, so it is pending at once here).
	if _, err := asynq.NewInspectorFromRedisClient(rdb).GetTaskInfo(worker.MetricsQueue, worker.PollTaskID(pe.acct.ID)); err != nil {
		t.Fatalf("no task queued: %v", err)
	}
}
