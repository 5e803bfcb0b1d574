package worker

// RetryDelay and IsFailure expose asynq's retry hooks to the tests.
var (
	RetryDelay = retryDelay
	IsFailure  = isFailure
)
