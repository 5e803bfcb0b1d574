package api

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/rythmehq/rythme"
)

// apiStore is the store as the handlers see it: workspaces, API tokens and
// accounts through the cache below, every other aggregate as it is.
type apiStore struct {
	*cachedStore
	rythme.FeedTokenStore
	rythme.OAuthStore
	rythme.PostStore
	rythme.TargetStore
	rythme.SeriesStore
	rythme.CampaignStore
	rythme.MediaStore
	rythme.MetricsStore
	rythme.AudienceStore
	rythme.WebhookStore
	rythme.PeopleStore
	rythme.InboxStore
	rythme.InboxRuleStore
	pinger
}

// pinger is what /readyz asks.
type pinger interface {
	Ping(ctx context.Context) error
}

func newAPIStore(st rythme.Store) apiStore {
	return apiStore{newCachedStore(st), st, st, st, st, st, st, st, st, st, st, st, st, st, st}
}

// cachedStores are the aggregates cachedStore stands in front of.
type cachedStores interface {
	rythme.WorkspaceStore
	rythme.TokenStore
	rythme.AccountStore
}

var _ cachedStores = (*cachedStore)(nil)

// cachedStore is the store of workspaces, tokens and accounts as the
// handlers see it: the three reads that every post creation makes before
// its insert — the caller's token (on every request), the workspace (its
// approval setting) and the account of each target — are kept for a short
// while, so that a busy API does not ask the database the same three
// questions thousands of times a second.
//
// The bounds, which are the whole of the staleness the API accepts:
//
//   - An entry lives at most authCacheTTL (1 s) after it was read from the
//     store. Each cache holds at most authCacheMax entries; a full one
//     drops its expired entries, then everything, before it takes a new one.
//   - A change made through this API process takes effect at once: token
//     revocation, workspace update, and every account write the API makes
//     (connect, disconnect, schedule, status, token) go through the methods
//     below, which forget the cache concerned once the store has answered;
//     and a read in flight meanwhile does not put its older answer back
//     (a generation counter).
//   - A change made elsewhere (another API replica, a worker, the store
//     written to directly) is seen here within authCacheTTL: a token revoked
//     there stops working here within 1 s; an account disconnected there may
//     still take new posts here for 1 s, whose targets the worker then holds
//     at publish time ("the account needs reconnecting") as it does for
//     posts created just before the disconnection.
//   - Only positive answers are kept, and of accounts only connected ones:
//     an unknown or revoked token, a missing workspace or account, and an
//     account in any other state are asked of the store every time.
//
// It embeds nothing: every method of the three aggregates is written out
// below, as a read (cached or not) or a write (which forgets what it
// changes), so a method added to one of them does not compile until it is
// put in one of the two.
//
// Workspace scope is unchanged: accounts are keyed by (workspace, id) and
// the store's insert checks the account's workspace again. Callers get their
// own copy of each cached value.
type cachedStore struct {
	next cachedStores
	ttl  time.Duration
	now  func() time.Time // a monotonic clock: time.Now (tests move it)

	tokens     ttlCache[rythme.APIToken]
	workspaces ttlCache[rythme.Workspace]
	accounts   ttlCache[rythme.Account]
}

const (
	authCacheTTL = time.Second
	authCacheMax = 4096
)

func newCachedStore(st cachedStores) *cachedStore {
	return &cachedStore{next: st, ttl: authCacheTTL, now: time.Now}
}

// TokenByHash answers a live token from the cache, or from the store.
func (c *cachedStore) TokenByHash(ctx context.Context, hash []byte) (*rythme.APIToken, error) {
	key := string(hash)
	tok, gen, ok := c.tokens.get(key, c.now())
	if ok {
		return &tok, nil
	}
	t, err := c.next.TokenByHash(ctx, hash)
	if err == nil && t.RevokedAt == nil {
		c.tokens.put(key, *t, gen, c.now(), c.ttl)
	}
	return t, err
}

// RevokeAPIToken revokes in the store, then forgets every cached token.
func (c *cachedStore) RevokeAPIToken(ctx context.Context, workspaceID, id string, at time.Time) error {
	defer c.tokens.clear() // even on error: the store may have committed it
	return c.next.RevokeAPIToken(ctx, workspaceID, id, at)
}

// GetWorkspace answers the workspace from the cache, or from the store.
func (c *cachedStore) GetWorkspace(ctx context.Context, id string) (*rythme.Workspace, error) {
	ws, gen, ok := c.workspaces.get(id, c.now())
	if ok {
		return &ws, nil
	}
	w, err := c.next.GetWorkspace(ctx, id)
	if err == nil {
		c.workspaces.put(id, *w, gen, c.now(), c.ttl)
	}
	return w, err
}

// UpdateWorkspace saves the workspace, then forgets every cached one.
func (c *cachedStore) UpdateWorkspace(ctx context.Context, ws *rythme.Workspace) error {
	defer c.workspaces.clear()
	return c.next.UpdateWorkspace(ctx, ws)
}

// GetAccount answers a connected account of the workspace from the cache,
// or asks the store.
func (c *cachedStore) GetAccount(ctx context.Context, workspaceID, id string) (*rythme.Account, error) {
	key := workspaceID + "\x00" + id
	acc, gen, ok := c.accounts.get(key, c.now())
	if ok {
		return cloneAccount(&acc), nil
	}
	a, err := c.next.GetAccount(ctx, workspaceID, id)
	if err == nil && a.Status == rythme.AccountConnected {
		c.accounts.put(key, *cloneAccount(a), gen, c.now(), c.ttl)
	}
	return a, err
}

