package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/media"
	"github.com/rythmehq/rythme/telemetry"
)

// Clock is the time as the worker sees it; tests stub it.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx is done.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// RealClock is the wall clock.
var RealClock Clock = realClock{}

// PublishHandler handles post:publish: it waits out any early delivery,
// claims the target by compare-and-set, calls the connector, and records
// the outcome by kind (DESIGN.md, "Errors from connectors").
type PublishHandler struct {
	Store      PublishStore
	Connectors *connectors.Registry
	HTTPClient *http.Client // base client for network calls
	Clock      Clock
	Metrics    *telemetry.Metrics // may be nil
	Logger     *slog.Logger
	// Lease is how long a claimed target stays publishing before the
	// reconciler may resolve it; far longer than a network call may take.
	Lease time.Duration
	// PublishTimeout bounds one network call (connectors.DefaultTimeout).
	PublishTimeout time.Duration
	// RedirectURI is the OAuth redirect URI the accounts were connected
	// with (the client registration is looked up by it).
	RedirectURI func(network string) string
	// Apps stores OAuth client registrations (the store).
	Apps connectors.Apps
	// Redis holds the per-account refresh lock (nil: no lock, one process).
	Redis redis.UniversalClient
	// Limits shares the networks' rate limits between workers (nil: none).
	Limits *Limits
	// Notifier emits events to the workspace's webhooks (nil: none).
	Notifier *Notifier
	// Media holds the posts' files, MediaSigner signs the links networks
	// fetch them through, on the API at PublicURL.
	Media       *media.Dir
	MediaSigner *media.Signer
	PublicURL   string
	// Batches, when set, write claims and outcomes together with those of
	// the handlers running at the same time (nil: one statement each).
	Batches *Batches
	// InFlight, when set, bounds the network calls in flight per network,
	// adapting the bound to what the calls show (nil: no bound but the
	// queue's concurrency).
	InFlight *NetworkLimits
	// StageAhead is how long before its due time a task may be handed over
	// (Queue.WithStageAhead): the handler holds it until due.
	StageAhead time.Duration
	// ClaimAhead is how long before its due time a staged task claims its
	// target and readies the call (token, media links): at the top of the
	// hour the claims' statements then run in the second before it, and
	// only the network calls are left at it. The call itself still waits
	// for the due time. 0: claimed at the due time.
	ClaimAhead time.Duration

	// stopping ends when the worker stops (nil: never); stopNow ends it.
	stopping context.Context
	stopNow  context.CancelFunc
}

// stop makes held (staged) tasks go back to Redis, to come due on another
// worker or on this one's next start.
func (h *PublishHandler) stop() {
	if h.stopNow != nil {
		h.stopNow()
	}
}

// mediaLinkTTL is how long a network may take to fetch a post's media.
const mediaLinkTTL = 24 * time.Hour

// mediaFor returns the post's files as a connector takes them; a file
// that is gone fails the post (Permanent).
func (h *PublishHandler) mediaFor(ctx context.Context, t *rythme.Target) ([]connectors.Media, error) {
	if len(t.Media) == 0 || len(t.Parts) > 0 { // the media went with part 0
		return nil, nil
	}
	if h.Media == nil || h.MediaSigner == nil {
		return nil, connectors.Errorf(connectors.Permanent, "this worker has no media directory configured")
	}
	out := make([]connectors.Media, 0, len(t.Media))
	for _, id := range t.Media {
		m, err := h.Store.MediaByID(ctx, id)
		if rythme.ErrorCode(err) == rythme.ENOTFOUND {
			return nil, connectors.Errorf(connectors.Permanent, "the post's file %s no longer exists", id)
		} else if err != nil {
			return nil, err
		}
		out = append(out, connectors.Media{ID: m.ID, ContentType: m.ContentType, Size: m.Size, AltText: m.AltText,
			URL:  h.MediaSigner.URL(h.PublicURL, m.ID, h.Clock.Now().Add(mediaLinkTTL)),
			Open: func() (io.ReadCloser, error) { return h.Media.Open(m.ID) }})
	}
	return out, nil
}

