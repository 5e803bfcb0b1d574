package worker_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore/storetest"
	"github.com/rythmehq/rythme/worker"
)

// TestWipedRedisLosesNothing runs real asynq servers: posts come due while
// Redis is wiped (FLUSHALL) and every one is still published, once.
func TestWipedRedisLosesNothing(t *testing.T) {
	for name, newRedis := range redisBackends(t) {
		t.Run(name, func(t *testing.T) {
			rdb := newRedis(t)
			e := newEnv(t, storetest.SQLite(t))
			w, err := worker.New(worker.Config{Redis: rdb, Store: e.store, Connectors: e.reg, Logger: quiet,
				ReconcileInterval: 200 * time.Millisecond, PollInterval: 50 * time.Millisecond, ShutdownTimeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			// Posts stored but never enqueued (as if Redis had been down when
			// they were made), due over the next two seconds.
			start := time.Now()
			var ids []string
			for i := range 30 {
				p := e.post(t, fmt.Sprintf("post %d", i), start.Add(time.Duration(i)*70*time.Millisecond))
				ids = append(ids, p.Targets[0].ID)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- w.Run(ctx) }()
			defer func() { cancel(); <-done }()

			time.Sleep(600 * time.Millisecond)
			if err := wipe(rdb); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 15*time.Second, func() bool { return len(e.conn.calls()) >= len(ids) })
			// Every outcome recorded (on a busy machine that can take a
			// while after the last call), then room for a duplicate.
			waitFor(t, 15*time.Second, func() bool {
				for _, id := range ids {
					if e.target(t, id).Status == rythme.TargetPublishing {
						return false
					}
				}
				return true
			})
			time.Sleep(500 * time.Millisecond)

			count := map[string]int{}
			for _, c := range e.conn.calls() {
				count[c.IdempotencyKey]++
			}
			for _, id := range ids {
				if count[id] != 1 {
					t.Errorf("target %s published %d times, want 1", id, count[id])
				}
				tg := e.target(t, id)
				if tg.Status != rythme.TargetPublished {
					t.Errorf("target %s is %s", id, tg.Status)
				} else if tg.PublishedAt.Before(tg.ScheduledAt) {
					t.Errorf("target %s published %s early", id, tg.ScheduledAt.Sub(*tg.PublishedAt))
				}
			}
		})
	}
}

// wipe empties the test's Redis as a restart without persistence would:
// its own DB on a shared server (FLUSHALL there would wipe the queues of
// the packages tested beside this one), every node of a cluster.
func wipe(rdb redis.UniversalClient) error {
	ctx := context.Background()
	if c, ok := rdb.(*redis.ClusterClient); ok {
		return c.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error { return n.FlushAll(ctx).Err() })
	}
	return rdb.FlushDB(ctx).Err()
}

