package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// TypeRefreshTokens is the sweep that refreshes tokens before they expire.
const TypeRefreshTokens = "tokens:refresh"

// NewRefreshTask returns the refresh sweep task (one at a time across
// workers, by its fixed id).
func NewRefreshTask() *asynq.Task {
	return sweepTask(TypeRefreshTokens, "sweep:tokens", 5*time.Minute)
}

// Refresher keeps OAuth tokens alive: it refreshes those that expire within
// Ahead, one account at a time across all workers (a Redis lock), saving
// the new tokens (and rotated refresh tokens) before anyone uses them. A
// refresh the network refuses for good marks the account needs_reconnect
// and holds its posts. Its calls go through the call policy (AccountCalls):
// the token endpoint's requests are rate limited like any other.
type Refresher struct {
	Store       RefreshStore
	Connectors  *connectors.Registry
	Redis       redis.UniversalClient
	Limits      *Limits // shared rate limits (nil: none)
	HTTPClient  *http.Client
	Clock       Clock
	Logger      *slog.Logger
	RedirectURI func(network string) string
	// Ahead: tokens expiring within it are refreshed (default 10m).
	Ahead time.Duration
	// Notifier emits account.needs_reconnect (nil: none).
	Notifier *Notifier
}

// RefreshStats says what a sweep did.
type RefreshStats struct{ Refreshed, Skipped, Failed, Reconnect int }

// Run refreshes every connected account whose token expires within Ahead.
func (r *Refresher) Run(ctx context.Context) (RefreshStats, error) {
	var st RefreshStats
	accts, err := r.Store.AccountsExpiring(ctx, r.Clock.Now().Add(r.Ahead), 200)
	if err != nil {
		return st, fmt.Errorf("refresh: list accounts: %w", err)
	}
	for _, a := range accts {
		switch res, err := r.Refresh(ctx, a.ID, false); {
		case err != nil:
			st.Failed++
			r.Logger.Warn("refresh: failed; the next sweep tries again", slog.String("account_id", a.ID), slog.Any("err", err))
		case res == refreshDone:
			st.Refreshed++
		case res == refreshReconnect:
			st.Reconnect++
		default:
			st.Skipped++
		}
	}
	return st, nil
}

type refreshResult int

const (
	refreshSkipped   refreshResult = iota // fresh enough, or another worker has it
	refreshDone                           // new token saved
	refreshReconnect                      // refused for good: needs_reconnect
)

// Refresh renews the account's token under its lock. Unless force, a token
// that is still good for Ahead (another worker just refreshed it) is left.
func (r *Refresher) Refresh(ctx context.Context, accountID string, force bool) (refreshResult, error) {
	res := refreshSkipped
	err := withAccountLock(ctx, r.Redis, accountID, 0, func() error {
		acct, err := r.Store.AccountByID(ctx, accountID)
		if err != nil {
			return err
		}
		now := r.Clock.Now()
		if acct.Status != rythme.AccountConnected || (!force && (acct.Token.Expiry.IsZero() || acct.Token.Expiry.After(now.Add(r.Ahead)))) {
			return nil
		}
		conn, err := r.Connectors.Get(acct.Network)
		if err != nil {
			return err
		}
		calls := r.calls()
		sess, err := calls.Session(ctx, conn, acct)
		if err != nil {
			return err
		}
		err = sess.Refresh(ctx)
		if err == nil {
			res = refreshDone
			r.Logger.Info("refresh: token renewed", slog.String("account_id", acct.ID), slog.String("network", acct.Network))
			return nil
		}
		if connectors.KindOf(err) != connectors.Auth {
			return err
		}
		// Refused for good, even while the access token still works: the
		// grant was revoked (a Bluesky PDS answers "Token has been revoked"
		// but honours the access JWT it issued for up to 2 hours), and
		// waiting would keep publishing for someone who said stop.
		res = refreshReconnect
		return calls.NeedsReconnect(ctx, r.Logger, acct.ID, "the network refused to refresh the token: "+errMessage(err))
	})
	if errors.Is(err, errLocked) {
		return refreshSkipped, nil
	}
	return res, err
}

// calls is the policy every call to a network goes through (netcall.go).
func (r *Refresher) calls() *AccountCalls {
	return &AccountCalls{Store: r.Store, Redis: r.Redis, Limits: r.Limits, HTTPClient: r.HTTPClient, Clock: r.Clock,
		Logger: r.Logger, RedirectURI: r.RedirectURI, Apps: r.Store, Notifier: r.Notifier}
}

func errMessage(err error) string {
	if ce, ok := connectors.AsError(err); ok {
		return ce.Message
	}
	return err.Error()
}

type refreshHandler struct{ r *Refresher }

func (h refreshHandler) ProcessTask(ctx context.Context, _ *asynq.Task) error {
	st, err := h.r.Run(ctx)
	if st.Refreshed+st.Failed+st.Reconnect > 0 {
		h.r.Logger.Info("refresh: sweep", slog.Int("refreshed", st.Refreshed), slog.Int("failed", st.Failed), slog.Int("reconnect", st.Reconnect))
	}
	if err != nil { // logged, not returned: see reconcileHandler
		h.r.Logger.Warn("refresh: sweep failed; the next one tries again", slog.Any("err", err))
	}
	return nil
}
