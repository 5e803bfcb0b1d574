package slack_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/fakenet/internal/fntest"
)

// slackCall calls a Web API method with a form body.
func slackCall(t *testing.T, e *fntest.Env, method, token string, args url.Values) (*http.Response, map[string]any) {
	t.Helper()
	var out map[string]any
	resp := fntest.Do(t, "POST", e.HTTP.URL+"/slack/api/"+method, token, args, nil, &out)
	return resp, out
}

// slackInstall runs the OAuth v2 flow with PKCE for user and returns the
// token answer.
func slackInstall(t *testing.T, e *fntest.Env, user, scopes string) map[string]any {
	t.Helper()
	q := url.Values{"client_id": {"app-1"}, "scope": {scopes}, "redirect_uri": {fntest.Redirect}, "state": {"s"},
		"code_challenge": {fntest.Challenge(fntest.Verifier)}, "code_challenge_method": {"S256"}, "fakenet_user": {user}}
	resp := fntest.Do(t, "GET", e.HTTP.URL+"/slack/oauth/v2/authorize?"+q.Encode(), "", nil, nil, nil)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	code := loc.Query().Get("code")
	if resp.StatusCode != http.StatusFound || code == "" || loc.Query().Get("state") != "s" {
		t.Fatalf("authorize: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	req, _ := http.NewRequest("POST", e.HTTP.URL+"/slack/api/oauth.v2.access", strings.NewReader(url.Values{"code": {code},
		"redirect_uri": {fntest.Redirect}, "code_verifier": {fntest.Verifier}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("app-1", "secret-1")
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Body.Close()
	var tok map[string]any
	_ = json.NewDecoder(r2.Body).Decode(&tok)
	if tok["ok"] != true || tok["token_type"] != "bot" || tok["refresh_token"] == nil || tok["expires_in"] != float64(43200) {
		t.Fatalf("oauth.v2.access: %v", tok)
	}
	return tok
}

func TestSlackOAuthAndRotation(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	tok := slackInstall(t, e, "alice", "chat:write,chat:write.public,channels:read,reactions:read,team:read")
	team := tok["team"].(map[string]any)
	if tok["scope"] != "chat:write,chat:write.public,channels:read,reactions:read,team:read" || team["id"] == "" {
		t.Errorf("token answer %v", tok)
	}
	// A wrong secret, and a spent code: HTTP 200 with ok false.
	_, out := slackCall(t, e, "oauth.v2.access", "", url.Values{"client_id": {"app-1"}, "client_secret": {"other"}, "code": {"x"}})
	if out["ok"] != false || out["error"] != "bad_client_secret" {
		t.Errorf("wrong secret: %v", out)
	}
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)},
		"client_id": {"app-1"}, "client_secret": {"secret-1"}}
	_, fresh := slackCall(t, e, "oauth.v2.access", "", refresh)
	if fresh["ok"] != true || fresh["refresh_token"] == tok["refresh_token"] || fresh["access_token"] == tok["access_token"] {
		t.Fatalf("refresh: %v", fresh)
	}
	if _, again := slackCall(t, e, "oauth.v2.access", "", refresh); again["error"] != "invalid_refresh_token" {
		t.Errorf("a spent refresh token: %v", again)
	}
	_, who := slackCall(t, e, "auth.test", fresh["access_token"].(string), nil)
	if who["ok"] != true || who["team_id"] != team["id"] {
		t.Errorf("auth.test: %v", who)
	}
	if _, bad := slackCall(t, e, "auth.test", "xoxb-nope", nil); bad["error"] != "invalid_auth" {
		t.Errorf("unknown token: %v", bad)
	}
	if err := e.Srv.InjectFault(fakenet.Fault{Network: "slack", Kind: fakenet.FaultRevoke, User: "alice"}); err != nil {
		t.Fatal(err)
	}
	if _, gone := slackCall(t, e, "auth.test", fresh["access_token"].(string), nil); gone["error"] != "token_revoked" {
		t.Errorf("revoked: %v", gone)
	}
}

