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
	"github.com/rythmehq/rythme/listening"
)

// Task types of the inbox poller.
const (
	TypePollInbox        = "inbox:poll"    // the sweep: one task per account whose network has an inbox
	TypePollInboxAccount = "inbox:account" // reads one account's comments and mentions
)

// MetaInboxCursor is the account meta key holding where its mentions were
// read up to (the connector's opaque cursor).
const MetaInboxCursor = "inbox_cursor"

// DefaultInboxPosts is how many of an account's most recent published
// posts (still on their reading schedule) each read covers: with Mastodon's
// one request per post, 20 posts and the mentions every 5 minutes is 21 of
// its 300 requests per 5 minutes.
const DefaultInboxPosts = 20

// InboxStore is what the inbox poller uses: the accounts to read, their
// recent published posts, the cursor kept in the account's meta, and the
// inbox itself (through package listening).
type InboxStore interface {
	AccountCallsStore
	connectors.Apps
	listening.Store
	ConnectedAccounts(ctx context.Context, network, afterID string, limit int) ([]*rythme.Account, error)
	ReadTargets(ctx context.Context, accountID string, limit int) ([]rythme.MetricsDue, error)
	GetTarget(ctx context.Context, id string) (*rythme.Target, error)
	MergeAccountMeta(ctx context.Context, id string, meta map[string]string) error
}

// InboxAccountPayload names the account a read is for.
type InboxAccountPayload struct {
	AccountID string `json:"account_id"`
}

// NewInboxTask returns the sweep task (one at a time across workers).
func NewInboxTask() *asynq.Task {
	return sweepTask(TypePollInbox, "sweep:inbox", 5*time.Minute)
}

// InboxTaskID is the task id of an account's inbox read: one at a time.
func InboxTaskID(accountID string) string { return "inbox:" + accountID }

// InboxPoller reads the comments on each account's recent published posts
// and its mentions, on every network whose connector is an
// connectors.InboxReader, and stores them in the inbox (listening.Receive:
// each once), emitting comment.received for each new one.
//
// Every read goes through the call policy (AccountCalls): the account's
// lock for a refresh, one refresh on a 401 before needs_reconnect, rate
// limits charged per request and shared in Redis, waits the network
// announces. A read that failed is tried again by the next sweep.
type InboxPoller struct {
	Store       InboxStore
	Connectors  *connectors.Registry
	Client      *asynq.Client
	Inspector   *asynq.Inspector
	Limits      *Limits
	Redis       redis.UniversalClient
	Notifier    *Notifier
	HTTPClient  *http.Client
	Clock       Clock
	Logger      *slog.Logger
	RedirectURI func(network string) string
	// Posts bounds the posts one read covers (default DefaultInboxPosts).
	Posts int
	// Spread: account tasks start at random within it (default none).
	Spread time.Duration
	// Streams, when set, are the accounts' inbox streams (stream.go): an
	// account whose stream is up is read once per Streams.StreamedPoll
	// instead of every sweep.
	Streams *InboxStreams
}

