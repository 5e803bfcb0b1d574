package worker_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/x"
	"github.com/rythmehq/rythme/listening"
	"github.com/rythmehq/rythme/sqlstore/storetest"
	"github.com/rythmehq/rythme/worker"
)

// modQueue keeps the moderation tasks asked for.
type modQueue struct{ tasks []listening.ModerationTask }

func (q *modQueue) EnqueueModeration(_ context.Context, m listening.ModerationTask) error {
	q.tasks = append(q.tasks, m)
	return nil
}

// TestModerationHidesAReplyOnX: on X (fakenet), a manager hides a reply
// read into the inbox: the request is in the audit trail at once, the
// worker hides it on the network (PUT /2/tweets/:id/hidden) through the
// account-call policy and records it, the item is then hidden; unhide shows
// it again; delete is refused (422) naming why, and asks nothing of the
// network.
func TestModerationHidesAReplyOnX(t *testing.T) {
	t.Parallel()
	conn := func(base string) *x.Connector {
		return x.New(x.FakenetConfig(strings.TrimSuffix(base, "/x")))
	}
	fn := connectortest.Start(t, connectortest.Harness{Network: "x",
		New: func(base string) connectors.Connector {
			c := conn(base)
			return oauth2X{c, c, c}
		},
		Params: func(string) connectors.ConnectParams { return connectors.ConnectParams{} }})
	e := newEnv(t, storetest.SQLite(t))
	e.reg = connectors.NewRegistry(conn(fn.Base))
	e.clock.Set(fn.Clock.Now())
	c := fn.Connect("alice")
	acct := c.Account
	acct.ID, acct.WorkspaceID = "", e.ws.ID
	ctx := context.Background()
	if err := e.store.UpsertAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	p := e.post(t, "a post worth replying to", e.clock.Now(), acct)
	if err := e.handler().ProcessTask(ctx, publishTask(t, p.Targets[0].ID, 1)); err != nil {
		t.Fatal(err)
	}
	fn.Clock.Advance(6 * time.Hour)
	e.clock.Set(fn.Clock.Now())
	ip := &worker.InboxPoller{Store: e.store, Connectors: e.reg, HTTPClient: connectors.NewHTTPClient(), Clock: e.clock,
		Logger: quiet, RedirectURI: func(string) string { return connectortest.RedirectURI }}
	items, err := ip.ReadAccount(ctx, acct.ID)
	if err != nil || len(items) == 0 {
		t.Fatalf("read: %d items, %v", len(items), err)
	}
	q := &modQueue{}
	svc, err := listening.New(listening.Config{Store: e.store, Connectors: e.reg, Accounts: e.store, Moderation: q, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ada := rythme.Actor{ID: "mem_ada", Name: "Ada", Role: rythme.RoleManager}
	item := items[0]
	if _, err := svc.Moderate(ctx, e.ws.ID, item.ID, ada, "delete", ""); rythme.ErrorCode(err) != rythme.EINVALID ||
		!strings.Contains(err.Error(), "only its own posts") {
		t.Fatalf("delete on X: %v, want a refusal saying why", err)
	}
	if len(q.tasks) != 0 {
		t.Fatalf("a refused action was queued: %+v", q.tasks)
	}
	asked, err := svc.Moderate(ctx, e.ws.ID, item.ID, ada, "hide", "spam link")
	if err != nil {
		t.Fatal(err)
	}
	if asked.Status != rythme.InboxNew || asked.Audit[len(asked.Audit)-1].Action != "hide requested" || len(q.tasks) != 1 {
		t.Fatalf("asked: %s %+v, %d tasks", asked.Status, asked.Audit, len(q.tasks))
	}
	run := func(m listening.ModerationTask) {
		t.Helper()
		b, _ := json.Marshal(m)
		if err := ip.ProcessTask(ctx, asynq.NewTask(worker.TypeModerate, b)); err != nil {
			t.Fatal(err)
		}
	}
	run(q.tasks[0])
	got, _ := e.store.GetInboxItem(ctx, e.ws.ID, item.ID)
	last := got.Audit[len(got.Audit)-1]
	if got.Status != rythme.InboxHidden || last.Action != "hide" || last.Actor != "Ada" || last.Reason != "done on X: spam link" {
		t.Fatalf("after hide: %s, %+v", got.Status, last)
	}
	if n := fn.Fake.Stats().Operations["x.hide_reply"]; n != 1 {
		t.Fatalf("%d hide requests to X, want 1", n)
	}
	if _, err := svc.Moderate(ctx, e.ws.ID, item.ID, ada, "unhide", ""); err != nil {
		t.Fatal(err)
	}
	run(q.tasks[1])
	if got, _ := e.store.GetInboxItem(ctx, e.ws.ID, item.ID); got.Status != rythme.InboxNew {
		t.Fatalf("after unhide: %s", got.Status)
	}
}
