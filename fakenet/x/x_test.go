package x_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme/connectors/x"
	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/fakenet/internal/fntest"
)

// xEnv is a fakenet serving X under /x.
type xEnv struct {
	srv  *fakenet.Server
	base string
}

func startX(t *testing.T, cfg fakenet.Config) *xEnv {
	t.Helper()
	srv := fakenet.New(cfg)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { srv.Close(); hs.Close() })
	return &xEnv{srv: srv, base: hs.URL + "/x"}
}

// xDo sends a request with a bearer token (when not empty) and decodes
// the JSON answer into out.
func xDo(t *testing.T, method, u, token, contentType string, body io.Reader, out any) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, u, body)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := fntest.NoRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %q: %v", method, u, b, err)
		}
	}
	return resp
}

func (e *xEnv) code(t *testing.T, user, scope string) string {
	t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {"cid"}, "redirect_uri": {fntest.Redirect}, "scope": {scope},
		"state": {"st"}, "code_challenge": {fntest.Challenge(fntest.Verifier)}, "code_challenge_method": {"S256"}, "fakenet_user": {user}}
	resp := xDo(t, "GET", e.base+"/i/oauth2/authorize?"+q.Encode(), "", "", nil, nil)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Query().Get("state") != "st" || loc.Query().Get("code") == "" {
		t.Fatalf("authorize: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}

func (e *xEnv) tokenRequest(t *testing.T, secret string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.base+"/2/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("cid", secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (e *xEnv) connect(t *testing.T, user string) (access, refresh string) {
	t.Helper()
	status, out := e.tokenRequest(t, "sec", url.Values{"grant_type": {"authorization_code"}, "code": {e.code(t, user, "tweet.read tweet.write users.read offline.access media.write")},
		"redirect_uri": {fntest.Redirect}, "code_verifier": {fntest.Verifier}})
	if status != 200 || out["token_type"] != "bearer" || out["expires_in"] != float64(7200) {
		t.Fatalf("token: %d %v", status, out)
	}
	return out["access_token"].(string), out["refresh_token"].(string)
}

func TestXOAuth(t *testing.T) {
	t.Parallel()
	e := startX(t, fakenet.Config{})
	code := e.code(t, "alice", "tweet.read users.read")
	status, out := e.tokenRequest(t, "sec", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {fntest.Redirect},
		"code_verifier": {fntest.Verifier + "x"}})
	if status != 400 || out["error"] != "invalid_request" || out["error_description"] != "Value passed for the code verifier did not match the code challenge." {
		t.Errorf("wrong verifier: %d %v", status, out)
	}
	if status, out = e.tokenRequest(t, "other", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {fntest.Redirect}, "code_verifier": {fntest.Verifier}}); status != 401 || out["error"] != "unauthorized_client" {
		t.Errorf("another secret for a known client: %d %v", status, out)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {fntest.Redirect}, "code_verifier": {fntest.Verifier}}
	if status, out = e.tokenRequest(t, "sec", form); status != 200 || out["refresh_token"] != nil {
		t.Errorf("without offline.access: %d %v, want no refresh token", status, out)
	}
	if status, out = e.tokenRequest(t, "sec", form); status != 400 || out["error_description"] != "Value passed for the authorization code was invalid." {
		t.Errorf("code reused: %d %v", status, out)
	}

	_, rt := e.connect(t, "bob")
	status, out = e.tokenRequest(t, "sec", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	if status != 200 || out["refresh_token"] == nil || out["refresh_token"] == rt {
		t.Fatalf("refresh: %d %v, want a new refresh token", status, out)
	}
	rotated := out["refresh_token"].(string)
	if status, out = e.tokenRequest(t, "sec", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}); status != 400 ||
		out["error_description"] != "Value passed for the token was invalid." {
		t.Errorf("rotated refresh token reused: %d %v", status, out)
	}
	if n := e.srv.InjectFault(fakenet.Fault{Network: "x", Kind: fakenet.FaultRevoke, User: "bob"}); n != nil {
		t.Fatal(n)
	}
	if status, _ := e.tokenRequest(t, "sec", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rotated}}); status != 400 {
		t.Errorf("refresh after revoke: %d", status)
	}
}