// Sweep enqueues one read per connected account of every network with an
// inbox, and returns how many it enqueued.
func (p *InboxPoller) Sweep(ctx context.Context) (int, error) {
	enq := &enqueuer{client: p.Client, inspector: p.Inspector}
	n := 0
	for _, conn := range p.Connectors.All() {
		if !connectors.ReadsInbox(conn, nil) {
			continue // no inbox, or the app lacks the permission to read it
		}
		after := ""
		for {
			accts, err := p.Store.ConnectedAccounts(ctx, conn.Info().Name, after, 500)
			if err != nil {
				return n, fmt.Errorf("inbox: accounts: %w", err)
			}
			for _, a := range accts {
				if p.Streams != nil && !p.Streams.pollStreamed(ctx, a.ID) {
					continue // its stream brings what is new
				}
				b, _ := json.Marshal(InboxAccountPayload{AccountID: a.ID})
				delay := time.Duration(0)
				if p.Spread > 0 {
					delay = time.Duration(jitter(int(p.Spread/time.Millisecond))) * time.Millisecond
				}
				task := asynq.NewTask(TypePollInboxAccount, b, asynq.TaskID(InboxTaskID(a.ID)), asynq.Queue(MetricsQueue),
					asynq.ProcessIn(delay), asynq.MaxRetry(3), asynq.Timeout(5*time.Minute))
				added, err := enq.enqueue(ctx, task, MetricsQueue, InboxTaskID(a.ID))
				if err != nil {
					p.Logger.Warn("inbox: enqueue an account's read; the next sweep tries again", slog.String("account_id", a.ID), slog.Any("err", err))
				}
				if added {
					n++
				}
			}
			if len(accts) < 500 {
				break
			}
			after = accts[len(accts)-1].ID
		}
	}
	return n, nil
}

// ProcessTask handles inbox:poll and inbox:account.
func (p *InboxPoller) ProcessTask(ctx context.Context, task *asynq.Task) error {
	if task.Type() == TypeModerate {
		return p.moderate(ctx, task.Payload())
	}
	if task.Type() == TypePollInbox {
		if _, err := p.Sweep(ctx); err != nil { // logged, not returned: see reconcileHandler
			p.Logger.Warn("inbox: sweep failed; the next one tries again", slog.Any("err", err))
		}
		return nil
	}
	var pl InboxAccountPayload
	if err := json.Unmarshal(task.Payload(), &pl); err != nil {
		return fmt.Errorf("inbox: bad payload: %v: %w", err, asynq.SkipRetry)
	}
	_, err := p.ReadAccount(ctx, pl.AccountID)
	return err
}

// ReadAccount reads one account's inbox now and returns the items that
// were new. An account not connected, or on a network without an inbox,
// is left alone.
func (p *InboxPoller) ReadAccount(ctx context.Context, accountID string) ([]*rythme.InboxItem, error) {
	log := p.Logger.With(slog.String("account_id", accountID))
	acct, err := p.Store.AccountByID(ctx, accountID)
	if rythme.ErrorCode(err) == rythme.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if acct.Status != rythme.AccountConnected {
		return nil, nil // read again once reconnected
	}
	conn, err := p.Connectors.Get(acct.Network)
	if err != nil {
		return nil, nil
	}
	reader, ok := conn.(connectors.InboxReader)
	if !ok || !connectors.ReadsInbox(conn, acct) {
		return nil, nil // nothing to read, or the network would refuse it
	}
	if p.Limits != nil {
		if ttl, err := p.Limits.Blocked(ctx, acct.Network, acct.ID); err == nil && ttl > 0 {
			return nil, &rateLimitedError{wait: ttl, err: fmt.Errorf("the network asked to wait")}
		}
	}
	limit := p.Posts
	if limit <= 0 {
		limit = DefaultInboxPosts
	}
	due, err := p.Store.ReadTargets(ctx, acct.ID, limit)
	if err != nil {
		return nil, err
	}
	posts := make([]string, 0, len(due))
	targetOf := map[string]string{}
	for _, d := range due {
		if d.ExternalID != "" {
			posts = append(posts, d.ExternalID)
			targetOf[d.ExternalID] = d.TargetID
		}
	}
	calls := p.calls()
	call, err := calls.Open(ctx, log, conn, acct)
	if err != nil {
		return nil, p.networkError(ctx, log, calls, acct, err)
	}
	var page *connectors.InboxPage
	err = call.Do(ctx, func(acct *rythme.Account, client *http.Client) error {
		var err error
		page, err = reader.ReadInbox(ctx, acct, client, connectors.InboxRequest{Posts: posts, Cursor: acct.Meta[MetaInboxCursor]})
		return err
	})
	if err != nil {
		return nil, p.networkError(ctx, log, calls, acct, err)
	}
	created, err := p.store(ctx, acct, page, targetOf)
	if err != nil {
		return nil, err
	}
	if page.Cursor != acct.Meta[MetaInboxCursor] {
		if err := p.Store.MergeAccountMeta(ctx, acct.ID, map[string]string{MetaInboxCursor: page.Cursor}); err != nil {
			log.Warn("inbox: save the cursor; mentions will be read again (stored once)", slog.Any("err", err))
		}
	}
	if len(created) > 0 {
		log.Debug("inbox: read", slog.Int("new", len(created)), slog.Int("posts", len(posts)))
	}
	return created, nil
}

