package mastodon_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/fakenet/internal/fntest"
)

func TestOAuthFlow(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	a := fntest.RegisterApp(t, e)

	t.Run("wrong verifier is refused and does not use the code", func(t *testing.T) {
		code := fntest.Authorize(t, e, a, "alice")
		status, out := fntest.Exchange(t, e, a, code, fntest.Verifier+"x")
		if status != 400 || out["error"] != "invalid_grant" {
			t.Fatalf("got %d %v, want 400 invalid_grant", status, out)
		}
		if status, _ := fntest.Exchange(t, e, a, code, fntest.Verifier); status != 200 {
			t.Fatalf("right verifier after a wrong one: %d", status)
		}
	})
	t.Run("code is single use", func(t *testing.T) {
		code := fntest.Authorize(t, e, a, "alice")
		if status, _ := fntest.Exchange(t, e, a, code, fntest.Verifier); status != 200 {
			t.Fatalf("first exchange: %d", status)
		}
		if status, out := fntest.Exchange(t, e, a, code, fntest.Verifier); status != 400 || out["error"] != "invalid_grant" {
			t.Fatalf("second exchange: %d %v", status, out)
		}
	})
	t.Run("HTTP Basic client authentication", func(t *testing.T) {
		code := fntest.Authorize(t, e, a, "bob")
		req, _ := http.NewRequest("POST", e.Base+"/oauth/token", strings.NewReader(url.Values{"grant_type": {"authorization_code"},
			"code": {code}, "redirect_uri": {fntest.Redirect}, "code_verifier": {fntest.Verifier}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(url.QueryEscape(a.ClientID), url.QueryEscape(a.ClientSecret))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		if resp.StatusCode != 200 || out["token_type"] != "Bearer" || out["refresh_token"] != nil || out["expires_in"] != nil {
			t.Fatalf("got %d %v", resp.StatusCode, out)
		}
	})
	t.Run("wrong secret is invalid_client", func(t *testing.T) {
		code := fntest.Authorize(t, e, a, "alice")
		status, out := fntest.Exchange(t, e, fntest.App{ClientID: a.ClientID, ClientSecret: "nope"}, code, fntest.Verifier)
		if status != 401 || out["error"] != "invalid_client" {
			t.Fatalf("got %d %v", status, out)
		}
	})
	t.Run("refresh grant is not supported", func(t *testing.T) {
		var out map[string]any
		resp := fntest.Do(t, "POST", e.Base+"/oauth/token", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"},
			"client_id": {a.ClientID}, "client_secret": {a.ClientSecret}}, nil, &out)
		if resp.StatusCode != 400 || out["error"] != "unsupported_grant_type" {
			t.Fatalf("got %d %v", resp.StatusCode, out)
		}
	})
	t.Run("authorize errors", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			edit  func(url.Values)
			want  int
			error string
		}{
			{"unknown client", func(q url.Values) { q.Set("client_id", "x") }, 401, ""},
			{"unregistered redirect", func(q url.Values) { q.Set("redirect_uri", "http://evil.example/") }, 400, ""},
			{"response type", func(q url.Values) { q.Set("response_type", "token") }, 302, "unsupported_response_type"},
			{"scope not registered", func(q url.Values) { q.Set("scope", "admin:read") }, 302, "invalid_scope"},
			{"plain PKCE", func(q url.Values) { q.Set("code_challenge_method", "plain") }, 302, "invalid_request"},
		} {
			q := url.Values{"response_type": {"code"}, "client_id": {a.ClientID}, "redirect_uri": {fntest.Redirect},
				"scope": {"read:accounts"}, "state": {"s"}, "code_challenge": {fntest.Challenge(fntest.Verifier)}, "code_challenge_method": {"S256"}}
			tc.edit(q)
			resp := fntest.Do(t, "GET", e.Base+"/oauth/authorize?"+q.Encode(), "", nil, nil, nil)
			if resp.StatusCode != tc.want {
				t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.want)
				continue
			}
			if tc.error != "" {
				loc, _ := url.Parse(resp.Header.Get("Location"))
				if loc.Query().Get("error") != tc.error || loc.Query().Get("state") != "s" {
					t.Errorf("%s: redirect %s", tc.name, loc)
				}
			}
		}
	})
	t.Run("revoke", func(t *testing.T) {
		code := fntest.Authorize(t, e, a, "carol")
		_, out := fntest.Exchange(t, e, a, code, fntest.Verifier)
		tok := out["access_token"].(string)
		if resp := fntest.Do(t, "GET", e.Base+"/api/v1/accounts/verify_credentials", tok, nil, nil, nil); resp.StatusCode != 200 {
			t.Fatalf("verify before revoke: %d", resp.StatusCode)
		}
		resp := fntest.Do(t, "POST", e.Base+"/oauth/revoke", "", url.Values{"client_id": {a.ClientID}, "client_secret": {a.ClientSecret}, "token": {tok}}, nil, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("revoke: %d", resp.StatusCode)
		}
		var body map[string]string
		if resp := fntest.Do(t, "GET", e.Base+"/api/v1/accounts/verify_credentials", tok, nil, nil, &body); resp.StatusCode != 401 || body["error"] != "The access token is invalid" {
			t.Fatalf("verify after revoke: %d %v", resp.StatusCode, body)
		}
	})
}

