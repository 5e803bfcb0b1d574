package instagram_test

import (
	"context"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
)

// TestReadInbox: every comment fakenet's Instagram counts on a media is
// read, replies under their comment, in one request; the account's own
// reply (POST /{ig-comment-id}/replies) is left out; the cursor is kept as
// it was (Instagram lists no mentions); a deleted media is skipped.
func TestReadInbox(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harnessWith(nil))
	c := e.Connect("alice")
	ctx := context.Background()
	p, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "Our week"})
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
		t.Fatalf("%d comments read, the media counts %d (want 4 at least after a day)", len(entries), *ms[0].Comments)
	}
	byID := map[string]connectors.InboxEntry{}
	replies := 0
	for _, en := range entries {
		byID[en.ExternalID] = en
		if en.PostID != p.ExternalID || en.Author.Handle == "" || en.Author.Handle == c.Account.Username || en.Text == "" ||
			en.CreatedAt.IsZero() || en.CreatedAt.After(e.Clock.Now()) {
			t.Fatalf("entry %+v", en)
		}
		switch en.Kind {
		case rythme.InboxComment:
			if en.InReplyTo != p.ExternalID {
				t.Fatalf("comment %+v does not answer the media", en)
			}
		case rythme.InboxReply:
			replies++
		default:
			t.Fatalf("entry %+v", en)
		}
	}
	for _, en := range entries {
		if en.Kind == rythme.InboxReply && byID[en.InReplyTo].Kind != rythme.InboxComment {
			t.Fatalf("reply %+v is not under a comment read", en)
		}
	}
	if replies == 0 {
		t.Fatal("no reply among the comments: fakenet's users answer each other")
	}
	if got := e.Fake.Stats().Operations["instagram.comments"]; got != 1 {
		t.Fatalf("%d comment requests, want 1", got)
	}

	// The account answers the first comment: its reply is not read back.
	first := entries[0]
	if _, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "Thanks!", InReplyTo: first.ExternalID}); err != nil {
		t.Fatal(err)
	}
	if again := read(); len(again) != len(entries) {
		t.Fatalf("after the account's reply: %d entries, want %d (its own left out)", len(again), len(entries))
	}
	e.Fake.DeletePost("instagram", p.ExternalID)
	if again := read(); len(again) != 0 {
		t.Fatalf("a deleted media: %d entries", len(again))
	}
}

// TestModerate: a comment is hidden, shown again and deleted (then no
// longer read); a comment that is not under the account's media is refused
// for good.
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
	r := e.Connector.(connectors.InboxReader)
	page, err := r.ReadInbox(ctx, c.Account, c.Client, connectors.InboxRequest{Posts: []string{p.ExternalID}})
	if err != nil || len(page.Entries) == 0 {
		t.Fatalf("read: %d, %v", len(page.Entries), err)
	}
	var cm connectors.InboxEntry
	for _, en := range page.Entries {
		if en.Kind == rythme.InboxComment {
			cm = en
			break
		}
	}
	m := e.Connector.(connectors.Moderator)
	for _, action := range []string{connectors.ModerateHide, connectors.ModerateUnhide, connectors.ModerateDelete} {
		if why := m.CanModerate(c.Account, action); why != "" {
			t.Fatalf("%s refused: %s", action, why)
		}
	}
	if why := m.CanModerate(c.Account, "pin"); why == "" {
		t.Fatal("an unknown action should be refused with a reason")
	}
	for _, action := range []string{connectors.ModerateHide, connectors.ModerateUnhide} {
		if err := m.Moderate(ctx, c.Account, c.Client, action, cm.ExternalID); err != nil {
			t.Fatalf("%s: %v", action, err)
		}
	}
	if got := e.Fake.Stats().Operations["instagram.hide_comment"]; got != 2 {
		t.Fatalf("%d hide requests, want 2", got)
	}
	if err := m.Moderate(ctx, c.Account, c.Client, connectors.ModerateDelete, cm.ExternalID); err != nil {
		t.Fatal(err)
	}
	after, err := r.ReadInbox(ctx, c.Account, c.Client, connectors.InboxRequest{Posts: []string{p.ExternalID}})
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range after.Entries {
		if en.ExternalID == cm.ExternalID || en.InReplyTo == cm.ExternalID {
			t.Fatalf("the deleted comment (or a reply under it) is still read: %+v", en)
		}
	}
	if len(after.Entries) >= len(page.Entries) {
		t.Fatalf("%d entries after deleting one, before %d", len(after.Entries), len(page.Entries))
	}
	if err := m.Moderate(ctx, c.Account, c.Client, connectors.ModerateHide, "17841499999999999"); connectors.KindOf(err) != connectors.Permanent {
		t.Fatalf("hiding a comment elsewhere: %v, want a permanent refusal", err)
	}
}
