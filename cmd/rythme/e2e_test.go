package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme/sqlstore/storetest"
)

var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		// -short: the end-to-end tests, which need this binary built with
		// the race detector (minutes on a small machine), skip.
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "rythme-e2e-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "rythme")
	out, err := exec.Command("go", "build", "-race", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build rythme: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// proc is a running rythme process whose output is kept for the test log.
type proc struct {
	cmd *exec.Cmd
	mu  sync.Mutex
	out bytes.Buffer
}

func (p *proc) Write(b []byte) (int, error) { p.mu.Lock(); defer p.mu.Unlock(); return p.out.Write(b) }
func (p *proc) output() string              { p.mu.Lock(); defer p.mu.Unlock(); return p.out.String() }

func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	if binary == "" {
		t.Skip("-short: the end-to-end tests that start the rythme binary do not run")
	}
	p := &proc{cmd: exec.Command(binary, args...)}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p, p
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Graceful shutdown: SIGTERM, and the process exits by itself, 0.
		p.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- p.cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("rythme %v after SIGTERM: %v", args, err)
			}
		case <-time.After(45 * time.Second):
			p.cmd.Process.Kill()
			<-done
			t.Errorf("rythme %v did not stop within 45s of SIGTERM", args)
		}
		if t.Failed() {
			t.Logf("output of rythme %v:\n%s", args, p.output())
		}
	})
	return p
}

type client struct {
	t     *testing.T
	base  string
	token string
	http  *http.Client
}

