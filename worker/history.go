package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// TypeImportHistory reads an account's earlier posts, page by page, and
// stores them as imported posts (history on connect, or on request).
const TypeImportHistory = "history:import"

// HistoryPayload names the account whose history to import; what to read
// (window, cursor) is on the account, so that a retried or resumed task
// goes on where the last page stored left it.
type HistoryPayload struct {
	AccountID string `json:"account_id"`
}

// HistoryTaskID is the task id of an account's import: one at a time.
func HistoryTaskID(accountID string) string { return "history:" + accountID }

// Times of the history import.
const (
	// HistoryEvery is how often a member may ask for an account's history.
	HistoryEvery = 10 * time.Minute
	// historyStale: an import whose account has not moved for that long
	// lost its task (Redis wiped, retries used up), and may be started
	// again, from its cursor.
	historyStale = 15 * time.Minute
	// historyPageSize is the posts asked for per page (the connector asks
	// for fewer where the network's pages are smaller).
	historyPageSize = 100
	historyRetries  = 10
)

// HistoryStore is what the history import uses: the account calls, and
// storing each page of posts.
type HistoryStore interface {
	AccountCallsStore
	connectors.Apps
	SaveHistoryPage(ctx context.Context, accountID string, posts []rythme.HistoryPost, cursor string, done bool, now time.Time) (int, error)
	FailHistory(ctx context.Context, accountID, reason string, now time.Time) error
}

// HistoryImporter handles history:import: it reads the account's posts of
// the import's window, newest first, from the cursor the account holds,
// at most rythme.HistoryMaxPosts, and stores each page in one transaction
// with the cursor after it (SaveHistoryPage), so that a crash loses at most
// the page in flight, read again by the retry: what is stored is never
// stored twice. Every page is one call through the account-call policy
// (AccountCalls: the account's lock for a refresh, one refresh on a 401,
// each request charged against the network's limits shared by every
// worker, a wait the network announced honoured); a long wait puts the
// task back on the queue until then.
type HistoryImporter struct {
	Store       HistoryStore
	Connectors  *connectors.Registry
	Limits      *Limits
	Redis       redis.UniversalClient
	Notifier    *Notifier
	HTTPClient  *http.Client
	Clock       Clock
	Logger      *slog.Logger
	RedirectURI func(network string) string
	// MaxPosts bounds one import (default rythme.HistoryMaxPosts).
	MaxPosts int
}

func (h *HistoryImporter) calls() *AccountCalls {
	return &AccountCalls{Store: h.Store, Redis: h.Redis, Limits: h.Limits, HTTPClient: h.HTTPClient, Clock: h.Clock,
		Logger: h.Logger, RedirectURI: h.RedirectURI, Apps: h.Store, Notifier: h.Notifier}
}

// ProcessTask handles history:import.
func (h *HistoryImporter) ProcessTask(ctx context.Context, task *asynq.Task) error {
	var pl HistoryPayload
	if err := json.Unmarshal(task.Payload(), &pl); err != nil {
		return fmt.Errorf("history: bad payload: %v: %w", err, asynq.SkipRetry)
	}
	log := h.Logger.With(slog.String("account_id", pl.AccountID))
	acct, err := h.Store.AccountByID(ctx, pl.AccountID)
	if rythme.ErrorCode(err) == rythme.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	hist := acct.History
	if hist == nil || hist.Status != rythme.HistoryRunning {
		return nil // finished, failed or never asked: nothing to do
	}
	if acct.Status != rythme.AccountConnected {
		h.fail(ctx, log, acct.ID, "the account is "+string(acct.Status)+": reconnect it to import its history")
		return nil
	}
	conn, err := h.Connectors.Get(acct.Network)
	hr, ok := conn.(connectors.HistoryReader)
	if err != nil || !ok {
		h.fail(ctx, log, acct.ID, acct.Network+" lists no account's earlier posts")
		return nil
	}
	if h.Limits != nil {
		if ttl, err := h.Limits.Blocked(ctx, acct.Network, acct.ID); err == nil && ttl > 0 {
			return &rateLimitedError{wait: ttl, err: fmt.Errorf("the network asked to wait")}
		}
	}
	calls := h.calls()
	call, err := calls.Open(ctx, log, conn, acct)
	if err != nil {
		return h.networkError(ctx, log, calls, acct, err)
	}
	maxPosts := h.MaxPosts
	if maxPosts <= 0 {
		maxPosts = rythme.HistoryMaxPosts
	}
	read, cursor := hist.Read, hist.Cursor
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		left := maxPosts - read
		var page *connectors.HistoryPage
		if left > 0 {
			err := call.Do(ctx, func(acct *rythme.Account, client *http.Client) error {
				var err error
				page, err = hr.ReadHistory(ctx, acct, client, connectors.HistoryRequest{Since: hist.Since, Cursor: cursor, Limit: min(historyPageSize, left)})
				return err
			})
			if err != nil {
				return h.networkError(ctx, log, calls, acct, err)
			}
		} else {
			page = &connectors.HistoryPage{}
		}
		posts := page.Posts[:min(len(page.Posts), max(left, 0))]
		done := page.Next == "" || read+len(posts) >= maxPosts
		added, err := h.Store.SaveHistoryPage(ctx, acct.ID, posts, page.Next, done, h.Clock.Now())
		if rythme.ErrorCode(err) == rythme.ECONFLICT {
			return nil // stopped meanwhile
		} else if err != nil {
			return err
		}
		read += len(posts)
		cursor = page.Next
		log.Debug("history: page stored", slog.Int("read", len(posts)), slog.Int("added", added))
		if done {
			log.Info("history: imported", slog.Int("read", read))
			return nil
		}
	}
}

