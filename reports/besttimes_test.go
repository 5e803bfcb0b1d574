package reports_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/reports"
)

// TestBestTimesParis buckets by the wall clock in Paris across both DST
// changes of 2026 (March 29, October 25).
func TestBestTimesParis(t *testing.T) {
	t.Parallel()
	snaps := []reports.Snapshot{
		// 00:30 UTC = 02:30 CEST, and 01:30 UTC = 02:30 CET: the hour that
		// happens twice; both are Sunday, hour 2. Rates 10 and 30.
		snap("s1", "instagram", "", "2026-10-25T00:30:00Z", "2026-10-26T00:00:00Z", rythme.Metrics{Reach: n(100), Likes: n(10)}),
		snap("s2", "instagram", "", "2026-10-25T01:30:00Z", "2026-10-26T00:00:00Z", rythme.Metrics{Reach: n(100), Likes: n(30)}),
		// 01:30 UTC = 03:30 CEST (02:00 CET jumped to 03:00 CEST): hour 3.
		snap("s3", "x", "", "2026-03-29T01:30:00Z", "2026-03-30T00:00:00Z", rythme.Metrics{Impressions: n(1000), Likes: n(5)}),
		// The same hour, rated on reach: 10 %. The hour mixes both bases:
		// (0.5 + 10) / 2 = 5.25, basis mixed.
		snap("s8", "instagram", "", "2026-03-29T01:45:00Z", "2026-03-30T00:00:00Z", rythme.Metrics{Reach: n(100), Likes: n(10)}),
		// 00:30 UTC = 01:30 CET: hour 1, no rate.
		snap("s4", "mastodon", "", "2026-03-29T00:30:00Z", "2026-03-30T00:00:00Z", rythme.Metrics{Likes: n(1)}),
		// 09:00 in Paris on a Monday in summer (07:00 UTC) and winter (08:00 UTC).
		snap("s5", "instagram", "", "2026-07-06T07:00:00Z", "2026-07-07T00:00:00Z", rythme.Metrics{Reach: n(50), Likes: n(2)}),
		snap("s6", "instagram", "", "2026-01-05T08:00:00Z", "2026-01-06T00:00:00Z", rythme.Metrics{Reach: n(100), Likes: n(6)}),
		// An earlier reading of s6 is not counted twice.
		snap("s6", "instagram", "", "2026-01-05T08:00:00Z", "2026-01-05T09:00:00Z", rythme.Metrics{Reach: n(10), Likes: n(1)}),
		{TargetID: "s7", Network: "x", At: at("2026-01-06T00:00:00Z"), Metrics: rythme.Metrics{Likes: n(1)}},
	}
	g := reports.BestTimes(snaps, paris(t))
	want := map[[2]int]reports.Cell{
		{int(time.Sunday), 2}: {Posts: 2, Rated: 2, RatePct: fl(20), Basis: reports.BasisReach},
		{int(time.Sunday), 3}: {Posts: 2, Rated: 2, RatePct: fl(5.25), Basis: reports.BasisMixed},
		{int(time.Sunday), 1}: {Posts: 1, Rated: 0, Basis: reports.BasisNone},
		{int(time.Monday), 9}: {Posts: 2, Rated: 2, RatePct: fl(5), Basis: reports.BasisReach}, // (4 + 6) / 2
	}
	for d := 0; d < 7; d++ {
		for h := 0; h < 24; h++ {
			got, w := g.Cells[d][h], want[[2]int{d, h}]
			if w.Basis == "" {
				w.Basis = reports.BasisNone
			}
			if got.Posts != w.Posts || got.Rated != w.Rated || !eqF(got.RatePct, w.RatePct) || got.Basis != w.Basis {
				t.Errorf("%s %02dh = %d posts, %d rated, %s on %s; want %d, %d, %s on %s", time.Weekday(d), h,
					got.Posts, got.Rated, fmtF(got.RatePct), got.Basis, w.Posts, w.Rated, fmtF(w.RatePct), w.Basis)
			}
		}
	}
	if g.Undated != 1 || g.Total.Posts != 7 || g.Total.Publications != 7 || g.Total.Rated != 6 || g.Total.Basis != reports.BasisMixed || g.Zone != "Europe/Paris" {
		t.Errorf("undated %d, total %+v, zone %s", g.Undated, g.Total, g.Zone)
	}

	var buf bytes.Buffer
	if err := reports.WriteCSV(&buf, g); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 1+7*24 {
		t.Fatalf("%d lines, want %d", len(lines), 1+7*24)
	}
	for i, want := range map[int]string{
		0:            "weekday,hour,posts,publications,rated,rate_pct,basis",
		1:            "Monday,0,0,0,0,,none",
		1 + 9:        "Monday,9,2,2,2,5,reach",
		1 + 6*24:     "Sunday,0,0,0,0,,none",
		1 + 6*24 + 1: "Sunday,1,1,1,0,,none",
		1 + 6*24 + 2: "Sunday,2,2,2,2,20,reach",
		1 + 6*24 + 3: "Sunday,3,2,2,2,5.25,mixed",
	} {
		if lines[i] != want {
			t.Errorf("line %d = %q, want %q", i, lines[i], want)
		}
	}
}

func TestBestTimesNilZoneIsUTC(t *testing.T) {
	t.Parallel()
	g := reports.BestTimes([]reports.Snapshot{
		snap("s1", "x", "", "2026-07-06T07:00:00Z", "2026-07-07T00:00:00Z", rythme.Metrics{Likes: n(1)}),
	}, nil)
	if g.Cells[time.Monday][7].Posts != 1 || g.Zone != "UTC" {
		t.Errorf("Monday 7h = %+v, zone %s", g.Cells[time.Monday][7], g.Zone)
	}
}
