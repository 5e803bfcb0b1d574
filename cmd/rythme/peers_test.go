package main_test

// The peer suite: rythme's real API and workers against real servers
// nobody here wrote — GoToSocial (Mastodon's API) and the Bluesky reference
// PDS — running on loopback (../shared/peers). The tests read the
// variables the peers' start scripts print (GTS_*, PDS_*, BSKY_*); without
// them they skip, unless RYTHME_REQUIRE_PEERS=1 makes a missing or dead
// peer a failure. README.md ("Peer suite") says how to run them.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// peerVars returns the named variables of the peers' env files, or skips
// (fails, with RYTHME_REQUIRE_PEERS=1) when one is missing.
func peerVars(t *testing.T, names ...string) map[string]string {
	t.Helper()
	vals := map[string]string{}
	var missing []string
	for _, n := range names {
		vals[n] = os.Getenv(n)
		if vals[n] == "" {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		peerMissing(t, "%s not set: start the peers (../shared/peers/*/start.sh) and load their env files, see README.md", strings.Join(missing, ", "))
	}
	return vals
}

// peerMissing skips the test, or fails it with RYTHME_REQUIRE_PEERS=1.
func peerMissing(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("RYTHME_REQUIRE_PEERS") == "1" {
		t.Fatalf("%s (RYTHME_REQUIRE_PEERS=1)", msg)
	}
	t.Skip(msg)
}

// peerUp checks that the peer answers u with 200.
func peerUp(t *testing.T, name, u string) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(u)
	if err != nil {
		peerMissing(t, "%s is not answering at %s: %v", name, u, err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		peerMissing(t, "%s answers %s with %d", name, u, resp.StatusCode)
	}
}

// peerRythme starts the whole program against the peers: the embedded
// default (SQLite, in-process Redis), or PostgreSQL and the test Redis DB
// with postgres. Loopback instance URLs are allowed, and engagement is
// read 10, 20, 30 seconds and 1, 2 minutes after publication, a sweep a
// second, so that a test sees readings without waiting 15 minutes; every
// refresh sweep refreshes sessions that expire within 3 hours. extra are
// more variables (NAME=value) of the test's own.
func peerRythme(t *testing.T, dbURL string, extra ...string) (string, *client) {
	t.Helper()
	if testing.Short() {
		peerMissing(t, "-short: the peer suite starts the rythme binary; run it without -short")
	}
	api := freeAddr(t)
	env := []string{"RYTHME_ADDR=" + api, "RYTHME_DATA=" + t.TempDir(), "RYTHME_BOOTSTRAP_TOKEN=" + adminToken,
		"RYTHME_ALLOW_PRIVATE_NETWORKS=127.0.0.0/8", "RYTHME_RECONCILE_INTERVAL=1s",
		"RYTHME_METRICS_SCHEDULE=10s,20s,30s,1m,2m", "RYTHME_METRICS_INTERVAL=1s", "RYTHME_REFRESH_AHEAD=3h", "RYTHME_LOG_LEVEL=debug",
		"RYTHME_FAKENET_URL="}
	env = append(env, extra...)
	if dbURL == "" {
		env = append(env, "DATABASE_URL=", "REDIS_URL=", "RYTHME_SECRET_KEY=")
	} else {
		env = append(env, "DATABASE_URL="+dbURL, "REDIS_URL="+peerRedis(t),
			"RYTHME_SECRET_KEY=8J1rbrkTW5y8qBmnbJwhhXHnZ2Z0HKkx0vxPqEJ5mXw=")
	}
	start(t, env)
	waitHTTP(t, "http://"+api+"/readyz", 60*time.Second)
	c := newClient(t, "http://"+api, adminToken)
	c.http.Timeout = 60 * time.Second // a connect waits on the peer, on a loaded machine
	return "http://" + api, c
}

// peerRedis returns the test Redis DB (RYTHME_TEST_REDIS_URL), flushed.
func peerRedis(t *testing.T) string {
	t.Helper()
	u := os.Getenv("RYTHME_TEST_REDIS_URL")
	if u == "" {
		u = "redis://127.0.0.1:6379/14"
	}
	opt, err := redis.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	r := redis.NewClient(opt)
	defer r.Close()
	if err := r.FlushDB(context.Background()).Err(); err != nil {
		t.Fatalf("redis %s: %v", opt.Addr, err)
	}
	return u
}

// peerPost is a post as the API shows it, with what the peer tests read.
type peerPost struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Targets []struct {
		ID         string `json:"id"`
		Status     string `json:"status"`
		ExternalID string `json:"external_id"`
		URL        string `json:"url"`
		LastError  string `json:"last_error"`
		Attempts   int    `json:"attempts"`
		// FirstComment is the post's first comment once out.
		FirstComment *struct {
			ExternalID string `json:"external_id"`
		} `json:"first_comment"`
	} `json:"targets"`
}