// networkError acts on a failed page: wait out a rate limit (the task
// comes back then, from the stored cursor), reconnect an account whose
// token is refused even after a refresh, stop on a permanent refusal, and
// retry the rest until the retries are used up.
func (h *HistoryImporter) networkError(ctx context.Context, log *slog.Logger, calls *AccountCalls, acct *rythme.Account, err error) error {
	ce, _ := connectors.AsError(err)
	switch connectors.KindOf(err) {
	case connectors.RateLimited:
		wait := defaultRateLimitWait
		if ce != nil && ce.RetryAfter > 0 {
			wait = ce.RetryAfter
		}
		return &rateLimitedError{wait: wait, err: err}
	case connectors.Auth:
		h.fail(ctx, log, acct.ID, errMessage(err))
		return calls.NeedsReconnect(ctx, log, acct.ID, errMessage(err))
	case connectors.Permanent:
		h.fail(ctx, log, acct.ID, errMessage(err))
		return fmt.Errorf("history: %w: %w", err, asynq.SkipRetry)
	}
	if n, ok := asynq.GetRetryCount(ctx); ok {
		if m, ok := asynq.GetMaxRetry(ctx); ok && n >= m {
			h.fail(ctx, log, acct.ID, errMessage(err))
		}
	}
	return err
}

// fail stops the import with reason, even when ctx is done.
func (h *HistoryImporter) fail(ctx context.Context, log *slog.Logger, accountID, reason string) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := h.Store.FailHistory(rctx, accountID, reason, h.Clock.Now()); err != nil && rythme.ErrorCode(err) != rythme.ECONFLICT {
		log.Warn("history: record the failure", slog.Any("err", err))
		return
	}
	log.Warn("history: import stopped", slog.String("reason", reason))
}

// HistoryStartStore is what starting an import uses.
type HistoryStartStore interface {
	StartHistory(ctx context.Context, accountID string, since, now, staleBefore time.Time) (*rythme.HistoryImport, error)
}

// HistoryRequests starts history imports: on connect (connecting's
// OnConnected) and at a manager's request (POST /v1/accounts/{id}/history,
// at most once per HistoryEvery per account, counted in Redis for every
// API replica). Starting marks the import running in the store, then
// queues its task (one per account, by id).
type HistoryRequests struct {
	rdb   redis.UniversalClient
	store HistoryStartStore
	enq   *enqueuer
	clock Clock
}

// NewHistoryRequests returns requests kept in rdb (nil clock: RealClock).
func NewHistoryRequests(rdb redis.UniversalClient, store HistoryStartStore, clock Clock) *HistoryRequests {
	if clock == nil {
		clock = RealClock
	}
	return &HistoryRequests{rdb: rdb, store: store, clock: clock,
		enq: &enqueuer{client: asynq.NewClientFromRedisClient(rdb), inspector: asynq.NewInspectorFromRedisClient(rdb)}}
}

func historyRequestKey(accountID string) string { return "rythme:history-request:" + accountID }

// Request starts the account's import at a member's request: wait > 0
// (nothing started) when it was asked less than HistoryEvery ago;
// ECONFLICT while an import runs.
func (r *HistoryRequests) Request(ctx context.Context, acct *rythme.Account) (hi *rythme.HistoryImport, wait time.Duration, err error) {
	ok, err := r.rdb.SetNX(ctx, historyRequestKey(acct.ID), "1", HistoryEvery).Result()
	if err != nil {
		return nil, 0, rythme.Errorf(rythme.EUNAVAILABLE, "worker: history request: %v", err)
	}
	if !ok {
		ttl, err := r.rdb.PTTL(ctx, historyRequestKey(acct.ID)).Result()
		if err != nil {
			return nil, 0, rythme.Errorf(rythme.EUNAVAILABLE, "worker: history request: %v", err)
		}
		return nil, max(ttl, time.Second), nil
	}
	hi, err = r.Start(ctx, acct)
	if err != nil {
		r.rdb.Del(context.WithoutCancel(ctx), historyRequestKey(acct.ID)) // nothing started: may ask again
		return nil, 0, err
	}
	return hi, 0, nil
}

// Start marks the account's import running over the last
// rythme.HistoryWindow (an import that failed or lost its task goes on
// from its cursor) and queues its task. ECONFLICT while one runs.
func (r *HistoryRequests) Start(ctx context.Context, acct *rythme.Account) (*rythme.HistoryImport, error) {
	now := r.clock.Now()
	hi, err := r.store.StartHistory(ctx, acct.ID, now.Add(-rythme.HistoryWindow), now, now.Add(-historyStale))
	if err != nil {
		return nil, err
	}
	b, _ := json.Marshal(HistoryPayload{AccountID: acct.ID})
	id := HistoryTaskID(acct.ID)
	task := asynq.NewTask(TypeImportHistory, b, asynq.TaskID(id), asynq.Queue(MetricsQueue),
		asynq.MaxRetry(historyRetries), asynq.Timeout(10*time.Minute))
	if _, err := r.enq.enqueue(ctx, task, MetricsQueue, id); err != nil {
		// Marked running but not queued: a request after historyStale
		// starts it again, from its cursor.
		return nil, fmt.Errorf("worker: history: enqueue: %w", err)
	}
	return hi, nil
}
