package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/rythmehq/rythme/internal/bench"
	"github.com/rythmehq/rythme/worker"
)

// runBench parses the flags of `rythme bench` and runs the benchmark
// (internal/bench), which starts rythme in this process with startBench.
func runBench(ctx context.Context, getenv func(string) string, args []string, stdout, stderr io.Writer) error {
	o := bench.Options{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.Posts, "posts", 10000, "posts to schedule")
	fs.IntVar(&o.Accounts, "accounts", 100, "fakenet accounts to spread them over")
	fs.DurationVar(&o.Window, "window", time.Minute, "the posts come due evenly within this window")
	fs.StringVar(&o.Backends, "backends", "embedded,postgres", "embedded (SQLite + in-process Redis) and/or postgres (PostgreSQL + Redis)")
	fs.StringVar(&o.DatabaseURL, "database-url", firstNonEmpty(getenv("BENCH_DATABASE_URL"), "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"), "PostgreSQL for the postgres backend (a fresh schema is made and dropped)")
	fs.StringVar(&o.RedisURL, "redis-url", firstNonEmpty(getenv("BENCH_REDIS_URL"), "redis://127.0.0.1:6379/13"), "Redis for the postgres backend: this DB is FLUSHED")
	fs.StringVar(&o.Out, "out", "docs/benchmarks.md", "report file ('' or - for stdout only)")
	fs.IntVar(&o.Concurrency, "concurrency", 10000, "publish tasks the worker holds per network queue (RYTHME_CONCURRENCY; calls in flight adapt below it)")
	fs.StringVar(&o.Scenarios, "scenarios", "spread,burst,metrics,load", "spread (due within the window), burst (all due at once), metrics (polling and reports, on PostgreSQL), load (API under load from a second process, then worker memory; on PostgreSQL), top-of-hour (one post per account, all due at the same second, with network latency, next to pgbench and redis-benchmark; on PostgreSQL); not by default: scale-queue (worker and Redis memory with -scale-posts queued), scale-readings (a comparison among -scale-readings readings), both on PostgreSQL; inbox (freshness of the inbox and requests per comment read, Mastodon streamed then polled, -inbox-duration plus one interval each, on PostgreSQL)")
	fs.StringVar(&o.TopOfHourPosts, "toh-posts", "10000", "top-of-hour: posts (and accounts), one row per comma-separated count, e.g. 10000,100000")
	fs.StringVar(&o.Latency, "latency", "250ms/800ms", "top-of-hour: fakenet's answer time, log-normal median/p99 (e.g. 250ms/800ms, or mastodon=250ms/800ms)")
	fs.StringVar(&o.TopOfHourProfile, "toh-cpuprofile", "", "top-of-hour: write a CPU profile (go tool pprof) of the process from the due time until the last post is out, and where the goroutines wait 2 s after it (<file>.goroutines)")
	fs.IntVar(&o.InboxAccounts, "inbox-accounts", 1000, "inbox: Mastodon accounts, one post each")
	fs.DurationVar(&o.InboxDuration, "inbox-duration", 15*time.Minute, "inbox: how long fakenet's users comment before the measure")
	fs.DurationVar(&o.InboxInterval, "inbox-interval", worker.DefaultInboxInterval, "inbox: the poll interval (RYTHME_INBOX_INTERVAL)")
	fs.DurationVar(&o.PgbenchTime, "pgbench-time", 10*time.Second, "top-of-hour: how long pgbench runs on the same PostgreSQL")
	fs.IntVar(&o.LoadPosts, "load-posts", 100000, "posts the load scenario creates")
	fs.IntVar(&o.LoadConcurrency, "load-concurrency", 16, "requests the load generator keeps in flight")
	fs.IntVar(&o.ScalePosts, "scale-posts", 1_000_000, "posts the scale-queue scenario schedules within the worker's horizon")
	fs.IntVar(&o.ScaleReadings, "scale-readings", 10_000_000, "readings the scale-readings scenario stores before its comparison")
	fs.StringVar(&o.CPUProfile, "load-cpuprofile", "", "write a CPU profile (go tool pprof) of the API process while the load generator runs to this file")
	if done, err := parseFlags(fs, args, stdout); done || err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return bench.Run(ctx, o, startBench, log, stdout, stderr)
}

// runLoadgen parses the flags of `rythme bench-loadgen`, the load generator
// the load scenario of `rythme bench` starts as a second process.
func runLoadgen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := bench.LoadgenOptions{}
	fs := flag.NewFlagSet("bench-loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.URL, "url", "", "API base URL")
	fs.StringVar(&o.Token, "token", "", "API token")
	fs.StringVar(&o.Account, "account", "", "account id every post targets")
	fs.IntVar(&o.Posts, "posts", 100000, "posts to create")
	fs.IntVar(&o.Concurrency, "concurrency", 16, "requests in flight")
	dueStr := fs.String("due", "", "RFC 3339 time the posts are due at (spread over the following hour)")
	if done, err := parseFlags(fs, args, stdout); done || err != nil {
		return err
	}
	due, err := time.Parse(time.RFC3339, *dueStr)
	if err != nil {
		return fmt.Errorf("bench-loadgen: -due: %w", err)
	}
	o.Due = due
	return bench.Loadgen(ctx, o, stdout)
}

// startBench wires rythme for a benchmark, as runAll does, on the backend
// and the data directory the benchmark chose: the API on a free loopback
// port without a rate limit, the workers polling every 100 ms.
func startBench(ctx context.Context, sc bench.StackConfig, log *slog.Logger) (*bench.Stack, error) {
	cfg, _ := loadConfig(func(string) string { return "" }, nil)
	cfg.DataDir, cfg.MediaDir = sc.DataDir, sc.DataDir+"/media"
	cfg.PollInterval = 100 * time.Millisecond
	cfg.Concurrency = fmt.Sprintf("default=%d", sc.Concurrency)
	cfg.BootstrapToken = sc.Token
	cfg.APIRate = -1    // the benchmark creates thousands of posts with one token
	cfg.publicRate = -1 // and connects thousands of accounts (OAuth callbacks) from one address
	cfg.FakenetURL = sc.FakenetURL
	cfg.AllowNetworks = sc.AllowNetworks
	cfg.noInboxStreams = sc.NoInboxStreams
	if sc.InboxInterval > 0 {
		cfg.InboxInterval = sc.InboxInterval
	}
	embedded := sc.Backend == "embedded"
	if !embedded {
		cfg.DatabaseURL, cfg.SecretKey, cfg.RedisURL = sc.DatabaseURL, newSecretKey(), sc.RedisURL
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	cfg.Addr = ln.Addr().String()
	cfg.PublicURL = "http://" + cfg.Addr
	ln.Close()

	c, err := open(ctx, cfg, embedded, log)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*bench.Stack, error) { c.close(); return nil, err }
	if err := bootstrap(ctx, cfg, c.store, log); err != nil {
		return fail(err)
	}
	w, err := c.worker(cfg, log)
	if err != nil {
		return fail(err)
	}
	h, err := c.api(cfg, log, w.Queue())
	if err != nil {
		return fail(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- runBoth(rctx, func(ctx context.Context) error { return serveHTTP(ctx, cfg.Addr, h, log) }, w.Run)
	}()
	stop := sync.OnceFunc(func() { cancel(); <-done })
	return &bench.Stack{URL: cfg.PublicURL, DatabaseURL: cfg.DatabaseURL, SecretKey: cfg.SecretKey, Store: c.store,
		Poller: w.Poller(), Stop: stop, Close: func() { stop(); c.close() }}, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