// schedule creates a post of text (and thread parts) on acct at due.
func (c *client) schedule(acct string, due time.Time, text string, extra map[string]any) peerPost {
	c.t.Helper()
	body := map[string]any{"content": text, "scheduled_at": due.Format(time.RFC3339Nano),
		"targets": []map[string]string{{"account_id": acct}}}
	for k, v := range extra {
		body[k] = v
	}
	var p peerPost
	c.call("POST", "/v1/posts", body, 201, &p)
	return p
}

// settle waits until the post reaches want or settles elsewhere (not
// scheduled, publishing, or held unless held is wanted), at most within,
// and returns it.
func (c *client) settle(id string, want string, within time.Duration) peerPost {
	c.t.Helper()
	deadline := time.Now().Add(within)
	for {
		var p peerPost
		c.call("GET", "/v1/posts/"+id, nil, 200, &p)
		busy := p.Status == "scheduled" || p.Status == "publishing" || (p.Status == "held" && want != "held")
		if p.Status == want || !busy || time.Now().After(deadline) {
			return p
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// uploadImage uploads a small PNG with alt text and returns its media id.
func uploadImage(t *testing.T, api, alt string) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{uint8(4 * x), uint8(5 * y), 200, 255})
		}
	}
	var pngBytes bytes.Buffer
	png.Encode(&pngBytes, img)
	return upload(t, api, "chart.png", pngBytes.Bytes(), alt)
}

