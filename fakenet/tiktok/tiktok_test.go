package tiktok_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/fakenet/internal/fntest"
)

type ttEnv struct {
	srv  *fakenet.Server
	base string
}

func ttStart(t *testing.T) *ttEnv {
	t.Helper()
	srv := fakenet.New(fakenet.Config{Seed: 3})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { srv.Close(); hs.Close() })
	return &ttEnv{srv: srv, base: hs.URL + "/tiktok"}
}

func (e *ttEnv) form(t *testing.T, v url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(e.base+"/v2/oauth/token/", v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (e *ttEnv) api(t *testing.T, path, token string, in any) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(in)
	req, _ := http.NewRequest(http.MethodPost, e.base+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func ttCode(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

// ttLogin runs the authorization flow for user and returns the token
// answer.
func (e *ttEnv) login(t *testing.T, user string) map[string]any {
	t.Helper()
	q := url.Values{"client_key": {"ck"}, "scope": {"user.info.basic,video.publish,video.list"}, "response_type": {"code"},
		"redirect_uri": {"https://app.example/cb"}, "state": {"s1"}, "fakenet_user": {user}}
	resp, err := fntest.NoRedirect.Get(e.base + "/v2/auth/authorize/?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Query().Get("state") != "s1" || loc.Query().Get("scopes") != q.Get("scope") {
		t.Fatalf("authorize: %d %s", resp.StatusCode, loc)
	}
	code := loc.Query().Get("code")
	// client_id is not TikTok's name for the client.
	if status, out := e.form(t, url.Values{"client_id": {"ck"}, "client_secret": {"sec"}, "code": {code},
		"grant_type": {"authorization_code"}, "redirect_uri": {"https://app.example/cb"}}); status != 401 || out["error"] != "invalid_client" {
		t.Fatalf("client_id instead of client_key: %d %v", status, out)
	}
	status, out := e.form(t, url.Values{"client_key": {"ck"}, "client_secret": {"sec"}, "code": {code},
		"grant_type": {"authorization_code"}, "redirect_uri": {"https://app.example/cb"}})
	if status != 200 || out["refresh_token"] == nil || out["expires_in"] != float64(7200) || out["scope"] != q.Get("scope") {
		t.Fatalf("token: %d %v", status, out)
	}
	return out
}

func TestTikTokRefreshRotates(t *testing.T) {
	t.Parallel()
	e := ttStart(t)
	tok := e.login(t, "alice")
	refresh := func(rt string) (int, map[string]any) {
		return e.form(t, url.Values{"client_key": {"ck"}, "client_secret": {"sec"}, "grant_type": {"refresh_token"}, "refresh_token": {rt}})
	}
	status, next := refresh(tok["refresh_token"].(string))
	if status != 200 || next["refresh_token"] == tok["refresh_token"] {
		t.Fatalf("refresh: %d %v", status, next)
	}
	if status, out := refresh(tok["refresh_token"].(string)); status != 400 || out["error"] != "invalid_grant" {
		t.Errorf("the rotated-out refresh token: %d %v, want invalid_grant", status, out)
	}
	if status, _ := refresh(next["refresh_token"].(string)); status != 200 {
		t.Errorf("the new refresh token: %d", status)
	}
}

func TestTikTokDirectPost(t *testing.T) {
	t.Parallel()
	e := ttStart(t)
	access := e.login(t, "alice")["access_token"].(string)
	status, info := e.api(t, "/v2/post/publish/creator_info/query/", access, map[string]any{})
	if status != 200 || ttCode(info) != "ok" || info["data"].(map[string]any)["creator_username"] != "alice" {
		t.Fatalf("creator_info: %d %v", status, info)
	}
	initPost := func(title, privacy string) (int, map[string]any) {
		return e.api(t, "/v2/post/publish/video/init/", access, map[string]any{
			"post_info":   map[string]any{"title": title, "privacy_level": privacy},
			"source_info": map[string]any{"source": "PULL_FROM_URL", "video_url": "https://cdn.example/v.mp4"}})
	}
	if status, out := initPost(strings.Repeat("😀", 1101), "SELF_ONLY"); status != 400 || ttCode(out) != "invalid_params" {
		t.Errorf("2202 UTF-16 units: %d %v", status, out)
	}
	if status, out := initPost("x", "FOLLOWER_OF_CREATOR"); status != 400 || ttCode(out) != "privacy_level_option_mismatch" {
		t.Errorf("privacy mismatch: %d %v", status, out)
	}
	status, out := initPost("hello", "PUBLIC_TO_EVERYONE")
	id, _ := out["data"].(map[string]any)["publish_id"].(string)
	if status != 200 || !strings.HasPrefix(id, "v_pub_url~") {
		t.Fatalf("init: %d %v", status, out)
	}
	var st map[string]any
	for range 2 {
		_, out = e.api(t, "/v2/post/publish/status/fetch/", access, map[string]string{"publish_id": id})
		st = out["data"].(map[string]any)
	}
	ids, _ := st["publicaly_available_post_id"].([]any)
	if st["status"] != "PUBLISH_COMPLETE" || len(ids) != 1 {
		t.Fatalf("status: %v", st)
	}
	posts := e.srv.Posts()
	if len(posts) != 3 || !posts[2].Created || posts[2].Text != "hello" || posts[0].Error == "" {
		t.Errorf("recorded %+v", posts)
	}
	many := make([]string, 21)
	if status, out := e.api(t, "/v2/video/query/?fields=id,like_count", access, map[string]any{"filters": map[string]any{"video_ids": many}}); status != 400 || ttCode(out) != "invalid_params" {
		t.Errorf("21 ids: %d %v", status, out)
	}
	status, out = e.api(t, "/v2/video/query/?fields=id,like_count,view_count", access, map[string]any{"filters": map[string]any{"video_ids": []string{posts[2].ID}}})
	if videos, _ := out["data"].(map[string]any)["videos"].([]any); status != 200 || len(videos) != 1 {
		t.Errorf("video query: %d %v", status, out)
	}
	// Limits, when on: the 7th init of a minute is throttled.
	e.srv.TikTokRateLimits(true)
	for i := range 7 {
		status, out = initPost("burst", "SELF_ONLY")
		if (i < 6) != (status == 200) {
			t.Fatalf("init %d: %d %v", i, status, out)
		}
	}
	if status != 429 || ttCode(out) != "rate_limit_exceeded" {
		t.Errorf("7th init: %d %v", status, out)
	}
	_ = e.srv.InjectFault(fakenet.Fault{Network: "tiktok", Kind: fakenet.FaultRevoke, User: "alice"})
	if status, out := e.api(t, "/v2/post/publish/creator_info/query/", access, map[string]any{}); status != 401 || ttCode(out) != "access_token_invalid" {
		t.Errorf("after revoke: %d %v", status, out)
	}
}
