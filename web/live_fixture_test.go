package web_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/bluesky"
	"github.com/rythmehq/rythme/connectors/discord"
	"github.com/rythmehq/rythme/connectors/mastodon"
	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/media"
	"github.com/rythmehq/rythme/password"
	"github.com/rythmehq/rythme/sqlstore/storetest"
	"github.com/rythmehq/rythme/telemetry"
	"github.com/rythmehq/rythme/worker"
)

// live is the whole system as a content team uses it: the API over an
// empty workspace with a manager member, the worker on the test's Redis
// database, and fakenet as Mastodon, Bluesky and Discord.
type live struct {
	URL, FakenetURL string
	Fakenet         *fakenet.Server
	Store           rythme.Store
	WorkspaceID     string
	// Manager (Maya) signs in with Password; Admin (Ada, an instance
	// administrator) too.
	Manager, Admin *rythme.Member
	Password       string
	// Token is an admin API token of the workspace, for the test's checks.
	Token string
	Redis redis.UniversalClient
}

// testRedis is a database of its own on RYTHME_TEST_REDIS_URL's server,
// flushed; one test at a time holds it. It is DB 15 (or
// RYTHME_TEST_WEB_REDIS_DB), not the URL's own, which the worker's tests
// flush while `go test ./...` runs this package beside them (as
// cmd/rythme's end-to-end tests take DB 12).
var testRedisMu sync.Mutex

func testRedis(t *testing.T) redis.UniversalClient {
	t.Helper()
	u := os.Getenv("RYTHME_TEST_REDIS_URL")
	if u == "" {
		u = "redis://127.0.0.1:6379/14"
	}
	opt, err := redis.ParseURL(u)
	must(t, err)
	opt.DB = 15
	if v := os.Getenv("RYTHME_TEST_WEB_REDIS_DB"); v != "" {
		opt.DB, err = strconv.Atoi(v)
		must(t, err)
	}
	c := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		if os.Getenv("RYTHME_REQUIRE_SERVICES") == "1" {
			t.Fatalf("redis at %s: %v", u, err)
		}
		t.Skipf("redis at %s: %v", u, err)
	}
	testRedisMu.Lock()
	must(t, c.FlushDB(ctx).Err())
	t.Cleanup(func() {
		c.FlushDB(context.Background())
		c.Close()
		testRedisMu.Unlock()
	})
	return c
}

// cheap are argon2id costs fit for tests.
var cheap = password.Params{Time: 1, Memory: 64, Threads: 1, SaltLen: 16, KeyLen: 32}

func newLive(t *testing.T) *live {
	t.Helper()
	return newLiveWith(t, liveOptions{})
}

// liveOptions change what newLiveWith makes.
type liveOptions struct {
	// HistoryDays gives every fakenet user earlier posts over that many
	// days (fakenet.Config.HistoryDays), and lets the API start history
	// imports, as cmd/rythme does: connecting an account imports them.
	HistoryDays int
	// Seed is fakenet's (0: 7).
	Seed int64
	// Now is fakenet's clock (nil: time.Now): engagement grows with a
	// post's age by it.
	Now func() time.Time
}

