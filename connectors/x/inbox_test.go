package x_test

import (
	"context"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/x"
)

// TestReadInbox: the replies fakenet's users write are read from the
// mention timeline in one request, each under the post of its
// conversation, as many as the posts' reply_count says; the account's own
// thread part is not among them; a read after the cursor finds nothing
// new, and later replies arrive at a later read.
func TestReadInbox(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(nil))
	alice := e.Connect("alice")
	ctx := context.Background()
	reader := x.New(x.FakenetConfig(fakenetRoot(e.Base)))
	var posts []string
	for _, text := range []string{"first post", "second post"} {
		p, err := e.Connector.Publish(ctx, alice.Account, alice.Client, connectors.PublishRequest{Text: text,
			Thread: []string{text + ", part two"}})
		if err != nil {
			t.Fatal(err)
		}
		posts = append(posts, p.ExternalID)
	}
	e.Clock.Advance(4 * time.Hour)
	page, err := reader.ReadInbox(ctx, alice.Account, alice.Client, connectors.InboxRequest{Posts: posts})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := e.Connector.FetchMetrics(ctx, alice.Account, alice.Client, posts)
	if err != nil {
		t.Fatal(err)
	}
	want := int(*ms[0].Comments + *ms[1].Comments)
	if len(page.Entries) != want || want < 2 {
		t.Fatalf("%d entries, want %d (the posts' reply_count)", len(page.Entries), want)
	}
	for _, en := range page.Entries {
		if en.Author.Handle == "alice" || en.Kind != rythme.InboxComment || (en.PostID != posts[0] && en.PostID != posts[1]) ||
			en.InReplyTo != en.PostID || en.CreatedAt.IsZero() || en.Text == "" || en.URL == "" || en.Author.ProfileURL == "" {
			t.Fatalf("entry %+v", en)
		}
	}
	if got := e.Fake.Stats().Operations["x.mentions"]; got != 1 {
		t.Fatalf("%d mention requests, want 1", got)
	}
	again, err := reader.ReadInbox(ctx, alice.Account, alice.Client, connectors.InboxRequest{Posts: posts, Cursor: page.Cursor})
	if err != nil || len(again.Entries) != 0 || again.Cursor != page.Cursor {
		t.Fatalf("after the cursor: %d entries, cursor %q→%q (%v)", len(again.Entries), page.Cursor, again.Cursor, err)
	}
	e.Clock.Advance(20 * time.Hour)
	later, err := reader.ReadInbox(ctx, alice.Account, alice.Client, connectors.InboxRequest{Posts: posts, Cursor: page.Cursor})
	if err != nil {
		t.Fatal(err)
	}
	ms, _ = e.Connector.FetchMetrics(ctx, alice.Account, alice.Client, posts)
	if total := int(*ms[0].Comments + *ms[1].Comments); len(later.Entries) != total-want {
		t.Fatalf("later: %d new entries, want %d", len(later.Entries), total-want)
	}
}