// earlySlack is how much earlier than StageAhead a task may be handed
// over and still be held: asynq is early by at most a second, so more
// means a clock moved (the task goes back until due).
const earlySlack = 5 * time.Second

// notYetError asks asynq to run the task again at a later time, without
// counting a failed attempt.
type notYetError struct{ wait time.Duration }

func (e *notYetError) Error() string { return fmt.Sprintf("not due for another %s", e.wait) }

// rateLimitedError asks asynq to retry after the network's own delay,
// without counting a failed attempt.
type rateLimitedError struct {
	wait time.Duration
	err  error
}

func (e *rateLimitedError) Error() string { return "rate limited: " + e.err.Error() }
func (e *rateLimitedError) Unwrap() error { return e.err }

// ProcessTask implements asynq.Handler.
func (h *PublishHandler) ProcessTask(ctx context.Context, task *asynq.Task) error {
	var p PublishPayload
	if err := json.Unmarshal(task.Payload(), &p); err != nil || p.TargetID == "" {
		return fmt.Errorf("worker: bad publish payload: %v: %w", err, asynq.SkipRetry)
	}
	log := h.Logger.With(slog.String("target_id", p.TargetID), slog.Int("version", p.Version))

	t, err := h.getTarget(ctx, p.TargetID)
	if rythme.ErrorCode(err) == rythme.ENOTFOUND {
		log.Info("publish: target gone; nothing to do")
		return nil
	} else if err != nil {
		return fmt.Errorf("worker: load target: %w", err)
	}
	if t.Version != p.Version || t.Status != rythme.TargetScheduled {
		log.Debug("publish: stale task", slog.String("status", string(t.Status)), slog.Int("current_version", t.Version))
		return nil
	}

	// The account is read before the wait: at the top of the hour only the
	// claim is left to do. A token refreshed meanwhile by another worker is
	// found by the call (a refused token is read again under the lock).
	acct, err := h.account(ctx, t.AccountID)
	if err != nil {
		return fmt.Errorf("worker: load account: %w", err)
	}
	// Never early: a staged task (and asynq scores tasks in whole seconds)
	// is held until ClaimAhead before due, then claimed, and its call
	// waits for the due time (publish).
	if err := h.holdUntil(ctx, t, t.ScheduledAt.Add(-h.ClaimAhead)); err != nil {
		return err
	}
	if conn, err := h.Connectors.Get(t.Network); err == nil && h.Limits != nil && acct.Status == rythme.AccountConnected {
		// Wait on the queue, not on the network: another worker may have
		// used the account's quota, or the network asked us to wait.
		wait, err := h.Limits.Wait(ctx, conn.Info(), acct)
		if err != nil {
			return fmt.Errorf("worker: %w", err)
		}
		if wait > 0 {
			h.count(t.Network, "rate_limited")
			log.Debug("publish: waiting for the network's rate limit", slog.Duration("wait", wait))
			return &rateLimitedError{wait: wait, err: fmt.Errorf("rate limit of %s reached for the account", t.Network)}
		}
	}
	t, err = h.claim(ctx, t)
	if rythme.ErrorCode(err) == rythme.ECONFLICT {
		log.Debug("publish: claimed elsewhere or changed")
		return nil
	} else if err != nil {
		return fmt.Errorf("worker: claim: %w", err)
	}
	log = log.With(slog.String("network", t.Network), slog.String("account_id", t.AccountID))

	rec := newPartRecorder(h, log, t)
	out, retryErr := h.publish(ctx, log, t, acct, rec)
	out, retryErr = rec.outcome(out, retryErr)
	var comment *rythme.TargetPart
	if out.Status == rythme.TargetPublished { // then its first comment (comment.go)
		out, comment, retryErr = h.firstComment(ctx, log, t, acct, rec, out)
	}
	h.finish(log, t, acct, out)
	h.ownComment(ctx, log, t, acct, out, comment)
	return retryErr
}

