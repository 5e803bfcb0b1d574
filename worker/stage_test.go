package worker_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/sqlstore/storetest"
	"github.com/rythmehq/rythme/worker"
)

// Staged tasks: a worker holds a publish task before its due time (asynq
// shows it active), claims it ClaimAhead before it, publishes it not
// before its second, once; a worker
// that stops while holding tasks gives them back to Redis without counting
// a failed attempt, and the next worker publishes them on time.
func TestStagedTasksWaitForTheirSecond(t *testing.T) {
	rdb := redisBackends(t)["redis"](t)
	e := newEnv(t, storetest.SQLite(t))
	var mu sync.Mutex
	reached := map[string]time.Time{} // when each target reached the network
	at := func(id string) time.Time {
		mu.Lock()
		defer mu.Unlock()
		return reached[id]
	}
	e.conn.publish = func(_ context.Context, _ *rythme.Account, _ *http.Client, req connectors.PublishRequest) (*connectors.Published, error) {
		mu.Lock()
		reached[req.IdempotencyKey] = time.Now()
		mu.Unlock()
		return &connectors.Published{ExternalID: "ext-" + req.IdempotencyKey}, nil
	}
	newWorker := func() (*worker.Worker, func()) {
		w, err := worker.New(worker.Config{Redis: rdb, Store: e.store, Connectors: e.reg, Logger: quiet,
			StageAhead: 10 * time.Second, PollInterval: 50 * time.Millisecond, ShutdownTimeout: 30 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		return w, func() { cancel(); <-done }
	}
	insp := asynq.NewInspectorFromRedisClient(rdb)
	active := func() int { // over every shard
		n := 0
		for i := range worker.PublishShards {
			if tasks, err := insp.ListActiveTasks(worker.ShardQueue("fake", i)); err == nil {
				n += len(tasks)
			}
		}
		return n
	}

	w, stop := newWorker()
	due := time.Now().Add(4 * time.Second)
	var posts []*rythme.Post
	for range 3 {
		posts = append(posts, e.post(t, "held until due", due))
	}
	if err := w.Queue().EnqueuePublish(context.Background(), refsOf(posts)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, func() bool { return active() == 3 })
	if time.Now().After(due) {
		t.Fatal("the tasks became active only after their due time: the test machine is too slow to tell")
	}
	if n := len(e.conn.calls()); n != 0 {
		t.Fatalf("%d calls before the due time", n)
	}
	// Claimed ClaimAhead (by default 2 s) before due; the calls still wait
	// for it.
	claimed := func() bool {
		for _, p := range posts {
			if e.target(t, p.Targets[0].ID).Status != rythme.TargetPublishing {
				return false
			}
		}
		return true
	}
	waitFor(t, 5*time.Second, func() bool { return claimed() || time.Now().After(due) })
	if !time.Now().Before(due) {
		t.Fatalf("the targets were not all claimed before their due time (want %s before it)", worker.DefaultClaimAhead)
	}
	if n, now := len(e.conn.calls()), time.Now(); n != 0 && now.Before(due) {
		t.Fatalf("%d calls %s before the due time, once claimed", n, due.Sub(now))
	}
	waitFor(t, 15*time.Second, func() bool { return len(e.conn.calls()) == 3 })
	for _, p := range posts {
		id := p.Targets[0].ID
		if got := at(id); got.Before(due) {
			t.Errorf("target %s reached the network %s early", id, due.Sub(got))
		}
	}

	// Held when the worker stops: back to Redis, no attempt counted.
	due2 := time.Now().Add(5 * time.Second)
	held := e.post(t, "held across a restart", due2)
	if err := w.Queue().EnqueuePublish(context.Background(), refsOf([]*rythme.Post{held})); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, func() bool { return active() == 1 })
	stopped := time.Now()
	stop()
	if time.Now().After(due2) {
		t.Fatalf("stopping took %s: the held task was not given back at once", time.Since(stopped))
	}
	id := held.Targets[0].ID
	info, err := insp.GetTaskInfo(worker.PublishQueue("fake", id), worker.PublishTaskID(id, 1))
	if err != nil {
		t.Fatalf("the held task is not in Redis after the stop: %v", err)
	}
	if info.State == asynq.TaskStateActive || info.State == asynq.TaskStateArchived || info.Retried != 0 {
		t.Fatalf("held task after the stop: %s, retried %d; want waiting, no attempt counted", info.State, info.Retried)
	}
	_, stop = newWorker()
	defer stop()
	waitFor(t, 15*time.Second, func() bool { return e.target(t, id).Status == rythme.TargetPublished })
	if got := at(id); got.Before(due2) {
		t.Errorf("published %s early after the restart", due2.Sub(got))
	}
	if n := len(e.conn.calls()); n != 4 {
		t.Errorf("%d calls, want 4: each post once", n)
	}
	if tg := e.target(t, id); tg.Attempts != 1 {
		t.Errorf("%d attempts, want 1", tg.Attempts)
	}
}

func refsOf(posts []*rythme.Post) []rythme.TargetRef {
	var out []rythme.TargetRef
	for _, p := range posts {
		for _, tg := range p.Targets {
			out = append(out, rythme.TargetRef{ID: tg.ID, Version: tg.Version, Network: tg.Network, ScheduledAt: tg.ScheduledAt})
		}
	}
	return out
}