// store saves the page's entries as inbox items and emits comment.received
// for each new one.
func (p *InboxPoller) store(ctx context.Context, acct *rythme.Account, page *connectors.InboxPage, targetOf map[string]string) ([]*rythme.InboxItem, error) {
	svc, err := listening.New(listening.Config{Store: p.Store, Now: p.Clock.Now})
	if err != nil {
		return nil, err
	}
	posts := map[string]string{} // target id → post id
	items := make([]*rythme.InboxItem, 0, len(page.Entries))
	for _, e := range page.Entries {
		it := &rythme.InboxItem{WorkspaceID: acct.WorkspaceID, AccountID: acct.ID, Network: acct.Network,
			ExternalID: e.ExternalID, Kind: e.Kind, InReplyTo: e.InReplyTo, Author: e.Author, Text: e.Text, URL: e.URL,
			CreatedAt: e.CreatedAt}
		if it.CreatedAt.IsZero() {
			it.CreatedAt = p.Clock.Now()
		}
		if tid := targetOf[e.PostID]; tid != "" {
			it.TargetID = tid
			if _, ok := posts[tid]; !ok {
				if t, err := p.Store.GetTarget(ctx, tid); err == nil {
					posts[tid] = t.PostID
				}
			}
			it.PostID = posts[tid]
		}
		items = append(items, it)
	}
	if len(items) == 0 {
		return nil, nil
	}
	created, err := svc.Receive(ctx, items)
	if err != nil {
		return nil, err
	}
	now := p.Clock.Now()
	for _, it := range created {
		data := rythme.EventData{AccountID: acct.ID, Username: acct.Username, Network: acct.Network,
			Status: string(it.Status), URL: it.URL, ExternalID: it.ExternalID, PostID: it.PostID, TargetID: it.TargetID,
			InboxItemID: it.ID, Author: it.Author.Handle}
		p.Notifier.Emit(ctx, rythme.Event{ID: "evt_" + it.ID + "_received", Type: rythme.EventCommentReceived, CreatedAt: now,
			Workspace: it.WorkspaceID, Data: data})
		if it.Flagged {
			data.Reason = flagReason(it)
			p.Notifier.Emit(ctx, rythme.Event{ID: "evt_" + it.ID + "_flagged", Type: rythme.EventCommentFlagged, CreatedAt: now,
				Workspace: it.WorkspaceID, Data: data})
		}
	}
	return created, nil
}

// calls is the policy every call to a network goes through (netcall.go).
func (p *InboxPoller) calls() *AccountCalls {
	return &AccountCalls{Store: p.Store, Redis: p.Redis, Limits: p.Limits, HTTPClient: p.HTTPClient, Clock: p.Clock,
		Logger: p.Logger, RedirectURI: p.RedirectURI, Apps: p.Store, Notifier: p.Notifier}
}

