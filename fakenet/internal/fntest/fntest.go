// Package fntest holds the helpers the tests of fakenet and of each
// simulated network share: a server on httptest, a settable clock, and
// the Mastodon OAuth dance.
package fntest

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

// Clock is a settable clock for Config.Now.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

func NewClock() *Clock { return &Clock{t: time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)} }

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type Env struct {
	Srv   *fakenet.Server
	HTTP  *httptest.Server
	Base  string // the Mastodon instance
	Clock *Clock
}

func Start(t testing.TB, cfg fakenet.Config) *Env {
	t.Helper()
	c := NewClock()
	if cfg.Now == nil {
		cfg.Now = c.Now
	}
	srv := fakenet.New(cfg)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { srv.Close(); hs.Close() })
	return &Env{Srv: srv, HTTP: hs, Base: srv.MastodonURL(hs.URL), Clock: c}
}

var NoRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// Do sends a request and decodes a JSON answer into out (when not nil).
func Do(t testing.TB, method, u, token string, body url.Values, hdr map[string]string, out any) *http.Response {
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
	resp, err := NoRedirect.Do(req)
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

type App struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

const Redirect = "http://127.0.0.1:9/callback"

func RegisterApp(t testing.TB, e *Env) App {
	t.Helper()
	var a App
	resp := Do(t, "POST", e.Base+"/api/v1/apps", "", url.Values{"client_name": {"rythme"}, "redirect_uris": {Redirect},
		"scopes": {"read:accounts read:statuses read:notifications write:statuses"}}, nil, &a)
	if resp.StatusCode != 200 || a.ClientID == "" || a.ClientSecret == "" {
		t.Fatalf("register app: %d %+v", resp.StatusCode, a)
	}
	return a
}

func Challenge(verifier string) string {
	s := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(s[:])
}

const Verifier = "a-verifier-of-at-least-forty-three-characters-long"

// Authorize runs GET /oauth/authorize and returns the code.
func Authorize(t testing.TB, e *Env, a App, user string) string {
	t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {a.ClientID}, "redirect_uri": {Redirect},
		"scope": {"read:accounts read:statuses read:notifications write:statuses"}, "state": {"st-1"}, "code_challenge": {Challenge(Verifier)},
		"code_challenge_method": {"S256"}, "fakenet_user": {user}}
	resp := Do(t, "GET", e.Base+"/oauth/authorize?"+q.Encode(), "", nil, nil, nil)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: status %d", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), Redirect+"?") {
		t.Fatalf("authorize: Location %q", resp.Header.Get("Location"))
	}
	if loc.Query().Get("state") != "st-1" || loc.Query().Get("code") == "" {
		t.Fatalf("authorize: query %v", loc.Query())
	}
	return loc.Query().Get("code")
}

func Exchange(t testing.TB, e *Env, a App, code, ver string) (int, map[string]any) {
	t.Helper()
	var out map[string]any
	resp := Do(t, "POST", e.Base+"/oauth/token", "", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"client_id": {a.ClientID}, "client_secret": {a.ClientSecret}, "redirect_uri": {Redirect},
		"code_verifier": {ver}}, nil, &out)
	return resp.StatusCode, out
}

// Connect returns an access token for user.
func Connect(t testing.TB, e *Env, user string) string {
	t.Helper()
	a := RegisterApp(t, e)
	status, out := Exchange(t, e, a, Authorize(t, e, a, user), Verifier)
	if status != 200 {
		t.Fatalf("token: %d %v", status, out)
	}
	return out["access_token"].(string)
}

type Status struct {
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

func Publish(t testing.TB, e *Env, token, text, key string) (int, Status, map[string]string) {
	t.Helper()
	var raw json.RawMessage
	resp := Do(t, "POST", e.Base+"/api/v1/statuses", token, url.Values{"status": {text}}, map[string]string{"Idempotency-Key": key}, &raw)
	var st Status
	var errBody map[string]string
	if resp.StatusCode == 200 {
		_ = json.Unmarshal(raw, &st)
	} else {
		_ = json.Unmarshal(raw, &errBody)
	}
	return resp.StatusCode, st, errBody
}