func TestVerifyCredentialsAndInstance(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	tok := fntest.Connect(t, e, "dora")
	var acct struct {
		ID       string         `json:"id"`
		Username string         `json:"username"`
		Acct     string         `json:"acct"`
		URL      string         `json:"url"`
		Source   map[string]any `json:"source"`
	}
	if resp := fntest.Do(t, "GET", e.Base+"/api/v1/accounts/verify_credentials", tok, nil, nil, &acct); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if acct.Username != "dora" || acct.Acct != "dora" || acct.ID == "" || acct.URL != e.Base+"/@dora" || acct.Source == nil {
		t.Fatalf("account %+v", acct)
	}
	for _, path := range []string{"/api/v1/instance", "/api/v2/instance"} {
		var inst struct {
			Version       string `json:"version"`
			SourceURL     string `json:"source_url"`
			Configuration struct {
				Statuses struct {
					MaxCharacters int `json:"max_characters"`
					URLChars      int `json:"characters_reserved_per_url"`
				} `json:"statuses"`
			} `json:"configuration"`
		}
		resp := fntest.Do(t, "GET", e.Base+path, "", nil, nil, &inst)
		if resp.StatusCode != 200 || inst.SourceURL != "https://github.com/mastodon/mastodon" || inst.Version == "" ||
			inst.Configuration.Statuses.MaxCharacters != 500 || inst.Configuration.Statuses.URLChars != 23 {
			t.Errorf("%s: %d %+v", path, resp.StatusCode, inst)
		}
		if resp.Header.Get("X-RateLimit-Limit") != "300" {
			t.Errorf("%s: X-RateLimit-Limit %q", path, resp.Header.Get("X-RateLimit-Limit"))
		}
	}
}

func TestPublish(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	tok := fntest.Connect(t, e, "alice")

	code, st, _ := fntest.Publish(t, e, tok, "Hello <world>\nline two", "key-1")
	if code != 200 || st.ID == "" || st.Content != "<p>Hello &lt;world&gt;<br />line two</p>" || st.URL != e.Base+"/@alice/"+st.ID {
		t.Fatalf("publish: %d %+v", code, st)
	}
	code, again, _ := fntest.Publish(t, e, tok, "Hello <world>\nline two", "key-1")
	if code != 200 || again.ID != st.ID {
		t.Fatalf("retry with the same key: %d %s, want %s", code, again.ID, st.ID)
	}
	code, other, _ := fntest.Publish(t, e, tok, "Hello <world>\nline two", "key-2")
	if code != 200 || other.ID == st.ID {
		t.Fatalf("another key: %d %s", code, other.ID)
	}
	// A key is per account.
	code, bobs, _ := fntest.Publish(t, e, fntest.Connect(t, e, "bob"), "Hi", "key-1")
	if code != 200 || bobs.ID == st.ID {
		t.Fatalf("same key, other account: %d %s", code, bobs.ID)
	}
	// After the hour, the key is forgotten.
	e.Clock.Advance(61 * time.Minute)
	if _, late, _ := fntest.Publish(t, e, tok, "Hello", "key-1"); late.ID == st.ID {
		t.Fatal("a key older than an hour still deduplicated")
	}

	posts := e.Srv.Posts()
	if len(posts) != 5 {
		t.Fatalf("recorded %d posts, want 5: %+v", len(posts), posts)
	}
	if p := posts[0]; !p.Created || p.ID != st.ID || p.Text != "Hello <world>\nline two" || p.IdempotencyKey != "key-1" ||
		p.Account != "alice" || p.Network != "mastodon" || p.ReceivedAt.IsZero() {
		t.Errorf("first record %+v", p)
	}
	if p := posts[1]; p.Created || p.ID != st.ID {
		t.Errorf("duplicate record %+v", p)
	}
	if s := e.Srv.Stats(); s.Created != 4 || s.Deduplicated != 1 || s.Requests["POST /mastodon/api/v1/statuses"] != 5 {
		t.Errorf("stats %+v", s)
	}
}

