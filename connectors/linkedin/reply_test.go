package linkedin_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
)

// TestReplyFromTheInbox: a reply to a member's comment is a nested
// comment under it (fakenet records it answering that comment, by the
// member); a retry of the same reply finds it rather than sending it
// again; the inbox leaves it out; a reply to a nested comment goes to its
// parent (ReplyTo); a malformed parent is refused.
func TestReplyFromTheInbox(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(withComments))
	c := e.Connect("alice")
	ctx := context.Background()
	p, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "Ask us anything"})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(24 * time.Hour)
	r := e.Connector.(connectors.InboxReader)
	read := func() []connectors.InboxEntry {
		t.Helper()
		page, err := r.ReadInbox(ctx, c.Account, c.Client, connectors.InboxRequest{Posts: []string{p.ExternalID}})
		if err != nil {
			t.Fatal(err)
		}
		return page.Entries
	}
	before := read()
	if len(before) == 0 {
		t.Fatal("no comment to answer")
	}
	comment := before[0]
	if rp, ok := e.Connector.(connectors.Replier); !ok || !rp.Replies(c.Account) {
		t.Fatal("LinkedIn should take replies from the inbox")
	}
	to := e.Connector.(connectors.ReplyAddresser).ReplyTo(comment.ExternalID, comment.InReplyTo)
	if to != comment.ExternalID {
		t.Fatalf("a reply to the comment %s goes to %s", comment.ExternalID, to)
	}
	req := connectors.PublishRequest{Text: "Thanks, glad it helps", InReplyTo: to, IdempotencyKey: "target-1"}
	reply, err := e.Connector.Publish(ctx, c.Account, c.Client, req)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(reply.ExternalID, "urn:li:comment:(") || reply.ExternalID == comment.ExternalID ||
		!strings.Contains(reply.URL, "replyUrn=") {
		t.Fatalf("reply %+v: want a new comment URN and its permalink", reply)
	}
	created := func() (n int) {
		for _, fp := range e.Posts() {
			if fp.Created && fp.ReplyTo == comment.ExternalID {
				n++
				if fp.ID != reply.ExternalID || fp.Text != req.Text {
					t.Fatalf("fakenet has the reply %s %q, want %s %q", fp.ID, fp.Text, reply.ExternalID, req.Text)
				}
			}
		}
		return n
	}
	if n := created(); n != 1 {
		t.Fatalf("fakenet has %d replies to the comment, want 1", n)
	}

	// A retry (the answer was lost) finds the reply instead of sending it again.
	e.Clock.Advance(time.Minute)
	again, err := e.Connector.Publish(ctx, c.Account, c.Client, req)
	if err != nil || again.ExternalID != reply.ExternalID {
		t.Fatalf("retry: %+v, %v; want the first reply %s", again, err, reply.ExternalID)
	}
	if n := created(); n != 1 {
		t.Fatalf("after a retry fakenet has %d replies to the comment, want 1", n)
	}

	// The inbox leaves the member's own reply out.
	after := read()
	for _, en := range after {
		if en.ExternalID == reply.ExternalID || en.Text == req.Text {
			t.Fatalf("the member's own reply came back: %+v", en)
		}
	}
	if len(after) < len(before) {
		t.Fatalf("%d entries after the reply, %d before", len(after), len(before))
	}

	// A nested comment by someone else answers the comment: a reply to it
	// goes to the top-level comment.
	if got := e.Connector.(connectors.ReplyAddresser).ReplyTo("urn:li:comment:(urn:li:activity:1,3)", comment.ExternalID); got != comment.ExternalID {
		t.Fatalf("a reply to a nested comment goes to %s, want its parent %s", got, comment.ExternalID)
	}
	for _, bad := range []string{"not-a-comment", p.ExternalID, "urn:li:comment:(urn:li:activity:1,)"} {
		if _, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "x", InReplyTo: bad}); connectors.KindOf(err) != connectors.Permanent {
			t.Fatalf("a reply to %q: %v, want a permanent refusal", bad, err)
		}
	}
	// A nested comment cannot be answered directly: LinkedIn nests one level.
	if _, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "deeper", InReplyTo: reply.ExternalID}); connectors.KindOf(err) != connectors.Permanent {
		t.Fatalf("a reply to a nested comment: %v, want a permanent refusal", err)
	}
}
