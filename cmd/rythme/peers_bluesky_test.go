package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// xrpc calls the PDS: body as JSON (POST) or none (GET), with a bearer
// JWT when jwt is set. It returns the status and fills out on 200.
func xrpc(t *testing.T, pds, method, jwt string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(map[bool]string{true: "POST", false: "GET"}[body != nil], pds+"/xrpc/"+method, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if jwt != "" {
		req.Header.Set("Authorization", "Bearer "+jwt)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("PDS %s: %v", method, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == 200 && out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("PDS %s: %v: %.300s", method, err, b)
		}
	}
	return resp.StatusCode
}

// bskyRecord is an app.bsky.feed.post record as listRecords shows it.
type bskyRecord struct {
	URI   string `json:"uri"`
	Value struct {
		Text  string `json:"text"`
		Reply *struct {
			Root   struct{ URI string } `json:"root"`
			Parent struct{ URI string } `json:"parent"`
		} `json:"reply"`
		Embed *struct {
			Type   string `json:"$type"`
			Images []struct {
				Alt string `json:"alt"`
			} `json:"images"`
		} `json:"embed"`
	} `json:"value"`
}

// bskyPosts returns every post record in did's repository.
func bskyPosts(t *testing.T, pds, did string) []bskyRecord {
	t.Helper()
	var all []bskyRecord
	cursor := ""
	for range 100 {
		var page struct {
			Records []bskyRecord `json:"records"`
			Cursor  string       `json:"cursor"`
		}
		q := url.Values{"repo": {did}, "collection": {"app.bsky.feed.post"}, "limit": {"100"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		if code := xrpc(t, pds, "com.atproto.repo.listRecords?"+q.Encode(), "", nil, &page); code != 200 {
			t.Fatalf("PDS listRecords = %d", code)
		}
		all = append(all, page.Records...)
		if page.Cursor == "" || len(page.Records) == 0 {
			break
		}
		cursor = page.Cursor
	}
	return all
}

func bskyByText(all []bskyRecord, text string) []bskyRecord {
	var out []bskyRecord
	for _, r := range all {
		if r.Value.Text == text {
			out = append(out, r)
		}
	}
	return out
}

// TestPeerBluesky runs a content team's day against the Bluesky reference
// PDS: connect a self-hosted PDS with service_url and an app password, a
// post, an image with alt text, a thread, edit and cancel before due, a
// revoked app password. The PDS has no AppView, so engagement cannot be
// read back from it (app.bsky.feed.getPosts answers 400): docs/reliability.md.
func TestPeerBluesky(t *testing.T) {
	v := peerVars(t, "PDS_URL", "BSKY_ALICE_HANDLE", "BSKY_ALICE_DID", "BSKY_ALICE_PASSWORD")
	pds, handle, did := v["PDS_URL"], v["BSKY_ALICE_HANDLE"], v["BSKY_ALICE_DID"]
	peerUp(t, "the Bluesky PDS", pds+"/xrpc/_health")
	api, c := peerRythme(t, "")
	run := fmt.Sprintf("%d", time.Now().UnixNano())

	// alice's own session (her account password) makes app passwords of
	// this run's own, so the one in the peers' env file stays valid.
	var main struct {
		AccessJwt string `json:"accessJwt"`
	}
	if code := xrpc(t, pds, "com.atproto.server.createSession", "", map[string]string{"identifier": handle, "password": v["BSKY_ALICE_PASSWORD"]}, &main); code != 200 {
		t.Fatalf("PDS createSession as %s = %d", handle, code)
	}
	appPassword := func(name string) string {
		t.Helper()
		var out struct {
			Password string `json:"password"`
		}
		if code := xrpc(t, pds, "com.atproto.server.createAppPassword", main.AccessJwt, map[string]string{"name": name}, &out); code != 200 {
			t.Fatalf("PDS createAppPassword = %d", code)
		}
		return out.Password
	}
	first := "rythme-peer-" + run
	var conn struct {
		Account struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"account"`
	}
	connect := func(pw string) {
		t.Helper()
		code, b := c.do("POST", "/v1/accounts/bluesky/connect", map[string]string{"service_url": pds, "identifier": handle, "app_password": pw})
		if code != 201 || json.Unmarshal(b, &conn) != nil || conn.Account.Status != "connected" {
			t.Fatalf("connect a self-hosted PDS (service_url) = %d %s, want 201 connected (issue 11)", code, b)
		}
	}
	connect(appPassword(first))
	acct := conn.Account.ID

	alt := "A bar chart: posts per week, rising from 3 to 9 " + run
	mediaID := uploadImage(t, api, alt)
	text := func(s string) string { return "peer " + s + " " + run }
	due := time.Now().Add(5 * time.Second).UTC()
	plain := c.schedule(acct, due, text("post"), nil)
	withMedia := c.schedule(acct, due, text("image"), map[string]any{"media": []string{mediaID}})
	thread := c.schedule(acct, due, text("thread 1/3"), map[string]any{"thread": []string{text("thread 2/3"), text("thread 3/3")}})
	edited := c.schedule(acct, due, text("first draft"), nil)
	c.call("PATCH", "/v1/posts/"+edited.ID, map[string]any{"content": text("edited")}, 200, nil)
	cancelled := c.schedule(acct, due, text("cancelled"), nil)
	c.call("DELETE", "/v1/posts/"+cancelled.ID, nil, 200, nil)
	for name, p := range map[string]peerPost{"post": plain, "image": withMedia, "thread": thread, "edited": edited} {
		if got := c.settle(p.ID, "published", 90*time.Second); got.Status != "published" {
			t.Errorf("%s: post is %s: %+v", name, got.Status, got.Targets)
		}
	}
	all := bskyPosts(t, pds, did)
	once := func(name, text string) *bskyRecord {
		t.Helper()
		got := bskyByText(all, text)
		if len(got) != 1 {
			t.Errorf("%s: the PDS has %d records %q, want exactly 1", name, len(got), text)
			return nil
		}
		return &got[0]
	}
	once("post", text("post"))
	if r := once("image", text("image")); r != nil {
		if r.Value.Embed == nil || r.Value.Embed.Type != "app.bsky.embed.images" || len(r.Value.Embed.Images) != 1 || r.Value.Embed.Images[0].Alt != alt {
			t.Errorf("image: embed %+v, want one image with alt %q", r.Value.Embed, alt)
		}
	}
	p1, p2, p3 := once("thread 1", text("thread 1/3")), once("thread 2", text("thread 2/3")), once("thread 3", text("thread 3/3"))
	if p1 != nil && p2 != nil && p3 != nil {
		if p1.Value.Reply != nil || p2.Value.Reply == nil || p3.Value.Reply == nil ||
			p2.Value.Reply.Root.URI != p1.URI || p2.Value.Reply.Parent.URI != p1.URI ||
			p3.Value.Reply.Root.URI != p1.URI || p3.Value.Reply.Parent.URI != p2.URI {
			t.Errorf("thread: reply refs wrong (want root = part 1, parent = the part before): %+v %+v %+v", p1, p2, p3)
		}
	}
	once("edited", text("edited"))
	for _, gone := range []string{text("first draft"), text("cancelled")} {
		if n := len(bskyByText(all, gone)); n != 0 {
			t.Errorf("the PDS has %d records %q, want none", n, gone)
		}
	}

	t.Run("no engagement without an AppView", func(t *testing.T) {
		// What the poller would call: the PDS forwards app.bsky.* to an
		// AppView, and there is none. If this starts to answer 200, the
		// peer gained one and the suite should read engagement back.
		q := url.Values{"uris": {"at://" + did + "/app.bsky.feed.post/x"}}
		if code := xrpc(t, pds, "app.bsky.feed.getPosts?"+q.Encode(), main.AccessJwt, nil, nil); code == 200 {
			t.Fatalf("app.bsky.feed.getPosts answered 200: the PDS has an AppView now; read engagement back")
		}
	})

	t.Run("revoked app password", func(t *testing.T) {
		// A post for later, then alice revokes rythme's app password.
		p := c.schedule(acct, time.Now().Add(time.Hour).UTC(), text("after revoke"), nil)
		if code := xrpc(t, pds, "com.atproto.server.revokeAppPassword", main.AccessJwt, map[string]string{"name": first}, nil); code != 200 {
			t.Fatalf("PDS revokeAppPassword = %d", code)
		}
		// The PDS keeps honouring access JWTs it issued before (up to 2
		// hours); the revocation shows when rythme refreshes the session
		// (RYTHME_REFRESH_AHEAD=3h: at the next refresh sweep, one a minute).
		deadline := time.Now().Add(3 * time.Minute)
		for accountStatus(t, c, acct) != "needs_reconnect" {
			if time.Now().After(deadline) {
				t.Fatalf("3 minutes after its app password was revoked the account is %s, want needs_reconnect", accountStatus(t, c, acct))
			}
			time.Sleep(time.Second)
		}
		if held := c.settle(p.ID, "held", 10*time.Second); held.Targets[0].Status != "held" {
			t.Fatalf("the account's scheduled post is %s, want held", held.Targets[0].Status)
		}
		// Reconnecting with a new app password releases it; moved to now,
		// it is published once.
		connect(appPassword(first + "-again"))
		if conn.Account.ID != acct {
			t.Fatalf("reconnecting made account %s, want the same %s", conn.Account.ID, acct)
		}
		c.call("PATCH", "/v1/posts/"+p.ID, map[string]any{"scheduled_at": time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339Nano)}, 200, nil)
		if got := c.settle(p.ID, "published", time.Minute); got.Status != "published" {
			t.Fatalf("after reconnecting the post is %s: %+v", got.Status, got.Targets)
		}
		if n := len(bskyByText(bskyPosts(t, pds, did), text("after revoke"))); n != 1 {
			t.Fatalf("the PDS has the released post %d times, want 1", n)
		}
	})
}