// holdUntil waits for until (t's due time, or ClaimAhead before it). A
// task handed over too early, or held when the worker stops, goes back to
// Redis until due, without counting an attempt.
func (h *PublishHandler) holdUntil(ctx context.Context, t *rythme.Target, until time.Time) error {
	wait := until.Sub(h.Clock.Now())
	if wait <= 0 {
		return nil
	}
	if wait > h.StageAhead+earlySlack {
		return &notYetError{wait: t.ScheduledAt.Sub(h.Clock.Now())}
	}
	if h.stopping == nil {
		return h.Clock.Sleep(ctx, wait)
	}
	sleep, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(h.stopping, cancel)()
	err := h.Clock.Sleep(sleep, wait)
	if err != nil && ctx.Err() == nil {
		return &notYetError{wait: t.ScheduledAt.Sub(h.Clock.Now())}
	}
	return err
}

// getTarget reads the target, through the batches when there are.
func (h *PublishHandler) getTarget(ctx context.Context, id string) (*rythme.Target, error) {
	if h.Batches != nil {
		return h.Batches.Get(id)
	}
	return h.Store.GetTarget(ctx, id)
}

// account reads the target's account, through the batches when there are.
func (h *PublishHandler) account(ctx context.Context, id string) (*rythme.Account, error) {
	if h.Batches != nil {
		return h.Batches.Account(id)
	}
	return h.Store.AccountByID(ctx, id)
}

// claim moves the target from scheduled at its version to publishing,
// through the batches when there are.
func (h *PublishHandler) claim(ctx context.Context, t *rythme.Target) (*rythme.Target, error) {
	if h.Batches != nil {
		return h.Batches.Claim(t.ID, t.Version)
	}
	now := h.Clock.Now()
	return h.Store.ClaimTarget(ctx, t.ID, t.Version, now, now.Add(h.Lease))
}

// finishTarget records an outcome, through the batches when there are.
func (h *PublishHandler) finishTarget(ctx context.Context, t *rythme.Target, out rythme.Outcome) error {
	var err error
	if h.Batches != nil {
		_, err = h.Batches.Finish(t.ID, t.Version, out)
	} else {
		_, err = h.Store.FinishTarget(ctx, t.ID, t.Version, out)
	}
	return err
}

