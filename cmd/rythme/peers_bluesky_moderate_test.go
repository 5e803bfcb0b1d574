package main_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/bluesky"
)

// TestPeerBlueskyHideReply: the connector hides bob's reply to alice's
// post on the reference PDS and shows it again: the PDS accepts the
// threadgate it writes (its lexicon validation), and getRecord gives back
// hiddenReplies with, then without, the reply. Only PDS methods are used
// (the reply's root is read from its record): the peer has no AppView.
func TestPeerBlueskyHideReply(t *testing.T) {
	v := peerVars(t, "PDS_URL", "BSKY_ALICE_HANDLE", "BSKY_ALICE_APP_PASSWORD", "BSKY_BOB_HANDLE", "BSKY_BOB_PASSWORD")
	pds := v["PDS_URL"]
	peerUp(t, "the Bluesky PDS", pds+"/xrpc/_health")
	ctx := context.Background()
	run := fmt.Sprintf("%d", time.Now().UnixNano())

	conn := bluesky.New(bluesky.Config{ServiceURL: pds, AppURL: pds})
	id, tok, err := conn.Connect(ctx, connectors.ConnectParams{"identifier": v["BSKY_ALICE_HANDLE"],
		"app_password": v["BSKY_ALICE_APP_PASSWORD"], "service_url": pds}, connectors.NewHTTPClient())
	if err != nil {
		t.Fatalf("connect alice: %v", err)
	}
	acct := &rythme.Account{ID: "acct-alice", Network: bluesky.Name, InstanceURL: id.InstanceURL, ExternalID: id.ExternalID,
		Username: id.Username, Meta: id.Meta, Token: tok, Status: rythme.AccountConnected}
	sess, err := conn.OpenSession(ctx, acct, connectors.NewHTTPClient(), func(context.Context, rythme.Token) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	client := sess.Client()
	post, err := conn.Publish(ctx, acct, client, connectors.PublishRequest{Text: "peer hide " + run, IdempotencyKey: "hide" + run})
	if err != nil {
		t.Fatalf("publish: %v", err)
	}

	var bob struct {
		AccessJwt string `json:"accessJwt"`
		DID       string `json:"did"`
	}
	if code := xrpc(t, pds, "com.atproto.server.createSession", "", map[string]string{"identifier": v["BSKY_BOB_HANDLE"], "password": v["BSKY_BOB_PASSWORD"]}, &bob); code != 200 {
		t.Fatalf("PDS createSession as bob = %d", code)
	}
	rkey := post.ExternalID[len(post.ExternalID)-13:]
	var rec struct {
		CID string `json:"cid"`
	}
	q := url.Values{"repo": {acct.ExternalID}, "collection": {"app.bsky.feed.post"}, "rkey": {rkey}}
	if code := xrpc(t, pds, "com.atproto.repo.getRecord?"+q.Encode(), "", nil, &rec); code != 200 || rec.CID == "" {
		t.Fatalf("PDS getRecord of alice's post = %d", code)
	}
	ref := map[string]string{"uri": post.ExternalID, "cid": rec.CID}
	var reply struct {
		URI string `json:"uri"`
	}
	if code := xrpc(t, pds, "com.atproto.repo.createRecord", bob.AccessJwt, map[string]any{"repo": bob.DID, "collection": "app.bsky.feed.post",
		"record": map[string]any{"$type": "app.bsky.feed.post", "text": "bob's reply " + run, "createdAt": time.Now().UTC().Format(time.RFC3339Nano),
			"reply": map[string]any{"root": ref, "parent": ref}}}, &reply); code != 200 {
		t.Fatalf("PDS createRecord of bob's reply = %d", code)
	}

	hidden := func() []string {
		t.Helper()
		var out struct {
			Value struct {
				Post          string   `json:"post"`
				HiddenReplies []string `json:"hiddenReplies"`
			} `json:"value"`
		}
		q := url.Values{"repo": {acct.ExternalID}, "collection": {"app.bsky.feed.threadgate"}, "rkey": {rkey}}
		if code := xrpc(t, pds, "com.atproto.repo.getRecord?"+q.Encode(), "", nil, &out); code != 200 || out.Value.Post != post.ExternalID {
			t.Fatalf("PDS getRecord of the threadgate = %d, post %q", code, out.Value.Post)
		}
		return out.Value.HiddenReplies
	}
	if err := conn.Moderate(ctx, acct, client, connectors.ModerateHide, reply.URI); err != nil {
		t.Fatalf("hide: %v", err)
	}
	if got := hidden(); !slices.Equal(got, []string{reply.URI}) {
		t.Fatalf("hiddenReplies after hide = %v, want [%s]", got, reply.URI)
	}
	if err := conn.Moderate(ctx, acct, client, connectors.ModerateUnhide, reply.URI); err != nil {
		t.Fatalf("unhide: %v", err)
	}
	if got := hidden(); len(got) != 0 {
		t.Fatalf("hiddenReplies after unhide = %v, want none", got)
	}
}
