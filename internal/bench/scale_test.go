package bench

import (
	"strings"
	"testing"
	"time"
)

// The scale scenarios' section replaces its old self in the report, or is
// added at its end; the other sections stay as they were.
func TestSpliceSection(t *testing.T) {
	doc := "# Benchmarks\n\nintro\n\n## A\n\na\n\n## Memory at scale\n\nold figures\n\n## B\n\nb\n"
	sec := scaleReport(&scaleQueueResult{posts: 10, queued: 10, rss: 1e6, hwm: 2e6}, &scaleReadingsResult{readings: 70, posts: 10, compared: 10, compareMedian: time.Millisecond})
	got := spliceSection(doc, sec)
	if strings.Contains(got, "old figures") || strings.Count(got, "## Memory at scale") != 1 {
		t.Fatalf("the old section stayed:\n%s", got)
	}
	for _, keep := range []string{"# Benchmarks\n\nintro\n\n## A\n\na\n", "\n## B\n\nb\n", "| worker RSS with 10 posts queued (peak) | 1 MB (2 MB) | < 300 MB |",
		"| comparison over 10 posts among 70 readings, median of 7 (max) | 1ms (0s) | < 200 ms |"} {
		if !strings.Contains(got, keep) {
			t.Errorf("spliced report lacks %q:\n%s", keep, got)
		}
	}
	added := spliceSection("# Benchmarks\n\n## A\n\na\n", sec)
	if !strings.HasPrefix(added, "# Benchmarks\n\n## A\n\na\n\n## Memory at scale") {
		t.Fatalf("a report without the section: got\n%s", added)
	}
}