// publish makes the network call and turns its result into an outcome and,
// for retries, the error asynq should see.
// A thread's parts go through rec: stored as they come out, skipped on a
// retry.
func (h *PublishHandler) publish(ctx context.Context, log *slog.Logger, t *rythme.Target, acct *rythme.Account, rec *partRecorder) (rythme.Outcome, error) {
	conn, err := h.Connectors.Get(t.Network)
	if err != nil {
		return h.outcome(t, rythme.TargetFailed, "this build of rythme has no connector for "+t.Network), nil
	}
	if acct.Status != rythme.AccountConnected {
		return h.outcome(t, rythme.TargetHeld, "the account needs reconnecting"), nil
	}
	if postOut(t) { // an earlier attempt published and stored the post: on to its first comment
		out := h.outcome(t, rythme.TargetPublished, "")
		out.ExternalID, out.URL = t.Parts[0].ExternalID, t.Parts[0].URL
		return out, nil
	}
	// The publish call is not cut by a worker shutdown: in-flight
	// publishes finish (bounded by PublishTimeout) and are recorded.
	callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.PublishTimeout)
	defer cancel()
	// One policy for every call (netcall.go): refresh ahead under the
	// account's lock, one refresh on a 401, rate limits per request.
	call, err := h.calls().Open(callCtx, log, conn, acct)
	if err != nil {
		return h.authOrRetry(ctx, log, t, acct, err)
	}
	files, err := h.mediaFor(ctx, t)
	if connectors.KindOf(err) == connectors.Permanent {
		return h.outcome(t, rythme.TargetFailed, errMessage(err)), nil
	} else if err != nil {
		return h.retryOrFail(ctx, t, err)
	}
	req := connectors.PublishRequest{Text: t.Text, IdempotencyKey: t.ID, Media: files, Thread: t.Thread, Poll: t.Poll,
		Done: rec.done(), PartPublished: rec.save, InReplyTo: t.InReplyTo}

	// Claimed ClaimAhead early (ProcessTask): never early on the network.
	// The wait is at most ClaimAhead and is not cut by a shutdown, as the
	// call after it is not.
	if wait := t.ScheduledAt.Sub(h.Clock.Now()); wait > 0 {
		if err := h.Clock.Sleep(callCtx, wait); err != nil {
			return h.retryOrFail(ctx, t, fmt.Errorf("waiting for the due time: %w", err))
		}
	}

	if h.Metrics != nil {
		h.Metrics.Lateness.WithLabelValues(t.Network).Observe(h.Clock.Now().Sub(t.ScheduledAt).Seconds())
	}
	var res *connectors.Published
	var slot *Adaptive
	if h.InFlight != nil { // wait for a slot among the network's calls in flight
		slot = h.InFlight.Of(t.Network)
		if err := slot.Acquire(callCtx); err != nil {
			return h.retryOrFail(ctx, t, fmt.Errorf("waiting for a slot among %s's calls in flight: %w", t.Network, err))
		}
	}
	began := time.Now()
	err = call.Do(callCtx, func(acct *rythme.Account, client *http.Client) error {
		req.Done = rec.done() // on a retry after a 401, parts may have gone out before the refusal
		var err error
		res, err = conn.Publish(callCtx, acct, client, req)
		return err
	})
	if slot != nil {
		k := connectors.KindOf(err)
		slot.Release(time.Since(began), err != nil && (k == connectors.RateLimited || k == connectors.Retryable || k == connectors.Unknown))
	}
	rec.publishErr(err)
	if err == nil {
		call.Quota(ctx, res.QuotaResetAt)
		out := h.outcome(t, rythme.TargetPublished, "")
		out.ExternalID, out.URL = res.ExternalID, res.URL
		return out, nil
	}

	ce, _ := connectors.AsError(err)
	msg := err.Error()
	if ce != nil {
		msg = ce.Message
	}
	switch connectors.KindOf(err) {
	case connectors.Permanent:
		return h.outcome(t, rythme.TargetFailed, "the network refused the post: "+msg), nil
	case connectors.Auth:
		return h.authOrRetry(ctx, log, t, acct, err)
	case connectors.RateLimited:
		wait := time.Duration(0)
		if ce != nil {
			wait = ce.RetryAfter
		}
		h.count(t.Network, "rate_limited") // every worker waits too: call.Do recorded it
		return h.outcome(t, rythme.TargetScheduled, "rate limited by the network; retrying"), &rateLimitedError{wait: wait, err: err}
	case connectors.Unknown:
		if !conn.Idempotent(acct) {
			return h.outcome(t, rythme.TargetUnconfirmed, "no answer from the network after the post was sent; check the account before retrying ("+msg+")"), nil
		}
		// The server dedupes our key: a retry is safe.
		return h.retryOrFail(ctx, t, err)
	default:
		return h.retryOrFail(ctx, t, err)
	}
}

// retryOrFail puts the target back for asynq to retry, or fails it after
// the last retry.
func (h *PublishHandler) retryOrFail(ctx context.Context, t *rythme.Target, err error) (rythme.Outcome, error) {
	n, _ := asynq.GetRetryCount(ctx)
	max, ok := asynq.GetMaxRetry(ctx)
	msg := err.Error()
	if ce, ok := connectors.AsError(err); ok {
		msg = ce.Message
	}
	if ok && n >= max {
		return h.outcome(t, rythme.TargetFailed, fmt.Sprintf("gave up after %d attempts: %s", t.Attempts, msg)), nil
	}
	return h.outcome(t, rythme.TargetScheduled, "retrying: "+msg), err
}

func (h *PublishHandler) outcome(t *rythme.Target, s rythme.TargetStatus, msg string) rythme.Outcome {
	return rythme.Outcome{Status: s, Error: msg, At: h.Clock.Now()}
}

