package bench

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rythmehq/rythme/fakenet"
)

// The top-of-hour scenario: N accounts, one post each, all due at the same
// second (09:00:00, the minute content teams all pick), on a fakenet that
// answers with a real network's latency; on PostgreSQL + Redis, next to
// what pgbench and redis-benchmark measure on the same services in the
// same run.

// tohResult is one top-of-hour row.
type tohResult struct {
	benchResult
	latency      fakenet.LatencyProfile
	peakInFlight int64   // the most requests fakenet answered at once
	loadBefore   string  // /proc/loadavg when the posts came due
	loadAfter    string  // and once the last was out
	connectRate  float64 // accounts connected per second (setup)
}

// tohBaseline is what pgbench and redis-benchmark measured.
type tohBaseline struct {
	pg    pgbenchResult
	redis redisBenchResult
}

// tohSizes parses -toh-posts: a comma-separated list of post counts.
func tohSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		var n int
		if _, err := fmt.Sscanf(strings.TrimSpace(f), "%d", &n); err != nil || n <= 0 {
			return nil, fmt.Errorf("-toh-posts: %q is not a list of positive counts such as 10000,100000", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// benchTopOfHour runs the scenario with posts accounts and posts.
func benchTopOfHour(ctx context.Context, o Options, startStack StartFunc, posts int, lat fakenet.LatencyProfile, log *slog.Logger, progress func(string)) (tohResult, error) {
	res := tohResult{benchResult: benchResult{backend: "postgres", scenario: "top-of-hour", posts: posts, accounts: posts}, latency: lat}
	st, err := startBenchStack(ctx, o, startStack, "postgres", false, log)
	if err != nil {
		return res, err
	}
	defer st.close()
	t0 := time.Now()
	accounts, err := connectMany(ctx, st, posts)
	if err != nil {
		return res, err
	}
	res.connectRate = float64(posts) / time.Since(t0).Seconds()
	progress(fmt.Sprintf("%d accounts connected (%.0f/s); scheduling one post each…", posts, res.connectRate))

	// The network's latency from now on (connecting the accounts without it
	// only saves setup time); the peak counts the publishing alone.
	st.fn.SetLatency(lat)
	// All due at the same second, with time to create them first.
	start := time.Now().Add(10*time.Second + time.Duration(posts)*3*time.Millisecond).Truncate(time.Second).Add(time.Second)
	due := make([]time.Time, posts)
	for i := range due {
		due[i] = start
	}
	targets, rate, err := createPosts(ctx, st.client, due, func(i int) string { return accounts[i] })
	if err != nil {
		return res, err
	}
	res.createRate = rate
	if time.Now().After(start) {
		return res, fmt.Errorf("creating %d posts took past their due time; raise the lead time", posts)
	}
	time.Sleep(time.Until(start))
	st.fn.ResetPeakInFlight()
	if o.TopOfHourProfile != "" {
		f, err := os.Create(o.TopOfHourProfile)
		if err != nil {
			return res, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return res, err
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
		// Where the goroutines wait, 2 s into the burst.
		time.AfterFunc(2*time.Second, func() {
			if g, err := os.Create(o.TopOfHourProfile + ".goroutines"); err == nil {
				_ = pprof.Lookup("goroutine").WriteTo(g, 1)
				g.Close()
			}
		})
	}
	res.loadBefore = loadavg()
	// Wait for them all: a post still missing then is lost.
	recs, err := awaitPosts(ctx, st.fakenet, posts, start.Add(2*time.Minute+time.Duration(posts)*10*time.Millisecond))
	if err != nil {
		return res, err
	}
	res.loadAfter = loadavg()
	res.peakInFlight = st.fn.Stats().PeakInFlight
	tally(&res.benchResult, recs, targets, due, start, true)
	return res, nil
}

// connectMany connects n Mastodon accounts on the stack's fakenet through
// the API, 32 at a time.
func connectMany(ctx context.Context, st *benchStack, n int) ([]string, error) {
	accounts := make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				id, err := st.client.connect(ctx, "mastodon", map[string]string{"instance_url": "http://" + st.fakenet + "/mastodon"}, fmt.Sprintf("toh%06d", i))
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("connect account %d: %w", i, err)
					}
					mu.Unlock()
					return
				}
				accounts[i] = id
			}
		}()
	}
	wg.Wait()
	return accounts, firstErr
}

// loadavg is the first three fields of /proc/loadavg ("" where there is
// none).
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func (r tohResult) summary() string {
	return fmt.Sprintf("%s; peak in flight %d; load average %s → %s", r.benchResult.summary(), r.peakInFlight, r.loadBefore, r.loadAfter)
}

// tohReport is the top-of-hour section of docs/benchmarks.md.
func tohReport(o Options, rs []tohResult, base tohBaseline) string {
	var b strings.Builder
	lat := "none"
	if len(rs) > 0 {
		lat = rs[0].latency.String()
	}
	fmt.Fprintf(&b, "\n## Top of the hour\n\n"+
		"N accounts on fakenet's Mastodon, one post each, all due at the same second, on PostgreSQL + Redis; one process runs\n"+
		"the API and the workers (the publish queue's concurrency: %d). fakenet answers every request after a log-normal\n"+
		"delay of median/p99 %s (drawn from its seed). Lateness is the time fakenet received a post minus its due time;\n"+
		"publishes/s is posts ÷ (last received − due time); peak in flight is the most requests fakenet answered at once.\n"+
		"Measured on %s.\n\n", o.Concurrency, lat, time.Now().UTC().Format("2006-01-02 15:04 MST"))
	b.WriteString("| posts | lateness p50 | p99 | max | early | duplicates | lost | publishes/s | peak in flight | publishes per pgbench transaction | load average at due → after |\n")
	b.WriteString("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n")
	for _, r := range rs {
		ratio := "–"
		if base.pg.tps > 0 {
			ratio = fmt.Sprintf("%.2f", r.publishRate/base.pg.tps)
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %d | %d | %d | %.0f | %d | %s | %s → %s |\n", r.posts,
			r.p50.Round(time.Millisecond), r.p99.Round(time.Millisecond), r.max.Round(time.Millisecond), r.early, r.dupes, r.lost,
			r.publishRate, r.peakInFlight, ratio, r.loadBefore, r.loadAfter)
	}
	b.WriteString("\nThe same services, measured in the same run just before the rows above:\n\n")
	b.WriteString("| measure | figure |\n| --- | ---: |\n")
	fmt.Fprintf(&b, "| pgbench TPC-B-like transactions/s (%s) | %s |\n", base.pg.params, base.pg.figure())
	fmt.Fprintf(&b, "| redis-benchmark SET / GET operations/s (%s) | %s |\n", base.redis.params, base.redis.figure())
	b.WriteString("\nGoals (issue 17): 10,000 posts due at once with 250 ms network latency → p99 lateness ≤ 3 s (stretch 2 s), 0 early,\n" +
		"0 duplicates, 0 lost, on one worker process; publishes per pgbench transaction ≥ 1.5.\n\n" +
		"Reproduce: `go run ./cmd/rythme bench -backends postgres -scenarios top-of-hour -toh-posts 10000,100000` (add\n" +
		"`-latency mastodon=250ms/800ms` to change the profile); it replaces this section only.\n")
	return b.String()
}
