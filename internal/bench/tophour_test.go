package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme/fakenet"
)

func TestParsePgbenchAndRedisBenchmark(t *testing.T) {
	pg := "pgbench (15.19 (Debian 15.19-0+deb12u1))\ntransaction type: <builtin: TPC-B (sort of)>\n" +
		"latency average = 2.815 ms\ninitial connection time = 12.301 ms\ntps = 2842.123456 (without initial connection time)\n"
	if v, ok := parsePgbenchTPS(pg); !ok || v != 2842.123456 {
		t.Fatalf("pgbench: %v %v", v, ok)
	}
	if _, ok := parsePgbenchTPS("tps = fast\n"); ok {
		t.Fatal("read a figure from no figure")
	}
	rb := "SET: rps=41020.0 (overall: 40816.3) avg_msec=0.700\r                                                  \r" +
		"SET: 98039.22 requests per second, p50=0.255 msec\nGET: rps=1.0\rGET: 101010.10 requests per second, p50=0.247 msec\n"
	set, ok1 := parseRedisBench(rb, "SET")
	get, ok2 := parseRedisBench(rb, "GET")
	if !ok1 || !ok2 || set != 98039.22 || get != 101010.10 {
		t.Fatalf("redis-benchmark: %v %v %v %v", set, ok1, get, ok2)
	}
	if _, ok := parseRedisBench(rb, "INCR"); ok {
		t.Fatal("read INCR from an output without it")
	}
	if got := pgbenchConn("postgres://postgres@127.0.0.1:5432/test?sslmode=disable&search_path=bench_1&pool_max_conns=4"); got != "postgres://postgres@127.0.0.1:5432/test?sslmode=disable" {
		t.Fatalf("pgbench's URL: %s", got)
	}
}

func TestTopOfHourSizes(t *testing.T) {
	got, err := tohSizes("10000, 100000")
	if err != nil || len(got) != 2 || got[0] != 10000 || got[1] != 100000 {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{"", "ten", "10000,-1", "0"} {
		if _, err := tohSizes(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// A run of some scenarios rewrites their sections of the report and keeps
// the others, in place.
func TestMergeReportReplacesOnlyItsSections(t *testing.T) {
	old := "# Benchmarks\n\nold head\n\n## Engagement polling and reports\n\nold metrics\n\n## API under load, and worker memory\n\nold load\n"
	toh := tohReport(Options{Concurrency: 256}, []tohResult{{benchResult: benchResult{posts: 2000, p99: 2 * time.Second, publishRate: 1500},
		latency: fakenet.LatencyProfile{"": {P50: 250 * time.Millisecond, P99: 800 * time.Millisecond}}}}, tohBaseline{pg: pgbenchResult{tps: 1000}, redis: redisBenchResult{err: "absent"}})
	got := mergeReport(old, toh)
	for _, want := range []string{"old head", "old metrics", "old load", "## Top of the hour", "| 2000 | 0s | 2s | 0s | 0 | 0 | 0 | 1500 | 0 | 1.50 |", "not measured: absent", "250ms/800ms"} {
		if !strings.Contains(got, want) {
			t.Errorf("merged report lacks %q:\n%s", want, got)
		}
	}
	again := mergeReport(got, strings.Replace(toh, "| 2000 |", "| 3000 |", 1))
	if strings.Count(again, "## Top of the hour") != 1 || !strings.Contains(again, "| 3000 |") || strings.Contains(again, "| 2000 |") {
		t.Errorf("a second run did not replace the section:\n%s", again)
	}
	if strings.Index(again, "old load") > strings.Index(again, "## Top of the hour") {
		t.Error("the sections moved")
	}
	head := mergeReport(old, "# Benchmarks\n\nnew head\n")
	if !strings.Contains(head, "new head") || strings.Contains(head, "old head") || !strings.Contains(head, "old metrics") {
		t.Errorf("a new head: %s", head)
	}
}
