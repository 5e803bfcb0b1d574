package bench

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

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

func benchReport(o Options, rs []benchResult, mr *metricsResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmarks\n\nWritten by `rythme bench` on %s.\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "Machine: %s.\n\n", machine())
	fmt.Fprintf(&b, "Everything runs on this one machine: the API (real HTTP), the workers, the store, Redis and fakenet, which records\n"+
		"the time each post reaches it. Lateness is that time minus the post's scheduled time. *spread*: %d posts due evenly\n"+
		"within %s across %d accounts; *burst*: %d posts all due at the same instant, which measures sustained publishes per second.\n"+
		"*embedded* is SQLite + the in-process Redis; *postgres* is PostgreSQL + Redis.\n\n", o.Posts, o.Window, o.Accounts, o.Posts)
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