func TestPublishValidation(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	tok := fntest.Connect(t, e, "alice")
	url100 := "https://example.com/" + strings.Repeat("p", 80)
	for _, tc := range []struct {
		name, text string
		want       int
		error      string
	}{
		{"blank", "  ", 422, "Validation failed: Text can't be blank"},
		{"501 characters", strings.Repeat("a", 501), 422, "Validation failed: Text character limit of 500 exceeded"},
		{"500 characters", strings.Repeat("a", 500), 200, ""},
		{"500 emoji graphemes", strings.Repeat("👍🏽", 500), 200, ""},
		{"URL counts 23", url100 + " " + strings.Repeat("a", 476), 200, ""},
		{"URL counts 23, one over", url100 + " " + strings.Repeat("a", 477), 422, "Validation failed: Text character limit of 500 exceeded"},
		{"remote mention counts as local", "@bob@example.social " + strings.Repeat("a", 495), 200, ""},
	} {
		code, _, body := fntest.Publish(t, e, tok, tc.text, "")
		if code != tc.want || (tc.error != "" && body["error"] != tc.error) {
			t.Errorf("%s: %d %v, want %d %q", tc.name, code, body, tc.want, tc.error)
		}
	}
	if p := e.Srv.Posts()[0]; p.Created || p.ID != "" || p.Error != "Validation failed: Text can't be blank" {
		t.Errorf("a refused post is recorded with its error: %+v", p)
	}
}

