package reddit_test

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

var rdUA = map[string]string{"User-Agent": "test:rythme-fakenet:v1 (by /u/tester)"}

// rdConnect runs Reddit's code flow (HTTP Basic at the token endpoint).
func rdConnect(t *testing.T, e *fntest.Env, user, duration string) map[string]any {
	t.Helper()
	base := e.HTTP.URL + "/reddit"
	q := url.Values{"response_type": {"code"}, "client_id": {"app"}, "redirect_uri": {"http://127.0.0.1:9/cb"},
		"state": {"st"}, "scope": {"identity submit read"}, "duration": {duration}, "fakenet_user": {user}}
	resp := fntest.Do(t, "GET", base+"/api/v1/authorize?"+q.Encode(), "", nil, nil, nil)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	code := loc.Query().Get("code")
	if resp.StatusCode != http.StatusFound || code == "" || loc.Query().Get("state") != "st" {
		t.Fatalf("authorize: %d %s", resp.StatusCode, loc)
	}
	return rdToken(t, e, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://127.0.0.1:9/cb"}})
}

func rdToken(t *testing.T, e *fntest.Env, form url.Values) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("POST", e.HTTP.URL+"/reddit/api/v1/access_token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("app", "secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != 200 {
		t.Fatalf("token: %d %v", resp.StatusCode, out)
	}
	return out
}

func TestRedditOAuth(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	tok := rdConnect(t, e, "alice", "permanent")
	if tok["expires_in"].(float64) != 3600 || tok["refresh_token"] == nil || tok["token_type"] != "bearer" {
		t.Fatalf("token %v", tok)
	}
	again := rdToken(t, e, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}})
	if again["refresh_token"] != tok["refresh_token"] || again["access_token"] == tok["access_token"] {
		t.Errorf("refresh: %v", again)
	}
	// A temporary grant has no refresh token; a used code is an error
	// inside a 200, as Reddit answers.
	if tmp := rdConnect(t, e, "bob", "temporary"); tmp["refresh_token"] != nil {
		t.Errorf("temporary grant with a refresh token")
	}
	bad := rdToken(t, e, url.Values{"grant_type": {"authorization_code"}, "code": {"nope"}, "redirect_uri": {"http://127.0.0.1:9/cb"}})
	if bad["error"] != "invalid_grant" {
		t.Errorf("bad code: %v", bad)
	}
}

func TestRedditSubmitInfoAndRateLimit(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{RateLimit: 6, RateWindow: 10 * time.Minute})
	tok := rdConnect(t, e, "alice", "permanent")["access_token"].(string)
	api := e.HTTP.URL + "/reddit"
	// A generic User-Agent is refused.
	if resp := fntest.Do(t, "GET", api+"/api/v1/me", tok, nil, map[string]string{"User-Agent": "Go-http-client/1.1"}, nil); resp.StatusCode != 403 {
		t.Errorf("generic UA: %d", resp.StatusCode)
	}
	var me map[string]any
	resp := fntest.Do(t, "GET", api+"/api/v1/me", tok, nil, rdUA, &me)
	if resp.StatusCode != 200 || me["name"] != "alice" || resp.Header.Get("X-Ratelimit-Remaining") != "5.0" ||
		resp.Header.Get("X-Ratelimit-Used") != "1" || resp.Header.Get("X-Ratelimit-Reset") != "600" {
		t.Fatalf("me: %d %v %v", resp.StatusCode, me, resp.Header)
	}
	var sub struct {
		JSON struct {
			Errors [][]string `json:"errors"`
			Data   struct{ Name, URL string }
		} `json:"json"`
	}
	form := url.Values{"api_type": {"json"}, "kind": {"self"}, "sr": {"nosuch"}, "title": {"t"}, "text": {"x"}}
	if resp := fntest.Do(t, "POST", api+"/api/submit", tok, form, rdUA, &sub); resp.StatusCode != 200 || len(sub.JSON.Errors) != 1 || sub.JSON.Errors[0][0] != "SUBREDDIT_NOEXIST" {
		t.Errorf("no such subreddit: %d %+v", resp.StatusCode, sub)
	}
	form.Set("sr", "u_alice")
	sub.JSON.Errors = nil
	if fntest.Do(t, "POST", api+"/api/submit", tok, form, rdUA, &sub); len(sub.JSON.Errors) != 0 || !strings.HasPrefix(sub.JSON.Data.Name, "t3_") {
		t.Fatalf("submit: %+v", sub)
	}
	e.Clock.Advance(3 * time.Hour)
	var listing struct {
		Data struct {
			Children []struct {
				Data map[string]any `json:"data"`
			} `json:"children"`
		} `json:"data"`
	}
	fntest.Do(t, "GET", api+"/api/info?id="+sub.JSON.Data.Name+",t3_unknown", tok, nil, rdUA, &listing)
	if len(listing.Data.Children) != 1 || listing.Data.Children[0].Data["score"].(float64) < 2 || listing.Data.Children[0].Data["removed_by_category"] != nil {
		t.Errorf("info: %+v", listing)
	}
	e.Srv.DeletePost("reddit", sub.JSON.Data.Name)
	fntest.Do(t, "GET", api+"/api/info?id="+sub.JSON.Data.Name, tok, nil, rdUA, &listing)
	if d := listing.Data.Children[0].Data; d["removed_by_category"] != "deleted" || d["author"] != "[deleted]" {
		t.Errorf("deleted: %v", d)
	}
	// The window of 6 is spent (the clock moved on 3 hours: a new one).
	var last *http.Response
	for range 7 {
		last = fntest.Do(t, "GET", api+"/api/v1/me", tok, nil, rdUA, nil)
	}
	if last.StatusCode != 429 || last.Header.Get("X-Ratelimit-Remaining") != "0.0" {
		t.Errorf("past the limit: %d %v", last.StatusCode, last.Header)
	}
}
