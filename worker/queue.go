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
	store   QueueStore
	horizon time.Duration
	clock   Clock
	// stage is how long before its due time a task reaches a worker.
	stage time.Duration
}

// DefaultStageAhead is how long before its post is due a publish task is
// handed to a worker, which holds it until the second it is due. asynq
// hands tasks over one Redis round trip at a time (some 1,000 a second on
// two cores): 10,000 posts due at 09:00:00 would otherwise leave Redis over
// ten seconds after 09:00:00; staged, they are held by 09:00:00 and wait
// only for their network calls. A held task keeps its slot of the queue's
// concurrency; the claim at the due time (compare-and-set) still decides,
// so an edit or a cancel meanwhile wins as before.
const DefaultStageAhead = 20 * time.Second

// DefaultClaimAhead is how long before its due time a staged task claims
// its target (PublishHandler.ClaimAhead): at the top of the hour the
// claims of thousands of posts then run in the seconds before it, not
// between the due time and the network calls.
const DefaultClaimAhead = 2 * time.Second

// NewQueue returns a queue that enqueues targets due within horizon and
// leaves later ones to the reconciler (Redis then holds only the near
// future, whatever the size of the calendar).
func NewQueue(client *asynq.Client, store QueueStore, horizon time.Duration, clock Clock) *Queue {
	if clock == nil {
		clock = RealClock
	}
	return &Queue{client: client, store: store, horizon: horizon, clock: clock, stage: DefaultStageAhead}
}

// WithStageAhead sets how long before their due time tasks reach a worker
// (0: at the due time).
func (q *Queue) WithStageAhead(d time.Duration) *Queue {
	q.stage = max(d, 0)
	return q
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
		task, err := NewPublishTask(ref, q.stage)
		if err == nil {
			if q.enq != nil {
				_, err = q.enq.enqueue(ctx, task, PublishQueue(ref.Network, ref.ID), PublishTaskID(ref.ID, ref.Version))
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