// calls is the policy every call to a network goes through (netcall.go).
func (h *PublishHandler) calls() *AccountCalls {
	return &AccountCalls{Store: h.Store, Redis: h.Redis, Limits: h.Limits, HTTPClient: h.HTTPClient, Clock: h.Clock,
		Logger: h.Logger, RedirectURI: h.RedirectURI, Apps: h.Apps, Notifier: h.Notifier}
}

// authOrRetry acts on a credential failure: Auth means the account needs
// reconnecting (its posts held); anything else (Redis or the store down
// during a refresh) is retried.
func (h *PublishHandler) authOrRetry(ctx context.Context, log *slog.Logger, t *rythme.Target, acct *rythme.Account, err error) (rythme.Outcome, error) {
	if connectors.KindOf(err) != connectors.Auth {
		return h.retryOrFail(ctx, t, err)
	}
	msg := errMessage(err)
	if merr := h.calls().NeedsReconnect(ctx, log, acct.ID, msg); merr != nil {
		log.Error("publish: mark account needs_reconnect", slog.Any("err", merr))
	}
	return h.outcome(t, rythme.TargetHeld, "the account needs reconnecting: "+msg), nil
}

// finish records the outcome. The post may already be on the network, so
// it insists (the database may be restarting) on a context of its own.
func (h *PublishHandler) finish(log *slog.Logger, t *rythme.Target, acct *rythme.Account, out rythme.Outcome) {
	ctx, cancel := context.WithTimeout(context.Background(), h.Lease/2)
	defer cancel()
	delay := 100 * time.Millisecond
	for {
		err := h.finishTarget(ctx, t, out)
		if err == nil {
			break
		}
		if rythme.ErrorCode(err) == rythme.ECONFLICT {
			log.Error("publish: target changed under its lease", slog.Any("err", err))
			return
		}
		log.Warn("publish: record outcome; will try again", slog.String("outcome", string(out.Status)), slog.Any("err", err))
		if h.Clock.Sleep(ctx, delay) != nil {
			log.Error("publish: could not record outcome; the reconciler will resolve the lease", slog.String("outcome", string(out.Status)))
			return
		}
		delay = min(delay*2, 5*time.Second)
	}
	if ev, ok := targetEvent(t, acct, out); ok {
		h.Notifier.Emit(ctx, ev)
	}
	switch out.Status {
	case rythme.TargetScheduled:
		h.count(t.Network, "retry")
	default:
		h.count(t.Network, string(out.Status))
	}
	lvl := slog.LevelInfo
	if out.Status != rythme.TargetPublished {
		lvl = slog.LevelWarn
	}
	log.Log(ctx, lvl, "publish: "+string(out.Status), slog.String("external_id", out.ExternalID), slog.String("reason", out.Error),
		slog.Duration("late", out.At.Sub(t.ScheduledAt)))
}

func (h *PublishHandler) count(network, outcome string) {
	if h.Metrics != nil {
		h.Metrics.Publishes.WithLabelValues(network, outcome).Inc()
	}
}

// retryDelay is asynq's RetryDelayFunc: the network's own delay for a rate
// limit, the time left for an early task, exponential backoff otherwise.
func retryDelay(n int, err error, task *asynq.Task) time.Duration {
	var ny *notYetError
	var rl *rateLimitedError
	switch {
	case errors.As(err, &ny):
		return ny.wait
	case errors.As(err, &rl):
		if rl.wait > 0 {
			return rl.wait + time.Duration(jitter(250))*time.Millisecond
		}
		return defaultRateLimitWait
	}
	d := time.Duration(1<<min(n, 10)) * time.Second // 1s, 2s, 4s … 17 min
	return d + time.Duration(jitter(int(d/time.Millisecond)/4+1))*time.Millisecond
}

// isFailure tells asynq which errors count as failed attempts: waiting for
// a rate limit or for the due time does not.
func isFailure(err error) bool {
	var ny *notYetError
	var rl *rateLimitedError
	return !errors.As(err, &ny) && !errors.As(err, &rl)
}
