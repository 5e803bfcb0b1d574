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

// enqueue puts the task on the queue unless a live task holds its id. A
// nil error means the task is on the queue; added says whether this call
// put it there (false: it was already there, alive). Without an inspector
// a conflict always means "already there".
func (e *enqueuer) enqueue(ctx context.Context, task *asynq.Task, queue, id string) (added bool, err error) {
	_, err = e.client.EnqueueContext(ctx, task)
	if !errors.Is(err, asynq.ErrTaskIDConflict) {
		return err == nil, err
	}
	if e.inspector == nil {
		return false, nil
	}
	info, ierr := e.inspector.GetTaskInfo(queue, id)
	if ierr != nil || info.State != asynq.TaskStateArchived {
		return false, nil // alive (or gone since: the next sweep sees it)
	}
	if derr := e.inspector.DeleteTask(queue, id); derr != nil && !errors.Is(derr, asynq.ErrTaskNotFound) {
		return false, derr
	}
	_, err = e.client.EnqueueContext(ctx, task)
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return false, nil // another worker revived it first
	}
	return err == nil, err
}
