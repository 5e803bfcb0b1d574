package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme/worker"
)

// benchOptions are the flags of `rythme bench`.
type benchOptions struct {
	posts, accounts int
	window          time.Duration
	backends        string // embedded,postgres
	databaseURL     string
	redisURL        string
	out             string
	concurrency     int
	scenarios       string
	cpuProfile      string // load scenario: CPU profile of the API process while the load runs
}

// runBench schedules posts due within a short window across many fakenet
// accounts, through the real API, and measures from fakenet's own record:
// lateness (scheduled time → the network receiving the post), early,
// duplicate and lost posts, and sustained publishes per second. It writes
// the figures and the machine to docs/benchmarks.md.
func runBench(ctx context.Context, getenv func(string) string, args []string, stdout, stderr io.Writer) error {
	o := benchOptions{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.posts, "posts", 10000, "posts to schedule")
	fs.IntVar(&o.accounts, "accounts", 100, "fakenet accounts to spread them over")
	fs.DurationVar(&o.window, "window", time.Minute, "the posts come due evenly within this window")
	fs.StringVar(&o.backends, "backends", "embedded,postgres", "embedded (SQLite + in-process Redis) and/or postgres (PostgreSQL + Redis)")
	fs.StringVar(&o.databaseURL, "database-url", firstNonEmpty(getenv("BENCH_DATABASE_URL"), "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"), "PostgreSQL for the postgres backend (a fresh schema is made and dropped)")
	fs.StringVar(&o.redisURL, "redis-url", firstNonEmpty(getenv("BENCH_REDIS_URL"), "redis://127.0.0.1:6379/13"), "Redis for the postgres backend: this DB is FLUSHED")
	fs.StringVar(&o.out, "out", "docs/benchmarks.md", "report file ('' or - for stdout only)")
	fs.IntVar(&o.concurrency, "concurrency", 256, "publish workers for the network queue")
	fs.StringVar(&o.scenarios, "scenarios", "spread,burst,metrics,load", "spread (due within the window), burst (all due at once), metrics (polling and reports, on PostgreSQL), load (API under load from a second process, then worker memory; on PostgreSQL)")
	loadPosts := fs.Int("load-posts", 100000, "posts the load scenario creates")
	loadConc := fs.Int("load-concurrency", 16, "requests the load generator keeps in flight")
	fs.StringVar(&o.cpuProfile, "load-cpuprofile", "", "write a CPU profile (go tool pprof) of the API process while the load generator runs to this file")
	if done, err := parseFlags(fs, args, stdout); done || err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	var results []benchResult
	want := func(name string) bool { return slices.Contains(strings.Split(o.scenarios, ","), name) }
	for _, backend := range strings.Split(o.backends, ",") {
		for _, sc := range []benchScenario{
			{name: "spread", posts: o.posts, window: o.window},
			{name: "burst", posts: o.posts, window: 0},
		} {
			if !want(sc.name) {
				continue
			}
			fmt.Fprintf(stderr, "bench: %s, %s: %d posts over %s across %d accounts…\n", backend, sc.name, sc.posts, sc.window, o.accounts)
			r, err := benchRun(ctx, o, strings.TrimSpace(backend), sc, log)
			if err != nil {
				return fmt.Errorf("bench %s %s: %w", backend, sc.name, err)
			}
			fmt.Fprintln(stderr, "bench:", r.summary())
			results = append(results, r)
		}
	}
	var mr *metricsResult
	if want("metrics") && strings.Contains(o.backends, "postgres") {
		fmt.Fprintf(stderr, "bench: metrics: %d posts on fakenet's X across %d accounts, then 10 readings each…\n", o.posts, o.accounts)
		r, err := benchMetrics(ctx, o, log)
		if err != nil {
			return fmt.Errorf("bench metrics: %w", err)
		}
		fmt.Fprintf(stderr, "bench: %.4f requests per polled post; comparison over %d snapshots: %s (query %s)\n",
			r.perPost, r.snapshots, r.compareMedian, r.queryMedian)
		mr = &r
	}
	var lr *loadResult
	if want("load") && strings.Contains(o.backends, "postgres") {
		fmt.Fprintf(stderr, "bench: load: %d posts created from a second process, then a worker queues them…\n", *loadPosts)
		r, err := benchLoad(ctx, o, *loadPosts, *loadConc, log)
		if err != nil {
			return fmt.Errorf("bench load: %w", err)
		}
		fmt.Fprintf(stderr, "bench: %.0f creates/s, p99 %s, %d errors; worker RSS %d MB (peak %d MB) with %d queued\n",
			float64(r.gen.Creates)/r.gen.Elapsed.Seconds(), r.gen.P99, r.gen.Errors, r.rss>>20, r.hwm>>20, r.queued)
		lr = &r
	}
	report := benchReport(o, results, mr)
	if lr != nil {
		report += loadReport(*loadPosts, lr)
	}
	fmt.Fprint(stdout, report)
	if o.out != "" && o.out != "-" {
		if err := os.WriteFile(o.out, []byte(report), 0o644); err != nil {
			return err
		}
	}
	return nil
}

