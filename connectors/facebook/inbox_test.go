package facebook_test

import (
	"context"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
)

// TestReadInbox: every comment fakenet's Facebook counts on a Page post is
// read, in one request, under the post; a deleted post is skipped.
func TestReadInbox(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	c := e.Connect("alice")
	ctx := context.Background()
	p, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "Our week"})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(8 * time.Hour)
	r := e.Connector.(connectors.InboxReader)
	page, err := r.ReadInbox(ctx, c.Account, c.Client, connectors.InboxRequest{Posts: []string{p.ExternalID}})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := e.Connector.FetchMetrics(ctx, c.Account, c.Client, []string{p.ExternalID})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != int(*ms[0].Comments) || len(page.Entries) == 0 {
		t.Fatalf("%d comments read, the post counts %d", len(page.Entries), *ms[0].Comments)
	}
	for _, en := range page.Entries {
		if en.Kind != rythme.InboxComment || en.PostID != p.ExternalID || en.Author.Handle == "" || en.URL == "" || en.CreatedAt.IsZero() {
			t.Fatalf("entry %+v", en)
		}
	}
	if got := e.Fake.Stats().Operations["facebook.comments"]; got != 1 {
		t.Fatalf("%d comment requests, want 1", got)
	}
	e.Fake.DeletePost("facebook", p.ExternalID)
	if page, err := r.ReadInbox(ctx, c.Account, c.Client, connectors.InboxRequest{Posts: []string{p.ExternalID}}); err != nil || len(page.Entries) != 0 {
		t.Fatalf("a deleted post: %d entries, %v", len(page.Entries), err)
	}
}

// TestReplyAndHide: the Page answers a comment (POST /{comment-id}/comments,
// recorded by fakenet as a reply to it) and hides it; delete is refused,
// naming why; hiding a comment that is not under the Page's posts fails.
func TestReplyAndHide(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	c := e.Connect("alice")
	ctx := context.Background()
	p, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "Ask away"})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(8 * time.Hour)
	page, err := e.Connector.(connectors.InboxReader).ReadInbox(ctx, c.Account, c.Client, connectors.InboxRequest{Posts: []string{p.ExternalID}})
	if err != nil || len(page.Entries) == 0 {
		t.Fatalf("read: %d, %v", len(page.Entries), err)
	}
	cm := page.Entries[0]
	r, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "Thanks!", InReplyTo: cm.ExternalID})
	if err != nil {
		t.Fatal(err)
	}
	replies := 0
	for _, fp := range e.Posts() {
		if fp.ID == r.ExternalID && fp.ReplyTo == cm.ExternalID {
			replies++
		}
	}
	if replies != 1 {
		t.Fatalf("the reply reached fakenet %d times as a reply to %s", replies, cm.ExternalID)
	}
	m := e.Connector.(connectors.Moderator)
	if why := m.CanModerate(c.Account, connectors.ModerateDelete); why == "" {
		t.Fatal("delete should be refused with a reason")
	}
	if err := m.Moderate(ctx, c.Account, c.Client, connectors.ModerateHide, cm.ExternalID); err != nil {
		t.Fatal(err)
	}
	if got := e.Fake.Stats().Operations["facebook.hide_comment"]; got != 1 {
		t.Fatalf("%d hide requests, want 1", got)
	}
	if err := m.Moderate(ctx, c.Account, c.Client, connectors.ModerateHide, "999_1"); connectors.KindOf(err) != connectors.Permanent {
		t.Fatalf("hiding a comment elsewhere: %v, want a permanent refusal", err)
	}
}
