package mastodon_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/mastodon"
	"github.com/rythmehq/rythme/fakenet"
)

// reply posts text as c's user in reply to id, straight to the API.
func reply(t *testing.T, e *connectortest.Env, c *connectortest.Connected, id, text string) string {
	t.Helper()
	form := url.Values{"status": {text}, "in_reply_to_id": {id}}
	res, err := c.Client.PostForm(e.Base+"/api/v1/statuses", form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("reply: status %d", res.StatusCode)
	}
	var st struct{ ID string }
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st.ID
}

// TestReadInbox: the comments fakenet's other users write over time are
// read from the status's context, as many as its replies_count says, the
// account's own replies left out; a real reply by another user is read with
// its author and text; a reply to a comment is a reply; the same seed gives
// the same comments.
func TestReadInbox(t *testing.T) {
	t.Parallel()
	read := func() ([]connectors.InboxEntry, *connectortest.Env) {
		e := connectortest.Start(t, harness())
		alice, bob := e.Connect("alice"), e.Connect("bob")
		ctx := context.Background()
		p, err := e.Connector.Publish(ctx, alice.Account, alice.Client, connectors.PublishRequest{Text: "Our themed week starts today"})
		if err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(3 * time.Hour)
		reply(t, e, alice, p.ExternalID, "part 2 of our own thread")
		bobs := reply(t, e, bob, p.ExternalID, "<b>Bold</b> & brave, @alice!")
		reply(t, e, bob, bobs, "and a reply to my own comment")
		page, err := e.Connector.(connectors.InboxReader).ReadInbox(ctx, alice.Account, alice.Client,
			connectors.InboxRequest{Posts: []string{p.ExternalID}})
		if err != nil {
			t.Fatal(err)
		}
		ms, err := e.Connector.FetchMetrics(ctx, alice.Account, alice.Client, []string{p.ExternalID})
		if err != nil {
			t.Fatal(err)
		}
		// replies_count counts the direct replies: the simulated ones, bob's
		// comment and alice's own part (left out); bob's reply to his
		// comment is one more entry.
		if want := int(*ms[0].Comments) - 1 + 1; len(page.Entries) != want {
			t.Fatalf("%d entries, want %d (replies_count %d)", len(page.Entries), want, *ms[0].Comments)
		}
		return page.Entries, e
	}
	entries, e := read()
	if len(entries) < 4 {
		t.Fatalf("only %d entries after 3 hours: fakenet's users should have commented", len(entries))
	}
	var bob, bobReply *connectors.InboxEntry
	for i, en := range entries {
		if en.Author.Handle == "alice" {
			t.Fatalf("the account's own reply was read: %+v", en)
		}
		if en.CreatedAt.IsZero() || en.CreatedAt.After(e.Clock.Now()) || en.ExternalID == "" || en.Text == "" || en.URL == "" {
			t.Fatalf("entry %+v", en)
		}
		switch en.Author.Handle {
		case "bob":
			if en.Kind == rythme.InboxComment {
				bob = &entries[i]
			} else {
				bobReply = &entries[i]
			}
		default:
			if en.Kind != rythme.InboxComment || en.PostID == "" || en.InReplyTo != en.PostID {
				t.Fatalf("simulated comment %+v", en)
			}
		}
	}
	if bob == nil || bob.Text != "<b>Bold</b> & brave, @alice!" || bob.Author.ProfileURL != e.Base+"/@bob" {
		t.Fatalf("bob's comment: %+v", bob)
	}
	if bobReply == nil || bobReply.Kind != rythme.InboxReply || bobReply.InReplyTo != bob.ExternalID || bobReply.PostID != bob.PostID {
		t.Fatalf("bob's reply to his comment: %+v", bobReply)
	}
	again, _ := read()
	if len(again) != len(entries) {
		t.Fatalf("the same seed gave %d entries, then %d", len(entries), len(again))
	}
	for i := range entries {
		if again[i].Author.Handle != entries[i].Author.Handle || again[i].Text != entries[i].Text || !again[i].CreatedAt.Equal(entries[i].CreatedAt) {
			t.Fatalf("entry %d differs on the same seed: %+v vs %+v", i, entries[i], again[i])
		}
	}
}

// TestReadInboxSkipsDeletedAndReadsMentionsOnce: rythme asks for
// read:notifications, so the account's mentions are read and the cursor moves
// on; a mention that is a comment read already from the post's context is
// not read twice; a deleted post is skipped.
func TestReadInboxSkipsDeletedAndReadsMentionsOnce(t *testing.T) {
	t.Parallel()
	if !slices.Contains(mastodon.Scopes, "read:notifications") || !slices.Contains(mastodon.Scopes, "read:statuses") {
		t.Fatalf("scopes %v: mentions need read:notifications, comments read:statuses", mastodon.Scopes)
	}
	e := connectortest.Start(t, harness())
	alice, bob := e.Connect("alice"), e.Connect("bob")
	ctx := context.Background()
	p, err := e.Connector.Publish(ctx, alice.Account, alice.Client, connectors.PublishRequest{Text: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(2 * time.Hour)
	bobs := reply(t, e, bob, p.ExternalID, "@alice hello to you")
	r := e.Connector.(connectors.InboxReader)
	page, err := r.ReadInbox(ctx, alice.Account, alice.Client, connectors.InboxRequest{Posts: []string{p.ExternalID}})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	for _, en := range page.Entries {
		ids[en.ExternalID]++
	}
	if ids[bobs] != 1 || page.Cursor == "" {
		t.Fatalf("bob's comment read %d times (want once), cursor %q", ids[bobs], page.Cursor)
	}
	for id, n := range ids {
		if n != 1 {
			t.Fatalf("entry %s read %d times", id, n)
		}
	}
	e.Fake.DeletePost("mastodon", p.ExternalID)
	page, err = r.ReadInbox(ctx, alice.Account, alice.Client, connectors.InboxRequest{Posts: []string{p.ExternalID}, Cursor: page.Cursor})
	if err != nil || len(page.Entries) != 0 {
		t.Fatalf("a deleted post, nothing new: page %+v, err %v", page, err)
	}
	if got := e.Fake.Stats().Operations["mastodon.notifications"]; got != 2 {
		t.Fatalf("notifications asked %d times, want 2", got)
	}
	// What the server answers a token without read:notifications (one
	// connected before rythme asked for it).
	if err := e.Fake.InjectFault(fakenet.Fault{Network: "mastodon", Match: "notifications", Kind: fakenet.FaultStatus, Status: http.StatusForbidden,
		Body: `{"error":"This action is outside the authorized scopes"}`}); err != nil {
		t.Fatal(err)
	}
	page, err = r.ReadInbox(ctx, alice.Account, alice.Client,
		connectors.InboxRequest{Posts: []string{p.ExternalID}, Cursor: "113000000000000001"})
	if err != nil || len(page.Entries) != 0 || page.Cursor != "113000000000000001" {
		t.Fatalf("page %+v, err %v", page, err)
	}
	if got := e.Fake.Stats().Operations["mastodon.notifications"]; got != 3 {
		t.Fatalf("notifications asked %d times, want 3", got)
	}
	if sc := strings.Join(mastodon.Scopes, " "); !strings.Contains(sc, "read:statuses") || !strings.Contains(sc, "read:notifications") {
		t.Fatal("comments need read:statuses, mentions and the stream read:notifications")
	}
}
