package reports_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/reports"
)

func n(v int64) *int64      { return &v }
func fl(v float64) *float64 { return &v }

// at parses an RFC 3339 time.
func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func paris(t *testing.T) *time.Location {
	t.Helper()
	zone, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatalf("load Europe/Paris: %v", err)
	}
	return zone
}

// snap builds a snapshot of target (post "p-"+target) on account
// "acc-"+network.
func snap(target, network, author, published, read string, m rythme.Metrics) reports.Snapshot {
	return reports.Snapshot{TargetID: target, PostID: "p-" + target, AccountID: "acc-" + network,
		Network: network, Author: author, PublishedAt: at(published), At: at(read), Metrics: m}
}

func fmtF(p *float64) string {
	if p == nil {
		return "nil"
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

func fmtI(p *int64) string {
	if p == nil {
		return "nil"
	}
	return strconv.FormatInt(*p, 10)
}

// eqF reports whether p is want (nil for nil), exactly.
func eqF(p, want *float64) bool {
	if p == nil || want == nil {
		return p == nil && want == nil
	}
	return *p == *want
}

func eqI(p, want *int64) bool {
	if p == nil || want == nil {
		return p == nil && want == nil
	}
	return *p == *want
}
