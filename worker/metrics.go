package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/hibiken/asynq"

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
}

// NewPollTask returns the sweep task (one at a time across workers).
func NewPollTask() *asynq.Task {
	return asynq.NewTask(TypePollMetrics, nil, asynq.TaskID("sweep:metrics"), asynq.Queue(SystemQueue),
		asynq.MaxRetry(0), asynq.Timeout(5*time.Minute))
}

// Poller reads engagement back: each published post on the decaying
// rythme.MetricsSchedule, batched per account as the network allows, and
// each account's followers daily. Every reading is a new snapshot.
type Poller struct {
	Store       rythme.Store
	Connectors  *connectors.Registry
	Client      *asynq.Client
	Limits      *Limits
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
// a second sweep a no-op while the first is pending). It returns how many
// accounts and readings it handed out.
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
	for _, id := range order {
		pl := byAccount[id]
		b, _ := json.Marshal(pl)
		delay := time.Duration(0)
		if p.Spread > 0 {
			delay = time.Duration(jitter(int(p.Spread/time.Millisecond))) * time.Millisecond
		}
		_, err := p.Client.EnqueueContext(ctx, asynq.NewTask(TypePollAccount, b, asynq.TaskID("metrics:"+id),
			asynq.Queue(MetricsQueue), asynq.ProcessIn(delay), asynq.MaxRetry(5), asynq.Timeout(5*time.Minute)))
		if err == nil {
			accounts++
			readings += len(pl.Due)
		}
	}
	return accounts, readings, nil
}

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
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	// A wait the network announced (a 429) holds for reading too.
	if p.Limits != nil {
		if ttl, err := p.Limits.rdb.PTTL(ctx, blockKey(acct.Network, acct.ID)).Result(); err == nil && ttl > 0 {
			return &rateLimitedError{wait: ttl, err: fmt.Errorf("the network asked to wait")}
		}
	}
	sess, err := connectors.OpenSession(ctx, conn, acct, p.HTTPClient, p.RedirectURI(acct.Network), p.Store,
		func(ctx context.Context, tok rythme.Token) error {
			return p.Store.UpdateAccountToken(ctx, acct.ID, tok)
		})
	if err != nil {
		return err
	}
	if len(pl.Due) > 0 && conn.Info().Metrics {
		if err := p.readPosts(ctx, log, conn, acct, sess, pl.Due); err != nil {
			return p.networkError(ctx, log, acct, err)
		}
	}
	if pl.Audience {
		if af, ok := conn.(connectors.AudienceFetcher); ok {
			n, err := af.FetchFollowers(ctx, acct, sess.Client())
			if err != nil {
				return p.networkError(ctx, log, acct, err)
			}
			now := p.Clock.Now()
			if err := p.Store.SaveAudience(ctx, acct.ID, now, n, now.Add(rythme.AudienceEvery)); err != nil {
				return err
			}
		}
	}
	return nil
}

// readPosts reads the due posts (the connector batches them as its network
// allows) and stores each reading, moving the post to its next step.
func (p *Poller) readPosts(ctx context.Context, log *slog.Logger, conn connectors.Connector, acct *rythme.Account,
	sess connectors.Session, due []rythme.MetricsDue) error {
	ids := make([]string, len(due))
	for i, d := range due {
		ids[i] = d.ExternalID
	}
	readings, err := conn.FetchMetrics(ctx, acct, sess.Client(), ids)
	if err != nil {
		return err
	}
	if len(readings) != len(due) {
		return fmt.Errorf("metrics: %s answered %d readings for %d posts", acct.Network, len(readings), len(due))
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
		next := rythme.NextMetricsAt(d.PublishedAt, d.Step+1)
		if m.Deleted {
			next = nil
		}
		if err := p.Store.SaveMetrics(ctx, d, m, next); err != nil && rythme.ErrorCode(err) != rythme.ECONFLICT {
			return err
		}
	}
	log.Debug("metrics: read", slog.Int("posts", len(due)))
	return nil
}

// networkError acts on a failed read: wait out a rate limit (every worker),
// reconnect a refused account, give up on a permanent refusal until the
// next sweep, retry the rest.
func (p *Poller) networkError(ctx context.Context, log *slog.Logger, acct *rythme.Account, err error) error {
	ce, _ := connectors.AsError(err)
	switch connectors.KindOf(err) {
	case connectors.RateLimited:
		wait := 30 * time.Second
		if ce != nil && ce.RetryAfter > 0 {
			wait = ce.RetryAfter
		}
		if p.Limits != nil {
			_ = p.Limits.Block(ctx, acct.Network, acct.ID, wait)
		}
		return &rateLimitedError{wait: wait, err: err}
	case connectors.Auth:
		if merr := markNeedsReconnect(ctx, p.Store, nil, log, acct.ID, errMessage(err), p.Clock.Now()); merr != nil {
			return merr
		}
		return nil
	case connectors.Permanent:
		log.Warn("metrics: the network refused to tell; the next sweep tries again", slog.String("reason", errMessage(err)))
		return fmt.Errorf("metrics: %w: %w", err, asynq.SkipRetry)
	}
	return err
}