func TestXPostsAndMetrics(t *testing.T) {
	t.Parallel()
	e := startX(t, fakenet.Config{RateLimit: 3})
	tok, _ := e.connect(t, "alice")
	var created struct {
		Data struct{ ID, Text string } `json:"data"`
	}
	resp := xDo(t, "POST", e.base+"/2/tweets", tok, "application/json", strings.NewReader(`{"text":"hello"}`), &created)
	if resp.StatusCode != 201 || created.Data.ID == "" || resp.Header.Get("x-rate-limit-limit") != "3" ||
		resp.Header.Get("x-rate-limit-remaining") != "2" || resp.Header.Get("x-rate-limit-reset") == "" {
		t.Fatalf("create: %d %+v %v", resp.StatusCode, created, resp.Header)
	}
	var problem map[string]any
	resp = xDo(t, "POST", e.base+"/2/tweets", tok, "application/json", strings.NewReader(`{"text":"hello"}`), &problem)
	if resp.StatusCode != 403 || problem["detail"] != "You are not allowed to create a Tweet with duplicate content." || problem["type"] != "about:blank" {
		t.Errorf("duplicate: %d %v", resp.StatusCode, problem)
	}
	resp = xDo(t, "POST", e.base+"/2/tweets", tok, "application/json", strings.NewReader(`{"text":"`+strings.Repeat("日", 141)+`"}`), &problem)
	if resp.StatusCode != 403 {
		t.Errorf("282 weighted characters: %d %v", resp.StatusCode, problem)
	}
	resp = xDo(t, "POST", e.base+"/2/tweets", tok, "application/json", strings.NewReader(`{"text":"four"}`), &problem)
	if resp.StatusCode != 429 || problem["title"] != "Too Many Requests" || resp.Header.Get("x-rate-limit-remaining") != "0" {
		t.Errorf("past the limit: %d %v", resp.StatusCode, problem)
	}
	if resp := xDo(t, "GET", e.base+"/2/users/me", "nope", "", nil, &problem); resp.StatusCode != 401 || problem["title"] != "Unauthorized" {
		t.Errorf("unknown token: %d %v", resp.StatusCode, problem)
	}

	e.srv.DeletePost("x", created.Data.ID)
	var lookup struct {
		Data   []map[string]any `json:"data"`
		Errors []map[string]any `json:"errors"`
	}
	xDo(t, "GET", e.base+"/2/tweets?ids="+created.Data.ID+"&post.fields=public_metrics", tok, "", nil, &lookup)
	if len(lookup.Data) != 0 || len(lookup.Errors) != 1 || lookup.Errors[0]["title"] != "Not Found Error" || lookup.Errors[0]["resource_id"] != created.Data.ID {
		t.Errorf("deleted post lookup: %+v", lookup)
	}
	ids := strings.TrimSuffix(strings.Repeat("1,", 101), ",")
	if resp := xDo(t, "GET", e.base+"/2/tweets?ids="+ids, tok, "", nil, nil); resp.StatusCode != 400 {
		t.Errorf("101 ids: %d", resp.StatusCode)
	}
	// X's spec names the fields parameter post.fields; the old name is
	// refused as X refuses a parameter it does not know.
	var refused map[string]any
	resp = xDo(t, "GET", e.base+"/2/tweets?ids=1&tweet.fields=public_metrics", tok, "", nil, &refused)
	if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/problem+json" ||
		!strings.Contains(fmt.Sprint(refused["errors"]), "tweet.fields") {
		t.Errorf("tweet.fields: %d %s %v", resp.StatusCode, resp.Header.Get("Content-Type"), refused)
	}
}

