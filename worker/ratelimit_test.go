package worker_test

import (
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/sqlstore/storetest"
	"github.com/rythmehq/rythme/worker"
)

// limitedConnector declares a documented quota of 2 posts a minute.
type limitedConnector struct{ *fakeConnector }

func (l limitedConnector) Info() rythme.Network {
	i := l.fakeConnector.Info()
	i.RateLimits = []rythme.RateLimit{{Scope: "account", Requests: 2, PeriodSeconds: 60, Counts: rythme.CountsPosts}}
	return i
}

func TestWorkersShareRateLimits(t *testing.T) {
	for name, newRedis := range redisBackends(t) {
		t.Run(name, func(t *testing.T) {
			rdb := newRedis(t)
			e := newEnv(t, storetest.SQLite(t))
			e.reg = connectors.NewRegistry(limitedConnector{e.conn})
			var posts []*rythme.Post
			for range 3 {
				posts = append(posts, e.post(t, "x", e.clock.Now()))
			}
			other := e.account(t, "other", rythme.Token{AccessToken: "o"})
			otherPost := e.post(t, "y", e.clock.Now(), other)
			run := func(p *rythme.Post) error {
				h := e.handler()
				h.Redis, h.Limits = rdb, worker.NewLimits(rdb)
				return h.ProcessTask(context.Background(), publishTask(t, p.Targets[0].ID, 1))
			}
			for _, p := range posts[:2] {
				if err := run(p); err != nil {
					t.Fatal(err)
				}
			}
			err := run(posts[2])
			if err == nil || worker.IsFailure(err) {
				t.Fatalf("third post within the minute: %v; want a wait that is not a failure", err)
			}
			if d := worker.RetryDelay(0, err, nil); d <= 0 || d > time.Minute+time.Second {
				t.Fatalf("wait %s, want within the minute", d)
			}
			if n := len(e.conn.calls()); n != 2 {
				t.Fatalf("%d network calls, want 2: the third must wait without calling", n)
			}
			if got := e.target(t, posts[2].Targets[0].ID); got.Status != rythme.TargetScheduled || got.Attempts != 0 {
				t.Fatalf("waiting target = %s after %d attempts; want scheduled, untouched", got.Status, got.Attempts)
			}
			// Another account has its own quota.
			if err := run(otherPost); err != nil {
				t.Fatalf("another account: %v", err)
			}

			// A 429 from the network makes every worker wait for that account.
			e.conn.publish = func(context.Context, *rythme.Account, *http.Client, connectors.PublishRequest) (*connectors.Published, error) {
				return nil, &connectors.Error{Kind: connectors.RateLimited, Status: 429, RetryAfter: 30 * time.Second}
			}
			third := e.post(t, "z", e.clock.Now(), other)
			fourth := e.post(t, "w", e.clock.Now(), other)
			calls := len(e.conn.calls())
			if err := run(third); err == nil || worker.IsFailure(err) {
				t.Fatalf("429: %v", err)
			}
			err = run(fourth)
			var d time.Duration
			if err != nil {
				d = worker.RetryDelay(0, err, nil)
			}
			if err == nil || d < 25*time.Second {
				t.Fatalf("after a 429 the next post waits %s (%v); want ~30s", d, err)
			}
			if n := len(e.conn.calls()) - calls; n != 1 {
				t.Fatalf("%d calls after the 429, want 1 (the one that got it)", n)
			}
		})
	}
}

// BenchmarkLimitsRequest measures what charging one HTTP request costs
// (the block's PTTL and one GCRA bucket, as Mastodon's GETs), on the real
// Redis when reachable.
func BenchmarkLimitsRequest(b *testing.B) {
	url := os.Getenv("RYTHME_TEST_REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/14"
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		b.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	ctx := context.Background()
	if err := rdb.Ping(ctx).Err(); err != nil {
		b.Skipf("redis at %s: %v", url, err)
	}
	limits := worker.NewLimits(rdb)
	info := rythme.Network{Name: "bench", RateLimits: []rythme.RateLimit{{Scope: "account", Requests: 1 << 30, PeriodSeconds: 1},
		{Scope: "account", Requests: 30, PeriodSeconds: 1800, Method: http.MethodPost, Path: "/media"}}}
	acct := &rythme.Account{ID: "acc_bench"}
	defer rdb.Del(ctx, "rythme:rl:{bench:acc_bench}:0")
	for b.Loop() {
		if _, err := limits.Request(ctx, info, acct, http.MethodGet, "/api/v1/statuses"); err != nil {
			b.Fatal(err)
		}
	}
}
