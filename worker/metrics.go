package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// Task types of the metrics poller.
const (
	TypePollMetrics = "metrics:poll"    // the sweep: finds what is due, one task per account
	TypePollAccount = "metrics:account" // reads one account's due posts (batched) and followers
)

// MetricsQueue holds the poller's tasks, apart from publishing.
const MetricsQueue = "metrics"

// PollAccountPayload is one account's due readings.
type PollAccountPayload struct {
	AccountID string              `json:"account_id"`
	Due       []rythme.MetricsDue `json:"due"`
	Audience  bool                `json:"audience"`
	// Now: read every post of the account still on its reading schedule,
	// due or not (a member asked: PollRequests); Due is then unused.
	Now bool `json:"now,omitempty"`
}

// NewPollTask returns the sweep task (one at a time across workers).
func NewPollTask() *asynq.Task {
	return sweepTask(TypePollMetrics, "sweep:metrics", 5*time.Minute)
}

// Poller reads engagement back: each published post on the decaying
// rythme.MetricsSchedule, batched per account as the network allows, and
// each account's followers daily. Every reading is a new snapshot.
//
// Every read goes through the call policy (AccountCalls): the account's
// lock for a refresh, one refresh on a 401 before needs_reconnect, rate
// limits per request. Nothing stops in silence: whatever failed before, the
// next sweep reads the account again (an archived task's id is revived),
// and an account whose reads keep failing says so (its last_metrics_error,
// and account.metrics_failing once).
type Poller struct {
	Store      PollStore
	Connectors *connectors.Registry
	Client     *asynq.Client
	// Inspector lets a sweep revive an account's task id that an archived
	// task holds (see enqueuer); nil: a conflict always means "queued".
	Inspector   *asynq.Inspector
	Limits      *Limits
	Redis       redis.UniversalClient // the account lock (nil: none)
	Notifier    *Notifier             // account events (nil: none)
	HTTPClient  *http.Client
	Clock       Clock
	Logger      *slog.Logger
	RedirectURI func(network string) string
	// Spread: account tasks start at random within it, so that a sweep does
	// not call every network at the same second (default 30s).
	Spread time.Duration
	// Batch bounds the readings one sweep hands out.
	Batch int
}

// Sweep finds what is due and enqueues one task per account (its id makes
// a second sweep a no-op while the first is alive; an id an archived task
// holds is revived). It returns how many accounts and readings it handed
// out.
func (p *Poller) Sweep(ctx context.Context) (accounts, readings int, err error) {
	now := p.Clock.Now()
	due, err := p.Store.DueMetrics(ctx, now, p.Batch)
	if err != nil {
		return 0, 0, fmt.Errorf("metrics: due: %w", err)
	}
	byAccount := map[string]*PollAccountPayload{}
	var order []string
	get := func(id string) *PollAccountPayload {
		if pl, ok := byAccount[id]; ok {
			return pl
		}
		pl := &PollAccountPayload{AccountID: id}
		byAccount[id] = pl
		order = append(order, id)
		return pl
	}
	for _, d := range due {
		pl := get(d.AccountID)
		pl.Due = append(pl.Due, d)
	}
	accts, err := p.Store.AccountsDueAudience(ctx, now, 500)
	if err != nil {
		return 0, 0, fmt.Errorf("metrics: audience due: %w", err)
	}
	for _, a := range accts {
		if conn, err := p.Connectors.Get(a.Network); err == nil {
			if _, ok := conn.(connectors.AudienceFetcher); ok {
				get(a.ID).Audience = true
			}
		}
	}
	enq := &enqueuer{client: p.Client, inspector: p.Inspector}
	for _, id := range order {
		pl := byAccount[id]
		b, _ := json.Marshal(pl)
		delay := time.Duration(0)
		if p.Spread > 0 {
			delay = time.Duration(jitter(int(p.Spread/time.Millisecond))) * time.Millisecond
		}
		task := asynq.NewTask(TypePollAccount, b, asynq.TaskID(PollTaskID(id)),
			asynq.Queue(MetricsQueue), asynq.ProcessIn(delay), asynq.MaxRetry(5), asynq.Timeout(5*time.Minute))
		added, err := enq.enqueue(ctx, task, MetricsQueue, PollTaskID(id))
		if err != nil {
			p.Logger.Warn("metrics: enqueue an account's reads; the next sweep tries again", slog.String("account_id", id), slog.Any("err", err))
		}
		if added {
			accounts++
			readings += len(pl.Due)
		}
	}
	return accounts, readings, nil
}

