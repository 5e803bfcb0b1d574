package reports_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/reports"
)

// TestReadings lists every reading of a cohort's targets in order, with
// each reading's rate and the network field of each figure; its CSV
// header is its JSON keys.
func TestReadings(t *testing.T) {
	t.Parallel()
	snaps := []reports.Snapshot{
		snap("t2", "x", "Ada", "2026-10-02T09:00:00Z", "2026-10-03T09:00:00Z", rythme.Metrics{Impressions: n(300), Likes: n(1)}),
		snap("t1", "instagram", "Ada", "2026-10-01T09:00:00Z", "2026-10-08T09:00:00Z", rythme.Metrics{Reach: n(300), Likes: n(9), Comments: n(1)}),
		snap("t1", "instagram", "Ada", "2026-10-01T09:00:00Z", "2026-10-01T10:00:00Z", rythme.Metrics{Reach: n(200), Likes: n(5)}),
		snap("t3", "x", "Bo", "2026-10-02T09:00:00Z", "2026-10-03T09:00:00Z", rythme.Metrics{Likes: n(1)}),
	}
	ada, _ := reports.ParseCohort("author:Ada", nil)
	got := reports.Readings(ada, snaps)
	if len(got) != 3 || got[0].TargetID != "t1" || !got[0].At.Equal(at("2026-10-01T10:00:00Z")) || got[1].TargetID != "t1" || got[2].TargetID != "t2" {
		t.Fatalf("readings %+v", got)
	}
	// t1 at 1 h: 5 × 100 ÷ 200 = 2.5 %; at a week: 10 × 100 ÷ 300 = 3.33…;
	// t2: 1 × 100 ÷ 300 on impressions.
	if *got[0].RatePct != 2.5 || *got[1].RatePct != 1000.0/300 || got[2].Basis != reports.BasisImpressions ||
		got[0].ReachSource != "insights reach" || got[2].ReachSource != "" || got[2].ImpressionsSource != "public_metrics.impression_count" {
		t.Errorf("readings %+v", got)
	}
	table := got.Table()
	if !slices.Equal(table[0], reports.ReadingColumns) || len(table) != 4 {
		t.Fatalf("table header %v", table[0])
	}
	col := slices.Index(reports.ReadingColumns, "engagement_rate_pct")
	if table[1][col] != "2.5" || table[2][col] != "3.33" {
		t.Errorf("rates in CSV %q %q", table[1][col], table[2][col])
	}
	var keys []string
	b, _ := json.Marshal(got[0])
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.Token()
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(keys, reports.ReadingColumns) {
		t.Errorf("JSON keys %v, CSV columns %v", keys, reports.ReadingColumns)
	}
}