func TestXChunkedUpload(t *testing.T) {
	t.Parallel()
	e := startX(t, fakenet.Config{})
	tok, _ := e.connect(t, "alice")
	var init struct {
		Data struct{ ID string } `json:"data"`
	}
	xDo(t, "POST", e.base+"/2/media/upload/initialize", tok, "application/json",
		strings.NewReader(`{"media_type":"video/mp4","total_bytes":10,"media_category":"amplify_video"}`), &init)
	id := init.Data.ID
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("segment_index", "0")
	part, _ := w.CreateFormFile("media", "chunk")
	_, _ = part.Write([]byte("0123456789"))
	_ = w.Close()
	if resp := xDo(t, "POST", e.base+"/2/media/upload/"+id+"/append", tok, w.FormDataContentType(), &body, nil); resp.StatusCode != 200 {
		t.Fatalf("append: %d", resp.StatusCode)
	}
	type state struct {
		Data struct {
			ProcessingInfo struct{ State string } `json:"processing_info"`
		} `json:"data"`
	}
	var fin, st state
	xDo(t, "POST", e.base+"/2/media/upload/"+id+"/finalize", tok, "", nil, &fin)
	var problem map[string]any
	if resp := xDo(t, "POST", e.base+"/2/tweets", tok, "application/json", strings.NewReader(`{"text":"v","media":{"media_ids":["`+id+`"]}}`), &problem); resp.StatusCode != 400 {
		t.Errorf("posting media still processing: %d %v", resp.StatusCode, problem)
	}
	states := []string{fin.Data.ProcessingInfo.State}
	for range 2 {
		xDo(t, "GET", e.base+"/2/media/upload?command=STATUS&media_id="+id, tok, "", nil, &st)
		states = append(states, st.Data.ProcessingInfo.State)
	}
	if strings.Join(states, ",") != "pending,in_progress,succeeded" {
		t.Errorf("processing states %v", states)
	}
	if resp := xDo(t, "POST", e.base+"/2/tweets", tok, "application/json", strings.NewReader(`{"text":"v","media":{"media_ids":["`+id+`"]}}`), nil); resp.StatusCode != 201 {
		t.Errorf("posting the processed video: %d", resp.StatusCode)
	}
}

// xSigned builds a request signed with OAuth 1.0a by the connector's
// signer (tested there against RFC 5849's and X's vectors).
func xSigned(t *testing.T, method, u, contentType, body string, k fakenet.XKeys, nonce string, at time.Time) *http.Request {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	keys := x.OAuth1Keys{ConsumerKey: k.ConsumerKey, ConsumerSecret: k.ConsumerSecret, AccessToken: k.AccessToken, AccessTokenSecret: k.AccessTokenSecret}
	if err := keys.Sign(req, nonce, at); err != nil {
		t.Fatal(err)
	}
	return req
}

