package worker

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/netguard"
)

// TypeDeliverWebhook delivers one event to one webhook.
const TypeDeliverWebhook = "webhook:deliver"

// WebhookQueue holds deliveries, apart from publishing.
const WebhookQueue = "webhooks"

// DeliverPayload is the payload of a webhook:deliver task.
type DeliverPayload struct {
	WebhookID string       `json:"webhook_id"`
	Event     rythme.Event `json:"event"`
}

// Notifier turns what happened into deliveries: one task per subscribed
// webhook, its id derived from the event's so that an event emitted twice
// is delivered once.
type Notifier struct {
	Store  NotifyStore
	Client *asynq.Client
	Logger *slog.Logger

	once    sync.Once
	batches *batcher[string, []*rythme.Webhook] // nil: one read per event
}

// WebhookBatchStore is what a Notifier reads many workspaces' webhooks
// with, in one statement, when its store has it: at the top of the hour,
// thousands of post.published events share a few reads.
type WebhookBatchStore interface {
	WebhooksOf(ctx context.Context, workspaceIDs []string) ([]*rythme.Webhook, error)
}

// hooksFor lists the workspace's webhooks subscribed to event, read
// together with those of concurrent events where the store allows.
func (n *Notifier) hooksFor(ctx context.Context, workspaceID, event string) ([]*rythme.Webhook, error) {
	n.once.Do(func() {
		if bs, ok := n.Store.(WebhookBatchStore); ok {
			n.batches = &batcher[string, []*rythme.Webhook]{max: maxBatch, parallel: 2, run: func(ctx context.Context, ids []string) ([][]*rythme.Webhook, error) {
				hooks, err := bs.WebhooksOf(ctx, uniq(ids))
				if err != nil {
					return nil, err
				}
				by := map[string][]*rythme.Webhook{}
				for _, w := range hooks {
					by[w.WorkspaceID] = append(by[w.WorkspaceID], w)
				}
				out := make([][]*rythme.Webhook, len(ids))
				for i, id := range ids {
					out[i] = by[id]
				}
				return out, nil
			}}
		}
	})
	if n.batches == nil {
		return n.Store.WebhooksFor(ctx, workspaceID, event)
	}
	all, err := n.batches.do(workspaceID)
	if err != nil {
		return nil, err
	}
	var out []*rythme.Webhook
	for _, w := range all {
		if slices.Contains(w.Events, event) {
			out = append(out, w)
		}
	}
	return out, nil
}

// uniq returns ids without repeats, in first-seen order.
func uniq(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// Emit enqueues ev for every webhook of its workspace subscribed to it.
// Failures are logged: a notification never fails a publish.
func (n *Notifier) Emit(ctx context.Context, ev rythme.Event) {
	if n == nil {
		return
	}
	hooks, err := n.hooksFor(ctx, ev.Workspace, ev.Type)
	if err != nil {
		n.Logger.Warn("notify: list webhooks", slog.String("event", ev.Type), slog.Any("err", err))
		return
	}
	for _, w := range hooks {
		b, _ := json.Marshal(DeliverPayload{WebhookID: w.ID, Event: ev})
		task := asynq.NewTask(TypeDeliverWebhook, b, asynq.TaskID("webhook:"+w.ID+":"+ev.ID), asynq.Queue(WebhookQueue),
			asynq.MaxRetry(12), asynq.Timeout(time.Minute))
		if _, err := n.Client.EnqueueContext(ctx, task); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
			n.Logger.Warn("notify: enqueue delivery", slog.String("webhook_id", w.ID), slog.Any("err", err))
		}
	}
}

// targetEvent describes a target's outcome as an event.
func targetEvent(t *rythme.Target, acct *rythme.Account, out rythme.Outcome) (rythme.Event, bool) {
	typ := map[rythme.TargetStatus]string{rythme.TargetPublished: rythme.EventPostPublished,
		rythme.TargetFailed: rythme.EventPostFailed, rythme.TargetUnconfirmed: rythme.EventPostUnconfirmed}[out.Status]
	if typ == "" {
		return rythme.Event{}, false
	}
	sched := t.ScheduledAt
	d := rythme.EventData{PostID: t.PostID, TargetID: t.ID, AccountID: t.AccountID, Network: t.Network, Status: string(out.Status),
		URL: out.URL, ExternalID: out.ExternalID, Reason: out.Error, ScheduledAt: &sched}
	if acct != nil {
		d.Username = acct.Username
	}
	if out.Status == rythme.TargetPublished {
		at := out.At
		d.PublishedAt = &at
	}
	return rythme.Event{ID: "evt_" + t.ID + "_" + strconv.Itoa(t.Version) + "_" + string(out.Status), Type: typ,
		CreatedAt: out.At, Workspace: t.WorkspaceID, Data: d}, true
}

// Deliverer sends one event to one webhook: a signed POST to its URL, or a
// message to its channel account through that network's connector.
type Deliverer struct {
	Store      DeliverStore
	Connectors *connectors.Registry
	HTTPClient *http.Client // for URLs: see GuardedClient
	Channels   *http.Client // base client for channel connectors
	// Redis and Limits: the account lock and the shared rate limits of
	// the channel accounts' calls (nil: none).
	Redis       redis.UniversalClient
	Limits      *Limits
	Clock       Clock
	Logger      *slog.Logger
	RedirectURI func(network string) string
}

