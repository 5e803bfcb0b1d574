package worker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// The waits of every call to a network, in one place (DESIGN.md, "Calling
// a network").
const (
	// lockWait is how long a call waits for another worker's refresh of
	// the same account before giving up (Retryable); lockTTL frees the
	// lock of a worker that died holding it.
	lockWait = 10 * time.Second
	lockTTL  = time.Minute
	// refreshAhead: a token expiring within it is refreshed before a call.
	refreshAhead = time.Minute
	// defaultRateLimitWait is the wait of a rate limit whose answer names
	// none (a 429 without Retry-After or reset headers).
	defaultRateLimitWait = 30 * time.Second
	// maxInlineWait is the longest one request sleeps for a documented
	// rate limit; a longer wait fails the call (RateLimited, RetryAfter
	// the wait) and the task goes back on the queue instead.
	maxInlineWait = 2 * time.Second
	// maxMidCallWait replaces maxInlineWait once the call has changed
	// something on the network (a write answered 2xx: a thread's first
	// part, an uploaded file): stopping half-way would leave the post
	// half-published, so the call waits rather than fail.
	maxMidCallWait = time.Minute
	// recordTimeout bounds recording what a call taught us (needs_reconnect,
	// a block) once the caller's context is done.
	recordTimeout = 30 * time.Second
)

// AccountCalls is the one policy for calls to a network on an account's
// behalf: publishing, the metrics poller, the token refresher (and the
// inbox to come) go through it. It
//   - refreshes a token that is about to expire before the call, under the
//     account's Redis lock (a rotated refresh token works once);
//   - on a refused token (connectors.Auth), under the lock, uses a token
//     another worker refreshed meanwhile, or refreshes once, and retries
//     the call once; still refused, the caller marks the account
//     needs_reconnect (NeedsReconnect) and decides what that means for its
//     work;
//   - charges each HTTP request against the network's documented limits
//     (Limits, shared by every worker) and fails the call as RateLimited
//     rather than sleep long;
//   - records a wait the network announces (a 429's Retry-After, a quota
//     used up) as a block every worker honours.
//
// The zero value of optional fields turns the matching part off: no Redis,
// no lock (a single process); no Limits, no rate limiting.
type AccountCalls struct {
	Store      AccountCallsStore
	Redis      redis.UniversalClient // the account lock (nil: none)
	Limits     *Limits               // shared rate limits (nil: none)
	HTTPClient *http.Client          // base client for network calls
	Clock      Clock
	Logger     *slog.Logger
	// RedirectURI is the OAuth redirect URI the accounts were connected
	// with (the client registration is looked up by it).
	RedirectURI func(network string) string
	Apps        connectors.Apps
	Notifier    *Notifier // emits account.needs_reconnect (nil: none)
}

// Call is one job's session on an account, opened by Open.
type Call struct {
	p    *AccountCalls
	conn connectors.Connector
	acct *rythme.Account
	sess connectors.Session
	log  *slog.Logger
}

// Open prepares calls on acct: it refreshes a token that expires within
// refreshAhead (under the account's lock) and opens a session whose
// requests are rate limited. A refused refresh is a *connectors.Error of
// kind Auth.
func (p *AccountCalls) Open(ctx context.Context, log *slog.Logger, conn connectors.Connector, acct *rythme.Account) (*Call, error) {
	if exp := acct.Token.Expiry; !exp.IsZero() && exp.Before(p.Clock.Now().Add(refreshAhead)) {
		var err error
		if acct, err = p.refreshed(ctx, conn, acct); err != nil {
			return nil, err
		}
	}
	sess, err := p.Session(ctx, conn, acct)
	if err != nil {
		return nil, fmt.Errorf("open session: %w", err)
	}
	return &Call{p: p, conn: conn, acct: acct, sess: sess, log: log}, nil
}

// Do runs fn with the account and its authorised client. When fn's error
// is of kind Auth it retries fn once, under the account's lock, with a
// token another worker refreshed meanwhile or after one refresh; without
// a way to refresh, the first error stands. A rate limit the network
// announced is recorded for every worker. fn's error (or the retry's) is
// returned as is; a failure to take the lock is Retryable.
func (c *Call) Do(ctx context.Context, fn func(acct *rythme.Account, client *http.Client) error) error {
	err := fn(c.acct, c.sess.Client())
	if connectors.KindOf(err) == connectors.Auth {
		err = c.retryAfterRefresh(ctx, fn, err)
	}
	if ce, ok := connectors.AsError(err); ok && ce.Kind == connectors.RateLimited && !errors.Is(err, errOwnLimit) {
		// The network said so (not our own limiter): every worker waits.
		c.p.block(ctx, c.log, c.acct.Network, c.acct.ID, ce.RetryAfter)
	}
	return err
}

