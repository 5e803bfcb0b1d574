package linkedin_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/fakenet/internal/fntest"
)

// liConnect runs LinkedIn's code flow for user with PKCE and returns the
// token answer.
func liConnect(t *testing.T, e *fntest.Env, clientID, user, scope string) map[string]any {
	t.Helper()
	base := e.HTTP.URL + "/linkedin"
	verifier := strings.Repeat("v", 50)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {"http://127.0.0.1:9/cb"},
		"state": {"st"}, "scope": {scope}, "fakenet_user": {user},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	resp := fntest.Do(t, "GET", base+"/oauth/v2/authorization?"+q.Encode(), "", nil, nil, nil)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Query().Get("state") != "st" || loc.Query().Get("code") == "" {
		t.Fatalf("authorize: %d %s", resp.StatusCode, loc)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "client_id": {clientID},
		"client_secret": {"s"}, "redirect_uri": {"http://127.0.0.1:9/cb"}, "code_verifier": {verifier}}
	var tok map[string]any
	if resp := fntest.Do(t, "POST", base+"/oauth/v2/accessToken", "", form, nil, &tok); resp.StatusCode != 200 {
		t.Fatalf("token: %d %v", resp.StatusCode, tok)
	}
	return tok
}

var liHeaders = map[string]string{"LinkedIn-Version": "202605", "X-Restli-Protocol-Version": "2.0.0", "Content-Type": "application/json"}

// liPost sends a Posts API create request with a JSON body.
func liPost(t *testing.T, e *fntest.Env, token string, body map[string]any, hdr map[string]string) (*http.Response, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", e.HTTP.URL+"/linkedin/rest/posts", strings.NewReader(string(b)))
	req.Header.Set("Authorization", "Bearer "+token)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &out)
	return resp, out
}

func liUserURN(t *testing.T, e *fntest.Env, token string) string {
	t.Helper()
	var ui map[string]any
	if resp := fntest.Do(t, "GET", e.HTTP.URL+"/linkedin/v2/userinfo", token, nil, nil, &ui); resp.StatusCode != 200 {
		t.Fatalf("userinfo: %d", resp.StatusCode)
	}
	return "urn:li:person:" + ui["sub"].(string)
}

func TestLinkedInOAuthAndRefresh(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	tok := liConnect(t, e, "app", "alice", "openid profile w_member_social")
	if tok["expires_in"].(float64) != 60*24*3600 || tok["refresh_token"] == nil || tok["refresh_token_expires_in"].(float64) != 365*24*3600 {
		t.Fatalf("token answer %v", tok)
	}
	e.Clock.Advance(59 * 24 * time.Hour)
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}, "client_id": {"app"}, "client_secret": {"s"}}
	var again map[string]any
	fntest.Do(t, "POST", e.HTTP.URL+"/linkedin/oauth/v2/accessToken", "", form, nil, &again)
	// Same refresh token, its TTL not extended: 365-59 = 306 days.
	if again["refresh_token"] != tok["refresh_token"] || again["refresh_token_expires_in"].(float64) != 306*24*3600 || again["access_token"] == tok["access_token"] {
		t.Errorf("refresh answer %v", again)
	}
	// An app not approved for programmatic refresh tokens gets none.
	if tok := liConnect(t, e, "norefresh-app", "bob", "openid"); tok["refresh_token"] != nil {
		t.Errorf("norefresh app got a refresh token")
	}
	// An unknown scope is refused at the authorization step.
	q := url.Values{"response_type": {"code"}, "client_id": {"app"}, "redirect_uri": {"http://127.0.0.1:9/cb"}, "state": {"s"}, "scope": {"r_everything"}}
	resp := fntest.Do(t, "GET", e.HTTP.URL+"/linkedin/oauth/v2/authorization?"+q.Encode(), "", nil, nil, nil)
	if loc, _ := url.Parse(resp.Header.Get("Location")); loc.Query().Get("error") != "unauthorized_scope_error" {
		t.Errorf("unknown scope: %s", loc)
	}
}

