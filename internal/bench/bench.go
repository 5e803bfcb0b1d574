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
	report := benchReport(o, results, mr)
	if lr != nil {
		report += loadReport(o.LoadPosts, lr)
	}
	fmt.Fprint(stdout, report)
	if o.Out != "" && o.Out != "-" {
		if err := os.WriteFile(o.Out, []byte(report), 0o644); err != nil {
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