// PollTaskID is the task id of an account's reads: one task at a time.
func PollTaskID(accountID string) string { return "metrics:" + accountID }

// metricsFailingAfter is how many reads in a row fail before an account
// says its reads are failing (account.metrics_failing); a refusal (a
// permanent error, a token refused for good) says so at once.
const metricsFailingAfter = 3

// ProcessTask handles metrics:account.
func (p *Poller) ProcessTask(ctx context.Context, task *asynq.Task) error {
	if task.Type() == TypePollMetrics {
		a, n, err := p.Sweep(ctx)
		if n > 0 {
			p.Logger.Debug("metrics: sweep", slog.Int("accounts", a), slog.Int("readings", n))
		}
		if err != nil { // logged, not returned: see reconcileHandler
			p.Logger.Warn("metrics: sweep failed; the next one tries again", slog.Any("err", err))
		}
		return nil
	}
	var pl PollAccountPayload
	if err := json.Unmarshal(task.Payload(), &pl); err != nil {
		return fmt.Errorf("metrics: bad payload: %v: %w", err, asynq.SkipRetry)
	}
	log := p.Logger.With(slog.String("account_id", pl.AccountID))
	acct, err := p.Store.AccountByID(ctx, pl.AccountID)
	if rythme.ErrorCode(err) == rythme.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if acct.Status != rythme.AccountConnected {
		return nil // read again once reconnected
	}
	conn, err := p.Connectors.Get(acct.Network)
	if err != nil {
		p.failed(ctx, log, acct, "this build of rythme has no connector for "+acct.Network, true)
		return nil
	}
	// A wait the network announced (a 429) holds for reading too.
	if p.Limits != nil {
		if ttl, err := p.Limits.Blocked(ctx, acct.Network, acct.ID); err == nil && ttl > 0 {
			return &rateLimitedError{wait: ttl, err: fmt.Errorf("the network asked to wait")}
		}
	}
	calls := p.calls()
	call, err := calls.Open(ctx, log, conn, acct)
	if err != nil {
		return p.networkError(ctx, log, calls, acct, err)
	}
	info := conn.Info()
	if pl.Now && ReadsPosts(info) {
		if pl.Due, err = p.Store.ReadTargets(ctx, acct.ID, 0); err != nil {
			return err
		}
	}
	read := false
	if due, pollsOnly := readable(info, pl.Due); len(due) > 0 {
		err := call.Do(ctx, func(acct *rythme.Account, client *http.Client) error {
			return p.readPosts(ctx, log, conn, acct, client, due, pollsOnly)
		})
		if err != nil {
			return p.networkError(ctx, log, calls, acct, err)
		}
		read = true
	}
	if pl.Audience {
		if af, ok := conn.(connectors.AudienceFetcher); ok {
			var n int64
			err := call.Do(ctx, func(acct *rythme.Account, client *http.Client) error {
				var err error
				n, err = af.FetchFollowers(ctx, acct, client)
				return err
			})
			if err != nil {
				return p.networkError(ctx, log, calls, acct, err)
			}
			now := p.Clock.Now()
			if err := p.Store.SaveAudience(ctx, acct.ID, now, n, now.Add(rythme.AudienceEvery)); err != nil {
				return err
			}
			read = true
		}
	}
	if read {
		if err := p.Store.RecordMetricsRead(ctx, acct.ID, p.Clock.Now()); err != nil {
			log.Warn("metrics: record the read", slog.Any("err", err))
		}
	}
	return nil
}