// browser is a person's browser on a peer: a cookie jar, redirects shown
// to the test rather than followed.
func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// step makes one browser request and returns the answer's status, body and
// Location resolved against the request's URL.
func step(t *testing.T, b *http.Client, method, u string, form url.Values) (int, string, string) {
	t.Helper()
	var rd io.Reader
	if form != nil {
		rd = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	loc := ""
	if l, err := resp.Location(); err == nil {
		loc = l.String()
	}
	return resp.StatusCode, string(body), loc
}

// connectGoToSocial connects the account of email on the GoToSocial at
// instance the way a person does: rythme's connect gives an authorize URL,
// the browser signs in with GoToSocial's own form and allows, and the
// redirect lands on rythme's callback, which stores the account. It
// returns the account id.
func connectGoToSocial(t *testing.T, c *client, api, instance, email, password string) string {
	t.Helper()
	var connect struct {
		AuthorizeURL string `json:"authorize_url"`
		Binding      string `json:"binding"` // ties the callback to who started it
	}
	c.call("POST", "/v1/accounts/mastodon/connect", map[string]string{"instance_url": instance}, 200, &connect)
	b := browser(t)
	code, body, loc := step(t, b, "GET", connect.AuthorizeURL, nil)
	if code/100 != 3 || !strings.Contains(loc, "/auth/sign_in") {
		t.Fatalf("GET authorize URL = %d (Location %q), want a redirect to the sign-in form: %.300s", code, loc, body)
	}
	if code, body, _ = step(t, b, "GET", loc, nil); code != 200 || !strings.Contains(body, "password") {
		t.Fatalf("sign-in form = %d: %.300s", code, body)
	}
	code, body, loc = step(t, b, "POST", loc, url.Values{"username": {email}, "password": {password}})
	if code/100 != 3 || !strings.HasSuffix(strings.SplitN(loc, "?", 2)[0], "/oauth/authorize") {
		t.Fatalf("sign in as %s = %d (Location %q): %.300s", email, code, loc, body)
	}
	if code, body, _ = step(t, b, "GET", loc, nil); code != 200 {
		t.Fatalf("consent page = %d: %.300s", code, body)
	}
	code, body, callback := step(t, b, "POST", loc, url.Values{})
	if code/100 != 3 || !strings.HasPrefix(callback, api+"/v1/oauth/mastodon/callback?") {
		t.Fatalf("allow = %d, redirected to %q, want rythme's callback: %.300s", code, callback, body)
	}
	req, _ := http.NewRequest("GET", callback, nil)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Rythme-OAuth-Binding", connect.Binding)
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var connected struct {
		Account struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"account"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(out, &connected) != nil || connected.Account.Status != "connected" {
		t.Fatalf("callback = %d %s", resp.StatusCode, out)
	}
	return connected.Account.ID
}

// gts calls GoToSocial's client API with token.
type gts struct {
	t     *testing.T
	base  string
	token string
}

func (g gts) call(method, path string, form url.Values, out any) int {
	g.t.Helper()
	var rd io.Reader
	if form != nil {
		rd = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, g.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+g.token)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		g.t.Fatalf("GoToSocial %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == 200 {
		if err := json.Unmarshal(b, out); err != nil {
			g.t.Fatalf("GoToSocial %s %s: %v: %.300s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

// gtsStatus is a status as GoToSocial's API shows it.
type gtsStatus struct {
	ID          string    `json:"id"`
	CreatedAt   time.Time `json:"created_at"`
	InReplyToID string    `json:"in_reply_to_id"`
	Content     string    `json:"content"`
	Text        string    `json:"text"`
	Media       []struct {
		Description string `json:"description"`
		Type        string `json:"type"`
	} `json:"media_attachments"`
}

var tags = regexp.MustCompile(`<[^>]*>`)

// plain is the status's text: its source when the server gives it, else
// its HTML without tags.
func (s gtsStatus) plain() string {
	if s.Text != "" {
		return s.Text
	}
	return html.UnescapeString(tags.ReplaceAllString(s.Content, ""))
}

// statuses returns every status of the token's account (newest first).
func (g gts) statuses() []gtsStatus {
	g.t.Helper()
	var me struct {
		ID string `json:"id"`
	}
	if code := g.call("GET", "/api/v1/accounts/verify_credentials", nil, &me); code != 200 {
		g.t.Fatalf("GoToSocial verify_credentials = %d", code)
	}
	var all []gtsStatus
	maxID := ""
	for range 100 {
		var page []gtsStatus
		q := "?limit=40"
		if maxID != "" {
			q += "&max_id=" + maxID
		}
		if code := g.call("GET", "/api/v1/accounts/"+me.ID+"/statuses"+q, nil, &page); code != 200 {
			g.t.Fatalf("GoToSocial account statuses = %d", code)
		}
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		maxID = page[len(page)-1].ID
	}
	return all
}

// byText returns the statuses whose text is text.
func byText(all []gtsStatus, text string) []gtsStatus {
	var out []gtsStatus
	for _, s := range all {
		if strings.TrimSpace(s.plain()) == text {
			out = append(out, s)
		}
	}
	return out
}

// rythmeTokens returns the ids of alice's GoToSocial tokens held by
// rythme's app (GoToSocial's own token API).
func (g gts) rythmeTokens() map[string]bool {
	g.t.Helper()
	var toks []struct {
		ID          string `json:"id"`
		Application struct {
			Name string `json:"name"`
		} `json:"application"`
	}
	if code := g.call("GET", "/api/v1/tokens?limit=200", nil, &toks); code != 200 {
		g.t.Fatalf("GoToSocial GET /api/v1/tokens = %d", code)
	}
	out := map[string]bool{}
	for _, tk := range toks {
		if tk.Application.Name == "rythme" {
			out[tk.ID] = true
		}
	}
	return out
}

func TestPeerGoToSocial(t *testing.T) {
	v := peerVars(t, "GTS_URL", "GTS_ALICE_EMAIL", "GTS_ALICE_PASSWORD", "GTS_ALICE_TOKEN", "GTS_BOB_TOKEN")
	instance := v["GTS_URL"]
	peerUp(t, "GoToSocial", instance+"/api/v1/instance")
	alice := gts{t, instance, v["GTS_ALICE_TOKEN"]}
	bob := gts{t, instance, v["GTS_BOB_TOKEN"]}
	api, c := peerRythme(t, "")
	run := fmt.Sprintf("%d", time.Now().UnixNano()) // texts unique to this run: the peer may be reused

	before := alice.rythmeTokens()
	acct := connectGoToSocial(t, c, api, instance, v["GTS_ALICE_EMAIL"], v["GTS_ALICE_PASSWORD"])
	var ours []string
	for id := range alice.rythmeTokens() {
		if !before[id] {
			ours = append(ours, id)
		}
	}
	if len(ours) != 1 {
		t.Fatalf("GoToSocial lists %d new tokens for rythme after connecting, want 1", len(ours))
	}

	alt := "A bar chart: posts per week, rising from 3 to 9 " + run
	mediaID := uploadImage(t, api, alt)
	text := func(s string) string { return "peer " + s + " " + run }
	long := text(strings.Repeat("long ", 120)) // ~640 characters: GoToSocial allows 5,000
	due := time.Now().Add(6 * time.Second).UTC()
	plain := c.schedule(acct, due, text("post"), map[string]any{"tags": []string{"peerengage"}})
	withMedia := c.schedule(acct, due, text("media"), map[string]any{"media": []string{mediaID}})
	thread := c.schedule(acct, due, text("thread 1/3"), map[string]any{"thread": []string{text("thread 2/3"), text("thread 3/3")}})
	edited := c.schedule(acct, due, text("first draft"), nil)
	c.call("PATCH", "/v1/posts/"+edited.ID, map[string]any{"content": text("edited")}, 200, nil)
	cancelled := c.schedule(acct, due, text("cancelled"), nil)
	c.call("DELETE", "/v1/posts/"+cancelled.ID, nil, 200, nil)
	longPost := peerPost{}
	if code, b := c.do("POST", "/v1/posts", map[string]any{"content": long, "scheduled_at": due.Format(time.RFC3339Nano),
		"targets": []map[string]string{{"account_id": acct}}}); code != 201 {
		t.Errorf("a %d-character post (the instance allows 5,000) = %d %s, want 201 (issue 11: the instance's own limits)", len(long), code, b)
	} else {
		json.Unmarshal(b, &longPost)
	}
	withComment := c.schedule(acct, due, text("with a first comment"), map[string]any{"first_comment": text("the first comment")})

	published := map[string]peerPost{}
	for name, p := range map[string]peerPost{"post": plain, "media": withMedia, "thread": thread, "edited": edited, "long": longPost,
		"first comment": withComment} {
		if p.ID == "" {
			continue
		}
		got := c.settle(p.ID, "published", 90*time.Second)
		if got.Status != "published" || got.Targets[0].ExternalID == "" {
			t.Errorf("%s: post is %s: %+v", name, got.Status, got.Targets)
			continue
		}
		published[name] = got
	}
	if p := c.settle(cancelled.ID, "", time.Second); p.Status != "cancelled" {
		t.Errorf("cancelled post is %s", p.Status)
	}

	all := alice.statuses()
	once := func(name, text string) *gtsStatus {
		t.Helper()
		got := byText(all, text)
		if len(got) != 1 {
			t.Errorf("%s: GoToSocial has %d statuses %.60q, want exactly 1", name, len(got), text)
			return nil
		}
		if got[0].CreatedAt.Before(due.Truncate(time.Millisecond)) {
			t.Errorf("%s: created at %s, before its time %s", name, got[0].CreatedAt, due)
		}
		return &got[0]
	}
	if s := once("post", text("post")); s != nil && published["post"].Targets != nil && s.ID != published["post"].Targets[0].ExternalID {
		t.Errorf("post: rythme stored id %s, GoToSocial has %s", published["post"].Targets[0].ExternalID, s.ID)
	}
	if s := once("media", text("media")); s != nil {
		if len(s.Media) != 1 || s.Media[0].Description != alt || s.Media[0].Type != "image" {
			t.Errorf("media: attachments %+v, want one image described %q", s.Media, alt)
		}
	}
	p1, p2, p3 := once("thread part 1", text("thread 1/3")), once("thread part 2", text("thread 2/3")), once("thread part 3", text("thread 3/3"))
	if p1 != nil && p2 != nil && p3 != nil && (p2.InReplyToID != p1.ID || p3.InReplyToID != p2.ID || p1.InReplyToID != "") {
		t.Errorf("thread: replies %q→%q, %q→%q (root replies to %q), want each part replying to the one before",
			p2.ID, p2.InReplyToID, p3.ID, p3.InReplyToID, p1.InReplyToID)
	}
	once("edited", text("edited"))
	// The first comment: exactly one reply under the post, the one
	// rythme stored.
	if post, cm := once("first comment's post", text("with a first comment")), once("first comment", text("the first comment")); post != nil && cm != nil {
		if cm.InReplyToID != post.ID {
			t.Errorf("first comment: replies to %q, want the post %q", cm.InReplyToID, post.ID)
		}
		if got := published["first comment"]; got.Targets != nil {
			if fc := got.Targets[0].FirstComment; fc == nil || fc.ExternalID != cm.ID || got.Targets[0].ExternalID != post.ID {
				t.Errorf("first comment: rythme stored %+v for post %s, GoToSocial has %s under %s", fc, got.Targets[0].ExternalID, cm.ID, post.ID)
			}
		}
	}
	for _, gone := range []string{text("first draft"), text("cancelled")} {
		if n := len(byText(all, gone)); n != 0 {
			t.Errorf("GoToSocial has %d statuses %q, want none", n, gone)
		}
	}
	if longPost.ID != "" {
		once("long", long)
	}

	t.Run("engagement", func(t *testing.T) {
		p, ok := published["post"]
		if !ok {
			t.Fatal("the post was not published")
		}
		id := p.Targets[0].ExternalID
		for _, a := range []struct {
			path string
			form url.Values
		}{{"/api/v1/statuses/" + id + "/favourite", nil}, {"/api/v1/statuses/" + id + "/reblog", nil},
			{"/api/v1/statuses", url.Values{"status": {"@alice nice one " + run}, "in_reply_to_id": {id}}}} {
			if code := bob.call("POST", a.path, a.form, nil); code != 200 {
				t.Fatalf("bob: POST %s = %d", a.path, code)
			}
		}
		// The poller reads the post 10, 20, 30 s… after its publication
		// (RYTHME_METRICS_SCHEDULE); the report shows its latest reading.
		deadline := time.Now().Add(2 * time.Minute)
		for {
			rows := compareRows(t, c, "tag:peerengage")
			if rows["likes"] >= 1 && rows["shares"] >= 1 && rows["comments_per_post"] >= 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("readings of the post: %v, want likes, shares and comments ≥ 1", rows)
			}
			time.Sleep(time.Second)
		}
	})

	t.Run("revoked token", func(t *testing.T) {
		// alice withdraws rythme's access on GoToSocial.
		if code := alice.call("POST", "/api/v1/tokens/"+ours[0]+"/invalidate", nil, nil); code != 200 {
			t.Fatalf("GoToSocial: invalidate rythme's token = %d", code)
		}
		due := time.Now().Add(3 * time.Second).UTC()
		p := c.schedule(acct, due, text("after revoke"), nil)
		held := c.settle(p.ID, "held", time.Minute)
		if held.Targets[0].Status != "held" {
			t.Fatalf("with a revoked token the target is %s (%s), want held", held.Targets[0].Status, held.Targets[0].LastError)
		}
		if s := accountStatus(t, c, acct); s != "needs_reconnect" {
			t.Fatalf("account is %s, want needs_reconnect", s)
		}
		if n := len(byText(alice.statuses(), text("after revoke"))); n != 0 {
			t.Fatalf("GoToSocial has the held post %d times", n)
		}
		// Connecting again releases it: published, once.
		if again := connectGoToSocial(t, c, api, instance, v["GTS_ALICE_EMAIL"], v["GTS_ALICE_PASSWORD"]); again != acct {
			t.Fatalf("reconnecting made account %s, want the same %s", again, acct)
		}
		if got := c.settle(p.ID, "published", time.Minute); got.Status != "published" {
			t.Fatalf("after reconnecting the post is %s: %+v", got.Status, got.Targets)
		}
		if n := len(byText(alice.statuses(), text("after revoke"))); n != 1 {
			t.Fatalf("GoToSocial has the released post %d times, want 1", n)
		}
	})
}

// compareRows returns cohort a's figures of a report comparing it with an
// empty cohort, by indicator.
func compareRows(t *testing.T, c *client, cohort string) map[string]float64 {
	t.Helper()
	var out struct {
		Rows []struct {
			Indicator string   `json:"indicator"`
			A         *float64 `json:"a"`
		} `json:"rows"`
	}
	c.call("GET", "/v1/reports/compare?a="+url.QueryEscape(cohort)+"&b=tag:none", nil, 200, &out)
	rows := map[string]float64{}
	for _, r := range out.Rows {
		if r.A != nil {
			rows[r.Indicator] = *r.A
		}
	}
	return rows
}

// accountStatus returns the status of the account id.
func accountStatus(t *testing.T, c *client, id string) string {
	t.Helper()
	var out struct {
		Data []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"data"`
	}
	c.call("GET", "/v1/accounts", nil, 200, &out)
	for _, a := range out.Data {
		if a.ID == id {
			return a.Status
		}
	}
	t.Fatalf("account %s is not listed", id)
	return ""
}
