package bluesky_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme/fakenet"
)

// bskyEnv is a fakenet serving the simulated Bluesky PDS at base.
type bskyEnv struct {
	srv  *fakenet.Server
	base string
}

func bskyStart(t *testing.T) *bskyEnv {
	t.Helper()
	srv := fakenet.New(fakenet.Config{Seed: 7})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { srv.Close(); hs.Close() })
	return &bskyEnv{srv: srv, base: hs.URL + "/bluesky"}
}

// xrpc calls nsid with a JSON body (nil: GET) and bearer token; it returns
// the status, the decoded answer and the headers.
func (e *bskyEnv) xrpc(t *testing.T, nsid, token string, in any) (int, map[string]any, http.Header) {
	t.Helper()
	method, body := http.MethodGet, []byte(nil)
	if in != nil {
		method = http.MethodPost
		body, _ = json.Marshal(in)
	}
	u := e.base + "/xrpc/" + nsid
	if q, ok := in.(string); ok {
		method, body, u = http.MethodGet, nil, u+"?"+q
	}
	req, _ := http.NewRequest(method, u, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, resp.Header
}

func (e *bskyEnv) login(t *testing.T, user string) map[string]any {
	t.Helper()
	id, pw, ok := e.srv.BlueskyAppPassword(user)
	if !ok {
		t.Fatal("no account")
	}
	status, out, _ := e.xrpc(t, "com.atproto.server.createSession", "", map[string]string{"identifier": id, "password": pw})
	if status != 200 || out["accessJwt"] == nil {
		t.Fatalf("createSession: %d %v", status, out)
	}
	return out
}

func TestBlueskySessions(t *testing.T) {
	t.Parallel()
	e := bskyStart(t)
	status, out, h := e.xrpc(t, "com.atproto.server.createSession", "", map[string]string{"identifier": "alice.test", "password": "wrong"})
	if status != 401 || out["error"] != "AuthenticationRequired" {
		t.Errorf("wrong password: %d %v", status, out)
	}
	if reset, err := strconv.ParseInt(h.Get("RateLimit-Reset"), 10, 64); err != nil || reset < time.Now().Unix() || h.Get("RateLimit-Policy") != "30;w=300" {
		t.Errorf("createSession rate-limit headers %v", h)
	}
	s := e.login(t, "alice")
	access, refresh := s["accessJwt"].(string), s["refreshJwt"].(string)
	if status, out, _ := e.xrpc(t, "com.atproto.server.getSession", access, nil); status != 200 || out["handle"] != "alice.test" {
		t.Errorf("getSession: %d %v", status, out)
	}
	if status, out, _ := e.xrpc(t, "com.atproto.server.refreshSession", access, map[string]any{}); status != 401 || out["error"] != "InvalidToken" {
		t.Errorf("refresh with an access token: %d %v", status, out)
	}
	_, r1, _ := e.xrpc(t, "com.atproto.server.refreshSession", refresh, map[string]any{})
	_, r2, _ := e.xrpc(t, "com.atproto.server.refreshSession", refresh, map[string]any{})
	if r1["refreshJwt"] == refresh || r1["refreshJwt"] != r2["refreshJwt"] {
		t.Error("a refresh must rotate the refresh JWT, and reusing the old one within the grace period answers the same successor")
	}
	// Revoking the app password ends the session and refuses the password.
	_ = e.srv.InjectFault(fakenet.Fault{Network: "bluesky", Kind: fakenet.FaultRevoke, User: "alice"})
	if status, out, _ := e.xrpc(t, "com.atproto.server.getSession", access, nil); status != 400 || out["error"] != "ExpiredToken" {
		t.Errorf("after revoke: %d %v, want 400 ExpiredToken", status, out)
	}
	if status, _, _ := e.xrpc(t, "com.atproto.server.refreshSession", r1["refreshJwt"].(string), map[string]any{}); status != 400 {
		t.Errorf("refresh after revoke: %d", status)
	}
	if status, out, _ := e.xrpc(t, "com.atproto.server.getSession", "", nil); status != 401 || out["error"] != "AuthMissing" {
		t.Errorf("no token: %d %v", status, out)
	}
}

func TestBlueskyRecords(t *testing.T) {
	t.Parallel()
	e := bskyStart(t)
	s := e.login(t, "alice")
	access, did := s["accessJwt"].(string), s["did"].(string)
	post := func(rkey, text string) (int, map[string]any) {
		in := map[string]any{"repo": did, "collection": "app.bsky.feed.post",
			"record": map[string]any{"$type": "app.bsky.feed.post", "text": text, "createdAt": "2025-06-02T08:00:00.000Z"}}
		if rkey != "" {
			in["rkey"] = rkey
		}
		status, out, _ := e.xrpc(t, "com.atproto.repo.createRecord", access, in)
		return status, out
	}
	status, out := post("3kabcdefghij2", "hello")
	if status != 200 || out["uri"] != "at://"+did+"/app.bsky.feed.post/3kabcdefghij2" {
		t.Fatalf("createRecord: %d %v", status, out)
	}
	if status, out := post("3kabcdefghij2", "hello again"); status != 500 || out["error"] != "InternalServerError" {
		t.Errorf("an existing record key: %d %v, want 500 as bsky.social answers", status, out)
	}
	if status, _ := post("not-a-tid", "x"); status != 400 {
		t.Errorf("a post under a non-TID key: %d, want 400", status)
	}
	if status, out := post("", strings.Repeat("é", 301)); status != 400 || !strings.Contains(out["message"].(string), "300 graphemes") {
		t.Errorf("301 graphemes: %d %v", status, out)
	}
	posts := e.srv.Posts()
	if len(posts) != 4 || !posts[0].Created || posts[1].Created || posts[1].ID != posts[0].ID || posts[3].Error == "" {
		t.Errorf("recorded %+v", posts)
	}
	uris := strings.Repeat("uris=at://x/app.bsky.feed.post/y&", 26)
	if status, out, _ := e.xrpc(t, "app.bsky.feed.getPosts", access, uris); status != 400 || !strings.Contains(out["message"].(string), "25") {
		t.Errorf("26 uris: %d %v", status, out)
	}
	status, out, _ = e.xrpc(t, "app.bsky.feed.getPosts", access, "uris="+posts[0].ID)
	if list, _ := out["posts"].([]any); status != 200 || len(list) != 1 {
		t.Errorf("getPosts: %d %v", status, out)
	}
	if !e.srv.DeletePost("bluesky", posts[0].ID) {
		t.Fatal("DeletePost")
	}
	if status, out, _ := e.xrpc(t, "com.atproto.repo.getRecord", "", "repo="+did+"&collection=app.bsky.feed.post&rkey=3kabcdefghij2"); status != 400 || out["error"] != "RecordNotFound" {
		t.Errorf("deleted record: %d %v", status, out)
	}
	if status, out, _ := e.xrpc(t, "com.atproto.unknown.method", "", nil); status != 501 || out["error"] != "MethodNotImplemented" {
		t.Errorf("unknown method: %d %v", status, out)
	}
	resp, err := http.Post(e.base+"/_fakenet/app-password?user=carol", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var pw map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&pw)
	if pw["identifier"] != "carol.test" || len(pw["app_password"]) != 19 || pw["service_url"] != e.base {
		t.Errorf("app-password endpoint: %v", pw)
	}
}

// TestPutRecordThreadgate: putRecord creates and replaces a threadgate,
// validated against its lexicon (post and createdAt required, at most 50
// hidden replies), and swapRecord must name the record there now.
func TestPutRecordThreadgate(t *testing.T) {
	e := bskyStart(t)
	s := e.login(t, "alice")
	tok, did := s["accessJwt"].(string), s["did"].(string)
	post := "at://" + did + "/app.bsky.feed.post/3kabcdefghijk"
	put := func(record map[string]any, swap any) (int, map[string]any) {
		in := map[string]any{"repo": did, "collection": "app.bsky.feed.threadgate", "rkey": "3kabcdefghijk", "record": record}
		if swap != nil {
			in["swapRecord"] = swap
		}
		st, out, _ := e.xrpc(t, "com.atproto.repo.putRecord", tok, in)
		return st, out
	}
	gate := map[string]any{"$type": "app.bsky.feed.threadgate", "post": post, "createdAt": "2025-06-02T08:00:00.000Z"}
	if st, out := put(map[string]any{"post": post}, nil); st != 400 || !strings.Contains(out["message"].(string), "createdAt") {
		t.Fatalf("a gate without createdAt: %d %v", st, out)
	}
	many := make([]string, 51)
	for i := range many {
		many[i] = post + strconv.Itoa(i)
	}
	if st, out := put(map[string]any{"post": post, "createdAt": "2025-06-02T08:00:00.000Z", "hiddenReplies": many}, nil); st != 400 ||
		!strings.Contains(out["message"].(string), "50") {
		t.Fatalf("51 hidden replies: %d %v", st, out)
	}
	st, first := put(gate, nil)
	if st != 200 || first["cid"] == nil || first["uri"] != "at://"+did+"/app.bsky.feed.threadgate/3kabcdefghijk" {
		t.Fatalf("create: %d %v", st, first)
	}
	gate["hiddenReplies"] = []string{"at://did:plc:bob/app.bsky.feed.post/3kzzzzzzzzzzz"}
	if st, out := put(gate, "bafyreinotthere"); st != 400 || out["error"] != "InvalidSwap" {
		t.Fatalf("a stale swapRecord: %d %v", st, out)
	}
	if st, out := put(gate, first["cid"]); st != 200 || out["cid"] == first["cid"] {
		t.Fatalf("replace: %d %v", st, out)
	}
	st, got, _ := e.xrpc(t, "com.atproto.repo.getRecord", "", "repo="+did+"&collection=app.bsky.feed.threadgate&rkey=3kabcdefghijk")
	if hidden, _ := got["value"].(map[string]any)["hiddenReplies"].([]any); st != 200 || len(hidden) != 1 {
		t.Fatalf("getRecord: %d %v", st, got)
	}
}