// calls is the policy every call to a network goes through (netcall.go).
func (p *Poller) calls() *AccountCalls {
	return &AccountCalls{Store: p.Store, Redis: p.Redis, Limits: p.Limits, HTTPClient: p.HTTPClient, Clock: p.Clock,
		Logger: p.Logger, RedirectURI: p.RedirectURI, Apps: p.Store, Notifier: p.Notifier}
}

// ReadsPosts reports whether the poller reads a network's published
// posts: for their engagement (Network.Metrics), or only for the votes of
// their polls (PollLimits.Results: Discord gives no engagement to a
// webhook, but its polls' votes).
func ReadsPosts(info rythme.Network) bool {
	return info.Metrics || (info.Polls != nil && info.Polls.Results)
}

// readable is what of due the network's readings cover: every post where
// it gives engagement; else, where it reads poll votes, the posts that
// carry a poll (pollsOnly); else none. The others are left as they were.
func readable(info rythme.Network, due []rythme.MetricsDue) (out []rythme.MetricsDue, pollsOnly bool) {
	switch {
	case info.Metrics:
		return due, false
	case info.Polls == nil || !info.Polls.Results:
		return nil, false
	}
	for _, d := range due {
		if d.Poll {
			out = append(out, d)
		}
	}
	return out, true
}

// readPosts reads the due posts (the connector batches them as its network
// allows) and stores each reading, moving the post to its next step; a
// post read before its next reading is due (a poll on request) keeps its
// schedule. pollsOnly: the network gives the votes of the posts' polls and
// nothing else, so a closed poll is read no more.
func (p *Poller) readPosts(ctx context.Context, log *slog.Logger, conn connectors.Connector, acct *rythme.Account,
	client *http.Client, due []rythme.MetricsDue, pollsOnly bool) error {
	ids := make([]string, len(due))
	for i, d := range due {
		ids[i] = d.ExternalID
	}
	readings, err := conn.FetchMetrics(ctx, acct, client, ids)
	if err != nil {
		return err
	}
	if len(readings) != len(due) {
		return fmt.Errorf("metrics: %s answered %d readings for %d posts", acct.Network, len(readings), len(due))
	}
	if err := p.readPolls(ctx, log, conn, acct, client, due, readings); err != nil {
		return err
	}
	now := p.Clock.Now()
	for i, d := range due {
		m := readings[i]
		m.TargetID = d.TargetID
		if m.Comments != nil && d.OwnReplies > 0 {
			// A thread's next part is a reply to its first: not a comment.
			c := max(*m.Comments-int64(d.OwnReplies), 0)
			m.Comments = &c
		}
		if m.At.IsZero() {
			m.At = now
		}
		if d.NextAt.After(now) {
			if err := p.Store.SaveReading(ctx, d.TargetID, m); err != nil && rythme.ErrorCode(err) != rythme.ENOTFOUND {
				return err
			}
			continue
		}
		next := rythme.NextMetricsAt(d.PublishedAt, d.Step+1)
		if m.Deleted || (pollsOnly && m.Poll != nil && m.Poll.Closed) {
			next = nil
		}
		if err := p.Store.SaveMetrics(ctx, d, m, next); err != nil && rythme.ErrorCode(err) != rythme.ECONFLICT {
			return err
		}
	}
	log.Debug("metrics: read", slog.Int("posts", len(due)))
	return nil
}

