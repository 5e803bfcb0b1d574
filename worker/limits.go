package worker

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rythmehq/rythme/connectors"
)

// TypeRefreshLimits is the sweep that reads again the limits servers
// announce (a Mastodon instance's characters, media, poll options).
const TypeRefreshLimits = "limits:refresh"

// DefaultLimitsMaxAge is how old an account's limits may be before the
// sweep reads them again: daily.
const DefaultLimitsMaxAge = 24 * time.Hour

// NewLimitsTask returns the limits sweep task (one at a time across
// workers, by its fixed id).
func NewLimitsTask() *asynq.Task {
	return sweepTask(TypeRefreshLimits, "sweep:limits", 10*time.Minute)
}

// LimitsSweeper keeps the limits of accounts whose network lets each
// server set its own (connectors.LimitsRefresher) at most MaxAge old: it
// reads each server once per sweep (accounts on one instance share the
// answer, an unauthenticated read of its public description) and merges
// the answer into each account's meta, where post validation finds it. A
// server that cannot be read keeps its last limits; the next sweep tries
// again.
type LimitsSweeper struct {
	Store      LimitsStore
	Connectors *connectors.Registry
	HTTPClient *http.Client
	Clock      Clock
	Logger     *slog.Logger
	// MaxAge: limits older than it are read again (default
	// DefaultLimitsMaxAge).
	MaxAge time.Duration
}

// LimitsStats says what a sweep did.
type LimitsStats struct{ Refreshed, Fresh, Failed int }

// ProcessTask implements asynq.Handler. A failed sweep is logged and
// succeeds, as the other sweeps do: the next tick tries again, and no
// archived task holds the sweep's id.
func (l *LimitsSweeper) ProcessTask(ctx context.Context, _ *asynq.Task) error {
	st, err := l.Run(ctx)
	if err != nil {
		l.Logger.Error("limits: sweep failed; the next one tries again", slog.String("error", err.Error()))
		return nil
	}
	if st.Refreshed+st.Failed > 0 {
		l.Logger.Info("limits: sweep", slog.Int("refreshed", st.Refreshed), slog.Int("failed", st.Failed), slog.Int("fresh", st.Fresh))
	}
	return nil
}

// Run refreshes every connected account's limits that are older than
// MaxAge.
func (l *LimitsSweeper) Run(ctx context.Context) (LimitsStats, error) {
	var st LimitsStats
	maxAge := l.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultLimitsMaxAge
	}
	now := l.Clock.Now()
	for _, c := range l.Connectors.All() {
		lr, ok := c.(connectors.LimitsRefresher)
		if !ok {
			continue
		}
		read := map[string]map[string]string{} // by instance: nil when it failed
		after := ""
		for {
			page, err := l.Store.ConnectedAccounts(ctx, c.Info().Name, after, 200)
			if err != nil {
				return st, fmt.Errorf("limits: list accounts: %w", err)
			}
			if len(page) == 0 {
				break
			}
			for _, a := range page {
				after = a.ID
				if at, err := time.Parse(time.RFC3339, a.Meta[connectors.MetaLimitsAt]); err == nil && now.Sub(at) < maxAge {
					st.Fresh++
					continue
				}
				meta, done := read[a.InstanceURL]
				if !done {
					meta, err = lr.RefreshLimits(ctx, a, l.HTTPClient)
					if err != nil {
						l.Logger.Warn("limits: could not read the server's limits; the next sweep tries again",
							slog.String("account_id", a.ID), slog.String("error", err.Error()))
						meta = nil
					}
					read[a.InstanceURL] = meta
				}
				if meta == nil {
					st.Failed++
					continue
				}
				if err := l.Store.MergeAccountMeta(ctx, a.ID, meta); err != nil {
					return st, fmt.Errorf("limits: save account %s: %w", a.ID, err)
				}
				st.Refreshed++
			}
		}
	}
	return st, nil
}
