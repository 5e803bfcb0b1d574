package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rythmehq/rythme"
)

// Queue puts publish tasks on asynq and records in the store which
// versions have a task. It implements api.Queue.
type Queue struct {
	enq     *enqueuer
	client  *asynq.Client
	store   rythme.Store
	horizon time.Duration
	clock   Clock
}

// NewQueue returns a queue that enqueues targets due within horizon and
// leaves later ones to the reconciler (Redis then holds only the near
// future, whatever the size of the calendar).
func NewQueue(client *asynq.Client, store rythme.Store, horizon time.Duration, clock Clock) *Queue {
	if clock == nil {
		clock = RealClock
	}
	return &Queue{client: client, store: store, horizon: horizon, clock: clock}
}

// WithInspector lets the queue revive publish task ids held by archived
// tasks (see enqueuer); without it a conflict always means "queued".
func (q *Queue) WithInspector(i *asynq.Inspector) *Queue {
	q.enq = &enqueuer{client: q.client, inspector: i}
	return q
}

// EnqueuePublish enqueues one task per ref (a task id conflict means it
// already has one) and marks them queued. Refs due beyond the horizon are
// skipped. It returns the first error; refs enqueued before it are marked.
func (q *Queue) EnqueuePublish(ctx context.Context, refs []rythme.TargetRef) error {
	until := q.clock.Now().Add(q.horizon)
	queued := make([]rythme.TargetRef, 0, len(refs))
	var firstErr error
	for _, ref := range refs {
		if ref.ScheduledAt.After(until) {
			continue
		}
		task, err := NewPublishTask(ref)
		if err == nil {
			if q.enq != nil {
				_, err = q.enq.enqueue(ctx, task, QueueName(ref.Network), PublishTaskID(ref.ID, ref.Version))
			} else {
				_, err = q.client.EnqueueContext(ctx, task)
			}
		}
		if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
			firstErr = fmt.Errorf("worker: enqueue %s: %w", ref.ID, err)
			break
		}
		queued = append(queued, ref)
	}
	if len(queued) > 0 {
		if err := q.store.MarkQueued(ctx, queued); err != nil && firstErr == nil {
			firstErr = fmt.Errorf("worker: mark queued: %w", err)
		}
	}
	return firstErr
}
