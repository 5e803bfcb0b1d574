package worker

import (
	"context"

	"github.com/hibiken/asynq"
)

// RetryDelay and IsFailure expose asynq's retry hooks to the tests.
var (
	RetryDelay = retryDelay
	IsFailure  = isFailure
)

// EnqueueReviving exposes the enqueuer the sweeps go through.
func EnqueueReviving(client *asynq.Client, insp *asynq.Inspector, task *asynq.Task, queue, id string) error {
	_, err := (&enqueuer{client: client, inspector: insp}).enqueue(context.Background(), task, queue, id)
	return err
}
