package meta

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/rythmehq/rythme/connectors"
)

// Container states of Instagram's status_code
// (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-container)
// and Threads' status
// (https://developers.facebook.com/docs/threads/troubleshooting#publishing-does-not-return-a-media-id).
const (
	StatusFinished   = "FINISHED"
	StatusInProgress = "IN_PROGRESS"
	StatusError      = "ERROR"
	StatusExpired    = "EXPIRED"
	StatusPublished  = "PUBLISHED"
)

// Waiter polls a media container until it can be published.
type Waiter struct {
	Client *http.Client
	Now    func() time.Time
	Sleep  func(ctx context.Context, d time.Duration) error
	// MaxWait bounds the whole wait; the context's deadline, less
	// PublishReserve, bounds it too.
	MaxWait time.Duration
}

// PublishReserve is the time kept, out of the caller's deadline, for the
// publish call after the wait.
const PublishReserve = 5 * time.Second

// Wait reads u?fields=<fields> until the container's status (status_code,
// else status) is FINISHED, checking after 1, 2, 4… seconds (at most 15
// apart). ERROR and EXPIRED are Permanent, with the network's words; a
// container still in progress when the wait ends is Retryable (nothing
// was published; a retry makes a new container). Errors of the status
// call keep their kind, except Unknown, which is Retryable here: reading a
// status publishes nothing.
func (w Waiter) Wait(ctx context.Context, u, fields string) error {
	start := w.Now()
	deadline := start.Add(w.MaxWait)
	if d, ok := ctx.Deadline(); ok && d.Add(-PublishReserve).Before(deadline) {
		// The context deadline is on the wall clock; measure what is left.
		deadline = start.Add(time.Until(d) - PublishReserve)
	}
	delay := time.Second
	for {
		var st struct {
			StatusCode   string `json:"status_code"`
			Status       string `json:"status"`
			ErrorMessage string `json:"error_message"`
		}
		err := Get(ctx, w.Client, u, url.Values{"fields": {fields}}, w.Now, &st)
		if ce, ok := connectors.AsError(err); ok && ce.Kind == connectors.Unknown {
			ce.Kind = connectors.Retryable
			return ce
		} else if err != nil {
			return err
		}
		state, msg := st.StatusCode, st.Status
		if state == "" {
			state, msg = st.Status, st.ErrorMessage
		}
		if st.ErrorMessage != "" {
			msg = st.ErrorMessage
		}
		switch state {
		case StatusFinished:
			return nil
		case StatusError, StatusExpired:
			if msg == "" || msg == state {
				msg = "the media could not be processed"
			}
			return &connectors.Error{Kind: connectors.Permanent, Message: "the network refused the media (" + state + "): " + msg}
		case StatusPublished:
			return &connectors.Error{Kind: connectors.Permanent, Message: "the media container was already published"}
		}
		if !w.Now().Add(delay).Before(deadline) {
			return &connectors.Error{Kind: connectors.Retryable, Message: "the network is still processing the media (" + state + "); try again later"}
		}
		if err := w.Sleep(ctx, delay); err != nil {
			return &connectors.Error{Kind: connectors.Retryable, Message: "stopped waiting for the media to be processed", Err: err}
		}
		delay = min(delay*2, 15*time.Second)
	}
}