func (c *Call) retryAfterRefresh(ctx context.Context, fn func(*rythme.Account, *http.Client) error, first error) error {
	res := first
	err := withAccountLock(ctx, c.p.Redis, c.acct.ID, lockWait, func() error {
		fresh, err := c.p.Store.AccountByID(ctx, c.acct.ID)
		if err != nil {
			return err
		}
		if fresh.Token.AccessToken != c.acct.Token.AccessToken {
			c.log.Info("token refused; using the one another worker refreshed")
			s2, err := c.p.Session(ctx, c.conn, fresh)
			if err != nil {
				return err
			}
			c.acct, c.sess = fresh, s2
			res = fn(fresh, s2.Client())
			return nil
		}
		if !c.sess.Invalidate() {
			return nil
		}
		c.log.Info("token refused; refreshing once")
		res = fn(c.acct, c.sess.Client())
		return nil
	})
	if err != nil {
		return &connectors.Error{Kind: connectors.Retryable, Message: "could not refresh the token", Err: err}
	}
	return res
}

// Quota records that the network's quota for the account is used up
// until resetAt (a successful answer said so): every worker waits.
func (c *Call) Quota(ctx context.Context, resetAt time.Time) {
	if !resetAt.IsZero() {
		c.p.block(ctx, c.log, c.acct.Network, c.acct.ID, resetAt.Sub(c.p.Clock.Now()))
	}
}

// Session opens the account's session: new tokens are saved as they come,
// and every request goes through the rate limits.
func (p *AccountCalls) Session(ctx context.Context, conn connectors.Connector, acct *rythme.Account) (connectors.Session, error) {
	return connectors.OpenSession(ctx, conn, acct, p.limitedClient(conn.Info(), acct), p.RedirectURI(acct.Network), p.Apps,
		func(ctx context.Context, tok rythme.Token) error {
			return p.Store.UpdateAccountToken(ctx, acct.ID, tok)
		})
}

// refreshed returns the account with a token good for refreshAhead:
// under its lock, it reloads the account (another worker may have just
// refreshed it) and refreshes only if it must.
func (p *AccountCalls) refreshed(ctx context.Context, conn connectors.Connector, acct *rythme.Account) (*rythme.Account, error) {
	out := acct
	err := withAccountLock(ctx, p.Redis, acct.ID, lockWait, func() error {
		fresh, err := p.Store.AccountByID(ctx, acct.ID)
		if err != nil {
			return err
		}
		out = fresh
		if fresh.Token.Expiry.IsZero() || fresh.Token.Expiry.After(p.Clock.Now().Add(refreshAhead)) {
			return nil
		}
		sess, err := p.Session(ctx, conn, fresh)
		if err != nil {
			return err
		}
		if err := sess.Refresh(ctx); err != nil {
			return err
		}
		out, err = p.Store.AccountByID(ctx, acct.ID)
		return err
	})
	if errors.Is(err, errLocked) {
		return acct, &connectors.Error{Kind: connectors.Retryable, Message: "another worker is refreshing the token", Err: err}
	}
	return out, err
}

// NeedsReconnect marks the account needs_reconnect (its scheduled posts
// held, account.needs_reconnect emitted), even when ctx is done.
func (p *AccountCalls) NeedsReconnect(ctx context.Context, log *slog.Logger, accountID, reason string) error {
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	now := p.Clock.Now()
	if err := p.Store.SetAccountStatus(mctx, accountID, rythme.AccountNeedsReconnect, reason); err != nil {
		return fmt.Errorf("mark account needs_reconnect: %w", err)
	}
	held, err := p.Store.HoldAccountTargets(mctx, accountID, "the account needs reconnecting", now)
	if err != nil {
		return fmt.Errorf("hold account targets: %w", err)
	}
	if acct, err := p.Store.AccountByID(mctx, accountID); err == nil {
		p.Notifier.Emit(mctx, rythme.Event{ID: "evt_" + accountID + "_reconnect_" + strconv.FormatInt(now.Unix(), 10),
			Type: rythme.EventAccountNeedsReconnect, CreatedAt: now, Workspace: acct.WorkspaceID,
			Data: rythme.EventData{AccountID: acct.ID, Username: acct.Username, Network: acct.Network,
				Status: string(rythme.AccountNeedsReconnect), Reason: reason}})
	}
	log.Warn("account needs reconnecting; its posts are held", slog.String("account_id", accountID), slog.Int("held", held), slog.String("reason", reason))
	return nil
}

