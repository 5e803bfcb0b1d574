package mastodon_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
)

// TestStreamInbox: the stream gives a reply to one of the account's posts
// as a comment on it, a reply elsewhere as a mention, never the account's
// own; it returns nil when its context ends, and Auth for a refused token.
func TestStreamInbox(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	alice, bob := e.Connect("alice"), e.Connect("bob")
	ctx := context.Background()
	ours, err := e.Connector.Publish(ctx, alice.Account, alice.Client, connectors.PublishRequest{Text: "a post from rythme"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.Connector.Publish(ctx, alice.Account, alice.Client, connectors.PublishRequest{Text: "one rythme does not know"})
	if err != nil {
		t.Fatal(err)
	}
	streamer := e.Connector.(connectors.InboxStreamer)
	sctx, stop := context.WithCancel(ctx)
	opened, entries, done := make(chan struct{}), make(chan connectors.InboxEntry, 8), make(chan error, 1)
	go func() {
		done <- streamer.StreamInbox(sctx, alice.Account, alice.Client, connectors.InboxStream{
			IsPost: func(id string) bool { return id == ours.ExternalID },
			Opened: func() { close(opened) },
			Entry:  func(en connectors.InboxEntry) { entries <- en },
		})
	}()
	select {
	case <-opened:
	case err := <-done:
		t.Fatalf("the stream did not open: %v", err)
	}
	reply(t, e, alice, ours.ExternalID, "alice's own thread part")
	comment := reply(t, e, bob, ours.ExternalID, "@alice a comment")
	mention := reply(t, e, bob, other.ExternalID, "@alice a mention")
	next := func() connectors.InboxEntry {
		select {
		case en := <-entries:
			return en
		case <-time.After(5 * time.Second):
			t.Fatal("no entry within 5 s")
		}
		return connectors.InboxEntry{}
	}
	if en := next(); en.ExternalID != comment || en.Kind != rythme.InboxComment || en.PostID != ours.ExternalID ||
		en.InReplyTo != ours.ExternalID || en.Author.Handle != "bob" || en.Text != "@alice a comment" || en.CreatedAt.IsZero() {
		t.Fatalf("first entry %+v, want bob's comment", en)
	}
	if en := next(); en.ExternalID != mention || en.Kind != rythme.InboxMention || en.PostID != "" || en.InReplyTo != other.ExternalID {
		t.Fatalf("second entry %+v, want bob's mention", en)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("ended by its context: %v", err)
	}

	// A client without the account's token is refused: Auth, for the
	// worker's refresh and then needs_reconnect.
	err = streamer.StreamInbox(ctx, alice.Account, http.DefaultClient, connectors.InboxStream{Entry: func(connectors.InboxEntry) {}})
	if connectors.KindOf(err) != connectors.Auth {
		t.Fatalf("no token: %v (%v)", err, connectors.KindOf(err))
	}
}