func newClient(t *testing.T, base, token string) *client {
	return &client{t: t, base: base, token: token, http: &http.Client{Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) call(method, path string, body any, want int, out any) {
	c.t.Helper()
	code, b := c.do(method, path, body)
	if code != want {
		c.t.Fatalf("%s %s = %d %s, want %d", method, path, code, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

// do makes the request and returns the status and the body.
func (c *client) do(method, path string, body any) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func waitHTTP(t *testing.T, u string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(u); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s not ready within %s", u, d)
}

type post struct {
	ID          string    `json:"id"`
	Status      string    `json:"status"`
	ScheduledAt time.Time `json:"scheduled_at"`
	Targets     []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		URL    string `json:"url"`
	} `json:"targets"`
}

type record struct {
	Account        string    `json:"account"`
	Text           string    `json:"text"`
	IdempotencyKey string    `json:"idempotency_key"`
	ReceivedAt     time.Time `json:"received_at"`
	Created        bool      `json:"created"`
}

const adminToken = "rym_e2e_admin_token_0123456789abcdef"

func TestEndToEnd(t *testing.T) {
	t.Run("embedded", func(t *testing.T) {
		t.Parallel()
		fakenet := freeAddr(t)
		start(t, []string{"FAKENET_ADDR=" + fakenet}, "fakenet")
		api := freeAddr(t)
		start(t, []string{"RYTHME_ADDR=" + api, "RYTHME_DATA=" + t.TempDir(), "RYTHME_BOOTSTRAP_TOKEN=" + adminToken,
			"DATABASE_URL=", "REDIS_URL=", "RYTHME_SECRET_KEY=", "RYTHME_ALLOW_PRIVATE_NETWORKS=127.0.0.0/8"})
		scenario(t, "http://"+api, "http://"+fakenet)
	})
	t.Run("postgres+redis, one serve and two work processes", func(t *testing.T) {
		t.Parallel()
		redisURL := e2eRedis(t)
		env := []string{"DATABASE_URL=" + storetest.PostgresSchema(t), "REDIS_URL=" + redisURL,
			"RYTHME_SECRET_KEY=8J1rbrkTW5y8qBmnbJwhhXHnZ2Z0HKkx0vxPqEJ5mXw=", "RYTHME_BOOTSTRAP_TOKEN=" + adminToken,
			"RYTHME_RECONCILE_INTERVAL=1s", "RYTHME_ALLOW_PRIVATE_NETWORKS=127.0.0.0/8"}
		fakenet := freeAddr(t)
		start(t, []string{"FAKENET_ADDR=" + fakenet}, "fakenet")
		api := freeAddr(t)
		apiEnv := append([]string{"RYTHME_ADDR=" + api}, env...)
		// Migrations first, as a deployment would; then the replicas.
		m := exec.Command(binary, "migrate")
		m.Env = append(os.Environ(), apiEnv...)
		if out, err := m.CombinedOutput(); err != nil {
			t.Fatalf("rythme migrate: %v\n%s", err, out)
		}
		start(t, apiEnv, "serve")
		workEnv := append([]string{"RYTHME_PUBLIC_URL=http://" + api}, env...)
		start(t, workEnv, "work")
		start(t, workEnv, "work")
		scenario(t, "http://"+api, "http://"+fakenet)
	})
}

// e2eRedis returns a Redis URL on a DB of its own (12), flushed.
func e2eRedis(t *testing.T) string {
	t.Helper()
	base := os.Getenv("RYTHME_TEST_REDIS_URL")
	if base == "" {
		base = "redis://127.0.0.1:6379/14"
	}
	opt, err := redis.ParseURL(base)
	if err != nil {
		t.Fatal(err)
	}
	opt.DB = 12
	c := redis.NewClient(opt)
	defer c.Close()
	if err := c.Ping(context.Background()).Err(); err != nil {
		storetest.Unreachable(t, "redis: %v", err)
	}
	c.FlushDB(context.Background())
	return fmt.Sprintf("redis://%s/%d", opt.Addr, opt.DB)
}

func scenario(t *testing.T, api, fakenet string) {
	waitHTTP(t, api+"/readyz", 30*time.Second)
	waitHTTP(t, fakenet+"/_fakenet/posts", 10*time.Second)
	c := newClient(t, api, adminToken)

	// Connect a Mastodon account through the OAuth flow on fakenet.
	acct := connectOAuth(t, c, api, "mastodon", map[string]string{"instance_url": fakenet + "/mastodon"}, "e2e")

	due := time.Now().Add(4 * time.Second).UTC().Truncate(time.Millisecond)
	newPost := func(text string) post {
		var p post
		c.call("POST", "/v1/posts", map[string]any{"content": text, "scheduled_at": due.Format(time.RFC3339Nano),
			"targets": []map[string]string{{"account_id": acct}}, "tags": []string{"e2e"}, "author": "Ada"}, 201, &p)
		if p.Status != "scheduled" || len(p.Targets) != 1 {
			t.Fatalf("created post = %+v", p)
		}
		return p
	}
	kept := newPost("kept as written")
	edited := newPost("first draft")
	cancelled := newPost("never to be seen")
	c.call("PATCH", "/v1/posts/"+edited.ID, map[string]any{"content": "edited before it went out"}, 200, nil)
	c.call("DELETE", "/v1/posts/"+cancelled.ID, nil, 200, nil)

	deadline := time.Now().Add(30 * time.Second)
	for _, id := range []string{kept.ID, edited.ID} {
		for {
			var p post
			c.call("GET", "/v1/posts/"+id, nil, 200, &p)
			if p.Status == "published" {
				if p.Targets[0].URL == "" {
					t.Errorf("published post %s has no URL", id)
				}
				break
			}
			if time.Now().After(deadline) || (p.Status != "scheduled" && p.Status != "publishing") {
				t.Fatalf("post %s is %s, want published", id, p.Status)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	time.Sleep(time.Second) // room for anything that should not happen
	var cp post
	c.call("GET", "/v1/posts/"+cancelled.ID, nil, 200, &cp)
	if cp.Status != "cancelled" {
		t.Fatalf("cancelled post is %s", cp.Status)
	}

	resp, err := http.Get(fakenet + "/_fakenet/posts")
	if err != nil {
		t.Fatal(err)
	}
	var recs []record
	json.NewDecoder(resp.Body).Decode(&recs)
	resp.Body.Close()
	seen := map[string]int{}
	for _, r := range recs {
		if r.Created {
			seen[r.Text]++
		}
		if r.ReceivedAt.Before(due) {
			t.Errorf("%q reached the network %s early", r.Text, due.Sub(r.ReceivedAt))
		}
	}
	want := map[string]int{"kept as written": 1, "edited before it went out": 1, "first draft": 0, "never to be seen": 0}
	for text, n := range want {
		if seen[text] != n {
			t.Errorf("fakenet has %q %d times, want %d (record: %+v)", text, seen[text], n, recs)
		}
	}
}

// connectOAuth runs the OAuth 2 flow (authorization code + PKCE + state)
// for user on fakenet through the API, checks that the state is single
// use, and returns the account id.
func connectOAuth(t *testing.T, c *client, api, network string, params map[string]string, user string) string {
	t.Helper()
	var connect struct {
		AuthorizeURL string `json:"authorize_url"`
		Binding      string `json:"binding"`
	}
	c.call("POST", "/v1/accounts/"+network+"/connect", params, 200, &connect)
	u, err := url.Parse(connect.AuthorizeURL)
	if err != nil || u.Query().Get("state") == "" {
		t.Fatalf("%s: authorize URL %q lacks a state", network, connect.AuthorizeURL)
	}
	if network == "mastodon" && u.Query().Get("code_challenge_method") != "S256" {
		t.Fatalf("authorize URL %q lacks PKCE", connect.AuthorizeURL)
	}
	resp, err := c.http.Get(connect.AuthorizeURL + "&fakenet_user=" + user)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	callback := resp.Header.Get("Location")
	if !strings.HasPrefix(callback, api+"/v1/oauth/"+network+"/callback?") {
		t.Fatalf("%s: authorize redirected to %q (%d), want the API's callback", network, callback, resp.StatusCode)
	}
	var connected struct {
		Account struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"account"`
	}
	req, _ := http.NewRequest("GET", callback, nil)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Rythme-OAuth-Binding", connect.Binding)
	resp, err = c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || json.Unmarshal(b, &connected) != nil || connected.Account.Status != "connected" {
		t.Fatalf("%s callback = %d %s", network, resp.StatusCode, b)
	}
	resp, err = c.http.Get(callback)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("%s: replayed callback = %d, want 400", network, resp.StatusCode)
	}
	return connected.Account.ID
}