// The account writes forget every cached account.

func (c *cachedStore) UpsertAccount(ctx context.Context, a *rythme.Account) error {
	defer c.accounts.clear()
	return c.next.UpsertAccount(ctx, a)
}

func (c *cachedStore) UpdateAccountToken(ctx context.Context, id string, tok rythme.Token) error {
	defer c.accounts.clear()
	return c.next.UpdateAccountToken(ctx, id, tok)
}

func (c *cachedStore) SetAccountStatus(ctx context.Context, id string, status rythme.AccountStatus, reason string) error {
	defer c.accounts.clear()
	return c.next.SetAccountStatus(ctx, id, status, reason)
}

func (c *cachedStore) MergeAccountMeta(ctx context.Context, id string, meta map[string]string) error {
	defer c.accounts.clear()
	return c.next.MergeAccountMeta(ctx, id, meta)
}

func (c *cachedStore) SetAccountSchedule(ctx context.Context, workspaceID, id string, s *rythme.PostingSchedule) error {
	defer c.accounts.clear()
	return c.next.SetAccountSchedule(ctx, workspaceID, id, s)
}

func (c *cachedStore) RecordMetricsRead(ctx context.Context, accountID string, at time.Time) error {
	defer c.accounts.clear()
	return c.next.RecordMetricsRead(ctx, accountID, at)
}

func (c *cachedStore) RecordMetricsError(ctx context.Context, accountID, reason string, at time.Time, failures int) error {
	defer c.accounts.clear()
	return c.next.RecordMetricsError(ctx, accountID, reason, at, failures)
}

// The other reads go to the store: lists, and the workers' reads without
// workspace scope.

func (c *cachedStore) ListAPITokens(ctx context.Context, workspaceID string) ([]*rythme.APIToken, error) {
	return c.next.ListAPITokens(ctx, workspaceID)
}

func (c *cachedStore) AccountByID(ctx context.Context, id string) (*rythme.Account, error) {
	return c.next.AccountByID(ctx, id)
}

func (c *cachedStore) AccountsByID(ctx context.Context, ids []string) ([]*rythme.Account, error) {
	return c.next.AccountsByID(ctx, ids)
}

func (c *cachedStore) ListAccounts(ctx context.Context, workspaceID string) ([]*rythme.Account, error) {
	return c.next.ListAccounts(ctx, workspaceID)
}

func (c *cachedStore) AccountsExpiring(ctx context.Context, before time.Time, limit int) ([]*rythme.Account, error) {
	return c.next.AccountsExpiring(ctx, before, limit)
}

func (c *cachedStore) ConnectedAccounts(ctx context.Context, network, afterID string, limit int) ([]*rythme.Account, error) {
	return c.next.ConnectedAccounts(ctx, network, afterID, limit)
}

// The other writes make new rows: nothing of theirs is cached yet.

func (c *cachedStore) Bootstrap(ctx context.Context, ws *rythme.Workspace, tok *rythme.APIToken) (bool, error) {
	return c.next.Bootstrap(ctx, ws, tok)
}

func (c *cachedStore) CreateWorkspace(ctx context.Context, ws *rythme.Workspace) error {
	return c.next.CreateWorkspace(ctx, ws)
}

func (c *cachedStore) CreateAPIToken(ctx context.Context, t *rythme.APIToken) error {
	return c.next.CreateAPIToken(ctx, t)
}

// cloneAccount copies a, with its own Meta, Schedule and times.
func cloneAccount(a *rythme.Account) *rythme.Account {
	out := *a
	out.Meta = maps.Clone(a.Meta)
	for _, t := range []**time.Time{&out.LastMetricsAt, &out.LastMetricsErrorAt} {
		if *t != nil {
			c := **t
			*t = &c
		}
	}
	if a.Schedule != nil {
		s := *a.Schedule
		s.Slots = slices.Clone(a.Schedule.Slots)
		out.Schedule = &s
	}
	if a.History != nil {
		h := *a.History
		if h.FinishedAt != nil {
			f := *h.FinishedAt
			h.FinishedAt = &f
		}
		out.History = &h
	}
	return &out
}

// ttlCache maps keys to values that expire, at most authCacheMax of them.
// Its zero value is empty and ready.
type ttlCache[V any] struct {
	mu  sync.Mutex
	gen uint64 // bumped by clear: a read begun before does not put
	m   map[string]ttlEntry[V]
}

type ttlEntry[V any] struct {
	v       V
	expires time.Time
}

// get returns the live value of key, if any, and the generation to hand
// to put when the caller reads it from the store instead.
func (c *ttlCache[V]) get(key string, now time.Time) (V, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if ok && now.Before(e.expires) {
		return e.v, c.gen, true
	}
	var zero V
	return zero, c.gen, false
}

// put keeps v under key for ttl from now, unless the cache was cleared
// since generation gen.
func (c *ttlCache[V]) put(key string, v V, gen uint64, now time.Time, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if c.m == nil {
		c.m = map[string]ttlEntry[V]{}
	}
	if _, ok := c.m[key]; !ok && len(c.m) >= authCacheMax {
		for k, e := range c.m {
			if !now.Before(e.expires) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= authCacheMax {
			clear(c.m)
		}
	}
	c.m[key] = ttlEntry[V]{v: v, expires: now.Add(ttl)}
}

// clear forgets everything, including what reads in flight would put.
func (c *ttlCache[V]) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
}
