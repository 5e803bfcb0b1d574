package threads_test

import (
	"context"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
)

// TestReadInbox: every reply fakenet's Threads counts on a post is read from
// its conversation, a reply to a reply as a reply, in one request; the
// account's own thread part and its reply from the inbox (reply_to_id) are
// left out; the cursor is kept; a deleted post is skipped.
func TestReadInbox(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harnessWith(nil))
	c := e.Connect("alice")
	ctx := context.Background()
	p, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "Our week", Thread: []string{"and our own part two"}})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(24 * time.Hour)
	r := e.Connector.(connectors.InboxReader)
	read := func() []connectors.InboxEntry {
		t.Helper()
		page, err := r.ReadInbox(ctx, c.Account, c.Client, connectors.InboxRequest{Posts: []string{p.ExternalID}, Cursor: "kept"})
		if err != nil || page.Cursor != "kept" {
			t.Fatalf("read: cursor %q, %v", page.Cursor, err)
		}
		return page.Entries
	}
	entries := read()
	ms, err := e.Connector.FetchMetrics(ctx, c.Account, c.Client, []string{p.ExternalID})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != int(*ms[0].Comments) || len(entries) < 4 {
		t.Fatalf("%d replies read, the post counts %d (want 4 at least after a day)", len(entries), *ms[0].Comments)
	}
	replies := 0
	for _, en := range entries {
		if en.Text == "and our own part two" || en.Author.Handle == c.Account.Username {
			t.Fatalf("the account's own part was read: %+v", en)
		}
		if en.PostID != p.ExternalID || en.Author.Handle == "" || en.Text == "" || en.URL == "" || en.CreatedAt.IsZero() ||
			en.CreatedAt.After(e.Clock.Now()) || (en.Kind == rythme.InboxComment && en.InReplyTo != p.ExternalID) {
			t.Fatalf("entry %+v", en)
		}
		if en.Kind == rythme.InboxReply {
			replies++
		}
	}
	if replies == 0 {
		t.Fatal("no reply to a reply: fakenet's users answer each other")
	}
	if got := e.Fake.Stats().Operations["threads.conversation"]; got != 1 {
		t.Fatalf("%d conversation requests, want 1", got)
	}
	if _, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "Thanks!", InReplyTo: entries[0].ExternalID}); err != nil {
		t.Fatal(err)
	}
	if again := read(); len(again) != len(entries) {
		t.Fatalf("after the account's reply: %d entries, want %d (its own left out)", len(again), len(entries))
	}
	e.Fake.DeletePost("threads", p.ExternalID)
	if again := read(); len(again) != 0 {
		t.Fatalf("a deleted post: %d entries", len(again))
	}
}

// TestModerate: a top-level reply is hidden and shown again with
// manage_reply; a nested one is refused with Threads' words; delete is
// refused with a reason (422 in the API); a reply elsewhere is refused for
// good.
func TestModerate(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harnessWith(nil))
	c := e.Connect("alice")
	ctx := context.Background()
	p, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "Ask away"})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(24 * time.Hour)
	page, err := e.Connector.(connectors.InboxReader).ReadInbox(ctx, c.Account, c.Client, connectors.InboxRequest{Posts: []string{p.ExternalID}})
	if err != nil {
		t.Fatal(err)
	}
	var top, nested *connectors.InboxEntry
	for i, en := range page.Entries {
		if en.Kind == rythme.InboxComment && top == nil {
			top = &page.Entries[i]
		}
		if en.Kind == rythme.InboxReply && nested == nil {
			nested = &page.Entries[i]
		}
	}
	if top == nil || nested == nil {
		t.Fatalf("want a top-level and a nested reply: %+v", page.Entries)
	}
	m := e.Connector.(connectors.Moderator)
	if why := m.CanModerate(c.Account, connectors.ModerateDelete); why == "" {
		t.Fatal("deleting someone's reply should be refused with a reason")
	}
	for _, action := range []string{connectors.ModerateHide, connectors.ModerateUnhide} {
		if err := m.Moderate(ctx, c.Account, c.Client, action, top.ExternalID); err != nil {
			t.Fatalf("%s: %v", action, err)
		}
	}
	if got := e.Fake.Stats().Operations["threads.manage_reply"]; got != 2 {
		t.Fatalf("%d manage_reply requests, want 2", got)
	}
	if err := m.Moderate(ctx, c.Account, c.Client, connectors.ModerateHide, nested.ExternalID); connectors.KindOf(err) != connectors.Permanent {
		t.Fatalf("hiding a nested reply: %v, want Threads' permanent refusal", err)
	}
	if err := m.Moderate(ctx, c.Account, c.Client, connectors.ModerateHide, "25000000000999999"); connectors.KindOf(err) != connectors.Permanent {
		t.Fatalf("hiding a reply elsewhere: %v, want a permanent refusal", err)
	}
	if err := m.Moderate(ctx, c.Account, c.Client, connectors.ModerateDelete, top.ExternalID); connectors.KindOf(err) != connectors.Permanent {
		t.Fatalf("delete: %v, want a permanent refusal", err)
	}
}