func xSend(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestXOAuth1(t *testing.T) {
	t.Parallel()
	e := startX(t, fakenet.Config{})
	var k fakenet.XKeys
	if resp := xDo(t, "POST", e.base+"/fakenet/keys?user=robot", "", "", nil, &k); resp.StatusCode != 201 || len(k.ConsumerKey) != 25 ||
		len(k.ConsumerSecret) != 50 || !strings.Contains(k.AccessToken, "-") || len(k.AccessTokenSecret) != 45 {
		t.Fatalf("mint keys: %d %+v", resp.StatusCode, k)
	}
	if resp := xDo(t, "POST", e.base+"/fakenet/keys?user=not+a+name", "", "", nil, nil); resp.StatusCode != 400 {
		t.Errorf("mint keys for a bad name: %d", resp.StatusCode)
	}
	now := time.Now()
	me := e.base + "/2/users/me?user.fields=created_at"
	status, out := xSend(t, xSigned(t, "GET", me, "", "", k, "n1", now))
	if data, _ := out["data"].(map[string]any); status != 200 || data["username"] != "robot" || data["created_at"] == nil {
		t.Fatalf("signed users/me: %d %v", status, out)
	}

	unauthorized := func(name string, req *http.Request) {
		t.Helper()
		status, out := xSend(t, req)
		if status != 401 || out["title"] != "Unauthorized" || out["type"] != "about:blank" || out["status"] != float64(401) {
			t.Errorf("%s: %d %v, want X's 401 problem", name, status, out)
		}
	}
	unauthorized("nonce used again", xSigned(t, "GET", me, "", "", k, "n1", now))
	unauthorized("timestamp 10 minutes old", xSigned(t, "GET", me, "", "", k, "n2", now.Add(-10*time.Minute)))
	unauthorized("timestamp 10 minutes ahead", xSigned(t, "GET", me, "", "", k, "n3", now.Add(10*time.Minute)))
	wrong := k
	wrong.ConsumerSecret += "x"
	unauthorized("wrong consumer secret", xSigned(t, "GET", me, "", "", wrong, "n4", now))
	wrong = k
	first := "y" // a different first character, whatever the minted secret starts with
	if wrong.AccessTokenSecret[0] == 'y' {
		first = "z"
	}
	wrong.AccessTokenSecret = first + wrong.AccessTokenSecret[1:]
	unauthorized("wrong token secret", xSigned(t, "GET", me, "", "", wrong, "n5", now))
	other := e.srv.XBotKeys("robot") // another app
	wrong = k
	wrong.ConsumerKey, wrong.ConsumerSecret = other.ConsumerKey, other.ConsumerSecret
	unauthorized("another app's consumer key", xSigned(t, "GET", me, "", "", wrong, "n6", now))
	req := xSigned(t, "GET", me, "", "", k, "n7", now)
	req.URL.RawQuery += "&expansions=pinned_tweet_id"
	unauthorized("query changed after signing", req)
	req = xSigned(t, "GET", me, "", "", k, "n8", now)
	req.Header.Set("Authorization", strings.Replace(req.Header.Get("Authorization"), "HMAC-SHA1", "PLAINTEXT", 1))
	unauthorized("PLAINTEXT", req)

	// A JSON body is not signed; a form body is.
	status, out = xSend(t, xSigned(t, "POST", e.base+"/2/tweets", "application/json", `{"text":"beep"}`, k, "n9", now))
	if status != 201 {
		t.Fatalf("signed post: %d %v", status, out)
	}
	if p := e.srv.Posts(); len(p) != 1 || p[0].Account != "robot" || !p[0].Created {
		t.Errorf("recorded %+v", p)
	}
	form := "command=INIT&media_type=video%2Fmp4&total_bytes=10&media_category=tweet_video"
	if status, out = xSend(t, xSigned(t, "POST", e.base+"/2/media/upload", "application/x-www-form-urlencoded", form, k, "n10", now)); status/100 != 2 {
		t.Errorf("signed form INIT: %d %v", status, out)
	}
	req = xSigned(t, "POST", e.base+"/2/media/upload", "application/x-www-form-urlencoded", form, k, "n11", now)
	req.Body = io.NopCloser(strings.NewReader(strings.Replace(form, "10", "99", 1)))
	req.ContentLength = int64(len(form))
	unauthorized("form body changed after signing", req)

	// Revoked: the keys die with the user's tokens.
	if err := e.srv.InjectFault(fakenet.Fault{Network: "x", Kind: fakenet.FaultRevoke, User: "robot"}); err != nil {
		t.Fatal(err)
	}
	unauthorized("revoked keys", xSigned(t, "GET", me, "", "", k, "n12", now))
	fresh := e.srv.XBotKeys("robot")
	if status, _ := xSend(t, xSigned(t, "GET", me, "", "", fresh, "n13", now)); status != 200 {
		t.Errorf("keys minted after the revoke: %d", status)
	}
}
