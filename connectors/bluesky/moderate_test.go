package bluesky_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
)

// threadgate is what fakenet's PDS holds of a threadgate record.
type threadgate struct {
	Post          string           `json:"post"`
	CreatedAt     string           `json:"createdAt"`
	Allow         []map[string]any `json:"allow"`
	HiddenReplies []string         `json:"hiddenReplies"`
}

// xrpcJSON calls an XRPC method on fakenet with client and decodes the
// answer; it returns the HTTP status.
func xrpcJSON(t *testing.T, e *connectortest.Env, client *http.Client, method, nsid string, q url.Values, in, out any) int {
	t.Helper()
	var body *bytes.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	} else {
		body = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, e.Base+"/xrpc/"+nsid+"?"+q.Encode(), body)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

// TestModerateHidesThroughTheThreadgate: hiding a reply adds its at-uri to
// the hiddenReplies of the post's threadgate (created when there is none,
// or rewritten with its allow rules kept), the thread's view carries the
// gate, hiding twice or showing twice changes nothing, showing removes
// it; delete is refused, and so is hiding a post that is not a reply in
// the account's threads or a reply that is gone.
func TestModerateHidesThroughTheThreadgate(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	alice := e.Connect("alice")
	ctx := context.Background()
	mod := e.Connector.(connectors.Moderator)
	if why := mod.CanModerate(alice.Account, connectors.ModerateDelete); why == "" {
		t.Fatal("delete of another user's reply should be refused")
	}
	if err := mod.Moderate(ctx, alice.Account, alice.Client, connectors.ModerateDelete, "at://x/y/z"); connectors.KindOf(err) != connectors.Permanent {
		t.Fatalf("delete: %v, want a permanent refusal", err)
	}
	for _, a := range []string{connectors.ModerateHide, connectors.ModerateUnhide} {
		if why := mod.CanModerate(alice.Account, a); why != "" {
			t.Fatalf("%s refused: %s", a, why)
		}
	}
	gated, err := e.Connector.Publish(ctx, alice.Account, alice.Client, connectors.PublishRequest{Text: "Gated"})
	if err != nil {
		t.Fatal(err)
	}
	open, err := e.Connector.Publish(ctx, alice.Account, alice.Client, connectors.PublishRequest{Text: "Open"})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(6 * time.Hour)
	page, err := e.Connector.(connectors.InboxReader).ReadInbox(ctx, alice.Account, alice.Client,
		connectors.InboxRequest{Posts: []string{gated.ExternalID, open.ExternalID}})
	if err != nil {
		t.Fatal(err)
	}
	replies := map[string][]string{}
	for _, en := range page.Entries {
		if en.PostID != "" && !slices.Contains(replies[en.PostID], en.ExternalID) {
			replies[en.PostID] = append(replies[en.PostID], en.ExternalID)
		}
	}
	if len(replies[gated.ExternalID]) < 2 || len(replies[open.ExternalID]) < 1 {
		t.Fatalf("replies read: %v", replies)
	}
	did := alice.Account.ExternalID
	rkey := func(uri string) string { return uri[len(uri)-13:] }
	gate := func(post string) (threadgate, bool) {
		var out struct {
			Value threadgate `json:"value"`
		}
		q := url.Values{"repo": {did}, "collection": {"app.bsky.feed.threadgate"}, "rkey": {rkey(post)}}
		return out.Value, xrpcJSON(t, e, http.DefaultClient, http.MethodGet, "com.atproto.repo.getRecord", q, nil, &out) == http.StatusOK
	}

	// The gated post allows replies from followed users only.
	rules := []map[string]any{{"$type": "app.bsky.feed.threadgate#followingRule"}}
	if st := xrpcJSON(t, e, alice.Client, http.MethodPost, "com.atproto.repo.putRecord", nil, map[string]any{"repo": did,
		"collection": "app.bsky.feed.threadgate", "rkey": rkey(gated.ExternalID), "record": map[string]any{
			"$type": "app.bsky.feed.threadgate", "post": gated.ExternalID, "createdAt": "2025-06-02T08:00:00.000Z", "allow": rules}}, nil); st != http.StatusOK {
		t.Fatalf("putRecord of the gate: %d", st)
	}
	first, second := replies[gated.ExternalID][0], replies[gated.ExternalID][1]
	for range 2 {
		for _, r := range []string{first, second} {
			if err := mod.Moderate(ctx, alice.Account, alice.Client, connectors.ModerateHide, r); err != nil {
				t.Fatalf("hide %s: %v", r, err)
			}
		}
	}
	g, ok := gate(gated.ExternalID)
	if !ok || !slices.Equal(g.HiddenReplies, []string{first, second}) || len(g.Allow) != 1 ||
		g.Allow[0]["$type"] != "app.bsky.feed.threadgate#followingRule" || g.Post != gated.ExternalID || g.CreatedAt != "2025-06-02T08:00:00.000Z" {
		t.Fatalf("gate after hiding twice: %+v (found %v)", g, ok)
	}
	var thread struct {
		Threadgate struct {
			Record threadgate `json:"record"`
		} `json:"threadgate"`
	}
	if st := xrpcJSON(t, e, alice.Client, http.MethodGet, "app.bsky.feed.getPostThread", url.Values{"uri": {gated.ExternalID}}, nil, &thread); st != http.StatusOK ||
		!slices.Equal(thread.Threadgate.Record.HiddenReplies, []string{first, second}) {
		t.Fatalf("thread view's gate: %d %+v", st, thread.Threadgate)
	}
	for range 2 {
		if err := mod.Moderate(ctx, alice.Account, alice.Client, connectors.ModerateUnhide, first); err != nil {
			t.Fatalf("unhide: %v", err)
		}
	}
	if g, ok := gate(gated.ExternalID); !ok || !slices.Equal(g.HiddenReplies, []string{second}) || len(g.Allow) != 1 {
		t.Fatalf("gate after showing one again: %+v", g)
	}

	// The open post has no gate: showing writes none, hiding makes one
	// without allow (replies stay open to everyone).
	reply := replies[open.ExternalID][0]
	if err := mod.Moderate(ctx, alice.Account, alice.Client, connectors.ModerateUnhide, reply); err != nil {
		t.Fatal(err)
	}
	if _, ok := gate(open.ExternalID); ok {
		t.Fatal("showing a reply made a threadgate")
	}
	if err := mod.Moderate(ctx, alice.Account, alice.Client, connectors.ModerateHide, reply); err != nil {
		t.Fatal(err)
	}
	g, ok = gate(open.ExternalID)
	if !ok || !slices.Equal(g.HiddenReplies, []string{reply}) || g.Allow != nil || g.Post != open.ExternalID || g.CreatedAt == "" {
		t.Fatalf("new gate: %+v (found %v)", g, ok)
	}

	// The account's own post is not a reply in its threads.
	if err := mod.Moderate(ctx, alice.Account, alice.Client, connectors.ModerateHide, open.ExternalID); connectors.KindOf(err) != connectors.Permanent {
		t.Fatalf("hiding a root post: %v, want a permanent refusal", err)
	}
	// A reply that is gone cannot be hidden.
	e.Fake.DeletePost("bluesky", second)
	if err := mod.Moderate(ctx, alice.Account, alice.Client, connectors.ModerateHide, second); connectors.KindOf(err) != connectors.Permanent {
		t.Fatalf("hiding a deleted reply: %v, want a permanent refusal", err)
	}
}