// networkError acts on a failed read: wait out a rate limit, reconnect an
// account whose token is refused even after a refresh, give up on a
// permanent refusal until the next sweep, retry the rest.
func (p *InboxPoller) networkError(ctx context.Context, log *slog.Logger, calls *AccountCalls, acct *rythme.Account, err error) error {
	ce, _ := connectors.AsError(err)
	switch connectors.KindOf(err) {
	case connectors.RateLimited:
		wait := defaultRateLimitWait
		if ce != nil && ce.RetryAfter > 0 {
			wait = ce.RetryAfter
		}
		return &rateLimitedError{wait: wait, err: err}
	case connectors.Auth:
		return calls.NeedsReconnect(ctx, log, acct.ID, errMessage(err))
	case connectors.Permanent:
		log.Warn("inbox: the network refused the read; the next sweep tries again", slog.String("reason", errMessage(err)))
		return fmt.Errorf("inbox: %w: %w", err, asynq.SkipRetry)
	}
	return err
}

// flagReason is what the rule that flagged it said, from the audit trail
// the item was saved with.
func flagReason(it *rythme.InboxItem) string {
	for _, e := range it.Audit {
		if e.Action == rythme.InboxActionFlag {
			return e.Actor + ": " + e.Reason
		}
	}
	return "flagged by a rule"
}

// TypeModerate is a moderation action on an inbox item (hide, unhide,
// delete on the network).
const TypeModerate = "inbox:moderate"

var _ listening.ModerationQueue = (*Queue)(nil)

// EnqueueModeration puts a moderation action on the queue, at once.
func (q *Queue) EnqueueModeration(ctx context.Context, m listening.ModerationTask) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("worker: moderation payload: %w", err)
	}
	_, err = q.client.EnqueueContext(ctx, asynq.NewTask(TypeModerate, b, asynq.Queue(MetricsQueue), asynq.MaxRetry(5),
		asynq.Timeout(time.Minute)))
	return err
}

// moderate does a moderation action through the account-call policy and
// records its outcome in the item's audit trail.
func (p *InboxPoller) moderate(ctx context.Context, payload []byte) error {
	var m listening.ModerationTask
	if err := json.Unmarshal(payload, &m); err != nil {
		return fmt.Errorf("inbox: bad moderation payload: %v: %w", err, asynq.SkipRetry)
	}
	log := p.Logger.With(slog.String("inbox_item_id", m.ItemID), slog.String("action", m.Action))
	svc, err := listening.New(listening.Config{Store: p.Store, Now: p.Clock.Now})
	if err != nil {
		return err
	}
	it, err := p.Store.GetInboxItem(ctx, m.WorkspaceID, m.ItemID)
	if rythme.ErrorCode(err) == rythme.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	acct, err := p.Store.AccountByID(ctx, it.AccountID)
	if err != nil {
		return err
	}
	fail := func(why string) error {
		if _, err := svc.Moderated(ctx, m, acct.Network, why); err != nil {
			return err
		}
		return fmt.Errorf("inbox: %s: %s: %w", m.Action, why, asynq.SkipRetry)
	}
	if acct.Status != rythme.AccountConnected {
		return fail("the account is " + string(acct.Status) + ": reconnect it and try again")
	}
	conn, err := p.Connectors.Get(acct.Network)
	if err != nil {
		return fail("this build of rythme has no connector for " + acct.Network)
	}
	mod, ok := conn.(connectors.Moderator)
	if !ok {
		return fail(conn.Info().Title + " gives rythme no way to " + m.Action + " a comment")
	}
	calls := p.calls()
	call, err := calls.Open(ctx, log, conn, acct)
	if err == nil {
		err = call.Do(ctx, func(acct *rythme.Account, client *http.Client) error {
			return mod.Moderate(ctx, acct, client, m.Action, it.ExternalID)
		})
	}
	switch kind := connectors.KindOf(err); {
	case err == nil:
		_, err := svc.Moderated(ctx, m, conn.Info().Title, "")
		return err
	case kind == connectors.Permanent:
		return fail(errMessage(err))
	case kind == connectors.Auth:
		_ = calls.NeedsReconnect(ctx, log, acct.ID, errMessage(err))
		return fail("the network refused the account's token: reconnect it and try again")
	}
	return p.networkError(ctx, log, calls, acct, err) // a wait or a retry
}