func TestExpiredLeaseIsRequeuedOnlyWhereRetryIsSafe(t *testing.T) {
	t.Parallel()
	for _, idempotent := range []bool{true, false} {
		t.Run(fmt.Sprintf("idempotent=%v", idempotent), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, storetest.SQLite(t))
			e.conn.idempotent = idempotent
			rdb := redisBackends(t)["miniredis"](t)
			q := worker.NewQueue(asynq.NewClientFromRedisClient(rdb), e.store, time.Hour, e.clock)
			r := &worker.Reconciler{Store: e.store, Queue: q, Redis: rdb, Connectors: e.reg, Clock: e.clock, Logger: quiet,
				Horizon: time.Hour, Batch: 100, FullLimit: 1000}
			p := e.post(t, "stuck", e.clock.Now())
			tg := p.Targets[0]
			now := e.clock.Now()
			// A worker claims the target, publishes its first part, and dies.
			if _, err := e.store.ClaimTarget(context.Background(), tg.ID, 1, now, now.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			part := rythme.TargetPart{Index: 0, ExternalID: "ext-1", URL: "https://fake.test/1", PublishedAt: now}
			if err := e.store.SaveTargetPart(context.Background(), tg.ID, part); err != nil {
				t.Fatal(err)
			}
			if st, err := r.Run(context.Background(), false); err != nil || st.Requeued+st.Unconfirmed != 0 {
				t.Fatalf("sweep within the lease: %+v %v; want nothing resolved", st, err)
			}
			e.clock.Set(now.Add(2 * time.Minute))
			st, err := r.Run(context.Background(), false)
			if err != nil {
				t.Fatal(err)
			}
			got := e.target(t, tg.ID)
			if idempotent {
				if st.Requeued != 1 || got.Status != rythme.TargetScheduled || got.Version != 2 {
					t.Fatalf("stats %+v, target %s v%d; want re-queued at v2", st, got.Status, got.Version)
				}
				info, err := asynq.NewInspectorFromRedisClient(rdb).GetTaskInfo(worker.PublishQueue("fake", tg.ID), worker.PublishTaskID(tg.ID, 2))
				if err != nil || info == nil {
					t.Fatalf("no task for the new version: %v", err)
				}
			} else if st.Unconfirmed != 1 || got.Status != rythme.TargetUnconfirmed {
				t.Fatalf("stats %+v, target %s; want unconfirmed", st, got.Status)
			}
			// Either way the person sees the part out, in the target and
			// in the post's history.
			if !strings.Contains(got.LastError, "part 1 out (https://fake.test/1)") || len(got.Parts) != 1 {
				t.Errorf("target %q with parts %+v: want the part out listed", got.LastError, got.Parts)
			}
			if h := e.history(t, p.ID); !strings.Contains(h, "the worker stopped while publishing the thread") {
				t.Errorf("history %q", h)
			}
		})
	}
}

func TestReconcilerEnqueuesWithinTheHorizonOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	rdb := redisBackends(t)["miniredis"](t)
	q := worker.NewQueue(asynq.NewClientFromRedisClient(rdb), e.store, time.Hour, e.clock)
	r := &worker.Reconciler{Store: e.store, Queue: q, Redis: rdb, Connectors: e.reg, Clock: e.clock, Logger: quiet,
		Horizon: time.Hour, Batch: 2, FullLimit: 1000}
	soon := []*rythme.Post{e.post(t, "a", e.clock.Now().Add(time.Minute)), e.post(t, "b", e.clock.Now().Add(2*time.Minute)),
		e.post(t, "c", e.clock.Now().Add(3*time.Minute))}
	far := e.post(t, "far", e.clock.Now().Add(48*time.Hour))

	st, err := r.Run(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Full {
		t.Fatal("the first sweep on an empty Redis must be full (no epoch)")
	}
	insp := asynq.NewInspectorFromRedisClient(rdb)
	for _, p := range soon {
		if _, err := insp.GetTaskInfo(worker.PublishQueue("fake", p.Targets[0].ID), worker.PublishTaskID(p.Targets[0].ID, 1)); err != nil {
			t.Errorf("post %q due within the horizon has no task: %v", p.Content, err)
		}
	}
	if _, err := insp.GetTaskInfo(worker.PublishQueue("fake", far.Targets[0].ID), worker.PublishTaskID(far.Targets[0].ID, 1)); err == nil {
		t.Error("a post due in 48h was queued; Redis should hold only the horizon")
	}
	// Later sweeps only look at what is not queued yet.
	st, err = r.Run(context.Background(), false)
	if err != nil || st.Full || st.Enqueued != 0 {
		t.Fatalf("second sweep: %+v %v; want nothing to enqueue", st, err)
	}
	// When the far post comes within the horizon it is queued.
	e.clock.Set(e.clock.Now().Add(47*time.Hour + 30*time.Minute))
	if st, err = r.Run(context.Background(), false); err != nil || st.Enqueued != 1 {
		t.Fatalf("sweep 47.5h later: %+v %v; want the far post enqueued", st, err)
	}
}

func waitFor(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
