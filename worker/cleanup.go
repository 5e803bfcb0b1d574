package worker

import (
	"context"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/media"
)

// TypeCleanup is the sweep that deletes what nothing needs any more:
// uploaded media no post carries, after a grace period, and expired OAuth
// authorization states; and that re-seals, when the store can, the secrets
// an older key sealed (as `rythme rekey` does).
const TypeCleanup = "sweep:cleanup"

// MediaGrace is how long an uploaded file no post carries is kept: time
// to write the post that will carry it.
const MediaGrace = 24 * time.Hour

// NewCleanupTask returns the cleanup sweep. Its fixed id makes it run once
// at a time whatever the number of workers that ask for it.
func NewCleanupTask() *asynq.Task {
	return sweepTask(TypeCleanup, TypeCleanup, 5*time.Minute)
}

// Resealer re-seals the secrets an older key (or the unbound format)
// sealed, with the current key; sqlstore.Store is one.
type Resealer interface {
	Reseal(ctx context.Context) (resealed, failed int, err error)
}

// Cleaner deletes unreferenced media (record, then file) and expired
// OAuth states, and re-seals old secrets when Store is a Resealer.
type Cleaner struct {
	Store  rythme.Store
	Media  *media.Dir // nil: records only
	Clock  Clock
	Logger *slog.Logger
	Grace  time.Duration // default MediaGrace
}

// CleanupStats says what one sweep deleted and re-sealed.
type CleanupStats struct{ Media, States, Resealed, Unopened int }

// Run makes one sweep, in batches of 100 media until none is left.
func (c *Cleaner) Run(ctx context.Context) (CleanupStats, error) {
	var st CleanupStats
	grace := c.Grace
	if grace <= 0 {
		grace = MediaGrace
	}
	now := c.Clock.Now()
	n, err := c.Store.PurgeOAuthStates(ctx, now)
	if err != nil {
		return st, err
	}
	st.States = n
	for ctx.Err() == nil {
		ids, err := c.Store.DeleteUnreferencedMedia(ctx, now.Add(-grace), 100)
		if err != nil {
			return st, err
		}
		for _, id := range ids {
			if c.Media != nil {
				if err := c.Media.Remove(id); err != nil {
					c.Logger.Warn("cleanup: remove media file", slog.String("media_id", id), slog.Any("err", err))
				}
			}
		}
		st.Media += len(ids)
		if len(ids) < 100 {
			break
		}
	}
	if r, ok := c.Store.(Resealer); ok && ctx.Err() == nil {
		if st.Resealed, st.Unopened, err = r.Reseal(ctx); err != nil {
			return st, err
		}
	}
	if st.Media > 0 || st.States > 0 || st.Resealed > 0 || st.Unopened > 0 {
		c.Logger.Info("cleanup: sweep", slog.Int("media", st.Media), slog.Int("oauth_states", st.States),
			slog.Int("resealed", st.Resealed), slog.Int("unopened", st.Unopened))
	}
	return st, ctx.Err()
}

// ProcessTask runs a sweep; a failed one is logged and the next tries again.
func (c *Cleaner) ProcessTask(ctx context.Context, _ *asynq.Task) error {
	if _, err := c.Run(ctx); err != nil {
		c.Logger.Warn("cleanup: sweep failed; the next one tries again", slog.Any("err", err))
	}
	return nil
}
