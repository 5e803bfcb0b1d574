package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme/worker"
)

// The load scenario: the API on PostgreSQL + Redis under load from a
// second process (`rythme bench-loadgen`, a Go load generator on loopback),
// then the memory of a separate `rythme work` process that puts every one
// of those posts on the Redis queue.

// loadgenResult is what the load generator prints, as JSON.
type loadgenResult struct {
	Creates     int           `json:"creates"`
	Errors      int           `json:"errors"`
	FirstError  string        `json:"first_error,omitempty"`
	Elapsed     time.Duration `json:"elapsed"`
	P50         time.Duration `json:"p50"`
	P99         time.Duration `json:"p99"`
	Max         time.Duration `json:"max"`
	Concurrency int           `json:"concurrency"`
}

type loadResult struct {
	gen         loadgenResult
	queued      int
	enqueueTook time.Duration
	rss, hwm    int64 // bytes: the worker's resident set once every post is queued, and its peak
}

// LoadgenOptions are the settings of `rythme bench-loadgen`.
type LoadgenOptions struct {
	URL, Token  string    // the API's base URL and a token
	Account     string    // the account id every post targets
	Posts       int       // posts to create
	Concurrency int       // requests in flight
	Due         time.Time // the posts come due evenly over the hour from Due
}

// Loadgen is the load generator's process (`rythme bench-loadgen`, which
// the load scenario starts): it creates posts through the HTTP API as fast
// as its connections allow and prints what it measured on stdout, as JSON.
func Loadgen(ctx context.Context, o LoadgenOptions, stdout io.Writer) error {
	cl := &benchClient{base: o.URL, token: o.Token, http: &http.Client{
		Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: o.Concurrency}}}
	lat := make([]time.Duration, o.Posts)
	var next, errs atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	t0 := time.Now()
	for range o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= o.Posts {
					return
				}
				at := o.Due.Add(time.Duration(int64(time.Hour) * int64(i) / int64(o.Posts)))
				s := time.Now()
				_, err := cl.createPost(ctx, "load post "+strconv.Itoa(i)+" #rythme", at, o.Account)
				lat[i] = time.Since(s)
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		}()
	}
	wg.Wait()
	r := loadgenResult{Creates: o.Posts - int(errs.Load()), Errors: int(errs.Load()), Elapsed: time.Since(t0), Concurrency: o.Concurrency}
	if e, ok := firstErr.Load().(string); ok {
		r.FirstError = e
	}
	slices.Sort(lat)
	if n := len(lat); n > 0 {
		r.P50, r.P99, r.Max = lat[n/2], lat[min(n-1, n*99/100)], lat[n-1]
	}
	return json.NewEncoder(stdout).Encode(r)
}

