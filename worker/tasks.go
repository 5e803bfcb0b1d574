// Package worker runs rythme's background work on asynq: the post:publish
// task that publishes one target through its network's connector, the
// reconciler that puts back on the queue whatever the store says is due
// (so that wiping Redis loses nothing), and the per-network queues.
//
// The SQL store is the system of record; this package only ever moves a
// target through the store's compare-and-set transitions, so that a post is
// never published early, never twice, and never lost. It must never
// publish a target it has not claimed, nor re-send blind a post whose
// outcome is unknown.
package worker

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rythmehq/rythme"
)

// Task types. Once shipped they never change: tasks already in Redis
// carry them.
const (
	TypePublish   = "post:publish"
	TypeReconcile = "sweep:reconcile"
)

// SystemQueue runs the sweeps; every network has a queue of its own.
const SystemQueue = "system"

// A network's publish tasks are spread over PublishShards queues by target
// id: asynq removes a finished task from its queue's list of active tasks
// by scanning that list (LREM), so with 10,000 tasks staged in one list
// the top of the hour cost Redis 10,000 scans of 10,000 entries, about a
// second of its time; over four lists, a quarter of that. Each of a
// network's servers takes from every shard, its own first (Worker.Run).
const PublishShards = 4

// QueueName is the asynq queue of a network's publish tasks in shard 0,
// the name every task had before the shards (those still in Redis are
// served as they were).
func QueueName(network string) string { return "publish." + network }

// ShardQueue is the asynq queue of shard i (0 ≤ i < PublishShards) of a
// network's publish tasks.
func ShardQueue(network string, i int) string {
	if i == 0 {
		return QueueName(network)
	}
	return QueueName(network) + "." + strconv.Itoa(i)
}

// PublishQueues are every shard's queue of a network's publish tasks.
func PublishQueues(network string) []string {
	out := make([]string, PublishShards)
	for i := range out {
		out[i] = ShardQueue(network, i)
	}
	return out
}

// PublishQueue is the asynq queue of a target's publish tasks: every
// version of a target in the same shard, so that its task ids stay unique
// there.
func PublishQueue(network, targetID string) string {
	h := fnv.New32a()
	h.Write([]byte(targetID))
	return ShardQueue(network, int(h.Sum32()%PublishShards))
}

// PublishPayload is the payload of a post:publish task.
type PublishPayload struct {
	TargetID string `json:"target_id"`
	Version  int    `json:"version"`
}

// PublishTaskID is the task id of a target's version: one task at most per
// version, so enqueueing twice is harmless.
func PublishTaskID(targetID string, version int) string {
	return fmt.Sprintf("publish:%s:%d", targetID, version)
}

// MaxPublishRetries bounds retries of retryable failures (rate limits
// do not count): about a day with the backoff of retryDelay.
const MaxPublishRetries = 20

// NewPublishTask returns the task for ref, due at its scheduled time on
// its network's queue.
//
// The task is handed to a worker stageAhead before the target is due
// (never before now): the handler holds it until its second (see
// DefaultStageAhead).
func NewPublishTask(ref rythme.TargetRef, stageAhead time.Duration) (*asynq.Task, error) {
	b, err := json.Marshal(PublishPayload{TargetID: ref.ID, Version: ref.Version})
	if err != nil {
		return nil, fmt.Errorf("worker: publish payload: %w", err)
	}
	return asynq.NewTask(TypePublish, b,
		asynq.TaskID(PublishTaskID(ref.ID, ref.Version)),
		asynq.Queue(PublishQueue(ref.Network, ref.ID)),
		asynq.ProcessAt(ref.ScheduledAt.Add(-max(stageAhead, 0))),
		asynq.MaxRetry(MaxPublishRetries),
		// asynq's own lease is renewed while the handler runs; this bounds a
		// handler that hangs (a publish may take minutes for a video).
		asynq.Timeout(8*time.Minute),
	), nil
}

// NewReconcileTask returns the sweep task. Its fixed id makes it run once
// at a time whatever the number of workers that ask for it.
func NewReconcileTask() *asynq.Task {
	return sweepTask(TypeReconcile, "sweep:reconcile", 5*time.Minute)
}

// sweepTask is a periodic sweep: on the system queue, never retried (the
// next tick is the retry), bounded by timeout, and run once at a time
// across workers by its fixed id — an id that never changes once shipped.
func sweepTask(typ, id string, timeout time.Duration) *asynq.Task {
	return asynq.NewTask(typ, nil, asynq.TaskID(id), asynq.Queue(SystemQueue), asynq.MaxRetry(0), asynq.Timeout(timeout))
}
