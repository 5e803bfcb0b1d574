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

// QueueName is the asynq queue of a network's publish tasks.
func QueueName(network string) string { return "publish." + network }

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
		asynq.Queue(QueueName(ref.Network)),
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