// block records a wait the network announced (defaultRateLimitWait when it
// named none) for every worker.
func (p *AccountCalls) block(ctx context.Context, log *slog.Logger, network, accountID string, d time.Duration) {
	if p.Limits == nil {
		return
	}
	if d <= 0 {
		d = defaultRateLimitWait
	}
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := p.Limits.Block(bctx, network, accountID, d); err != nil {
		log.Warn("record the network's rate limit", slog.String("account_id", accountID), slog.Any("err", err))
	}
}

// limitedClient is the base client with the rate-limiting transport.
func (p *AccountCalls) limitedClient(info rythme.Network, acct *rythme.Account) *http.Client {
	base := p.HTTPClient
	if base == nil {
		base = http.DefaultClient
	}
	if p.Limits == nil {
		return base
	}
	c := *base
	next := base.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	c.Transport = &limitedTransport{p: p, info: info, acct: acct, next: next}
	return &c
}

// errOwnLimit marks a wait of rythme's own limiter, which is not the
// network's word and blocks no other call.
var errOwnLimit = errors.New("documented rate limit reached")

// limitedTransport charges each request against the network's limits
// before sending it, and records the waits the network's answers announce.
type limitedTransport struct {
	p    *AccountCalls
	info rythme.Network
	acct *rythme.Account
	next http.RoundTripper
	// wrote: a request that changes something was answered 2xx.
	wrote atomic.Bool
}

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.take(req); err != nil {
		if req.Body != nil {
			req.Body.Close() // a RoundTripper closes the body, sent or not
		}
		return nil, err
	}
	ctx := req.Context()
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	now := t.p.Clock.Now()
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		t.p.block(ctx, t.p.Logger, t.info.Name, t.acct.ID, connectors.RetryAfter(resp.Header, now))
	case resp.StatusCode/100 == 2:
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			t.wrote.Store(true)
		}
		if reset := connectors.QuotaExhausted(resp.Header, now); !reset.IsZero() {
			t.p.block(ctx, t.p.Logger, t.info.Name, t.acct.ID, reset.Sub(now))
		}
	}
	return resp, nil
}

// take charges the request, sleeping for a wait of at most maxInlineWait
// (maxMidCallWait once the call wrote); a longer wait is a RateLimited
// error (the request was not sent). The limiter keeps Redis' time, so its
// waits are slept on the wall clock.
func (t *limitedTransport) take(req *http.Request) error {
	for {
		wait, err := t.p.Limits.Request(req.Context(), t.info, t.acct, req.Method, req.URL.Path)
		if err != nil {
			return &connectors.Error{Kind: connectors.Retryable, Message: "could not check the rate limits", Err: err}
		}
		if wait <= 0 {
			return nil
		}
		bound := maxInlineWait
		if t.wrote.Load() {
			bound = maxMidCallWait
		}
		if wait > bound {
			return &connectors.Error{Kind: connectors.RateLimited, RetryAfter: wait, Err: errOwnLimit,
				Message: fmt.Sprintf("rate limit of %s reached for the account; waiting %s", t.info.Name, wait.Round(time.Second))}
		}
		if err := RealClock.Sleep(req.Context(), wait); err != nil {
			return err
		}
	}
}

// The account lock: SET NX with a TTL and a random value, released only by
// its holder (compare-and-delete), so that one refresh at a time runs per
// account whatever the number of workers.
var errLocked = errors.New("account locked by another worker")

var unlockScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

// withAccountLock runs fn holding the account's lock. With wait 0 it gives
// up at once (errLocked) when another worker holds it; otherwise it polls
// for up to wait.
func withAccountLock(ctx context.Context, rdb redis.UniversalClient, accountID string, wait time.Duration, fn func() error) error {
	if rdb == nil {
		return fn() // a single process without Redis (unit tests)
	}
	key := "rythme:lock:account:" + accountID
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	val := hex.EncodeToString(b)
	deadline := time.Now().Add(wait)
	for {
		ok, err := rdb.SetNX(ctx, key, val, lockTTL).Result()
		if err != nil {
			return fmt.Errorf("account lock: %w", err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			return errLocked
		}
		t := time.NewTimer(50 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	defer unlockScript.Run(context.WithoutCancel(ctx), rdb, []string{key}, val)
	return fn()
}
