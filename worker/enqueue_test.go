package worker_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore/storetest"
	"github.com/rythmehq/rythme/worker"
)

// An archived task keeps its id in asynq for months. The chaos suite found
// that a sweep archived once (its worker killed on its last try) then
// blocked every later sweep on every worker; these pin the fix.
func TestArchivedSweepIsRevived(t *testing.T) {
	t.Parallel()
	rdb := redisBackends(t)["miniredis"](t)
	client := asynq.NewClientFromRedisClient(rdb)
	insp := asynq.NewInspectorFromRedisClient(rdb)
	const id = "sweep:reconcile"

	if err := worker.EnqueueReviving(client, insp, worker.NewReconcileTask(), worker.SystemQueue, id); err != nil {
		t.Fatal(err)
	}
	// A second ask while the first is alive is a no-op, not an error.
	if err := worker.EnqueueReviving(client, insp, worker.NewReconcileTask(), worker.SystemQueue, id); err != nil {
		t.Fatalf("asking again while pending: %v", err)
	}
	if err := insp.ArchiveTask(worker.SystemQueue, id); err != nil {
		t.Fatal(err)
	}
	// What a plain enqueue does with the archived id: refuses it.
	if _, err := client.Enqueue(worker.NewReconcileTask()); err == nil {
		t.Fatal("asynq accepted a task over an archived id; the enqueuer would be unnecessary")
	}
	if err := worker.EnqueueReviving(client, insp, worker.NewReconcileTask(), worker.SystemQueue, id); err != nil {
		t.Fatal(err)
	}
	info, err := insp.GetTaskInfo(worker.SystemQueue, id)
	if err != nil {
		t.Fatal(err)
	}
	if info.State != asynq.TaskStatePending {
		t.Fatalf("sweep state after asking again = %v; want pending", info.State)
	}
}

func TestArchivedPublishTaskIsRevived(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	rdb := redisBackends(t)["miniredis"](t)
	client := asynq.NewClientFromRedisClient(rdb)
	insp := asynq.NewInspectorFromRedisClient(rdb)
	q := worker.NewQueue(client, e.store, time.Hour, e.clock).WithInspector(insp)
	p := e.post(t, "a", e.clock.Now().Add(time.Minute))
	tg := p.Targets[0]
	ref := rythme.TargetRef{ID: tg.ID, Version: 1, Network: "fake", ScheduledAt: e.clock.Now().Add(time.Minute)}
	queue, id := worker.PublishQueue("fake", tg.ID), worker.PublishTaskID(tg.ID, 1)

	if err := q.EnqueuePublish(context.Background(), []rythme.TargetRef{ref}); err != nil {
		t.Fatal(err)
	}
	if err := insp.ArchiveTask(queue, id); err != nil {
		t.Fatal(err)
	}
	if err := q.EnqueuePublish(context.Background(), []rythme.TargetRef{ref}); err != nil {
		t.Fatal(err)
	}
	info, err := insp.GetTaskInfo(queue, id)
	if err != nil {
		t.Fatal(err)
	}
	if info.State == asynq.TaskStateArchived {
		t.Fatal("the publish task is still archived after the reconciler asked for it again")
	}
}

// A network's publish tasks spread over its shards, each target's versions
// in one (its task ids stay unique there); shard 0 keeps the name every
// task had before the shards.
func TestPublishQueueShards(t *testing.T) {
	if worker.ShardQueue("mastodon", 0) != worker.QueueName("mastodon") || worker.ShardQueue("mastodon", 3) != "publish.mastodon.3" {
		t.Fatalf("shard names: %q, %q", worker.ShardQueue("mastodon", 0), worker.ShardQueue("mastodon", 3))
	}
	count := map[string]int{}
	for i := range 4000 {
		id := fmt.Sprintf("tgt_%06d", i)
		q := worker.PublishQueue("mastodon", id)
		if q != worker.PublishQueue("mastodon", id) {
			t.Fatalf("target %s: not one queue", id)
		}
		count[q]++
	}
	if len(count) != worker.PublishShards {
		t.Fatalf("%d queues used, want %d: %v", len(count), worker.PublishShards, count)
	}
	for q, n := range count {
		if n < 4000/worker.PublishShards*3/4 {
			t.Errorf("queue %s has %d of 4000 targets: the spread is uneven (%v)", q, n, count)
		}
	}
}
