package worker_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/instagram"
	"github.com/rythmehq/rythme/connectors/threads"
	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/listening"
	"github.com/rythmehq/rythme/posting"
	"github.com/rythmehq/rythme/worker"
)

func (pe *pollEnv) inboxPoller() *worker.InboxPoller {
	return &worker.InboxPoller{Store: pe.store, Connectors: pe.reg, HTTPClient: connectors.NewHTTPClient(), Clock: pe.clock,
		Logger: quiet, RedirectURI: func(string) string { return connectortest.RedirectURI }}
}

// TestInboxPollerStoresEachCommentOnce: the comments fakenet's users write
// on the published posts arrive in the inbox, under their post and target,
// each once however many reads; later comments arrive at a later read; the
// requests stay at one per post (plus the mentions) per read.
func TestInboxPollerStoresEachCommentOnce(t *testing.T) {
	t.Parallel()
	pe := newPollEnv(t, 3)
	ip := pe.inboxPoller()
	ctx := context.Background()
	pe.advance(40 * time.Minute)
	first, err := ip.ReadAccount(ctx, pe.acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := pe.store.ReadTargets(ctx, pe.acct.ID, 0)
	if err != nil || len(ms) != 3 {
		t.Fatalf("targets %d, %v", len(ms), err)
	}
	targets := map[string]bool{}
	for _, m := range ms {
		targets[m.TargetID] = true
	}
	for _, it := range first {
		if !targets[it.TargetID] || it.PostID == "" || it.Kind != rythme.InboxComment || it.Status != rythme.InboxNew ||
			it.WorkspaceID != pe.ws.ID || it.Author.Handle == "alice" {
			t.Fatalf("item %+v", it)
		}
	}
	again, err := ip.ReadAccount(ctx, pe.acct.ID)
	if err != nil || len(again) != 0 {
		t.Fatalf("a second read at the same time stored %d more (%v)", len(again), err)
	}
	pe.advance(5 * time.Hour)
	later, err := ip.ReadAccount(ctx, pe.acct.ID)
	if err != nil || len(later) == 0 {
		t.Fatalf("5 hours later: %d new comments (%v)", len(later), err)
	}
	all, _, err := pe.store.ListInboxItems(ctx, pe.ws.ID, rythme.InboxFilter{Limit: 200})
	if err != nil || len(all) != len(first)+len(later) {
		t.Fatalf("inbox holds %d, want %d (%v)", len(all), len(first)+len(later), err)
	}
	if got := pe.requests("context"); got != 9 {
		t.Fatalf("%d context requests for 3 reads of 3 posts, want 9", got)
	}
	if got := pe.requests("notifications"); got != 3 {
		t.Fatalf("%d notification requests for 3 reads, want 3", got)
	}
}

// TestInboxPollerWebhookAndRateLimit: a new comment emits
// comment.received once; a 429 is a wait, not a failure, and the next read
// stores what the first could not.
func TestInboxPollerWaitsOutARateLimit(t *testing.T) {
	t.Parallel()
	pe := newPollEnv(t, 1)
	ip := pe.inboxPoller()
	ctx := context.Background()
	pe.advance(2 * time.Hour)
	pe.fn.InjectFault(fakenet.Fault{Match: "context", Kind: fakenet.FaultStatus, Status: 429, RetryAfter: 30, Count: 1})
	_, err := ip.ReadAccount(ctx, pe.acct.ID)
	if err == nil {
		t.Fatal("a 429 was not reported")
	}
	if d := worker.RetryDelay(0, err, nil); d < 25*time.Second || d > 40*time.Second || worker.IsFailure(err) {
		t.Fatalf("retry delay %s, want the announced 30s", d)
	}
	got, err := ip.ReadAccount(ctx, pe.acct.ID)
	if err != nil || len(got) == 0 {
		t.Fatalf("after the wait: %d comments, %v", len(got), err)
	}
	acct, _ := pe.store.AccountByID(ctx, pe.acct.ID)
	if acct.Status != rythme.AccountConnected {
		t.Fatalf("account %s after a 429", acct.Status)
	}
}

// TestInboxSweepEnqueuesOneReadPerAccount: the sweep hands out one task per
// connected account of a network with an inbox, once while it is pending.
func TestInboxSweepEnqueuesOneReadPerAccount(t *testing.T) {
	t.Parallel()
	pe := newPollEnv(t, 1)
	rdb := redisBackends(t)["miniredis"](t)
	ip := pe.inboxPoller()
	ip.Client = asynq.NewClientFromRedisClient(rdb)
	n, err := ip.Sweep(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("sweep: %d, %v", n, err)
	}
	if n, _ := ip.Sweep(context.Background()); n != 0 {
		t.Fatalf("a second sweep enqueued %d", n)
	}
	info, err := asynq.NewInspectorFromRedisClient(rdb).GetTaskInfo(worker.MetricsQueue, worker.InboxTaskID(pe.acct.ID))
	if err != nil {
		t.Fatal(err)
	}
	var pl worker.InboxAccountPayload
	if err := json.Unmarshal(info.Payload, &pl); err != nil || pl.AccountID != pe.acct.ID || info.Type != worker.TypePollInboxAccount {
		t.Fatalf("task %s %s (%v)", info.Type, info.Payload, err)
	}
	pe.advance(time.Hour)
	if err := ip.ProcessTask(context.Background(), asynq.NewTask(worker.TypePollInboxAccount, info.Payload)); err != nil {
		t.Fatal(err)
	}
	all, _, _ := pe.store.ListInboxItems(context.Background(), pe.ws.ID, rythme.InboxFilter{})
	if len(all) == 0 {
		t.Fatal("the account's task stored nothing")
	}
}

// TestReplyFromTheInboxIsPublishedOnce: a reply to a comment read from
// fakenet's Mastodon is a post whose target the publish handler sends as a
// reply to that comment (in_reply_to_id), once, however many times its task
// runs; the next inbox read does not bring the account's own reply back.
func TestReplyFromTheInboxIsPublishedOnce(t *testing.T) {
	t.Parallel()
	pe := newPollEnv(t, 1)
	ip := pe.inboxPoller()
	ctx := context.Background()
	pe.advance(3 * time.Hour)
	items, err := ip.ReadAccount(ctx, pe.acct.ID)
	if err != nil || len(items) == 0 {
		t.Fatalf("read: %d, %v", len(items), err)
	}
	ps, err := posting.New(posting.Config{Store: pe.store, Connectors: pe.reg, Now: pe.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := listening.New(listening.Config{Store: pe.store, Posting: ps, Connectors: pe.reg, Accounts: pe.store, Now: pe.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	item := items[0]
	r, err := svc.Reply(ctx, pe.ws.ID, item.ID, rythme.Actor{ID: "tok_test", Name: "Ada", Role: rythme.RoleEditor},
		listening.NewReply{Text: "Thank you, " + item.Author.Handle + "!"})
	if err != nil {
		t.Fatal(err)
	}
	tg := r.Post.Targets[0]
	for range 2 { // the task delivered twice: the second finds it published
		if err := pe.handler().ProcessTask(ctx, publishTask(t, tg.ID, 1)); err != nil {
			t.Fatal(err)
		}
	}
	got := pe.target(t, tg.ID)
	if got.Status != rythme.TargetPublished || got.InReplyTo != item.ExternalID {
		t.Fatalf("reply target %s (%q), in reply to %q", got.Status, got.LastError, got.InReplyTo)
	}
	sent := 0
	for _, p := range pe.fn.Posts() {
		if p.IdempotencyKey == tg.ID {
			sent++
			if p.ReplyTo != item.ExternalID || !p.Created {
				t.Fatalf("the reply went out as %+v, want a reply to %s", p, item.ExternalID)
			}
		}
	}
	if sent != 1 {
		t.Fatalf("the reply reached the network %d times, want once", sent)
	}
	later, err := ip.ReadAccount(ctx, pe.acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range later {
		if it.ExternalID == got.ExternalID {
			t.Fatalf("the account's own reply came back into the inbox: %+v", it)
		}
	}
}

// TestInboxEvents: each new item is sent to comment.received once; one a
// rule flags to comment.flagged too, naming the rule; a second read sends
// nothing.
func TestInboxEvents(t *testing.T) {
	t.Parallel()
	pe := newPollEnv(t, 1)
	ctx := context.Background()
	rdb := redisBackends(t)["miniredis"](t)
	client := asynq.NewClientFromRedisClient(rdb)
	insp := asynq.NewInspectorFromRedisClient(rdb)
	ip := pe.inboxPoller()
	ip.Notifier = &worker.Notifier{Store: pe.store, Client: client, Logger: quiet}
	hook := &rythme.Webhook{ID: rythme.NewID(rythme.PrefixWebhook), WorkspaceID: pe.ws.ID, URL: "https://hooks.example.test/rythme",
		Events: []string{rythme.EventCommentReceived, rythme.EventCommentFlagged}, Secret: "whsec_test", CreatedAt: pe.clock.Now()}
	if err := pe.store.CreateWebhook(ctx, hook); err != nil {
		t.Fatal(err)
	}
	// fakenet's comments that carry a link are flagged.
	if err := pe.store.CreateInboxRule(ctx, &rythme.InboxRule{WorkspaceID: pe.ws.ID, Name: "links", Kind: rythme.RuleLinks,
		Action: rythme.RuleFlag, CreatedAt: pe.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	pe.advance(24 * time.Hour)
	items, err := ip.ReadAccount(ctx, pe.acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	flagged := 0
	for _, it := range items {
		if it.Flagged {
			flagged++
		}
	}
	got := deliveries(t, insp)
	if got[rythme.EventCommentReceived] != len(items) || got[rythme.EventCommentFlagged] != flagged || len(items) == 0 || flagged == 0 {
		t.Fatalf("events %v for %d items, %d flagged", got, len(items), flagged)
	}
	if _, err := ip.ReadAccount(ctx, pe.acct.ID); err != nil {
		t.Fatal(err)
	}
	if again := deliveries(t, insp); again[rythme.EventCommentReceived] != len(items) {
		t.Fatalf("a second read sent events again: %v", again)
	}
	t.Logf("%d comments, %d flagged by the links rule", len(items), flagged)
}

// withImage publishes every Instagram post with an image, as Instagram
// needs one (the worker's posts here are text).
type withImage struct{ *instagram.Connector }

func (w withImage) Publish(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.PublishRequest) (*connectors.Published, error) {
	if len(req.Media) == 0 && req.InReplyTo == "" {
		req.Media = []connectors.Media{{ID: "m1", ContentType: "image/jpeg", URL: "https://cdn.example.com/photo.jpg"}}
	}
	return w.Connector.Publish(ctx, acct, client, req)
}

// TestInboxPollerReadsTheMetaNetworks: on Instagram and Threads too, the
// comments fakenet's users write on the published posts arrive in the
// inbox under their post and target, replies to comments as replies, each
// once however many reads, with one comments request per post per read;
// the account's own are never stored.
func TestInboxPollerReadsTheMetaNetworks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		h  connectortest.Harness
		op string
	}{
		{connectortest.Harness{Network: instagram.Name, New: func(base string) connectors.Connector {
			return withImage{instagram.New(instagram.FakenetConfig(strings.TrimSuffix(base, "/"+instagram.Name)))}
		}, Params: func(string) connectors.ConnectParams { return connectors.ConnectParams{} }}, "comments"},
		{connectortest.Harness{Network: threads.Name, New: func(base string) connectors.Connector {
			return threads.New(threads.FakenetConfig(strings.TrimSuffix(base, "/"+threads.Name)))
		}, Params: func(string) connectors.ConnectParams { return connectors.ConnectParams{} }}, "conversation"},
	} {
		t.Run(tc.h.Network, func(t *testing.T) {
			t.Parallel()
			pe := newPollEnvOn(t, tc.h, 2)
			ip := pe.inboxPoller()
			ctx := context.Background()
			pe.advance(24 * time.Hour)
			first, err := ip.ReadAccount(ctx, pe.acct.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(first) < 4 {
				t.Fatalf("%d items after a day: fakenet's users comment on published posts", len(first))
			}
			ms, err := pe.store.ReadTargets(ctx, pe.acct.ID, 0)
			if err != nil || len(ms) != 2 {
				t.Fatalf("targets %d, %v", len(ms), err)
			}
			targets := map[string]bool{}
			for _, m := range ms {
				targets[m.TargetID] = true
			}
			replies := 0
			for _, it := range first {
				if !targets[it.TargetID] || it.PostID == "" || it.Network != tc.h.Network || it.Status != rythme.InboxNew ||
					it.WorkspaceID != pe.ws.ID || it.Author.Handle == "" || it.Author.Handle == pe.acct.Username {
					t.Fatalf("item %+v", it)
				}
				if it.Kind == rythme.InboxReply {
					replies++
				}
			}
			if replies == 0 {
				t.Fatal("no reply to a comment among the items")
			}
			again, err := ip.ReadAccount(ctx, pe.acct.ID)
			if err != nil || len(again) != 0 {
				t.Fatalf("a second read at the same time stored %d more (%v)", len(again), err)
			}
			if got := pe.requests(tc.op); got != 4 {
				t.Fatalf("%d %s requests for 2 reads of 2 posts, want 4", got, tc.op)
			}
		})
	}
}
