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
	"github.com/rythmehq/rythme/connectors/bluesky"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/listening"
	"github.com/rythmehq/rythme/sqlstore/storetest"
	"github.com/rythmehq/rythme/worker"
)

// TestModerationHidesAReplyOnBluesky: on Bluesky (fakenet), hiding a reply
// read into the inbox writes the root post's threadgate (putRecord) and
// hides the item; unhide writes it again and shows the item; delete is
// refused (422) naming why, and nothing is queued.
func TestModerationHidesAReplyOnBluesky(t *testing.T) {
	t.Parallel()
	newConn := func(base string) connectors.Connector {
		return bluesky.New(bluesky.Config{ServiceURL: base, AppURL: base})
	}
	fn := connectortest.Start(t, connectortest.Harness{Network: bluesky.Name, New: newConn,
		Params: func(base string) connectors.ConnectParams { return connectors.ConnectParams{"service_url": base} },
		Direct: func(e *connectortest.Env, user string) connectors.ConnectParams {
			id, pw, _ := e.Fake.BlueskyAppPassword(user)
			return connectors.ConnectParams{"identifier": id, "app_password": pw, "service_url": e.Base}
		}})
	e := newEnv(t, storetest.SQLite(t))
	e.reg = connectors.NewRegistry(newConn(fn.Base))
	e.clock.Set(fn.Clock.Now())
	acct := fn.Connect("alice").Account
	acct.ID, acct.WorkspaceID = "", e.ws.ID
	ctx := context.Background()
	if err := e.store.UpsertAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	ip := &worker.InboxPoller{Store: e.store, Connectors: e.reg, HTTPClient: connectors.NewHTTPClient(), Clock: e.clock,
		Logger: quiet, RedirectURI: func(string) string { return connectortest.RedirectURI }}
	// fakenet's simulated users reply to a post as its id's hash says,
	// and a post's id comes from the clock: a few posts get no reply at
	// all, so posts are published until one has some.
	var items []*rythme.InboxItem
	for try := 0; len(items) == 0 && try < 5; try++ {
		p := e.post(t, "a post worth replying to", e.clock.Now(), acct)
		if err := e.handler().ProcessTask(ctx, publishTask(t, p.Targets[0].ID, 1)); err != nil {
			t.Fatal(err)
		}
		fn.Clock.Advance(6 * time.Hour)
		e.clock.Set(fn.Clock.Now())
		var err error
		if items, err = ip.ReadAccount(ctx, acct.ID); err != nil {
			t.Fatalf("read: %v", err)
		}
	}
	if len(items) == 0 {
		t.Fatal("read: no reply to 5 posts")
	}
	q := &modQueue{}
	svc, err := listening.New(listening.Config{Store: e.store, Connectors: e.reg, Accounts: e.store, Moderation: q, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ada := rythme.Actor{ID: "mem_ada", Name: "Ada", Role: rythme.RoleManager}
	item := items[0]
	if _, err := svc.Moderate(ctx, e.ws.ID, item.ID, ada, "delete", ""); rythme.ErrorCode(err) != rythme.EINVALID ||
		!strings.Contains(err.Error(), "only its own records") || len(q.tasks) != 0 {
		t.Fatalf("delete on Bluesky: %v (%d tasks), want a refusal saying why", err, len(q.tasks))
	}
	run := func(action string) {
		t.Helper()
		if _, err := svc.Moderate(ctx, e.ws.ID, item.ID, ada, action, ""); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(q.tasks[len(q.tasks)-1])
		if err := ip.ProcessTask(ctx, asynq.NewTask(worker.TypeModerate, b)); err != nil {
			t.Fatal(err)
		}
	}
	run("hide")
	got, _ := e.store.GetInboxItem(ctx, e.ws.ID, item.ID)
	if last := got.Audit[len(got.Audit)-1]; got.Status != rythme.InboxHidden || last.Action != "hide" || last.Actor != "Ada" {
		t.Fatalf("after hide: %s, %+v", got.Status, last)
	}
	if n := fn.Fake.Stats().Operations["bluesky.put_record"]; n != 1 {
		t.Fatalf("%d putRecord requests to Bluesky, want 1", n)
	}
	run("unhide")
	if got, _ := e.store.GetInboxItem(ctx, e.ws.ID, item.ID); got.Status != rythme.InboxNew {
		t.Fatalf("after unhide: %s", got.Status)
	}
	if n := fn.Fake.Stats().Operations["bluesky.put_record"]; n != 2 {
		t.Fatalf("%d putRecord requests to Bluesky, want 2", n)
	}
}