// readPolls reads, where the network gives a poll's votes with a call of
// its own (connectors.PollReader), the votes of the due posts that carry a
// poll and are not gone, into their readings. A refusal of the poll read
// alone (a Permanent error) is logged and the engagement kept; a wait, a
// token refused or a failure to retry fail the whole read, as any call.
func (p *Poller) readPolls(ctx context.Context, log *slog.Logger, conn connectors.Connector, acct *rythme.Account,
	client *http.Client, due []rythme.MetricsDue, readings []rythme.Metrics) error {
	pr, ok := conn.(connectors.PollReader)
	if !ok {
		return nil
	}
	var ids []string
	var at []int
	for i, d := range due {
		if d.Poll && !readings[i].Deleted && readings[i].Poll == nil {
			ids, at = append(ids, d.ExternalID), append(at, i)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	polls, err := pr.FetchPolls(ctx, acct, client, ids)
	if connectors.KindOf(err) == connectors.Permanent {
		log.Warn("metrics: the network refused the polls' votes; the engagement is kept", slog.Any("err", err))
		return nil
	} else if err != nil {
		return err
	}
	if len(polls) != len(ids) {
		return fmt.Errorf("metrics: %s answered %d polls for %d posts", acct.Network, len(polls), len(ids))
	}
	for j, i := range at {
		readings[i].Poll = polls[j]
	}
	return nil
}

// networkError acts on a failed read: wait out a rate limit (the policy
// recorded the network's wait for every worker), reconnect an account
// whose token is refused even after a refresh, give up on a permanent
// refusal until the next sweep, retry the rest. Every failure but a wait
// is recorded on the account.
func (p *Poller) networkError(ctx context.Context, log *slog.Logger, calls *AccountCalls, acct *rythme.Account, err error) error {
	ce, _ := connectors.AsError(err)
	kind := connectors.KindOf(err)
	if kind == connectors.RateLimited {
		wait := defaultRateLimitWait
		if ce != nil && ce.RetryAfter > 0 {
			wait = ce.RetryAfter
		}
		return &rateLimitedError{wait: wait, err: err}
	}
	reason := errMessage(err)
	p.failed(ctx, log, acct, reason, kind == connectors.Auth || kind == connectors.Permanent)
	switch kind {
	case connectors.Auth:
		return calls.NeedsReconnect(ctx, log, acct.ID, reason)
	case connectors.Permanent:
		log.Warn("metrics: the network refused to tell; the next sweep tries again", slog.String("reason", reason))
		return fmt.Errorf("metrics: %w: %w", err, asynq.SkipRetry)
	}
	return err
}

// failed records a failed read on the account and, when its reads have
// just started failing (metricsFailingAfter in a row, or a refusal),
// emits account.metrics_failing once.
func (p *Poller) failed(ctx context.Context, log *slog.Logger, acct *rythme.Account, reason string, refused bool) {
	n := acct.MetricsFailures + 1
	if refused {
		n = max(n, metricsFailingAfter)
	}
	reason = strings.ToValidUTF8(strings.ReplaceAll(reason, "\x00", ""), "")
	if len(reason) > connectors.MaxMessage*2 {
		reason = strings.ToValidUTF8(reason[:connectors.MaxMessage*2], "") + "…"
	}
	now := p.Clock.Now()
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := p.Store.RecordMetricsError(rctx, acct.ID, reason, now, n); err != nil {
		log.Warn("metrics: record the failed read", slog.Any("err", err))
		return
	}
	if acct.MetricsFailures >= metricsFailingAfter || n < metricsFailingAfter {
		return
	}
	log.Warn("metrics: the account's reads keep failing", slog.Int("failures", n), slog.String("reason", reason))
	p.Notifier.Emit(rctx, rythme.Event{ID: "evt_" + acct.ID + "_metrics_failing_" + strconv.FormatInt(now.Unix(), 10),
		Type: rythme.EventAccountMetricsFailing, CreatedAt: now, Workspace: acct.WorkspaceID,
		Data: rythme.EventData{AccountID: acct.ID, Username: acct.Username, Network: acct.Network,
			Status: string(acct.Status), Reason: reason}})
}
