package worker

import (
	"context"
	"errors"

	"github.com/hibiken/asynq"
)

// enqueuer puts tasks with fixed ids on asynq, reviving an id held by an
// archived task.
//
// asynq keeps an archived task (retries exhausted, or its worker died on
// its last try) under its id for months, and refuses any new task with that
// id. A fixed-id sweep archived once would then never run again on any
// worker, and a publish task archived after repeated worker deaths could
// never be queued again: the chaos suite found the first (docs/reliability.md).
// A task id conflict therefore means "already queued" only when the task
// holding the id is alive (pending, scheduled, active, retry); an archived
// one is deleted and the new task enqueued in its place.
type enqueuer struct {
	client    *asynq.Client
	inspector *asynq.Inspector
}

// enqueue reports whether the task is on the queue (enqueued now, or
// already there alive).
func (e *enqueuer) enqueue(ctx context.Context, task *asynq.Task, queue, id string) error {
	_, err := e.client.EnqueueContext(ctx, task)
	if !errors.Is(err, asynq.ErrTaskIDConflict) {
		return err
	}
	info, ierr := e.inspector.GetTaskInfo(queue, id)
	if ierr != nil || info.State != asynq.TaskStateArchived {
		return nil // alive (or gone since: the next sweep sees it)
	}
	if derr := e.inspector.DeleteTask(queue, id); derr != nil && !errors.Is(derr, asynq.ErrTaskNotFound) {
		return derr
	}
	_, err = e.client.EnqueueContext(ctx, task)
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return nil // another worker revived it first
	}
	return err
}
