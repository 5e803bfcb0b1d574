package worker

import (
	"context"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rythmehq/rythme/media"
)

// TypeCleanup is the sweep that deletes what nothing needs any more:
// uploaded media no post carries, after a grace period, and expired OAuth
// authorization states; that re-seals, when the store can, the secrets
// an older key sealed (as `rythme rekey` does); and that keeps the readings
// in bounds: their months are prepared ahead, and those past the retention
// compacted to one reading per target and day.
const TypeCleanup = "sweep:cleanup"

// MediaGrace is how long an uploaded file no post carries is kept: time
// to write the post that will carry it.
const MediaGrace = 24 * time.Hour

// DefaultReadingsRetention is how many months of readings are kept as
// taken (25: two years and the month begun, so that a year-on-year
// comparison always has every reading); older months keep each target's
// last reading of each day.
const DefaultReadingsRetention = 25

// ReadingsAhead is how many months ahead of now the readings' partitions
// exist (PostgreSQL): a sweep an hour means months of room before a
// reading would fall into the default partition.
const ReadingsAhead = 3

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
	Store  CleanupStore
	Media  *media.Dir // nil: records only
	Clock  Clock
	Logger *slog.Logger
	Grace  time.Duration // default MediaGrace
	// ReadingsRetention: months of readings kept as taken (0:
	// DefaultReadingsRetention; negative: all, never compacted).
	ReadingsRetention int
}

// CleanupStats says what one sweep deleted and re-sealed, and how many
// readings it compacted away.
type CleanupStats struct {
	Media, States, Resealed, Unopened int
	Readings                          int64
}

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
	if st.Readings, err = c.readings(ctx, now); err != nil {
		return st, err
	}
	if r, ok := c.Store.(Resealer); ok && ctx.Err() == nil {
		if st.Resealed, st.Unopened, err = r.Reseal(ctx); err != nil {
			return st, err
		}
	}
	if st.Media > 0 || st.States > 0 || st.Resealed > 0 || st.Unopened > 0 || st.Readings > 0 {
		c.Logger.Info("cleanup: sweep", slog.Int("media", st.Media), slog.Int("oauth_states", st.States),
			slog.Int("resealed", st.Resealed), slog.Int("unopened", st.Unopened), slog.Int64("readings_compacted", st.Readings))
	}
	return st, ctx.Err()
}

// readings prepares the months of readings ahead and compacts those past
// the retention; it returns how many readings the compaction deleted.
func (c *Cleaner) readings(ctx context.Context, now time.Time) (int64, error) {
	if err := c.Store.PrepareReadings(ctx, now, now.AddDate(0, ReadingsAhead, 0)); err != nil {
		return 0, err
	}
	keep := c.ReadingsRetention
	if keep == 0 {
		keep = DefaultReadingsRetention
	}
	if keep < 0 {
		return 0, nil
	}
	// The current month and keep-1 before it are kept as taken.
	return c.Store.CompactReadings(ctx, now.AddDate(0, -(keep-1), 0))
}

// ProcessTask runs a sweep; a failed one is logged and the next tries again.
func (c *Cleaner) ProcessTask(ctx context.Context, _ *asynq.Task) error {
	if _, err := c.Run(ctx); err != nil {
		c.Logger.Warn("cleanup: sweep failed; the next one tries again", slog.Any("err", err))
	}
	return nil
}