func TestLinkedInPostsAPI(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	tok := liConnect(t, e, "app", "alice", "openid profile w_member_social r_member_postAnalytics")["access_token"].(string)
	author := liUserURN(t, e, tok)
	body := func(text string) map[string]any {
		return map[string]any{"author": author, "commentary": text, "visibility": "PUBLIC",
			"distribution": map[string]any{"feedDistribution": "MAIN_FEED"}, "lifecycleState": "PUBLISHED"}
	}
	cases := []struct {
		name   string
		body   map[string]any
		hdr    map[string]string
		status int
		code   string
	}{
		{"no version", body("a"), map[string]string{"X-Restli-Protocol-Version": "2.0.0"}, 400, "VERSION_MISSING"},
		{"sunset version", body("a"), map[string]string{"LinkedIn-Version": "202001", "X-Restli-Protocol-Version": "2.0.0"}, 426, "NONEXISTENT_VERSION"},
		{"no restli header", body("a"), map[string]string{"LinkedIn-Version": "202605"}, 400, "ILLEGAL_ARGUMENT"},
		{"another author", map[string]any{"author": "urn:li:person:someoneelse", "commentary": "x", "visibility": "PUBLIC",
			"distribution": map[string]any{"feedDistribution": "MAIN_FEED"}, "lifecycleState": "PUBLISHED"}, liHeaders, 403, "ACCESS_DENIED"},
		{"too long", body(strings.Repeat("🚀", 1501)), liHeaders, 422, "FIELD_LENGTH_TOO_LONG"},
		{"created", body(`Hello \(world\) #rythme`), liHeaders, 201, ""},
		{"duplicate", body(`Hello \(world\) #rythme`), liHeaders, 422, "DUPLICATE_POST"},
	}
	var urn string
	for _, tc := range cases {
		resp, out := liPost(t, e, tok, tc.body, tc.hdr)
		if resp.StatusCode != tc.status || (tc.code != "" && out["code"] != tc.code) {
			t.Errorf("%s: %d %v, want %d %s", tc.name, resp.StatusCode, out, tc.status, tc.code)
		}
		if tc.status == 201 {
			urn = resp.Header.Get("X-RestLi-Id")
		}
	}
	posts := e.Srv.Posts()
	last := posts[len(posts)-2]
	if !strings.HasPrefix(urn, "urn:li:share:") || last.ID != urn || last.Text != "Hello (world) #rythme" {
		t.Fatalf("created %q, recorded %+v", urn, last)
	}
	// An unescaped reserved character cuts the text, silently.
	resp, _ := liPost(t, e, tok, body("Before (after"), liHeaders)
	if p := e.Srv.Posts(); resp.StatusCode != 201 || p[len(p)-1].Text != "Before " {
		t.Errorf("unescaped parenthesis: %d %+v", resp.StatusCode, p[len(p)-1])
	}

	// Member post statistics grow with the clock; a deleted post is 404.
	stat := func(metric string) (int, float64) {
		u := e.HTTP.URL + "/linkedin/rest/memberCreatorPostAnalytics?q=entity&entity=(share:" + url.QueryEscape(urn) + ")&queryType=" + metric + "&aggregation=TOTAL"
		var out struct {
			Elements []struct {
				Count float64 `json:"count"`
			} `json:"elements"`
		}
		r := fntest.Do(t, "GET", u, tok, nil, liHeaders, &out)
		if len(out.Elements) == 0 {
			return r.StatusCode, -1
		}
		return r.StatusCode, out.Elements[0].Count
	}
	_, early := stat("REACTION")
	e.Clock.Advance(24 * time.Hour)
	code, late := stat("REACTION")
	if code != 200 || late <= early {
		t.Errorf("reactions %v then %v (%d)", early, late, code)
	}
	if !e.Srv.DeletePost("linkedin", urn) {
		t.Fatal("DeletePost")
	}
	if code, _ := stat("IMPRESSION"); code != 404 {
		t.Errorf("deleted post analytics: %d", code)
	}
}

func TestLinkedInRevokeAndExpiry(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	tok := liConnect(t, e, "app", "alice", "openid")
	var body map[string]any
	if err := e.Srv.InjectFault(fakenet.Fault{Network: "linkedin", Kind: fakenet.FaultRevoke, User: "alice"}); err != nil {
		t.Fatal(err)
	}
	resp := fntest.Do(t, "GET", e.HTTP.URL+"/linkedin/v2/userinfo", tok["access_token"].(string), nil, nil, &body)
	if resp.StatusCode != 401 || body["code"] != "REVOKED_ACCESS_TOKEN" || body["serviceErrorCode"].(float64) != 65601 {
		t.Errorf("revoked: %d %v", resp.StatusCode, body)
	}
	tok = liConnect(t, e, "app", "bob", "openid")
	e.Clock.Advance(61 * 24 * time.Hour)
	resp = fntest.Do(t, "GET", e.HTTP.URL+"/linkedin/v2/userinfo", tok["access_token"].(string), nil, nil, &body)
	if resp.StatusCode != 401 || body["code"] != "EXPIRED_ACCESS_TOKEN" {
		t.Errorf("expired: %d %v", resp.StatusCode, body)
	}
}
