package reddit_test

import (
	"context"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
)

// TestReadInbox: every comment fakenet's Reddit counts on a post is read
// from its comment tree, replies as replies under their comment, in one
// request; the account's own comment (POST /api/comment, a reply from the
// inbox) is left out; the cursor is kept; a deleted post is skipped; no
// moderation action is offered, each with a reason.
func TestReadInbox(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(nil))
	c := e.Connect("alice")
	ctx := context.Background()
	p, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Title: "Our week", Text: "Tell us"})
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
		t.Fatalf("%d comments read, the post counts %d (want 4 at least after a day)", len(entries), *ms[0].Comments)
	}
	byID := map[string]connectors.InboxEntry{}
	for _, en := range entries {
		byID[en.ExternalID] = en
	}
	replies := 0
	for _, en := range entries {
		if en.PostID != p.ExternalID || en.Author.Handle == "" || en.Author.Handle == c.Account.Username || en.Text == "" ||
			en.URL == "" || en.CreatedAt.IsZero() || en.CreatedAt.After(e.Clock.Now()) {
			t.Fatalf("entry %+v", en)
		}
		switch en.Kind {
		case rythme.InboxComment:
			if en.InReplyTo != p.ExternalID {
				t.Fatalf("comment %+v does not answer the post", en)
			}
		case rythme.InboxReply:
			if _, ok := byID[en.InReplyTo]; !ok {
				t.Fatalf("reply %+v is not under a comment read", en)
			}
			replies++
		}
	}
	if replies == 0 {
		t.Fatal("no reply to a comment: fakenet's users answer each other")
	}
	if got := e.Fake.Stats().Operations["reddit.comments"]; got != 1 {
		t.Fatalf("%d comment tree requests, want 1", got)
	}
	reply, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "Thanks!", InReplyTo: entries[0].ExternalID})
	if err != nil || reply.ExternalID == "" {
		t.Fatalf("reply: %+v, %v", reply, err)
	}
	if again := read(); len(again) != len(entries) {
		t.Fatalf("after the account's reply: %d entries, want %d (its own left out)", len(again), len(entries))
	}
	m := e.Connector.(connectors.Moderator)
	for _, action := range []string{connectors.ModerateHide, connectors.ModerateUnhide, connectors.ModerateDelete} {
		if why := m.CanModerate(c.Account, action); why == "" {
			t.Fatalf("%s should be refused with a reason", action)
		}
		if err := m.Moderate(ctx, c.Account, c.Client, action, entries[0].ExternalID); connectors.KindOf(err) != connectors.Permanent {
			t.Fatalf("%s: %v, want a permanent refusal", action, err)
		}
	}
	e.Fake.DeletePost("reddit", p.ExternalID)
	if again := read(); len(again) != 0 {
		t.Fatalf("a deleted post: %d entries", len(again))
	}
}