// SignatureHeader carries "t=<unix seconds>,v1=<hex HMAC-SHA256 of
// "<t>.<body>" keyed with the webhook's secret>".
const SignatureHeader = "Rythme-Signature"

// Sign returns the signature header value of body at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// ProcessTask implements asynq.Handler.
func (d *Deliverer) ProcessTask(ctx context.Context, task *asynq.Task) error {
	var p DeliverPayload
	if err := json.Unmarshal(task.Payload(), &p); err != nil {
		return fmt.Errorf("worker: bad delivery payload: %v: %w", err, asynq.SkipRetry)
	}
	w, err := d.Store.GetWebhook(ctx, p.WebhookID)
	if rythme.ErrorCode(err) == rythme.ENOTFOUND {
		return nil // deleted since
	} else if err != nil {
		return err
	}
	if w.AccountID != "" {
		return d.toChannel(ctx, w, p.Event)
	}
	body, _ := json.Marshal(p.Event)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("worker: webhook request: %v: %w", err, asynq.SkipRetry)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Rythme-Event", p.Event.Type)
	req.Header.Set("Rythme-Delivery", p.Event.ID)
	req.Header.Set(SignatureHeader, Sign(w.Secret, d.Clock.Now(), body))
	resp, err := d.HTTPClient.Do(req)
	if netguard.IsRefused(err) {
		// The URL resolves to a non-public address: retrying cannot help.
		d.Logger.Warn("webhook: the receiver's address is not public; not retried", slog.String("webhook_id", w.ID), slog.String("error", err.Error()))
		return fmt.Errorf("worker: deliver webhook %s: %w: %w", w.ID, err, asynq.SkipRetry)
	}
	if err != nil {
		return fmt.Errorf("worker: deliver webhook %s: %w", w.ID, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode/100 == 2:
		return nil
	case resp.StatusCode == http.StatusGone:
		d.Logger.Warn("webhook: receiver answered 410 Gone; not retried", slog.String("webhook_id", w.ID))
		return nil
	}
	return fmt.Errorf("worker: webhook %s answered %d", w.ID, resp.StatusCode)
}

// toChannel posts the event as a message to the team's channel account.
func (d *Deliverer) toChannel(ctx context.Context, w *rythme.Webhook, ev rythme.Event) error {
	acct, err := d.Store.AccountByID(ctx, w.AccountID)
	if err != nil {
		return err
	}
	conn, err := d.Connectors.Get(acct.Network)
	if err != nil {
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	// The channel's account is called like any other (netcall.go).
	calls := &AccountCalls{Store: d.Store, Redis: d.Redis, Limits: d.Limits, HTTPClient: d.Channels, Clock: d.Clock,
		Logger: d.Logger, RedirectURI: d.RedirectURI, Apps: d.Store}
	call, err := calls.Open(ctx, d.Logger, conn, acct)
	if err == nil {
		err = call.Do(ctx, func(acct *rythme.Account, client *http.Client) error {
			_, err := conn.Publish(ctx, acct, client, connectors.PublishRequest{Text: EventText(ev), IdempotencyKey: ev.ID})
			return err
		})
	}
	if connectors.KindOf(err) == connectors.Permanent || connectors.KindOf(err) == connectors.Auth {
		return fmt.Errorf("worker: notify channel %s: %w: %w", acct.ID, err, asynq.SkipRetry)
	}
	return err
}

// EventText is an event as a message to a team's channel.
func EventText(ev rythme.Event) string {
	who := ev.Data.Network
	if ev.Data.Username != "" {
		who += " (@" + ev.Data.Username + ")"
	}
	switch ev.Type {
	case rythme.EventPostPublished:
		return "✅ Published on " + who + ": " + ev.Data.URL
	case rythme.EventPostFailed:
		return "❌ A post to " + who + " failed: " + ev.Data.Reason
	case rythme.EventPostUnconfirmed:
		return "⚠️ A post to " + who + " may or may not have gone out: check the account, then resolve it in rythme. " + ev.Data.Reason
	case rythme.EventAccountMetricsFailing:
		return "📉 Engagement can no longer be read from " + who + "; rythme keeps trying. " + ev.Data.Reason
	case rythme.EventCommentFlagged:
		return "🚩 A rule flagged a comment on " + who + " from " + ev.Data.Author + " (" + ev.Data.Reason + "): " + ev.Data.URL
	case rythme.EventCommentReceived:
		return "💬 New on " + who + " from " + ev.Data.Author + ": " + ev.Data.URL
	case rythme.EventAccountNeedsReconnect:
		return "🔌 The " + who + " account needs reconnecting in rythme; its posts are held until then. " + ev.Data.Reason
	}
	return ev.Type
}

// GuardedClient returns a client for webhook URLs that refuses to connect
// to loopback, private, link-local and other non-public addresses (checked
// on the resolved address, so DNS tricks do not get around it; see package
// netguard), unless allowPrivate. It follows no redirect: a receiver that
// moved answers 3xx, which is a failed delivery.
func GuardedClient(allowPrivate bool) *http.Client {
	p := netguard.Policy{}
	if allowPrivate {
		p = netguard.AllowAll
	}
	c := p.Client(nil, 15*time.Second)
	c.Transport = connectors.WithUserAgent(c.Transport)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}