func TestSlackPostAndReactions(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	tok := slackInstall(t, e, "bob", "chat:write,reactions:read")["access_token"].(string)
	if _, out := slackCall(t, e, "chat.postMessage", tok, url.Values{"channel": {"#general"}, "text": {"hi"}}); out["error"] != "not_in_channel" {
		t.Errorf("without chat:write.public: %v", out)
	}
	if _, out := slackCall(t, e, "team.info", tok, nil); out["error"] != "missing_scope" || out["needed"] != "team:read" {
		t.Errorf("missing scope: %v", out)
	}
	tok = slackInstall(t, e, "bob", "chat:write,chat:write.public,reactions:read")["access_token"].(string)
	_, post := slackCall(t, e, "chat.postMessage", tok, url.Values{"channel": {"general"}, "text": {"hello"}})
	ch, ts := post["channel"].(string), post["ts"].(string)
	if post["ok"] != true || !strings.HasPrefix(ch, "C") || !strings.Contains(ts, ".") {
		t.Fatalf("postMessage: %v", post)
	}
	if _, out := slackCall(t, e, "chat.postMessage", tok, url.Values{"channel": {ch}, "text": {strings.Repeat("a", 40001)}}); out["error"] != "msg_too_long" {
		t.Errorf("40,001 characters: %v", out)
	}
	likes := func() (int64, map[string]any) {
		_, out := slackCall(t, e, "reactions.get", tok, url.Values{"channel": {ch}, "timestamp": {ts}})
		msg, _ := out["message"].(map[string]any)
		rs, _ := msg["reactions"].([]any)
		var n int64
		for _, r := range rs {
			n += int64(r.(map[string]any)["count"].(float64))
		}
		return n, out
	}
	if n, out := likes(); n != 0 || out["ok"] != true {
		t.Errorf("at once: %d likes (%v)", n, out)
	}
	e.Clock.Advance(24 * time.Hour)
	if n, out := likes(); n <= 0 || out["message"].(map[string]any)["permalink"] == nil {
		t.Errorf("a day later: %d likes (%v)", n, out)
	}
	if !e.Srv.DeletePost("slack", ch+":"+ts) {
		t.Fatal("DeletePost")
	}
	if _, out := slackCall(t, e, "reactions.get", tok, url.Values{"channel": {ch}, "timestamp": {ts}}); out["error"] != "message_not_found" {
		t.Errorf("deleted: %v", out)
	}
}

func TestSlackRateLimit(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	tok := slackInstall(t, e, "carol", "chat:write,chat:write.public")["access_token"].(string)
	for i := range 60 {
		if _, out := slackCall(t, e, "chat.postMessage", tok, url.Values{"channel": {"random"}, "text": {"x"}}); out["ok"] != true {
			t.Fatalf("post %d: %v", i, out)
		}
	}
	resp, out := slackCall(t, e, "chat.postMessage", tok, url.Values{"channel": {"random"}, "text": {"x"}})
	if resp.StatusCode != 429 || out["error"] != "ratelimited" || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("61st post in a minute: %d %v", resp.StatusCode, out)
	}
	// Another channel has its own limit.
	if _, out := slackCall(t, e, "chat.postMessage", tok, url.Values{"channel": {"general"}, "text": {"x"}}); out["ok"] != true {
		t.Errorf("other channel: %v", out)
	}
}

// TestSlackThreadReply: chat.postMessage with thread_ts posts a reply in
// that message's thread: the answer's message carries thread_ts, and
// conversations.replies (of the parent, or of the reply's own ts) lists
// it after the parent as a bot message.
func TestSlackThreadReply(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	tok := slackInstall(t, e, "alice", "chat:write,chat:write.public,channels:read,channels:history,team:read")
	bot := tok["access_token"].(string)
	_, parent := slackCall(t, e, "chat.postMessage", bot, url.Values{"channel": {"general"}, "text": {"Ask us"}})
	if parent["ok"] != true {
		t.Fatalf("post: %v", parent)
	}
	ch, ts := parent["channel"].(string), parent["ts"].(string)
	_, reply := slackCall(t, e, "chat.postMessage", bot, url.Values{"channel": {ch}, "text": {"Answer"}, "thread_ts": {ts}})
	msg, _ := reply["message"].(map[string]any)
	if reply["ok"] != true || msg["thread_ts"] != ts || reply["ts"] == ts {
		t.Fatalf("reply: %v", reply)
	}
	for _, at := range []string{ts, reply["ts"].(string)} {
		e.Clock.Advance(time.Minute) // one conversations.replies a minute
		_, thread := slackCall(t, e, "conversations.replies", bot, url.Values{"channel": {ch}, "ts": {at}})
		msgs, _ := thread["messages"].([]any)
		if thread["ok"] != true || len(msgs) != 2 {
			t.Fatalf("thread of %s: %v", at, thread)
		}
		first, second := msgs[0].(map[string]any), msgs[1].(map[string]any)
		if first["ts"] != ts || first["reply_count"] != float64(1) || second["ts"] != reply["ts"] || second["thread_ts"] != ts ||
			second["text"] != "Answer" || second["bot_id"] == nil {
			t.Fatalf("thread of %s: %v", at, thread)
		}
	}
}
