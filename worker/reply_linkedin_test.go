package worker_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/linkedin"
	"github.com/rythmehq/rythme/listening"
	"github.com/rythmehq/rythme/posting"
)

// TestReplyFromTheInboxOnLinkedIn: a reply to a comment read from
// fakenet's LinkedIn (an app granted the comments scope) is a post whose
// target answers that comment, which the publish handler sends as a
// nested comment under it, once; the next read leaves the member's own
// reply out.
func TestReplyFromTheInboxOnLinkedIn(t *testing.T) {
	t.Parallel()
	pe := newPollEnvOn(t, connectortest.Harness{Network: linkedin.Name,
		New: func(base string) connectors.Connector {
			cfg := linkedin.FakenetConfig(strings.TrimSuffix(base, "/"+linkedin.Name))
			cfg.Scopes = append(slices.Clone(linkedin.DefaultScopes), linkedin.ScopeReadComments)
			return linkedin.New(cfg)
		},
		Params: func(string) connectors.ConnectParams { return connectors.ConnectParams{} }}, 1)
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
		t.Fatal("no comment on the post after five days")
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
		listening.NewReply{Text: "Thank you for reading!"})
	if err != nil {
		t.Fatal(err)
	}
	tg := r.Post.Targets[0]
	if !strings.HasPrefix(item.ExternalID, "urn:li:comment:(") || tg.InReplyTo != item.ExternalID {
		t.Fatalf("the reply answers %q; want the comment %q", tg.InReplyTo, item.ExternalID)
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
		if p.Created && p.ReplyTo == item.ExternalID {
			sent++
			if p.ID != got.ExternalID || p.Text != "Thank you for reading!" {
				t.Fatalf("the reply went out as %+v, want %s", p, got.ExternalID)
			}
		}
	}
	if sent != 1 {
		t.Fatalf("the reply reached LinkedIn %d times, want once", sent)
	}
	pe.advance(time.Hour)
	later, err := ip.ReadAccount(ctx, pe.acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range later {
		if it.ExternalID == got.ExternalID {
			t.Fatalf("the member's own reply came back into the inbox: %+v", it)
		}
	}
}
