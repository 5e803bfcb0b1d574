package reports_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/reports"
)

// benchData generates a year of posts: targets × readings snapshots over
// 50 accounts on 6 networks by 30 authors, and a follower count per account
// per day. Deterministic. Shuffled, the readings come interleaved (the
// worst case for memory locality); otherwise ordered by target then time,
// as a query with ORDER BY target_id, at returns them.
func benchData(targets, readings int, shuffled bool) ([]reports.Snapshot, []reports.AudienceSample) {
	r := rand.New(rand.NewPCG(1, 2))
	networks := []string{"x", "instagram", "mastodon", "bluesky", "linkedin", "facebook"}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := func(v int64) *int64 { return &v }
	snaps := make([]reports.Snapshot, 0, targets*readings)
	for t := range targets {
		acc := r.IntN(50)
		network := networks[acc%len(networks)]
		published := start.Add(time.Duration(r.Int64N(int64(365 * 24 * time.Hour))))
		base := reports.Snapshot{
			TargetID: fmt.Sprintf("tgt_%06d", t), PostID: fmt.Sprintf("pst_%06d", t/2),
			AccountID: fmt.Sprintf("acc_%02d", acc), Network: network, Author: fmt.Sprintf("author %02d", r.IntN(30)),
			Tags: []string{fmt.Sprintf("tag%d", r.IntN(20))}, CampaignID: fmt.Sprintf("%d", r.IntN(40)),
			PublishedAt: published,
		}
		for k := range readings {
			s := base
			s.At = published.Add(time.Duration(k+1) * 6 * time.Hour)
			g := int64(k + 1)
			m := rythme.Metrics{Likes: p(g * int64(r.IntN(50))), Comments: p(g * int64(r.IntN(10))), Shares: p(g * int64(r.IntN(5)))}
			switch network {
			case "instagram", "facebook", "linkedin":
				m.Reach, m.Impressions, m.Saves = p(g*int64(100+r.IntN(1000))), p(g*int64(200+r.IntN(2000))), p(g*int64(r.IntN(5)))
			case "x":
				m.Impressions = p(g * int64(200+r.IntN(2000)))
			}
			s.Metrics = m
			snaps = append(snaps, s)
		}
	}
	if shuffled {
		r.Shuffle(len(snaps), func(i, j int) { snaps[i], snaps[j] = snaps[j], snaps[i] })
	}
	audience := make([]reports.AudienceSample, 0, 50*366)
	for a := range 50 {
		followers := int64(1000 + r.IntN(10000))
		for d := range 366 {
			followers += int64(r.IntN(20) - 5)
			audience = append(audience, reports.AudienceSample{AccountID: fmt.Sprintf("acc_%02d", a),
				Network: networks[a%len(networks)], At: start.AddDate(0, 0, d), Followers: followers})
		}
	}
	return snaps, audience
}

// BenchmarkCompare100k compares the first half of 2026 with the second over
// 100,000 snapshots (10,000 targets × 10 readings, shuffled), every
// snapshot in one cohort or the other.
func BenchmarkCompare100k(b *testing.B) { benchCompare(b, true) }

// BenchmarkCompare100kOrdered is BenchmarkCompare100k on snapshots ordered
// by target then time.
func BenchmarkCompare100kOrdered(b *testing.B) { benchCompare(b, false) }

func benchCompare(b *testing.B, shuffled bool) {
	snaps, audience := benchData(10_000, 10, shuffled)
	h1, _ := reports.ParseCohort("period:2026-01-01..2026-06-30", time.UTC)
	h2, _ := reports.ParseCohort("period:2026-07-01..2026-12-31", time.UTC)
	asOf := time.Date(2027, 1, 10, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		cmp := reports.Compare(h1, h2, snaps, audience, asOf, time.UTC)
		if *cmp.Rows[0].A+*cmp.Rows[0].B != 10_000 {
			b.Fatalf("posts %v + %v", *cmp.Rows[0].A, *cmp.Rows[0].B)
		}
	}
}

// BenchmarkCompare100kNarrow compares two networks' posts tagged tag3: most
// snapshots match neither cohort.
func BenchmarkCompare100kNarrow(b *testing.B) {
	snaps, audience := benchData(10_000, 10, true)
	a, _ := reports.ParseCohort("network:x+tag:tag3", nil)
	c, _ := reports.ParseCohort("network:instagram+tag:tag3", nil)
	asOf := time.Date(2027, 1, 10, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		reports.Compare(a, c, snaps, audience, asOf, nil)
	}
}

func BenchmarkLeaderboard100k(b *testing.B) {
	snaps, _ := benchData(10_000, 10, true)
	from, to := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		reports.Leaderboard(snaps, from, to)
	}
}

func BenchmarkBestTimes100k(b *testing.B) {
	snaps, _ := benchData(10_000, 10, true)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		reports.BestTimes(snaps, time.UTC)
	}
}