func benchLoad(ctx context.Context, o Options, startStack StartFunc, log *slog.Logger) (loadResult, error) {
	var res loadResult
	st, err := startBenchStack(ctx, o, startStack, "postgres", false, log)
	if err != nil {
		return res, err
	}
	defer st.close()
	acc, err := st.client.connect(ctx, "mastodon", map[string]string{"instance_url": "http://" + st.fakenet + "/mastodon"}, "load000")
	if err != nil {
		return res, err
	}
	exe, err := os.Executable()
	if err != nil {
		return res, err
	}
	// Due in 3 hours: beyond the API process's own horizon (1h), so its
	// workers leave them alone while the load runs.
	due := time.Now().Add(3 * time.Hour).UTC().Truncate(time.Second)
	gen := exec.CommandContext(ctx, exe, "bench-loadgen", "-url", st.URL, "-token", st.token,
		"-account", acc, "-posts", strconv.Itoa(o.LoadPosts), "-concurrency", strconv.Itoa(o.LoadConcurrency), "-due", due.Format(time.RFC3339))
	gen.Stderr = os.Stderr
	stopProfile, err := startCPUProfile(o.CPUProfile)
	if err != nil {
		return res, err
	}
	out, err := gen.Output()
	if perr := stopProfile(); perr != nil && err == nil {
		err = perr
	}
	if err != nil {
		return res, fmt.Errorf("load generator: %w", err)
	}
	if err := json.Unmarshal(out, &res.gen); err != nil {
		return res, fmt.Errorf("load generator answer %q: %w", out, err)
	}

	// A worker process whose horizon takes in every post: it queues them
	// all in Redis; its memory is read from /proc.
	tmp, err := os.MkdirTemp("", "rythme-bench-work-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(tmp)
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	work := exec.CommandContext(wctx, exe, "work")
	work.Env = append(os.Environ(), "DATABASE_URL="+st.DatabaseURL, "REDIS_URL="+o.RedisURL,
		"RYTHME_SECRET_KEY="+st.SecretKey, "RYTHME_HORIZON=6h", "RYTHME_LOG_LEVEL=warn", "RYTHME_DATA="+tmp)
	work.Stderr = os.Stderr
	t0 := time.Now()
	if err := work.Start(); err != nil {
		return res, err
	}
	defer func() { stop(); _ = work.Wait() }()
	opt, err := redis.ParseURL(o.RedisURL)
	if err != nil {
		return res, err
	}
	rc := redis.NewClient(opt)
	defer rc.Close()
	insp := asynq.NewInspectorFromRedisClient(rc)
	deadline := time.Now().Add(5 * time.Minute)
	for {
		res.queued = 0
		for _, q := range worker.PublishQueues("mastodon") {
			if info, err := insp.GetQueueInfo(q); err == nil {
				res.queued += info.Scheduled + info.Pending
			}
		}
		if rss, hwm := procMemory(work.Process.Pid); rss > 0 {
			res.rss, res.hwm = rss, max(res.hwm, hwm)
		}
		if res.queued >= res.gen.Creates {
			res.enqueueTook = time.Since(t0)
			break
		}
		if time.Now().After(deadline) {
			return res, fmt.Errorf("the worker queued %d of %d posts in 5 minutes", res.queued, res.gen.Creates)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Settle: a few more seconds of sweeps with everything queued.
	time.Sleep(5 * time.Second)
	if rss, hwm := procMemory(work.Process.Pid); rss > 0 {
		res.rss, res.hwm = rss, max(res.hwm, hwm)
	}
	return res, nil
}

// startCPUProfile starts a CPU profile of this process into path ("" : none);
// the function returned stops it and closes the file.
func startCPUProfile(path string) (func() error, error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error { pprof.StopCPUProfile(); return f.Close() }, nil
}

// procMemory reads a process's resident set and its peak (Linux), in bytes;
// 0 where /proc is not there.
func procMemory(pid int) (rss, hwm int64) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	return rss, hwm
}

func loadReport(posts int, lr *loadResult) string {
	g := lr.gen
	return fmt.Sprintf("\n## API under load, and worker memory\n\n"+
		"A second process (`rythme bench-loadgen`) creates %d posts through the HTTP API on loopback, %d requests in flight,\n"+
		"against one API process on PostgreSQL + Redis (which also runs its workers). Then a separate `rythme work` process with\n"+
		"`RYTHME_HORIZON=6h` puts every one of those posts on the Redis queue; its memory is read from /proc.\n\n"+
		"| measure | figure | goal |\n| --- | ---: | --- |\n"+
		"| posts created per second | %.0f | ≥ 2,000 |\n"+
		"| create latency p50 / p99 / max | %s / %s / %s | p99 < 50 ms |\n"+
		"| errors | %d | 0 |\n"+
		"| worker RSS with %d posts queued (peak) | %.0f MB (%.0f MB) | < 150 MB |\n"+
		"| time for the worker to queue them | %s | |\n",
		posts, g.Concurrency, float64(g.Creates)/g.Elapsed.Seconds(),
		g.P50.Round(100*time.Microsecond), g.P99.Round(100*time.Microsecond), g.Max.Round(time.Millisecond),
		g.Errors, lr.queued, float64(lr.rss)/1e6, float64(lr.hwm)/1e6, lr.enqueueTook.Round(100*time.Millisecond))
}
