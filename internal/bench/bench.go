// Package bench measures rythme as its users see it: it schedules posts
// through the real HTTP API of a rythme started in this process, lets
// fakenet record when each one arrives, and reports lateness, early,
// duplicate and lost posts, throughput, the cost of engagement polling,
// the API under load from a second process and a worker's memory
// (`rythme bench`, which writes docs/benchmarks.md).
//
// It never wires rythme itself: cmd/rythme parses the flags and hands Run
// a StartFunc that starts the stack from a StackConfig. A full run takes
// minutes and every core: it is never started from a test.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rythmehq/rythme/fakenet"
)

// Options are the settings of `rythme bench`, one per flag (cmd/rythme
// parses them; the defaults are there).
type Options struct {
	Posts, Accounts int
	Window          time.Duration // the posts of *spread* come due evenly within it
	Backends        string        // embedded,postgres
	DatabaseURL     string        // PostgreSQL for the postgres backend: a fresh schema is made and dropped
	RedisURL        string        // Redis for the postgres backend: this DB is FLUSHED
	Out             string        // report file ('' or - for stdout only)
	Concurrency     int           // publish workers for the network queue
	Scenarios       string        // spread,burst,metrics,load
	LoadPosts       int           // posts the load scenario creates
	LoadConcurrency int           // requests the load generator keeps in flight
	CPUProfile      string        // load scenario: CPU profile of the API process while the load runs
	ScalePosts      int           // scale-queue: posts scheduled within the worker's horizon
	ScaleReadings   int           // scale-readings: readings stored before the comparison
	TopOfHourPosts  string        // top-of-hour: comma-separated post counts, one row each (as many accounts)
	Latency         string        // top-of-hour: fakenet's latency profile (fakenet.ParseLatency)
	PgbenchTime     time.Duration // top-of-hour: how long pgbench runs
	// TopOfHourProfile: CPU profile of this process (API, workers and
	// fakenet) from the due time until the last post is out.
	TopOfHourProfile string
	// inbox: Mastodon accounts (one post each), how long fakenet's users
	// comment, and the poll interval (RYTHME_INBOX_INTERVAL).
	InboxAccounts int
	InboxDuration time.Duration
	InboxInterval time.Duration
}

