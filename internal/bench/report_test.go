package bench

import (
	"os"
	"strings"
	"testing"
	"time"
	"unicode"
)

// The report keeps the format of docs/benchmarks.md: its headings, table
// headers and every line without a figure in it are there.
func TestReportFormatMatchesDocs(t *testing.T) {
	doc, err := os.ReadFile("../../docs/benchmarks.md")
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Posts: 10000, Accounts: 100, Window: time.Minute}
	rs := []benchResult{{backend: "embedded", scenario: "spread", posts: 10000, p50: time.Millisecond}}
	mr := &metricsResult{posts: 10000, accounts: 100, storage: "PostgreSQL"}
	lr := &loadResult{gen: loadgenResult{Creates: 10, Elapsed: time.Second, Concurrency: 16}}
	toh := tohReport(Options{Concurrency: 1024}, []tohResult{{benchResult: benchResult{posts: 10000}}}, tohBaseline{})
	inbox := inboxReport(Options{InboxAccounts: 1000, InboxDuration: 15 * time.Minute, InboxInterval: 4 * time.Minute},
		[]inboxResult{{mode: "stream"}, {mode: "poll"}})
	report := benchReport(o, rs, mr) + loadReport(100000, lr) + toh + inbox
	fixed := 0
	for _, line := range strings.Split(report, "\n") {
		header := strings.HasPrefix(line, "#") || strings.HasPrefix(line, "| backend ") || strings.HasPrefix(line, "| measure ") ||
			strings.HasPrefix(line, "| --- ") || strings.HasPrefix(line, "| posts | lateness") || strings.HasPrefix(line, "| ---: ") ||
			strings.HasPrefix(line, "| mode | comments")
		if line == "" || (!header && strings.ContainsFunc(line, unicode.IsDigit)) {
			continue
		}
		fixed++
		if !strings.Contains(string(doc), line) {
			t.Errorf("docs/benchmarks.md has no line %q", line)
		}
	}
	if fixed < 10 {
		t.Errorf("only %d fixed lines in the report:\n%s", fixed, report)
	}
}

func TestProcMemory(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc on this system")
	}
	rss, hwm := procMemory(os.Getpid())
	if rss <= 0 || hwm < rss {
		t.Errorf("rss %d, peak %d: want 0 < rss <= peak", rss, hwm)
	}
}
