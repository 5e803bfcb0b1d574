package worker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/slack"
	"github.com/rythmehq/rythme/listening"
	"github.com/rythmehq/rythme/posting"
)

// TestReplyFromTheInboxOnSlack: a reply to a member's reply read from
// fakenet's Slack is a post whose target answers the thread's parent (the
// account's message: Slack's threads are one level deep), which the
// publish handler sends with that thread_ts, once; the next read of the
// thread leaves the app's own reply out.
func TestReplyFromTheInboxOnSlack(t *testing.T) {
	t.Parallel()
	pe := newPollEnvOn(t, connectortest.Harness{Network: slack.Name,
		New: func(base string) connectors.Connector {
			return slack.New(slack.FakenetConfig(strings.TrimSuffix(base, "/slack")))
		},
		Params: func(string) connectors.ConnectParams { return connectors.ConnectParams{"channel": "#general"} }}, 1)
	ctx := context.Background()
	ip := pe.inboxPoller()
	var items []*rythme.InboxItem
	for i := 0; i < 5 && len(items) == 0; i++ {
		pe.advance(24 * time.Hour)
		var err error
		if items, err = ip.ReadAccount(ctx, pe.acct.ID); err != nil {
			t.Fatal(err)
		}
	}
	if len(items) == 0 {
		t.Fatal("no reply in the post's thread after five days")
	}
	item := items[0]
	ps, err := posting.New(posting.Config{Store: pe.store, Connectors: pe.reg, Now: pe.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := listening.New(listening.Config{Store: pe.store, Posting: ps, Connectors: pe.reg, Accounts: pe.store, Now: pe.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	r, err := svc.Reply(ctx, pe.ws.ID, item.ID, rythme.Actor{ID: "tok_test", Name: "Ada", Role: rythme.RoleEditor},
		listening.NewReply{Text: "Thank you, <@" + item.Author.Handle + ">!"})
	if err != nil {
		t.Fatal(err)
	}
	tg := r.Post.Targets[0]
	if item.InReplyTo == "" || item.InReplyTo == item.ExternalID || tg.InReplyTo != item.InReplyTo {
		t.Fatalf("the reply answers %q; want the thread's parent %q (the item is %s)", tg.InReplyTo, item.InReplyTo, item.ExternalID)
	}
	for range 2 { // the task delivered twice: the second finds it published
		if err := pe.handler().ProcessTask(ctx, publishTask(t, tg.ID, 1)); err != nil {
			t.Fatal(err)
		}
	}
	got := pe.target(t, tg.ID)
	if got.Status != rythme.TargetPublished {
		t.Fatalf("reply target %s (%q)", got.Status, got.LastError)
	}
	sent := 0
	for _, p := range pe.fn.Posts() {
		if p.ID == got.ExternalID {
			sent++
			if p.ReplyTo != item.InReplyTo || !p.Created {
				t.Fatalf("the reply went out as %+v, want a reply in the thread of %s", p, item.InReplyTo)
			}
		}
	}
	if sent != 1 {
		t.Fatalf("the reply reached Slack %d times, want once", sent)
	}
	pe.advance(time.Hour)
	later, err := ip.ReadAccount(ctx, pe.acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range later {
		if it.ExternalID == got.ExternalID {
			t.Fatalf("the app's own reply came back into the inbox: %+v", it)
		}
	}
}
