package worker

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/posting"
	"github.com/rythmehq/rythme/telemetry"
)

func jitter(n int) int {
	if n <= 0 {
		return 0
	}
	return rand.IntN(n)
}

// Redis keys of the reconciler. The epoch key disappears when Redis is
// wiped or replaced, which makes the next sweep a full one.
// maxBatchesPerSweep bounds one sweep; the next sweep goes on.
const maxBatchesPerSweep = 100

const (
	epochKey    = "rythme:epoch"
	fullPassKey = "rythme:reconcile:full"
)

// Reconciler makes Redis agree with the store: every target due within the
// horizon gets a task, and targets stuck publishing past their lease are
// resolved. Any number of workers may run it at once; it only ever
// enqueues with task ids and moves targets by compare-and-set.
type Reconciler struct {
	Store      ReconcileStore
	Queue      *Queue
	Redis      redis.UniversalClient
	Connectors *connectors.Registry
	Clock      Clock
	Metrics    *telemetry.Metrics // may be nil
	Logger     *slog.Logger
	// Horizon: targets due within it are put on the queue.
	Horizon time.Duration
	// FullEvery is how often a sweep re-enqueues every due target, not just
	// those never queued (a belt to the epoch key's braces).
	FullEvery time.Duration
	// Batch is how many targets one store query lists.
	Batch int
	// FullLimit bounds the targets a full sweep lists at once.
	FullLimit int
	// Notifier emits post.unconfirmed (nil: none).
	Notifier *Notifier
	// SeriesHorizon: recurring posts' occurrences are materialised this
	// far ahead (0: the sweep leaves series alone).
	SeriesHorizon time.Duration
}

// ReconcileStats says what one sweep did.
type ReconcileStats struct {
	Full        bool
	Enqueued    int
	Requeued    int
	Unconfirmed int
	// Materialised counts the occurrences of recurring posts created.
	Materialised int
}

// Run makes one sweep; full re-enqueues every due target (task id
// conflicts say which already have a task).
func (r *Reconciler) Run(ctx context.Context, full bool) (ReconcileStats, error) {
	st := ReconcileStats{}
	now := r.Clock.Now()
	if !full {
		// A missing epoch means Redis lost its data.
		n, err := r.Redis.Exists(ctx, epochKey).Result()
		if err != nil {
			return st, fmt.Errorf("reconcile: read epoch: %w", err)
		}
		full = n == 0
	}
	if r.FullEvery > 0 {
		// Full every FullEvery across all workers: whoever sets the key
		// first does it. A full pass for another reason resets the period.
		if full {
			if err := r.Redis.Set(ctx, fullPassKey, now.Unix(), r.FullEvery).Err(); err != nil {
				return st, fmt.Errorf("reconcile: %w", err)
			}
		} else {
			ok, err := r.Redis.SetNX(ctx, fullPassKey, now.Unix(), r.FullEvery).Result()
			if err != nil {
				return st, fmt.Errorf("reconcile: %w", err)
			}
			full = ok
		}
	}
	st.Full = full

	if r.SeriesHorizon > 0 {
		n, err := r.extendSeries(ctx)
		st.Materialised = n
		if err != nil {
			return st, err
		}
	}

	until := now.Add(r.Horizon)
	if full {
		// Every due target, queued or not: a task id conflict says which
		// still have their task. Bounded by FullLimit.
		refs, err := r.Store.DueTargets(ctx, until, true, r.FullLimit)
		if err != nil {
			return st, fmt.Errorf("reconcile: due targets: %w", err)
		}
		if err := r.Queue.EnqueuePublish(ctx, refs); err != nil {
			return st, fmt.Errorf("reconcile: %w", err)
		}
		st.Enqueued += len(refs)
	}
	// Targets never queued (or whose version changed), batch by batch: each
	// batch marked queued drops out of the next listing.
	for i := 0; i < maxBatchesPerSweep; i++ {
		refs, err := r.Store.DueTargets(ctx, until, false, r.Batch)
		if err != nil {
			return st, fmt.Errorf("reconcile: due targets: %w", err)
		}
		if err := r.Queue.EnqueuePublish(ctx, refs); err != nil {
			return st, fmt.Errorf("reconcile: %w", err)
		}
		st.Enqueued += len(refs)
		if len(refs) < r.Batch || ctx.Err() != nil {
			break
		}
	}
	if st.Full {
		if err := r.Redis.Set(ctx, epochKey, now.Unix(), 0).Err(); err != nil {
			return st, fmt.Errorf("reconcile: write epoch: %w", err)
		}
	}

	expired, err := r.Store.ExpiredLeases(ctx, now, r.Batch)
	if err != nil {
		return st, fmt.Errorf("reconcile: expired leases: %w", err)
	}
	for _, t := range expired {
		if err := r.resolveLease(ctx, t, &st); err != nil {
			return st, err
		}
	}
	if r.Metrics != nil {
		r.Metrics.Reconciled.WithLabelValues("enqueued").Add(float64(st.Enqueued))
		r.Metrics.Reconciled.WithLabelValues("requeued").Add(float64(st.Requeued))
		r.Metrics.Reconciled.WithLabelValues("unconfirmed").Add(float64(st.Unconfirmed))
	}
	if st.Requeued+st.Unconfirmed+st.Materialised > 0 || st.Full {
		r.Logger.Info("reconcile: sweep", slog.Bool("full", st.Full), slog.Int("enqueued", st.Enqueued), slog.Int("materialised", st.Materialised),
			slog.Int("requeued", st.Requeued), slog.Int("unconfirmed", st.Unconfirmed))
	}
	return st, nil
}