func TestPublishJSONAndAuth(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	tok := fntest.Connect(t, e, "alice")
	req, _ := http.NewRequest("POST", e.Base+"/api/v1/statuses", strings.NewReader(`{"status":"from JSON","visibility":"unlisted"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var st struct{ Visibility, Content string }
	_ = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if resp.StatusCode != 200 || st.Visibility != "unlisted" || st.Content != "<p>from JSON</p>" {
		t.Fatalf("JSON publish: %d %+v", resp.StatusCode, st)
	}
	// A token without write:statuses may not publish.
	a := fntest.RegisterApp(t, e)
	q := url.Values{"response_type": {"code"}, "client_id": {a.ClientID}, "redirect_uri": {fntest.Redirect}, "scope": {"read:accounts"}}
	loc, _ := url.Parse(fntest.Do(t, "GET", e.Base+"/oauth/authorize?"+q.Encode(), "", nil, nil, nil).Header.Get("Location"))
	status, out := fntest.Exchange(t, e, a, loc.Query().Get("code"), "")
	if status != 200 || out["scope"] != "read:accounts" {
		t.Fatalf("token without PKCE: %d %v", status, out)
	}
	var denied map[string]string
	if r := fntest.Do(t, "POST", e.Base+"/api/v1/statuses", out["access_token"].(string), url.Values{"status": {"x"}}, nil, &denied); r.StatusCode != 403 ||
		denied["error"] != "This action is outside the authorized scopes" {
		t.Errorf("publish with read:accounts: %d %v", r.StatusCode, denied)
	}
	for _, token := range []string{"", "not-a-token"} {
		var body map[string]string
		r := fntest.Do(t, "POST", e.Base+"/api/v1/statuses", token, url.Values{"status": {"x"}}, nil, &body)
		if r.StatusCode != 401 || body["error"] != "The access token is invalid" {
			t.Errorf("token %q: %d %v", token, r.StatusCode, body)
		}
	}
}

func TestGetAndDeleteStatuses(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	tok := fntest.Connect(t, e, "alice")
	var ids []string
	for i := range 3 {
		_, st, _ := fntest.Publish(t, e, tok, fmt.Sprintf("post %d", i), "")
		ids = append(ids, st.ID)
	}
	var deleted fntest.Status
	if resp := fntest.Do(t, "DELETE", e.Base+"/api/v1/statuses/"+ids[1], tok, nil, nil, &deleted); resp.StatusCode != 200 || deleted.Text != "post 1" {
		t.Fatalf("delete: %d %+v", resp.StatusCode, deleted)
	}
	var body map[string]string
	if resp := fntest.Do(t, "GET", e.Base+"/api/v1/statuses/"+ids[1], tok, nil, nil, &body); resp.StatusCode != 404 || body["error"] != "Record not found" {
		t.Fatalf("get deleted: %d %v", resp.StatusCode, body)
	}
	var one fntest.Status
	if resp := fntest.Do(t, "GET", e.Base+"/api/v1/statuses/"+ids[0], "", nil, nil, &one); resp.StatusCode != 200 || one.ID != ids[0] {
		t.Fatalf("get public without a token: %d %+v", resp.StatusCode, one)
	}
	var many []fntest.Status
	q := url.Values{"id[]": {ids[2], ids[1], ids[0], "404"}}
	if resp := fntest.Do(t, "GET", e.Base+"/api/v1/statuses?"+q.Encode(), tok, nil, nil, &many); resp.StatusCode != 200 || len(many) != 2 ||
		many[0].ID != ids[2] || many[1].ID != ids[0] {
		t.Fatalf("get many: %d %+v", resp.StatusCode, many)
	}
	q = url.Values{}
	for i := range 21 {
		q.Add("id[]", fmt.Sprint(i))
	}
	if resp := fntest.Do(t, "GET", e.Base+"/api/v1/statuses?"+q.Encode(), tok, nil, nil, nil); resp.StatusCode != 422 {
		t.Fatalf("21 ids: %d, want 422", resp.StatusCode)
	}
	if !e.Srv.DeletePost("mastodon", ids[0]) || e.Srv.DeletePost("mastodon", ids[0]) {
		t.Fatal("DeletePost: want true, then false")
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{RateLimit: 3, RateWindow: time.Minute})
	tok := fntest.Connect(t, e, "alice")
	var last *http.Response
	for i := range 3 {
		last = fntest.Do(t, "GET", e.Base+"/api/v1/accounts/verify_credentials", tok, nil, nil, nil)
		if last.StatusCode != 200 || last.Header.Get("X-RateLimit-Remaining") != fmt.Sprint(2-i) {
			t.Fatalf("request %d: %d remaining %q", i, last.StatusCode, last.Header.Get("X-RateLimit-Remaining"))
		}
	}
	var body map[string]string
	resp := fntest.Do(t, "GET", e.Base+"/api/v1/accounts/verify_credentials", tok, nil, nil, &body)
	reset, err := time.Parse(time.RFC3339Nano, resp.Header.Get("X-RateLimit-Reset"))
	if resp.StatusCode != 429 || body["error"] != "Too many requests" || err != nil || !reset.Equal(e.Clock.Now().Truncate(time.Minute).Add(time.Minute)) {
		t.Fatalf("4th request: %d %v reset %q", resp.StatusCode, body, resp.Header.Get("X-RateLimit-Reset"))
	}
	e.Clock.Advance(time.Minute)
	if resp := fntest.Do(t, "GET", e.Base+"/api/v1/accounts/verify_credentials", tok, nil, nil, nil); resp.StatusCode != 200 {
		t.Fatalf("next window: %d", resp.StatusCode)
	}
	if e.Srv.Stats().RateLimited != 1 {
		t.Errorf("stats: %+v", e.Srv.Stats())
	}
}
