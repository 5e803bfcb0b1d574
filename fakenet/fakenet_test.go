package fakenet_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rythmehq/rythme/fakenet"
)

// clock is a settable clock for Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	srv   *fakenet.Server
	http  *httptest.Server
	base  string // the Mastodon instance
	clock *clock
}

func start(t testing.TB, cfg fakenet.Config) *env {
	t.Helper()
	c := newClock()
	if cfg.Now == nil {
		cfg.Now = c.Now
	}
	srv := fakenet.New(cfg)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { srv.Close(); hs.Close() })
	return &env{srv: srv, http: hs, base: srv.MastodonURL(hs.URL), clock: c}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// do sends a request and decodes a JSON answer into out (when not nil).
func do(t testing.TB, method, u, token string, body url.Values, hdr map[string]string, out any) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(body.Encode())
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, u, b, err)
		}
	}
	return resp
}

type app struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

const redirect = "http://127.0.0.1:9/callback"

func registerApp(t testing.TB, e *env) app {
	t.Helper()
	var a app
	resp := do(t, "POST", e.base+"/api/v1/apps", "", url.Values{"client_name": {"rythme"}, "redirect_uris": {redirect},
		"scopes": {"read:accounts read:statuses write:statuses"}}, nil, &a)
	if resp.StatusCode != 200 || a.ClientID == "" || a.ClientSecret == "" {
		t.Fatalf("register app: %d %+v", resp.StatusCode, a)
	}
	return a
}

func challenge(verifier string) string {
	s := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(s[:])
}

const verifier = "a-verifier-of-at-least-forty-three-characters-long"

// authorize runs GET /oauth/authorize and returns the code.
func authorize(t testing.TB, e *env, a app, user string) string {
	t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {a.ClientID}, "redirect_uri": {redirect},
		"scope": {"read:accounts read:statuses write:statuses"}, "state": {"st-1"}, "code_challenge": {challenge(verifier)},
		"code_challenge_method": {"S256"}, "fakenet_user": {user}}
	resp := do(t, "GET", e.base+"/oauth/authorize?"+q.Encode(), "", nil, nil, nil)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: status %d", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), redirect+"?") {
		t.Fatalf("authorize: Location %q", resp.Header.Get("Location"))
	}
	if loc.Query().Get("state") != "st-1" || loc.Query().Get("code") == "" {
		t.Fatalf("authorize: query %v", loc.Query())
	}
	return loc.Query().Get("code")
}

func exchange(t testing.TB, e *env, a app, code, ver string) (int, map[string]any) {
	t.Helper()
	var out map[string]any
	resp := do(t, "POST", e.base+"/oauth/token", "", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"client_id": {a.ClientID}, "client_secret": {a.ClientSecret}, "redirect_uri": {redirect},
		"code_verifier": {ver}}, nil, &out)
	return resp.StatusCode, out
}

// connect returns an access token for user.
func connect(t testing.TB, e *env, user string) string {
	t.Helper()
	a := registerApp(t, e)
	status, out := exchange(t, e, a, authorize(t, e, a, user), verifier)
	if status != 200 {
		t.Fatalf("token: %d %v", status, out)
	}
	return out["access_token"].(string)
}

type status struct {
	ID              string `json:"id"`
	URL             string `json:"url"`
	Content         string `json:"content"`
	Text            string `json:"text"`
	FavouritesCount int64  `json:"favourites_count"`
	RepliesCount    int64  `json:"replies_count"`
	ReblogsCount    int64  `json:"reblogs_count"`
	Account         struct {
		Username       string `json:"username"`
		FollowersCount int64  `json:"followers_count"`
	} `json:"account"`
}

func publish(t testing.TB, e *env, token, text, key string) (int, status, map[string]string) {
	t.Helper()
	var raw json.RawMessage
	resp := do(t, "POST", e.base+"/api/v1/statuses", token, url.Values{"status": {text}}, map[string]string{"Idempotency-Key": key}, &raw)
	var st status
	var errBody map[string]string
	if resp.StatusCode == 200 {
		_ = json.Unmarshal(raw, &st)
	} else {
		_ = json.Unmarshal(raw, &errBody)
	}
	return resp.StatusCode, st, errBody
}