func newLiveWith(t *testing.T, opt liveOptions) *live {
	t.Helper()
	ctx := context.Background()
	if opt.Seed == 0 {
		opt.Seed = 7
	}
	l := &live{Password: "a long team password"}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() && os.Getenv("RYTHME_TEST_LOG") == "1" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}

	fn := fakenet.New(fakenet.Config{Seed: opt.Seed, RateLimit: -1, HistoryDays: opt.HistoryDays, Now: opt.Now})
	fsrv := httptest.NewServer(fn.Handler())
	t.Cleanup(fsrv.Close)
	t.Cleanup(fn.Close)
	l.Fakenet, l.FakenetURL = fn, fsrv.URL

	store := storetest.SQLite(t)
	l.Store = store
	now := time.Now().UTC().Truncate(time.Microsecond)
	ws := &rythme.Workspace{ID: rythme.NewID(rythme.PrefixWorkspace), Name: "Studio", CreatedAt: now}
	must(t, store.CreateWorkspace(ctx, ws))
	l.WorkspaceID = ws.ID
	l.Token = rythme.TokenSecretPrefix + strings.ReplaceAll(rythme.NewID("s"), "_", "")
	must(t, store.CreateAPIToken(ctx, &rythme.APIToken{ID: rythme.NewID(rythme.PrefixToken), WorkspaceID: ws.ID, Name: "checks",
		Role: rythme.RoleAdmin, Hash: rythme.HashToken(l.Token), CreatedAt: now}))
	hash, err := password.Hash(l.Password, cheap)
	must(t, err)
	member := func(email, name string, role rythme.Role, instanceAdmin bool) *rythme.Member {
		m := &rythme.Member{ID: rythme.NewID(rythme.PrefixMember), Email: email, Name: name, PasswordHash: hash,
			InstanceAdmin: instanceAdmin, CreatedAt: now}
		must(t, store.CreateMember(ctx, m))
		must(t, store.AddMembership(ctx, &rythme.Membership{WorkspaceID: ws.ID, MemberID: m.ID, Role: role, CreatedAt: now}))
		return m
	}
	l.Manager = member("maya@example.com", "Maya Manager", rythme.RoleManager, false)
	l.Admin = member("ada@example.com", "Ada Admin", rythme.RoleAdmin, true)

	// The API listens before it is made: its public URL is the OAuth
	// redirect fakenet sends the browser back to.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	l.URL = "http://" + ln.Addr().String()

	httpClient := &http.Client{Timeout: 20 * time.Second} // fakenet is on loopback
	reg := connectors.NewRegistry(
		mastodon.New(mastodon.WithHTTPClient(httpClient)),
		bluesky.New(func() bluesky.Config { c := bluesky.FakenetConfig(fsrv.URL); c.HTTPClient = httpClient; return c }()),
		discord.New(discord.FakenetConfig(fsrv.URL)),
	)
	rdb := testRedis(t)
	l.Redis = rdb
	mediaDir, err := media.NewDir(t.TempDir())
	must(t, err)
	signer := media.NewSigner([]byte("live-test-media-signing-key-0123456789abcdef"))
	metrics := telemetry.New()
	w, err := worker.New(worker.Config{Redis: rdb, Store: store, Connectors: reg, Metrics: metrics, Logger: logger,
		HTTPClient: httpClient, PublicURL: l.URL, ReconcileInterval: 300 * time.Millisecond, Media: mediaDir, MediaSigner: signer,
		AllowPrivateWebhooks: true})
	must(t, err)
	cfg := api.Config{Store: store, Connectors: reg, Queue: w.Queue(), Polls: worker.NewPollRequests(rdb, nil),
		Metrics: metrics, Logger: logger, PublicURL: l.URL, HTTPClient: httpClient, Media: mediaDir, MediaSigner: signer,
		PasswordParams: cheap, AllowPrivateWebhooks: true}
	if opt.HistoryDays > 0 {
		cfg.History = worker.NewHistoryRequests(rdb, store, nil)
	}
	h, err := api.New(cfg)
	must(t, err)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	wctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("worker: %v", err)
		}
	})
	return l
}

// signInMember signs in through the email and password form at hash.
func (tb *tab) signInMember(base, hash, email, pw string) {
	tb.t.Helper()
	tb.navigate(base + "/" + hash)
	tb.waitFor(`document.querySelector("#email") && getComputedStyle(document.querySelector("#signin")).display !== "none"`)
	tb.typeInto("#email", email)
	tb.typeInto("#password", pw)
	tb.click("#member-form button[type=submit]")
	tb.waitFor(`!document.querySelector("#app").hidden`)
}

// navigate opens url in the tab.
func (tb *tab) navigate(url string) {
	tb.t.Helper()
	tb.do("open "+url, chromedp.Navigate(url))
}

// waitUntil polls cond (a check through the API) for up to a minute.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	waitUntilFor(t, time.Minute, cond)
}

// waitUntilFor polls cond for up to d.
func waitUntilFor(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("timed out waiting for the API to agree")
}

// liveAt makes the tab's clock run offset from the real one (new Date()
// and Date.now(); dates given explicitly are untouched), from the next
// page it opens: the browser may live a day behind the server, so that
// its "tomorrow" is due within minutes for the worker, whose queue runs
// on real time.
func (tb *tab) liveAt(offset time.Duration) {
	tb.t.Helper()
	tb.call(func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: fmt.Sprintf(`(() => { const off = %d, Real = Date;
				class Shifted extends Real { constructor(...a) { if (a.length === 0) super(Real.now() + off); else super(...a); } static now() { return Real.now() + off; } }
				globalThis.Date = Shifted; })();`, offset.Milliseconds()),
		})
		return err
	})
}