type benchScenario struct {
	name   string
	posts  int
	window time.Duration
}

type benchResult struct {
	backend, scenario  string
	posts, accounts    int
	window             time.Duration
	createRate         float64 // posts created per second through the API
	p50, p99, max      time.Duration
	early, dupes, lost int
	publishRate        float64 // publishes per second, first to last
	firstToLast        time.Duration
}

func (r benchResult) summary() string {
	return fmt.Sprintf("lateness p50 %s p99 %s max %s; early %d, duplicates %d, lost %d; %.0f publishes/s; %.0f creates/s",
		r.p50, r.p99, r.max, r.early, r.dupes, r.lost, r.publishRate, r.createRate)
}

// benchStack is rythme running in this process for a benchmark: its
// own fakenet, a data directory, the store (embedded or a fresh
// PostgreSQL schema), Redis (in-process or a flushed DB), the workers and
// the API on a free port.
type benchStack struct {
	fakenet string // host:port
	cfg     config
	c       *components
	w       *worker.Worker
	client  *benchClient
	stop    func() // stops the API and workers (once)
	cleanup []func()
}

func (b *benchStack) close() {
	b.stop()
	for i := len(b.cleanup) - 1; i >= 0; i-- {
		b.cleanup[i]()
	}
}

func startBenchStack(ctx context.Context, o benchOptions, backend string, fakenetURL bool, log *slog.Logger) (*benchStack, error) {
	b := &benchStack{stop: func() {}}
	fail := func(err error) (*benchStack, error) { b.close(); return nil, err }
	tmp, err := os.MkdirTemp("", "rythme-bench-")
	if err != nil {
		return nil, err
	}
	b.cleanup = append(b.cleanup, func() { os.RemoveAll(tmp) })
	fnAddr, stopFakenet, err := startFakenetForBench(ctx, log)
	if err != nil {
		return fail(err)
	}
	b.fakenet = fnAddr
	b.cleanup = append(b.cleanup, stopFakenet)

	cfg, _ := loadConfig(func(string) string { return "" }, nil)
	cfg.DataDir, cfg.MediaDir = tmp, tmp+"/media"
	cfg.PollInterval = 100 * time.Millisecond
	cfg.Concurrency = fmt.Sprintf("default=%d", o.concurrency)
	cfg.BootstrapToken = "rym_bench_admin_token_0123456789"
	cfg.APIRate = -1 // the benchmark creates thousands of posts with one token
	if fakenetURL {
		cfg.FakenetURL = "http://" + fnAddr
	}
	embedded := backend == "embedded"
	switch backend {
	case "embedded":
	case "postgres":
		dbURL, drop, err := freshSchema(ctx, o.databaseURL)
		if err != nil {
			return fail(err)
		}
		b.cleanup = append(b.cleanup, drop)
		cfg.DatabaseURL, cfg.SecretKey, cfg.RedisURL = dbURL, newSecretKey(), o.redisURL
		opt, err := redis.ParseURL(o.redisURL)
		if err != nil {
			return fail(err)
		}
		rc := redis.NewClient(opt)
		err = rc.FlushDB(ctx).Err()
		rc.Close()
		if err != nil {
			return fail(fmt.Errorf("flush bench redis: %w", err))
		}
	default:
		return fail(fmt.Errorf("unknown backend %q", backend))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	cfg.Addr = ln.Addr().String()
	cfg.PublicURL = "http://" + cfg.Addr
	ln.Close()
	b.cfg = cfg

	c, err := open(ctx, cfg, embedded, log)
	if err != nil {
		return fail(err)
	}
	b.c = c
	b.cleanup = append(b.cleanup, c.close)
	if err := bootstrap(ctx, cfg, c.store, log); err != nil {
		return fail(err)
	}
	if b.w, err = c.worker(cfg, log); err != nil {
		return fail(err)
	}
	h, err := c.api(cfg, log, b.w.Queue())
	if err != nil {
		return fail(err)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- runBoth(rctx, func(ctx context.Context) error { return serveHTTP(ctx, cfg.Addr, h, log) }, b.w.Run)
	}()
	b.stop = sync.OnceFunc(func() { stop(); <-done })
	b.client = &benchClient{base: cfg.PublicURL, token: cfg.BootstrapToken, http: &http.Client{
		Timeout:       30 * time.Second,
		Transport:     &http.Transport{MaxIdleConnsPerHost: 64},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	if err := b.client.waitReady(ctx); err != nil {
		return fail(err)
	}
	return b, nil
}

func benchRun(ctx context.Context, o benchOptions, backend string, sc benchScenario, log *slog.Logger) (benchResult, error) {
	res := benchResult{backend: backend, scenario: sc.name, posts: sc.posts, accounts: o.accounts, window: sc.window}
	st, err := startBenchStack(ctx, o, backend, false, log)
	if err != nil {
		return res, err
	}
	defer st.close()
	cl, fnAddr := st.client, st.fakenet
	accounts := make([]string, o.accounts)
	for i := range accounts {
		id, err := cl.connectMastodon(ctx, "http://"+fnAddr+"/mastodon", fmt.Sprintf("bench%03d", i))
		if err != nil {
			return res, fmt.Errorf("connect account %d: %w", i, err)
		}
		accounts[i] = id
	}

	// Leave time to create every post before the first comes due.
	start := time.Now().Add(10*time.Second + time.Duration(sc.posts)*2*time.Millisecond)
	due := make([]time.Time, sc.posts)
	for i := range due {
		if sc.window > 0 {
			due[i] = start.Add(time.Duration(int64(sc.window) * int64(i) / int64(sc.posts)))
		} else {
			due[i] = start
		}
	}
	targets := make([]string, sc.posts) // target id by post index
	t0 := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr error
	var errMu sync.Mutex
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= sc.posts {
					return
				}
				tid, err := cl.createPost(ctx, fmt.Sprintf("bench post %d of %d #rythme", i, sc.posts), due[i], accounts[i%len(accounts)])
				if err != nil {
					errMu.Lock()
					firstErr = errors.Join(firstErr, err)
					errMu.Unlock()
					return
				}
				targets[i] = tid
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return res, fmt.Errorf("create posts: %w", firstErr)
	}
	res.createRate = float64(sc.posts) / time.Since(t0).Seconds()
	if time.Now().After(start) {
		return res, fmt.Errorf("creating %d posts took past their due time; raise the lead time", sc.posts)
	}

	// Wait for fakenet to receive them all (or give up).
	deadline := start.Add(sc.window + 2*time.Minute)
	var recs []fakenetRecord
	for {
		recs, err = fetchFakenetPosts(ctx, fnAddr)
		if err != nil {
			return res, err
		}
		if len(recs) >= sc.posts || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // let any duplicate arrive
	if recs, err = fetchFakenetPosts(ctx, fnAddr); err != nil {
		return res, err
	}

	dueByTarget := make(map[string]time.Time, sc.posts)
	for i, tid := range targets {
		dueByTarget[tid] = due[i]
	}
	created := map[string]int{}
	var late []time.Duration
	var first, last time.Time
	for _, r := range recs {
		d, ok := dueByTarget[r.IdempotencyKey]
		if !ok {
			continue
		}
		if r.Created {
			created[r.IdempotencyKey]++
		}
		if created[r.IdempotencyKey] > 1 || !r.Created {
			continue
		}
		l := r.ReceivedAt.Sub(d)
		if l < 0 {
			res.early++
		}
		late = append(late, l)
		if first.IsZero() || r.ReceivedAt.Before(first) {
			first = r.ReceivedAt
		}
		if r.ReceivedAt.After(last) {
			last = r.ReceivedAt
		}
	}
	for _, tid := range targets {
		switch n := created[tid]; {
		case n == 0:
			res.lost++
		case n > 1:
			res.dupes += n - 1
		}
	}
	slices.Sort(late)
	if n := len(late); n > 0 {
		res.p50, res.p99, res.max = late[n*50/100], late[min(n-1, n*99/100)], late[n-1]
		res.firstToLast = last.Sub(first)
		if sc.window == 0 {
			// Burst: all due at once; the rate from the due time to the last.
			res.firstToLast = last.Sub(start)
		}
		if res.firstToLast > 0 {
			res.publishRate = float64(n) / res.firstToLast.Seconds()
		}
	}
	return res, nil
}

type fakenetRecord struct {
	IdempotencyKey string    `json:"idempotency_key"`
	ReceivedAt     time.Time `json:"received_at"`
	Created        bool      `json:"created"`
}

func fetchFakenetPosts(ctx context.Context, addr string) ([]fakenetRecord, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/_fakenet/posts", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var recs []fakenetRecord
	if err := json.NewDecoder(resp.Body).Decode(&recs); err != nil {
		return nil, fmt.Errorf("fakenet record: %w", err)
	}
	return recs, nil
}

// benchClient speaks to the API over HTTP, as a team's tool would.
type benchClient struct {
	base, token string
	http        *http.Client
}

func (c *benchClient) do(ctx context.Context, method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func (c *benchClient) waitReady(ctx context.Context) error {
	for i := 0; i < 100; i++ {
		if err := c.do(ctx, http.MethodGet, "/readyz", nil, nil); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("the API did not become ready")
}

// connectMastodon runs the OAuth flow on fakenet for one user.
func (c *benchClient) connectMastodon(ctx context.Context, instance, user string) (string, error) {
	var start struct {
		AuthorizeURL string `json:"authorize_url"`
		Binding      string `json:"binding"`
	}
	if err := c.do(ctx, http.MethodPost, "/v1/accounts/mastodon/connect", map[string]string{"instance_url": instance}, &start); err != nil {
		return "", err
	}
	resp, err := c.http.Get(start.AuthorizeURL + "&fakenet_user=" + url.QueryEscape(user))
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if loc == "" {
		return "", fmt.Errorf("authorize answered %d without a redirect", resp.StatusCode)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Rythme-OAuth-Binding", start.Binding)
	resp, err = c.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		Account struct {
			ID string `json:"id"`
		} `json:"account"`
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &out) != nil || out.Account.ID == "" {
		return "", fmt.Errorf("callback: %d %s", resp.StatusCode, b)
	}
	return out.Account.ID, nil
}

func (c *benchClient) createPost(ctx context.Context, text string, at time.Time, account string) (string, error) {
	var out struct {
		Targets []struct {
			ID string `json:"id"`
		} `json:"targets"`
	}
	body := map[string]any{"content": text, "scheduled_at": at.UTC().Format(time.RFC3339Nano),
		"targets": []map[string]string{{"account_id": account}}}
	if err := c.do(ctx, http.MethodPost, "/v1/posts", body, &out); err != nil {
		return "", err
	}
	if len(out.Targets) != 1 {
		return "", errors.New("create post: no target in the answer")
	}
	return out.Targets[0].ID, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// machine describes where the figures were measured.
func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "model name") {
				if _, v, ok := strings.Cut(line, ":"); ok {
					cpu = strings.TrimSpace(v)
				}
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(strings.SplitN(string(b), "\n", 2)[0], "MemTotal: %d kB", &kb)
		mem = fmt.Sprintf(", %.0f GiB RAM", float64(kb)/(1<<20))
	}
	return fmt.Sprintf("%s, %d cores%s, %s/%s, %s", cpu, runtime.NumCPU(), mem, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

func benchReport(o benchOptions, rs []benchResult, mr *metricsResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmarks\n\nWritten by `rythme bench` on %s.\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "Machine: %s.\n\n", machine())
	fmt.Fprintf(&b, "Everything runs on this one machine: the API (real HTTP), the workers, the store, Redis and fakenet, which records\n"+
		"the time each post reaches it. Lateness is that time minus the post's scheduled time. *spread*: %d posts due evenly\n"+
		"within %s across %d accounts; *burst*: %d posts all due at the same instant, which measures sustained publishes per second.\n"+
		"*embedded* is SQLite + the in-process Redis; *postgres* is PostgreSQL + Redis.\n\n", o.posts, o.window, o.accounts, o.posts)
	b.WriteString("| backend | scenario | posts | lateness p50 | p99 | max | early | duplicates | lost | publishes/s | API creates/s |\n")
	b.WriteString("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, r := range rs {
		fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s | %d | %d | %d | %.0f | %.0f |\n", r.backend, r.scenario, r.posts,
			r.p50.Round(time.Millisecond), r.p99.Round(time.Millisecond), r.max.Round(time.Millisecond), r.early, r.dupes, r.lost, r.publishRate, r.createRate)
	}
	b.WriteString("\nIn *burst*, lateness is the time the queue takes to drain: every post is due at the same instant, so the last one\n" +
		"goes out about posts ÷ publishes-per-second after its time; nothing goes out early.\n")
	b.WriteString("\nGoals (issue: the spine): for 10,000 posts due within one minute across 100 accounts, p99 lateness ≤ 1 s, 0 early,\n" +
		"0 duplicates, 0 lost; at least 500 publishes per second sustained on PostgreSQL + Redis.\n\n" +
		"Reproduce: `go run ./cmd/rythme bench` (PostgreSQL and Redis on their default local ports; `--help` for the options).\n")
	if mr != nil {
		fmt.Fprintf(&b, "\n## Engagement polling and reports\n\n"+
			"%d posts published on fakenet's X (which takes up to 100 ids a lookup) across %d accounts, each read once by the\n"+
			"poller; then 10 more readings per post stored, and a cohort comparison computed over them, query included (%s).\n\n"+
			"| measure | figure | goal |\n| --- | ---: | --- |\n"+
			"| network requests per polled post | %.4f (%d requests) | ≤ 0.02 |\n"+
			"| comparison over %d snapshots, median of 7 (max) | %s (%s) | < 200 ms |\n"+
			"| of which the query | %s | |\n",
			mr.posts, mr.accounts, mr.storage, mr.perPost, mr.requests, mr.snapshots,
			mr.compareMedian.Round(time.Millisecond), mr.compareMax.Round(time.Millisecond), mr.queryMedian.Round(time.Millisecond))
	}
	return b.String()
}