// extendSeries is the series sweep (posting.SeriesSweep): it calls the
// one implementation of making a recurring post's occurrences, which
// editing a series in the API calls too.
func (r *Reconciler) extendSeries(ctx context.Context) (int, error) {
	sw := &posting.SeriesSweep{Store: r.Store, Logger: r.Logger, Now: r.Clock.Now, Horizon: r.SeriesHorizon, Batch: r.Batch}
	n, err := sw.Run(ctx)
	if err != nil {
		return n, fmt.Errorf("reconcile: %w", err)
	}
	return n, nil
}

// resolveLease decides for a target whose worker vanished mid-publish: a
// retry with the same idempotency key where the server honours it, else
// unconfirmed for a person to check.
func (r *Reconciler) resolveLease(ctx context.Context, t *rythme.Target, st *ReconcileStats) error {
	log := r.Logger.With(slog.String("target_id", t.ID), slog.String("network", t.Network))
	safe := false
	if conn, err := r.Connectors.Get(t.Network); err == nil {
		acct, err := r.Store.AccountByID(ctx, t.AccountID)
		if err != nil && rythme.ErrorCode(err) != rythme.ENOTFOUND {
			return fmt.Errorf("reconcile: account: %w", err)
		}
		safe = acct != nil && conn.Idempotent(acct)
	}
	out := rythme.Outcome{At: r.Clock.Now()}
	if safe {
		out.Status, out.BumpVersion = rythme.TargetScheduled, true
		out.Error = "the worker stopped while publishing; retrying with the same idempotency key"
	} else {
		out.Status = rythme.TargetUnconfirmed
		out.Error = "the worker stopped while publishing and this network cannot dedupe a retry; check the account, then resolve"
	}
	if listed := t.PartsOut(); listed != "" {
		// A retry resumes after them; a person checking the account must
		// know they are there.
		out.Error += "; " + listed
		out.Event = "the worker stopped while publishing the thread: " + out.Error
	}
	if t.CommentText != "" && len(t.Parts) > 0 {
		state := "not recorded as out"
		if t.Comment != nil {
			state = "out (" + linkOf(t.Comment.URL, t.Comment.ExternalID) + ")"
		}
		out.Error += "; its first comment is " + state
		out.Event = "the worker stopped while publishing the post's first comment: " + out.Error
	}
	nt, err := r.Store.FinishTarget(ctx, t.ID, t.Version, out)
	if rythme.ErrorCode(err) == rythme.ECONFLICT {
		return nil // its worker finished after all
	} else if err != nil {
		return fmt.Errorf("reconcile: resolve lease: %w", err)
	}
	if safe {
		st.Requeued++
		log.Warn("reconcile: lease expired; re-queued")
		return r.Queue.EnqueuePublish(ctx, []rythme.TargetRef{{ID: nt.ID, Version: nt.Version, Network: nt.Network, ScheduledAt: nt.ScheduledAt}})
	}
	st.Unconfirmed++
	log.Warn("reconcile: lease expired; unconfirmed")
	if ev, ok := targetEvent(nt, nil, out); ok {
		r.Notifier.Emit(ctx, ev)
	}
	return nil
}

// reconcileHandler runs a sweep as a task.
type reconcileHandler struct{ r *Reconciler }

// ProcessTask runs a sweep. A failed sweep (the database down) is logged,
// not returned: an error would make asynq archive the task, and the next
// tick asks for a new sweep anyway.
func (h reconcileHandler) ProcessTask(ctx context.Context, _ *asynq.Task) error {
	if _, err := h.r.Run(ctx, false); err != nil {
		h.r.Logger.Warn("reconcile: sweep failed; the next one tries again", slog.Any("err", err))
	}
	return nil
}
