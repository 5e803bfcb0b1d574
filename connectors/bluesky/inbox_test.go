package bluesky_test

import (
	"context"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
)

// TestReadInbox: the replies fakenet's users write over time are read from
// the post's thread, as many as its replyCount says, the account's own
// thread parts left out; the notifications bring the same replies (stored
// once by the inbox) and move the cursor, after which they bring nothing.
func TestReadInbox(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	alice := e.Connect("alice")
	ctx := context.Background()
	p, err := e.Connector.Publish(ctx, alice.Account, alice.Client, connectors.PublishRequest{Text: "Themed week!",
		Thread: []string{"part two, ours"}})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(3 * time.Hour)
	reader := e.Connector.(connectors.InboxReader)
	page, err := reader.ReadInbox(ctx, alice.Account, alice.Client, connectors.InboxRequest{Posts: []string{p.ExternalID}})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := e.Connector.FetchMetrics(ctx, alice.Account, alice.Client, []string{p.ExternalID})
	if err != nil {
		t.Fatal(err)
	}
	fromNotes := 0
	seen := map[string]int{}
	for _, en := range page.Entries {
		if en.Author.Handle == alice.Account.Username || en.Text == "part two, ours" {
			t.Fatalf("the account's own part was read: %+v", en)
		}
		if en.Kind != rythme.InboxComment || en.PostID != p.ExternalID || en.InReplyTo != p.ExternalID || en.Text == "" ||
			en.CreatedAt.IsZero() || en.CreatedAt.After(e.Clock.Now()) || en.URL == "" {
			t.Fatalf("entry %+v", en)
		}
		seen[en.ExternalID]++
	}
	for _, n := range seen {
		if n == 2 {
			fromNotes++
		}
	}
	// replyCount counts the simulated comments and the thread's own part.
	if want := int(*ms[0].Comments) - 1; len(seen) != want || fromNotes != want || want < 2 {
		t.Fatalf("%d distinct entries (%d also in notifications), want %d; replyCount %d", len(seen), fromNotes, want, *ms[0].Comments)
	}
	if page.Cursor == "" {
		t.Fatal("no cursor after reading notifications")
	}
	again, err := reader.ReadInbox(ctx, alice.Account, alice.Client, connectors.InboxRequest{Cursor: page.Cursor})
	if err != nil || len(again.Entries) != 0 || again.Cursor != page.Cursor {
		t.Fatalf("a read after the cursor: %d entries, cursor %q (%v)", len(again.Entries), again.Cursor, err)
	}
	e.Fake.DeletePost("bluesky", p.ExternalID)
	if _, err := reader.ReadInbox(ctx, alice.Account, alice.Client, connectors.InboxRequest{Posts: []string{p.ExternalID}, Cursor: page.Cursor}); err != nil {
		t.Fatalf("a deleted post: %v", err)
	}
}

// TestReplyFromTheInbox: a post with InReplyTo goes out as a reply to that
// comment, in its thread (root: the post the comment answers), and the
// next read of the thread shows it under the comment as the account's own,
// left out of the inbox.
func TestReplyFromTheInbox(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	alice := e.Connect("alice")
	ctx := context.Background()
	p, err := e.Connector.Publish(ctx, alice.Account, alice.Client, connectors.PublishRequest{Text: "Ask us anything"})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(6 * time.Hour)
	reader := e.Connector.(connectors.InboxReader)
	page, err := reader.ReadInbox(ctx, alice.Account, alice.Client, connectors.InboxRequest{Posts: []string{p.ExternalID}})
	if err != nil || len(page.Entries) == 0 {
		t.Fatalf("read: %d entries, %v", len(page.Entries), err)
	}
	comment := page.Entries[0]
	if !e.Connector.(connectors.Replier).Replies(alice.Account) {
		t.Fatal("Bluesky should take replies")
	}
	r, err := e.Connector.Publish(ctx, alice.Account, alice.Client, connectors.PublishRequest{Text: "Thanks!", InReplyTo: comment.ExternalID,
		IdempotencyKey: "tgt_reply"})
	if err != nil {
		t.Fatal(err)
	}
	var got []connectors.InboxEntry
	if after, err := reader.ReadInbox(ctx, alice.Account, alice.Client, connectors.InboxRequest{Posts: []string{p.ExternalID}, Cursor: page.Cursor}); err != nil {
		t.Fatal(err)
	} else {
		got = after.Entries
	}
	for _, en := range got {
		if en.ExternalID == r.ExternalID {
			t.Fatalf("the account's own reply came back: %+v", en)
		}
	}
	found := false
	for _, fp := range e.Posts() {
		if fp.ID == r.ExternalID {
			found = true
			if fp.ReplyTo != comment.ExternalID {
				t.Fatalf("the reply answers %q, want %q", fp.ReplyTo, comment.ExternalID)
			}
		}
	}
	if !found {
		t.Fatal("fakenet has no record of the reply")
	}
	if _, err := e.Connector.Publish(ctx, alice.Account, alice.Client, connectors.PublishRequest{Text: "to nothing",
		InReplyTo: "at://did:plc:nobody/app.bsky.feed.post/3zzzzzzzzzzzz"}); connectors.KindOf(err) != connectors.Permanent {
		t.Fatalf("a reply to a post that is gone: %v, want a permanent refusal", err)
	}
}