// Run schedules posts due within a short window across many fakenet
// accounts, through the real API, and measures from fakenet's own record:
// lateness (scheduled time → the network receiving the post), early,
// duplicate and lost posts, and sustained publishes per second. It writes
// the figures and the machine to o.Out, and progress to stderr.
func Run(ctx context.Context, o Options, startStack StartFunc, log *slog.Logger, stdout, stderr io.Writer) error {
	var results []benchResult
	want := func(name string) bool { return slices.Contains(strings.Split(o.Scenarios, ","), name) }
	for _, backend := range strings.Split(o.Backends, ",") {
		for _, sc := range []benchScenario{
			{name: "spread", posts: o.Posts, window: o.Window},
			{name: "burst", posts: o.Posts, window: 0},
		} {
			if !want(sc.name) {
				continue
			}
			fmt.Fprintf(stderr, "bench: %s, %s: %d posts over %s across %d accounts…\n", backend, sc.name, sc.posts, sc.window, o.Accounts)
			r, err := benchRun(ctx, o, startStack, strings.TrimSpace(backend), sc, log)
			if err != nil {
				return fmt.Errorf("bench %s %s: %w", backend, sc.name, err)
			}
			fmt.Fprintln(stderr, "bench:", r.summary())
			results = append(results, r)
		}
	}
	var mr *metricsResult
	if want("metrics") && strings.Contains(o.Backends, "postgres") {
		fmt.Fprintf(stderr, "bench: metrics: %d posts on fakenet's X across %d accounts, then 10 readings each…\n", o.Posts, o.Accounts)
		r, err := benchMetrics(ctx, o, startStack, log)
		if err != nil {
			return fmt.Errorf("bench metrics: %w", err)
		}
		fmt.Fprintf(stderr, "bench: %.4f requests per polled post; comparison over %d snapshots: %s (query %s)\n",
			r.perPost, r.snapshots, r.compareMedian, r.queryMedian)
		mr = &r
	}
	var lr *loadResult
	if want("load") && strings.Contains(o.Backends, "postgres") {
		fmt.Fprintf(stderr, "bench: load: %d posts created from a second process, then a worker queues them…\n", o.LoadPosts)
		r, err := benchLoad(ctx, o, startStack, log)
		if err != nil {
			return fmt.Errorf("bench load: %w", err)
		}
		fmt.Fprintf(stderr, "bench: %.0f creates/s, p99 %s, %d errors; worker RSS %d MB (peak %d MB) with %d queued\n",
			float64(r.gen.Creates)/r.gen.Elapsed.Seconds(), r.gen.P99, r.gen.Errors, r.rss>>20, r.hwm>>20, r.queued)
		lr = &r
	}
	sq, sr, err := runScale(ctx, o, want, startStack, log, stderr)
	if err != nil {
		return err
	}
	var toh string
	if want("top-of-hour") && strings.Contains(o.Backends, "postgres") {
		if toh, err = runTopOfHour(ctx, o, startStack, log, stderr); err != nil {
			return err
		}
	}
	var inbox []inboxResult
	if want("inbox") && strings.Contains(o.Backends, "postgres") {
		for _, stream := range []bool{true, false} {
			fmt.Fprintf(stderr, "bench: inbox (stream %v): %d Mastodon accounts, comments for %s, poll interval %s…\n", stream, o.InboxAccounts, o.InboxDuration, o.InboxInterval)
			r, err := benchInbox(ctx, o, startStack, stream, log, func(s string) { fmt.Fprintln(stderr, "bench:", s) })
			if err != nil {
				return fmt.Errorf("bench inbox: %w", err)
			}
			fmt.Fprintln(stderr, "bench:", r.summary())
			inbox = append(inbox, r)
		}
	}
	report := ""
	if len(results) > 0 || mr != nil {
		report = benchReport(o, results, mr)
	}
	if lr != nil {
		report += loadReport(o.LoadPosts, lr)
	}
	if sq != nil || sr != nil {
		report += scaleReport(sq, sr)
	}
	report += toh
	if len(inbox) > 0 {
		report += inboxReport(o, inbox)
	}
	fmt.Fprint(stdout, report)
	if o.Out != "" && o.Out != "-" {
		old, err := os.ReadFile(o.Out)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err := os.WriteFile(o.Out, []byte(mergeReport(string(old), report)), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// runScale runs the memory-at-scale scenarios that were asked for (on
// PostgreSQL only).
func runScale(ctx context.Context, o Options, want func(string) bool, startStack StartFunc, log *slog.Logger, stderr io.Writer) (*scaleQueueResult, *scaleReadingsResult, error) {
	if !strings.Contains(o.Backends, "postgres") {
		return nil, nil, nil
	}
	var sq *scaleQueueResult
	var sr *scaleReadingsResult
	if want("scale-queue") {
		fmt.Fprintf(stderr, "bench: scale-queue: %d posts seeded, then a worker queues them…\n", o.ScalePosts)
		r, err := benchScaleQueue(ctx, o, startStack, log)
		if err != nil {
			return nil, nil, fmt.Errorf("bench scale-queue: %w", err)
		}
		fmt.Fprintf(stderr, "bench: worker RSS %d MB (peak %d MB) with %d queued in %s; Redis +%d MB\n",
			r.rss>>20, r.hwm>>20, r.queued, r.queueTook.Round(time.Second), r.redisBytes>>20)
		sq = &r
	}
	if want("scale-readings") {
		fmt.Fprintf(stderr, "bench: scale-readings: %d readings seeded, then a comparison over %d posts…\n", o.ScaleReadings, ComparePosts)
		r, err := benchScaleReadings(ctx, o, startStack, log)
		if err != nil {
			return nil, nil, fmt.Errorf("bench scale-readings: %w", err)
		}
		fmt.Fprintf(stderr, "bench: comparison over %d posts among %d readings: %s (query %s); %d MB on disk\n",
			r.compared, r.readings, r.compareMedian, r.queryMedian, r.bytes>>20)
		sr = &r
	}
	return sq, sr, nil
}

// runTopOfHour measures pgbench and redis-benchmark on the services, then
// runs the top-of-hour scenario once per size, and returns its section.
func runTopOfHour(ctx context.Context, o Options, startStack StartFunc, log *slog.Logger, stderr io.Writer) (string, error) {
	sizes, err := tohSizes(o.TopOfHourPosts)
	if err != nil {
		return "", err
	}
	lat, err := fakenet.ParseLatency(o.Latency)
	if err != nil {
		return "", fmt.Errorf("-latency: %w", err)
	}
	fmt.Fprintf(stderr, "bench: top-of-hour: pgbench for %s on the same PostgreSQL…\n", o.PgbenchTime)
	var base tohBaseline
	base.pg = runPgbench(ctx, o.DatabaseURL, o.PgbenchTime)
	fmt.Fprintf(stderr, "bench: pgbench: %s transactions/s (%s)\n", base.pg.figure(), base.pg.params)
	base.redis = runRedisBenchmark(ctx, o.RedisURL)
	fmt.Fprintf(stderr, "bench: redis-benchmark: SET / GET %s operations/s (%s)\n", base.redis.figure(), base.redis.params)
	var rs []tohResult
	for _, n := range sizes {
		fmt.Fprintf(stderr, "bench: top-of-hour: %d accounts, one post each, all due at the same second, latency %s…\n", n, lat)
		r, err := benchTopOfHour(ctx, o, startStack, n, lat, log, func(s string) { fmt.Fprintln(stderr, "bench:", s) })
		if err != nil {
			return "", fmt.Errorf("bench top-of-hour %d: %w", n, err)
		}
		fmt.Fprintln(stderr, "bench:", r.summary())
		if base.pg.tps > 0 {
			fmt.Fprintf(stderr, "bench: %.2f publishes per pgbench transaction\n", r.publishRate/base.pg.tps)
		}
		rs = append(rs, r)
	}
	return tohReport(o, rs, base), nil
}

// mergeReport puts the sections of report (the part before the first "## "
// heading, and each "## " section) in place of the same sections of old,
// keeping old's others: a run of some scenarios rewrites only theirs.
func mergeReport(old, report string) string {
	if old == "" {
		return report
	}
	split := func(s string) (head string, names []string, secs map[string]string) {
		secs = map[string]string{}
		parts := strings.Split(s, "\n## ")
		head = parts[0]
		for _, p := range parts[1:] {
			name, _, _ := strings.Cut(p, "\n")
			names = append(names, name)
			secs[name] = "\n## " + p
		}
		return head, names, secs
	}
	oh, on, osecs := split(old)
	nh, nn, ns := split(report)
	var b strings.Builder
	if strings.HasPrefix(report, "# ") {
		b.WriteString(nh)
	} else {
		b.WriteString(oh)
	}
	for _, name := range on {
		if s, ok := ns[name]; ok {
			b.WriteString(s)
			delete(ns, name)
		} else {
			b.WriteString(osecs[name])
		}
	}
	for _, name := range nn {
		if s, ok := ns[name]; ok {
			b.WriteString(s)
		}
	}
	return b.String()
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

func benchRun(ctx context.Context, o Options, startStack StartFunc, backend string, sc benchScenario, log *slog.Logger) (benchResult, error) {
	res := benchResult{backend: backend, scenario: sc.name, posts: sc.posts, accounts: o.Accounts, window: sc.window}
	st, err := startBenchStack(ctx, o, startStack, backend, false, log)
	if err != nil {
		return res, err
	}
	defer st.close()
	cl, fnAddr := st.client, st.fakenet
	accounts := make([]string, o.Accounts)
	for i := range accounts {
		id, err := cl.connect(ctx, "mastodon", map[string]string{"instance_url": "http://" + fnAddr + "/mastodon"}, fmt.Sprintf("bench%03d", i))
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
	targets, rate, err := createPosts(ctx, cl, due, func(i int) string { return accounts[i%len(accounts)] })
	if err != nil {
		return res, err
	}
	res.createRate = rate
	if time.Now().After(start) {
		return res, fmt.Errorf("creating %d posts took past their due time; raise the lead time", sc.posts)
	}
	recs, err := awaitPosts(ctx, fnAddr, sc.posts, start.Add(sc.window+2*time.Minute))
	if err != nil {
		return res, err
	}
	tally(&res, recs, targets, due, start, sc.window == 0)
	return res, nil
}

// createPosts creates one post per due time through the API, 16 requests
// in flight, the i-th on account(i); it returns the target ids by index and
// the posts created per second.
func createPosts(ctx context.Context, cl *benchClient, due []time.Time, account func(int) string) ([]string, float64, error) {
	targets := make([]string, len(due)) // target id by post index
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
				if i >= len(due) {
					return
				}
				tid, err := cl.createPost(ctx, fmt.Sprintf("bench post %d of %d #rythme", i, len(due)), due[i], account(i))
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
		return nil, 0, fmt.Errorf("create posts: %w", firstErr)
	}
	return targets, float64(len(due)) / time.Since(t0).Seconds(), nil
}

// awaitPosts waits for fakenet to have received n posts (or for the
// deadline), then 2 s more for any duplicate, and returns its record.
func awaitPosts(ctx context.Context, fnAddr string, n int, deadline time.Time) ([]fakenetRecord, error) {
	for {
		recs, err := fetchFakenetPosts(ctx, fnAddr)
		if err != nil {
			return nil, err
		}
		if len(recs) >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // let any duplicate arrive
	return fetchFakenetPosts(ctx, fnAddr)
}

// tally measures, from fakenet's record, the lateness of each post
// (received minus due), early, duplicate and lost posts, and publishes per
// second: first to last received, or from the due time to the last when
// all are due at start (burst).
func tally(res *benchResult, recs []fakenetRecord, targets []string, due []time.Time, start time.Time, allAtOnce bool) {
	dueByTarget := make(map[string]time.Time, len(targets))
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
		if allAtOnce {
			// Burst: all due at once; the rate from the due time to the last.
			res.firstToLast = last.Sub(start)
		}
		if res.firstToLast > 0 {
			res.publishRate = float64(n) / res.firstToLast.Seconds()
		}
	}
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
