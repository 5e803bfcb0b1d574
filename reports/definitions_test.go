package reports_test

import (
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/reports"
)

// TestDefinitionsByHand pins each indicator of [reports.Definitions] with
// a small cohort whose value is computed by hand in the comment. Each
// cohort is compared with itself (A = B, change 0) and read as of asOf.
func TestDefinitionsByHand(t *testing.T) {
	t.Parallel()
	asOf := at("2026-11-01T00:00:00Z")
	oct := reports.Cohort{From: at("2026-10-01T00:00:00Z"), To: at("2026-11-01T00:00:00Z")}
	cases := []struct {
		name      string
		snaps     []reports.Snapshot
		audience  []reports.AudienceSample
		indicator string
		want      *float64
	}{
		// Two posts: 10 engagements on a reach of 100 (10 %) and 20 on
		// 1000 (2 %). Mean of the rates: (10 + 2) ÷ 2 = 6.
		{"mean rate", []reports.Snapshot{
			snap("m1", "linkedin", "Ada", "2026-10-02T09:00:00Z", "2026-10-03T09:00:00Z", rythme.Metrics{Reach: n(100), Likes: n(6), Comments: n(3), Shares: n(1)}),
			snap("m2", "linkedin", "Ada", "2026-10-04T09:00:00Z", "2026-10-05T09:00:00Z", rythme.Metrics{Reach: n(1000), Likes: n(20)}),
		}, nil, reports.IndicatorRate, fl(6)},
		// The same posts pooled: (10 + 20) × 100 ÷ (100 + 1000) = 3000 ÷ 1100.
		{"pooled rate", []reports.Snapshot{
			snap("m1", "linkedin", "Ada", "2026-10-02T09:00:00Z", "2026-10-03T09:00:00Z", rythme.Metrics{Reach: n(100), Likes: n(6), Comments: n(3), Shares: n(1)}),
			snap("m2", "linkedin", "Ada", "2026-10-04T09:00:00Z", "2026-10-05T09:00:00Z", rythme.Metrics{Reach: n(1000), Likes: n(20)}),
		}, nil, reports.IndicatorPooledRate, fl(3000.0 / 1100)},
		// Reach first, impressions where there is no reach; a post with
		// neither is left out: 8 × 100 ÷ 200 = 4 % (reach, not the 400
		// impressions), 5 × 100 ÷ 500 = 1 % (impressions), the Mastodon post
		// unrated. Mean (4 + 1) ÷ 2 = 2.5.
		{"rate basis", []reports.Snapshot{
			snap("r1", "instagram", "Ada", "2026-10-02T09:00:00Z", "2026-10-03T09:00:00Z", rythme.Metrics{Reach: n(200), Impressions: n(400), Likes: n(5), Saves: n(3)}),
			snap("r2", "x", "Ada", "2026-10-02T10:00:00Z", "2026-10-03T10:00:00Z", rythme.Metrics{Impressions: n(500), Likes: n(5)}),
			snap("r3", "mastodon", "Ada", "2026-10-02T11:00:00Z", "2026-10-03T11:00:00Z", rythme.Metrics{Likes: n(50)}),
		}, nil, reports.IndicatorRate, fl(2.5)},
		// Each target's last reading at or before asOf: 3 comments at a day,
		// 7 at a week, 900 after asOf (ignored). With a second post of 2
		// comments and a Discord-like post that gives no count:
		// (7 + 2) ÷ 2 = 4.5.
		{"comments per post", []reports.Snapshot{
			snap("c1", "mastodon", "Ada", "2026-10-20T09:00:00Z", "2026-10-21T09:00:00Z", rythme.Metrics{Comments: n(3)}),
			snap("c1", "mastodon", "Ada", "2026-10-20T09:00:00Z", "2026-10-27T09:00:00Z", rythme.Metrics{Comments: n(7)}),
			snap("c1", "mastodon", "Ada", "2026-10-20T09:00:00Z", "2026-11-19T09:00:00Z", rythme.Metrics{Comments: n(900)}),
			snap("c2", "bluesky", "Ada", "2026-10-21T09:00:00Z", "2026-10-22T09:00:00Z", rythme.Metrics{Comments: n(2)}),
			snap("c3", "slack", "Ada", "2026-10-21T10:00:00Z", "2026-10-22T10:00:00Z", rythme.Metrics{Likes: n(4)}),
		}, nil, reports.IndicatorCommentsPerPost, fl(4.5)},
		// Organic reach per post: reach 300 and 500 (Facebook, Instagram);
		// the X post's 10,000 impressions are not reach: (300 + 500) ÷ 2.
		{"organic reach per post", reachPosts(), nil, reports.IndicatorReachPerPost, fl(400)},
		// In total: 300 + 500.
		{"organic reach", reachPosts(), nil, reports.IndicatorReach, fl(800)},
		// A post deleted on the network keeps its last live reading: 40
		// likes, then the deletion; with 2 likes elsewhere, 42.
		{"likes of a deleted post", []reports.Snapshot{
			snap("d1", "x", "Ada", "2026-10-05T09:00:00Z", "2026-10-06T09:00:00Z", rythme.Metrics{Likes: n(40)}),
			snap("d1", "x", "Ada", "2026-10-05T09:00:00Z", "2026-10-08T09:00:00Z", rythme.Metrics{Deleted: true}),
			snap("d2", "x", "Ada", "2026-10-06T09:00:00Z", "2026-10-07T09:00:00Z", rythme.Metrics{Likes: n(2)}),
		}, nil, reports.IndicatorLikes, fl(42)},
		// Audience growth over October: the X account has 1000 at Sept 30
		// (the last sample at or before the start) and 1180 at Oct 31 (the
		// last at or before the end; the Nov 2 one is after it): +180. The
		// Instagram account's first sample in October (Oct 10, 700) stands
		// for its start, 650 at Oct 25 its end: −50. The Mastodon account
		// has one sample: left out. The other account has no post in the
		// cohort: left out. 180 − 50 = 130.
		{"audience growth", []reports.Snapshot{
			snap("g1", "x", "Ada", "2026-10-05T09:00:00Z", "2026-10-06T09:00:00Z", rythme.Metrics{Likes: n(1)}),
			snap("g2", "instagram", "Ada", "2026-10-06T09:00:00Z", "2026-10-07T09:00:00Z", rythme.Metrics{Likes: n(1)}),
			snap("g3", "mastodon", "Ada", "2026-10-07T09:00:00Z", "2026-10-08T09:00:00Z", rythme.Metrics{Likes: n(1)}),
		}, []reports.AudienceSample{
			{AccountID: "acc-x", At: at("2026-09-20T00:00:00Z"), Followers: 900},
			{AccountID: "acc-x", At: at("2026-09-30T00:00:00Z"), Followers: 1000},
			{AccountID: "acc-x", At: at("2026-10-15T00:00:00Z"), Followers: 1100},
			{AccountID: "acc-x", At: at("2026-10-31T00:00:00Z"), Followers: 1180},
			{AccountID: "acc-x", At: at("2026-11-02T00:00:00Z"), Followers: 5000},
			{AccountID: "acc-instagram", At: at("2026-10-10T00:00:00Z"), Followers: 700},
			{AccountID: "acc-instagram", At: at("2026-10-25T00:00:00Z"), Followers: 650},
			{AccountID: "acc-mastodon", At: at("2026-10-12T00:00:00Z"), Followers: 80},
			{AccountID: "acc-other", At: at("2026-10-01T00:00:00Z"), Followers: 1},
			{AccountID: "acc-other", At: at("2026-10-30T00:00:00Z"), Followers: 9999},
		}, reports.IndicatorAudienceGrowth, fl(130)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := reports.Compare(oct, oct, tc.snaps, tc.audience, asOf, time.UTC)
			for _, r := range got.Rows {
				if r.Indicator != tc.indicator {
					continue
				}
				if !eqF(r.A, tc.want) || !eqF(r.B, tc.want) {
					t.Errorf("%s = %s | %s, want %s", r.Indicator, fmtF(r.A), fmtF(r.B), fmtF(tc.want))
				}
				if !eqF(r.ChangePct, fl(0)) {
					t.Errorf("%s change %s, want 0 (A = B)", r.Indicator, fmtF(r.ChangePct))
				}
				return
			}
			t.Fatalf("no row %s", tc.indicator)
		})
	}
}

// reachPosts: Facebook reach 300, Instagram reach 500, X impressions only.
func reachPosts() []reports.Snapshot {
	return []reports.Snapshot{
		snap("o1", "facebook", "Ada", "2026-10-02T09:00:00Z", "2026-10-03T09:00:00Z", rythme.Metrics{Reach: n(300), Impressions: n(450), Likes: n(9)}),
		snap("o2", "instagram", "Ada", "2026-10-03T09:00:00Z", "2026-10-04T09:00:00Z", rythme.Metrics{Reach: n(500), Likes: n(10)}),
		snap("o3", "x", "Ada", "2026-10-04T09:00:00Z", "2026-10-05T09:00:00Z", rythme.Metrics{Impressions: n(10000), Likes: n(100)}),
	}
}
