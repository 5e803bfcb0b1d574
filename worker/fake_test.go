package worker_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/internal/rediscluster"
)

// fakeConnector is a hand-written fake: each behaviour is a function field.
type fakeConnector struct {
	name       string
	idempotent bool
	tokenURL   string

	mu        sync.Mutex
	published []connectors.PublishRequest
	publish   func(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.PublishRequest) (*connectors.Published, error)
}

var _ connectors.Connector = (*fakeConnector)(nil)

func (f *fakeConnector) Info() rythme.Network {
	return rythme.Network{Name: f.name, Title: f.name, Auth: "oauth2", MaxLength: 500, IdempotencyKey: f.idempotent}
}
func (f *fakeConnector) Validate(string) []string { return nil }
func (f *fakeConnector) OAuth2Config(context.Context, connectors.ConnectParams, string, connectors.Apps) (*oauth2.Config, error) {
	return &oauth2.Config{ClientID: "c", ClientSecret: "s", Endpoint: oauth2.Endpoint{TokenURL: f.tokenURL}}, nil
}
func (f *fakeConnector) Identify(context.Context, connectors.ConnectParams, *http.Client) (*connectors.Identity, error) {
	return &connectors.Identity{ExternalID: "1", Username: "u"}, nil
}
func (f *fakeConnector) Publish(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.PublishRequest) (*connectors.Published, error) {
	f.mu.Lock()
	f.published = append(f.published, req)
	fn := f.publish
	f.mu.Unlock()
	if fn != nil {
		return fn(ctx, acct, client, req)
	}
	return &connectors.Published{ExternalID: "ext-" + req.IdempotencyKey, URL: "https://example.test/" + req.IdempotencyKey}, nil
}
func (f *fakeConnector) Idempotent(*rythme.Account) bool { return f.idempotent }
func (f *fakeConnector) FetchMetrics(context.Context, *rythme.Account, *http.Client, []string) ([]rythme.Metrics, error) {
	return nil, nil
}

func (f *fakeConnector) calls() []connectors.PublishRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]connectors.PublishRequest(nil), f.published...)
}

// fakeClock is a stubbable clock: Sleep advances it at once and records
// the wait, so that "never early" is checked without waiting.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}
func (c *fakeClock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// redisBackends returns the in-process Redis and, when reachable, the real
// one (a dedicated DB, flushed first). Tests using the real one must not
// run in parallel with each other.
func redisBackends(t *testing.T) map[string]func(t *testing.T) redis.UniversalClient {
	t.Helper()
	return map[string]func(t *testing.T) redis.UniversalClient{
		"miniredis": func(t *testing.T) redis.UniversalClient {
			m := miniredis.RunT(t)
			c := redis.NewClient(&redis.Options{Addr: m.Addr()})
			t.Cleanup(func() { c.Close() })
			return c
		},
		"redis":   realRedis,
		"cluster": clusterRedis,
	}
}

// clusterRedis is a Redis Cluster of 3 masters of the test's own (issue
// 17): rythme's scripts and asynq's must keep to one hash slot each.
func clusterRedis(t *testing.T) redis.UniversalClient {
	t.Helper()
	cl, err := rediscluster.Start(context.Background(), t.TempDir(), 3)
	if errors.Is(err, rediscluster.ErrNoRedisServer) {
		if os.Getenv("RYTHME_REQUIRE_SERVICES") == "1" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Addrs})
	t.Cleanup(func() { c.Close(); cl.Close() })
	return c
}

var realRedisMu sync.Mutex

func realRedis(t *testing.T) redis.UniversalClient {
	t.Helper()
	url := os.Getenv("RYTHME_TEST_REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/14"
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		if os.Getenv("RYTHME_REQUIRE_SERVICES") == "1" {
			t.Fatalf("redis at %s: %v", url, err)
		}
		t.Skipf("redis at %s unreachable: %v", url, err)
	}
	realRedisMu.Lock()
	if err := c.FlushDB(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.FlushDB(context.Background())
		c.Close()
		realRedisMu.Unlock()
	})
	return c
}
