package slack_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
)

// TestReadInboxOneThreadAPage: each read is one conversations.replies call
// (Slack's one a minute for apps outside its Marketplace), of at most 15
// messages; the cursor moves through a thread's pages, then to the next
// post, and wraps around; over the reads every reply reactions.get counts
// is read once, the thread's parent (rythme's own message) never; moderation
// is refused with a reason.
func TestReadInboxOneThreadAPage(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	c := e.Connect("alice")
	ctx := context.Background()
	var posts []string
	for _, text := range []string{"first", "second"} {
		p, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		posts = append([]string{p.ExternalID}, posts...) // most recent first
	}
	e.Clock.Advance(24 * time.Hour)
	ms, err := e.Connector.FetchMetrics(ctx, c.Account, c.Client, posts)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	for _, m := range ms {
		want[m.ExternalID] = int(*m.Comments)
	}
	if want[posts[0]]+want[posts[1]] == 0 {
		t.Fatal("no reply after a day: fakenet's members reply in threads")
	}
	r := e.Connector.(connectors.InboxReader)
	seen := map[string]bool{}
	got := map[string]int{}
	cursor, reads := "", 0
	for {
		e.Clock.Advance(time.Minute) // one call a minute
		page, err := r.ReadInbox(ctx, c.Account, c.Client, connectors.InboxRequest{Posts: posts, Cursor: cursor})
		if err != nil {
			t.Fatalf("read %d: %v", reads, err)
		}
		reads++
		if len(page.Entries) > 15 {
			t.Fatalf("read %d gave %d entries: one page is 15 messages at most", reads, len(page.Entries))
		}
		for _, en := range page.Entries {
			if seen[en.ExternalID] {
				t.Fatalf("%s read twice in one round", en.ExternalID)
			}
			seen[en.ExternalID] = true
			got[en.PostID]++
			if en.Kind != rythme.InboxComment || en.InReplyTo != en.PostID || !strings.HasPrefix(en.Author.Handle, "U") ||
				en.Text == "" || en.URL == "" || en.CreatedAt.IsZero() || en.CreatedAt.After(e.Clock.Now()) {
				t.Fatalf("entry %+v", en)
			}
			if en.Text == "first" || en.Text == "second" {
				t.Fatalf("the post itself was read: %+v", en)
			}
		}
		cursor = page.Cursor
		if got[posts[0]]+got[posts[1]] >= want[posts[0]]+want[posts[1]] && !strings.Contains(cursor, " ") {
			break
		}
		if reads > 20 {
			t.Fatalf("20 reads and still not round: got %v, want %v (cursor %q)", got, want, cursor)
		}
	}
	for _, p := range posts {
		if got[p] != want[p] {
			t.Fatalf("post %s: %d replies read, reply_count %d", p, got[p], want[p])
		}
	}
	if n := e.Fake.Stats().Operations["slack.conversations_replies"]; n != int64(reads) {
		t.Fatalf("%d conversations.replies calls for %d reads", n, reads)
	}
	// The next read starts the round again.
	e.Clock.Advance(time.Minute)
	page, err := r.ReadInbox(ctx, c.Account, c.Client, connectors.InboxRequest{Posts: posts, Cursor: cursor})
	if err != nil || !strings.HasPrefix(page.Cursor, posts[0]) {
		t.Fatalf("after a round: cursor %q, %v; want the first post again", page.Cursor, err)
	}
	m := e.Connector.(connectors.Moderator)
	for _, action := range []string{connectors.ModerateHide, connectors.ModerateDelete} {
		if why := m.CanModerate(c.Account, action); why == "" {
			t.Fatalf("%s should be refused with a reason", action)
		}
	}
}

// TestReplyFromTheInbox: a reply to a member's reply in a post's thread
// goes to the thread's parent (ReplyTo), is posted with that thread_ts in
// the parent's channel, shows in the thread as the app's own (left out of
// the inbox), and fakenet records it as answering the parent.
func TestReplyFromTheInbox(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	c := e.Connect("alice")
	ctx := context.Background()
	p, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "Ask us anything"})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(24 * time.Hour)
	r := e.Connector.(connectors.InboxReader)
	page, err := r.ReadInbox(ctx, c.Account, c.Client, connectors.InboxRequest{Posts: []string{p.ExternalID}})
	if err != nil || len(page.Entries) == 0 {
		t.Fatalf("read: %d entries, %v", len(page.Entries), err)
	}
	comment := page.Entries[0]
	if rp, ok := e.Connector.(connectors.Replier); !ok || !rp.Replies(c.Account) {
		t.Fatal("Slack should take replies from the inbox")
	}
	to := e.Connector.(connectors.ReplyAddresser).ReplyTo(comment.ExternalID, comment.InReplyTo)
	if to != p.ExternalID {
		t.Fatalf("a reply to %s goes to %s, want the thread's parent %s", comment.ExternalID, to, p.ExternalID)
	}
	if got := e.Connector.(connectors.ReplyAddresser).ReplyTo(comment.ExternalID, "C0OTHER:1700000000.000100"); got != comment.ExternalID {
		t.Fatalf("a parent in another channel: reply to %s, want the item itself", got)
	}
	e.Clock.Advance(time.Minute)
	reply, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "Thanks <3", InReplyTo: to})
	if err != nil {
		t.Fatal(err)
	}
	if ch, _, _ := strings.Cut(reply.ExternalID, ":"); !strings.HasPrefix(p.ExternalID, ch+":") || reply.ExternalID == p.ExternalID {
		t.Fatalf("reply %s, post %s: want another message of the same channel", reply.ExternalID, p.ExternalID)
	}
	found := false
	for _, fp := range e.Posts() {
		if fp.ID == reply.ExternalID {
			found = true
			if fp.ReplyTo != p.ExternalID || fp.Text != "Thanks &lt;3" {
				t.Fatalf("fakenet has the reply answering %q with %q, want %q and the escaped text", fp.ReplyTo, fp.Text, p.ExternalID)
			}
		}
	}
	if !found {
		t.Fatal("fakenet has no record of the reply")
	}
	// The thread now has it, as the app's message: the inbox leaves it out.
	cursor := ""
	for i := 0; i < 10; i++ {
		e.Clock.Advance(time.Minute)
		pg, err := r.ReadInbox(ctx, c.Account, c.Client, connectors.InboxRequest{Posts: []string{p.ExternalID}, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, en := range pg.Entries {
			if en.ExternalID == reply.ExternalID {
				t.Fatalf("the app's own reply came back: %+v", en)
			}
		}
		if cursor = pg.Cursor; !strings.Contains(cursor, " ") {
			break
		}
	}
	if _, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "to nothing", InReplyTo: "not-a-message"}); connectors.KindOf(err) != connectors.Permanent {
		t.Fatalf("a reply to a malformed id: %v, want a permanent refusal", err)
	}
}
