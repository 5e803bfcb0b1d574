package reports_test

import (
	"bytes"
	"testing"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/reports"
)

// compareData is October against November 2026 in Paris. Figures by hand:
//
//	A (October): a1 x: impressions 1000, 30+10+5 = 45 → 4.5 % on impressions
//	             a2 instagram: reach 200, 16+4+0 = 20 → 10 % on reach (shares nil)
//	             a3 mastodon: 6+2+1 = 9, no reach nor impressions → no rate
//	B (November): b1 x, published Oct 31 23:30 UTC = Nov 1 00:30 in Paris:
//	             impressions 2000, 50+20+10 = 80 → 4 %
//	             b2 instagram: reach 400, 40+0+8 = 48 → 12 % (shares nil)
//	             b3 x: impressions 500, 5+0 = 5 → 1 % (comments nil; a later
//	             reading after asOf is ignored)
func compareData() ([]reports.Snapshot, []reports.AudienceSample) {
	snaps := []reports.Snapshot{
		snap("a1", "x", "Ada", "2026-10-05T10:00:00Z", "2026-10-05T12:00:00Z", rythme.Metrics{Likes: n(2)}),
		snap("a1", "x", "Ada", "2026-10-05T10:00:00Z", "2026-10-20T00:00:00Z",
			rythme.Metrics{Impressions: n(1000), Likes: n(30), Comments: n(10), Shares: n(5)}),
		snap("a2", "instagram", "Bob", "2026-10-10T10:00:00Z", "2026-10-20T00:00:00Z",
			rythme.Metrics{Reach: n(200), Impressions: n(500), Likes: n(16), Comments: n(4), Saves: n(0)}),
		snap("a3", "mastodon", "Ada", "2026-10-01T08:00:00Z", "2026-10-20T00:00:00Z",
			rythme.Metrics{Likes: n(6), Comments: n(2), Shares: n(1)}),
		snap("b1", "x", "Ada", "2026-10-31T23:30:00Z", "2026-11-20T00:00:00Z",
			rythme.Metrics{Impressions: n(2000), Likes: n(50), Comments: n(20), Shares: n(10)}),
		snap("b2", "instagram", "Bob", "2026-11-15T10:00:00Z", "2026-11-20T00:00:00Z",
			rythme.Metrics{Reach: n(400), Likes: n(40), Comments: n(0), Saves: n(8)}),
		snap("b3", "x", "Bob", "2026-11-20T10:00:00Z", "2026-11-25T00:00:00Z",
			rythme.Metrics{Impressions: n(500), Likes: n(5), Shares: n(0)}),
		snap("b3", "x", "Bob", "2026-11-20T10:00:00Z", "2026-12-20T00:00:00Z",
			rythme.Metrics{Impressions: n(90000), Likes: n(9000), Shares: n(900)}),
		// Published in December: in neither cohort.
		snap("c1", "x", "Ada", "2026-12-02T10:00:00Z", "2026-12-03T00:00:00Z", rythme.Metrics{Likes: n(99)}),
	}
	audience := []reports.AudienceSample{
		{AccountID: "acc-x", At: at("2026-09-30T00:00:00Z"), Followers: 1000},
		{AccountID: "acc-x", At: at("2026-10-15T00:00:00Z"), Followers: 1100},
		{AccountID: "acc-x", At: at("2026-10-31T00:00:00Z"), Followers: 1150},
		{AccountID: "acc-x", At: at("2026-11-15T00:00:00Z"), Followers: 1300},
		{AccountID: "acc-x", At: at("2026-11-30T00:00:00Z"), Followers: 1400},
		{AccountID: "acc-x", At: at("2026-12-05T00:00:00Z"), Followers: 1450},
		{AccountID: "acc-instagram", At: at("2026-10-02T00:00:00Z"), Followers: 500},
		{AccountID: "acc-instagram", At: at("2026-10-31T00:00:00Z"), Followers: 450},
		{AccountID: "acc-instagram", At: at("2026-11-30T00:00:00Z"), Followers: 470},
		{AccountID: "acc-mastodon", At: at("2026-10-10T00:00:00Z"), Followers: 80},
		{AccountID: "acc-other", At: at("2026-10-01T00:00:00Z"), Followers: 5},
		{AccountID: "acc-other", At: at("2026-10-30T00:00:00Z"), Followers: 5000},
	}
	return snaps, audience
}

func TestCompare(t *testing.T) {
	t.Parallel()
	zone := paris(t)
	a, _ := reports.ParseCohort("period:2026-10-01..2026-10-31", zone)
	b, _ := reports.ParseCohort("period:2026-11-01..2026-11-30", zone)
	snaps, audience := compareData()
	got := reports.Compare(a, b, snaps, audience, at("2026-12-10T00:00:00Z"), zone)

	want := []reports.Row{
		{Indicator: "posts", A: fl(3), B: fl(3), ChangePct: fl(0)},
		// each post of compareData went out on one account
		{Indicator: "publications", A: fl(3), B: fl(3), ChangePct: fl(0)},
		// (4.5 + 10) / 2 = 7.25; (4 + 12 + 1) / 3 = 17/3; −21.839… %
		{Indicator: "engagement_rate_pct", A: fl(7.25), B: fl(5.666666666666667), ChangePct: fl(-21.8)},
		// Pooled over the rated posts: A (45 + 20) × 100 / (1000 + 200) =
		// 6500 / 1200 = 5.41666…; B (80 + 48 + 5) × 100 / (2000 + 400 +
		// 500) = 13300 / 2900 = 4.58620…; (4.5862 − 5.4167) / 5.4167 =
		// −15.33… % (a2 weighs 200 of 1200 here, half of the mean above).
		{Indicator: "pooled_engagement_rate_pct", A: fl(6500.0 / 1200), B: fl(13300.0 / 2900), ChangePct: fl(-15.3)},
		// (10 + 4 + 2) / 3; (20 + 0) / 2 (b3 gave no count); +87.5 %
		{Indicator: "comments_per_post", A: fl(5.333333333333333), B: fl(10), ChangePct: fl(87.5)},
		// only a2 and b2 give a reach
		{Indicator: "organic_reach_per_post", A: fl(200), B: fl(400), ChangePct: fl(100)},
		// the total over the same posts
		{Indicator: "organic_reach", A: fl(200), B: fl(400), ChangePct: fl(100)},
		{Indicator: "likes", A: fl(52), B: fl(95), ChangePct: fl(82.7)},
		// 5 + 1 (a2 nil); 10 + 0 (b2 nil); +66.66… %
		{Indicator: "shares", A: fl(6), B: fl(10), ChangePct: fl(66.7)},
		// A: x 1000 → 1150, instagram 500 (first in span) → 450, mastodon one
		// sample only (left out): 150 − 50 = 100. B: x 1150 → 1400,
		// instagram 450 → 470: 270. +170 %
		{Indicator: "audience_growth", A: fl(100), B: fl(270), ChangePct: fl(170)},
		// no poll in either: 0 polls (no change from 0), no votes nor turnout
		{Indicator: "polls", A: fl(0), B: fl(0)},
		{Indicator: "poll_votes_per_poll"},
		{Indicator: "poll_turnout_pct"},
	}
	checkRows(t, got.Rows, want)

	if got.A.Cohort != "period:2026-10-01..2026-10-31" || got.B.Cohort != "period:2026-11-01..2026-11-30" {
		t.Errorf("cohorts %q, %q", got.A.Cohort, got.B.Cohort)
	}
	if f := got.A.Figures; f.Posts != 3 || f.Rated != 2 || f.Unrated != 1 || f.Basis != reports.BasisMixed {
		t.Errorf("A figures %+v", f)
	}
	if f := got.B.Figures; f.Rated != 3 || f.Unrated != 0 || f.Basis != reports.BasisMixed || *f.Saves != 8 || *f.Reach != 400 {
		t.Errorf("B figures %+v", f)
	}
	if got.A.Accounts != 3 || got.A.AudienceAccounts != 2 || got.B.Accounts != 2 || got.B.AudienceAccounts != 2 {
		t.Errorf("accounts A %d/%d B %d/%d", got.A.AudienceAccounts, got.A.Accounts, got.B.AudienceAccounts, got.B.Accounts)
	}
	if !got.B.From.Equal(at("2026-10-31T23:00:00Z")) || !got.B.To.Equal(at("2026-11-30T23:00:00Z")) {
		t.Errorf("B span [%s, %s)", got.B.From, got.B.To)
	}

	var buf bytes.Buffer
	if err := reports.WriteCSV(&buf, got); err != nil {
		t.Fatal(err)
	}
	wantCSV := `indicator,A: period:2026-10-01..2026-10-31,B: period:2026-11-01..2026-11-30,change %
posts,3,3,0
publications,3,3,0
engagement_rate_pct,7.25,5.67,-21.8
pooled_engagement_rate_pct,5.42,4.59,-15.3
comments_per_post,5.33,10,87.5
organic_reach_per_post,200,400,100
organic_reach,200,400,100
likes,52,95,82.7
shares,6,10,66.7
audience_growth,100,270,170
polls,0,0,
poll_votes_per_poll,,,
poll_turnout_pct,,,
rate_basis,mixed,mixed,
publications_without_rate,1,0,
`
	if buf.String() != wantCSV {
		t.Errorf("CSV:\n%s\nwant:\n%s", buf.String(), wantCSV)
	}
}

// TestCompareSpanOfPosts: a cohort without a period measures audience
// growth over the whole days of its posts, capped at asOf.
func TestCompareSpanOfPosts(t *testing.T) {
	t.Parallel()
	zone := paris(t)
	snaps := []reports.Snapshot{
		snap("t1", "x", "Ada", "2026-03-28T10:00:00Z", "2026-03-29T00:00:00Z", rythme.Metrics{Likes: n(1)}),
		snap("t2", "x", "Ada", "2026-03-30T15:00:00Z", "2026-03-30T16:00:00Z", rythme.Metrics{Likes: n(1)}),
		snap("t3", "bluesky", "Ada", "2026-03-29T15:00:00Z", "2026-03-30T16:00:00Z", rythme.Metrics{Likes: n(1)}),
	}
	audience := []reports.AudienceSample{
		{AccountID: "acc-x", At: at("2026-03-27T22:00:00Z"), Followers: 10}, // before the span's start
		{AccountID: "acc-x", At: at("2026-03-27T23:00:00Z"), Followers: 20}, // at it: the start
		{AccountID: "acc-x", At: at("2026-03-29T00:00:00Z"), Followers: 25},
		{AccountID: "acc-x", At: at("2026-03-30T20:00:00Z"), Followers: 32}, // at asOf: the end
		{AccountID: "acc-x", At: at("2026-03-30T21:00:00Z"), Followers: 99}, // after asOf
	}
	ada, _ := reports.ParseCohort("author:Ada+network:x", zone)
	none, _ := reports.ParseCohort("campaign:none", zone)
	got := reports.Compare(none, ada, snaps, audience, at("2026-03-30T20:00:00Z"), zone)
	// March 28 00:00 CET to March 31 00:00 CEST, capped at asOf.
	if !got.B.From.Equal(at("2026-03-27T23:00:00Z")) || !got.B.To.Equal(at("2026-03-30T20:00:00Z")) {
		t.Errorf("span [%s, %s)", got.B.From, got.B.To)
	}
	// A has no post: every change is undefined (A = 0 or nil), never Inf or NaN.
	checkRows(t, got.Rows, []reports.Row{
		{Indicator: "posts", A: fl(0), B: fl(2)},
		{Indicator: "publications", A: fl(0), B: fl(2)},
		{Indicator: "engagement_rate_pct"},
		{Indicator: "pooled_engagement_rate_pct"},
		{Indicator: "comments_per_post"},
		{Indicator: "organic_reach_per_post"},
		{Indicator: "organic_reach"},
		{Indicator: "likes", B: fl(2)},
		{Indicator: "shares"},
		{Indicator: "audience_growth", B: fl(12)},
		{Indicator: "polls", A: fl(0), B: fl(0)},
		{Indicator: "poll_votes_per_poll"},
		{Indicator: "poll_turnout_pct"},
	})
	if !got.A.From.IsZero() || !got.A.To.IsZero() || got.A.Figures.Basis != reports.BasisNone {
		t.Errorf("empty A: %+v", got.A)
	}
}

func checkRows(t *testing.T, got, want []reports.Row) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for i, d := range reports.Definitions {
		if got[i].Indicator != d.Indicator {
			t.Errorf("row %d is %s, the definitions say %s", i, got[i].Indicator, d.Indicator)
		}
	}
	for i, w := range want {
		g := got[i]
		if g.Indicator != w.Indicator || !eqF(g.A, w.A) || !eqF(g.B, w.B) || !eqF(g.ChangePct, w.ChangePct) {
			t.Errorf("row %d = %s | %s | %s | %s; want %s | %s | %s | %s", i,
				g.Indicator, fmtF(g.A), fmtF(g.B), fmtF(g.ChangePct),
				w.Indicator, fmtF(w.A), fmtF(w.B), fmtF(w.ChangePct))
		}
	}
}

func TestChangePct(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b, want *float64
	}{
		{fl(100), fl(150), fl(50)},
		{fl(3), fl(4), fl(33.3)},
		{fl(3), fl(2), fl(-33.3)},
		{fl(8), fl(9), fl(12.5)},      // 12.5 exactly: no rounding
		{fl(1000), fl(1000.4), fl(0)}, // 0.04 % rounds to 0, never "-0"
		{fl(1000), fl(999.6), fl(0)},  // -0.04 % too
		{fl(-10), fl(10), fl(200)},    // divided by |A|: a rise reads positive
		{fl(-10), fl(-20), fl(-100)},
		{fl(0), fl(5), nil}, // A = 0: undefined
		{fl(0), fl(0), nil},
		{nil, fl(5), nil},
		{fl(5), nil, nil},
	}
	for _, tt := range tests {
		got := reports.ChangePct(tt.a, tt.b)
		if !eqF(got, tt.want) {
			t.Errorf("ChangePct(%s, %s) = %s, want %s", fmtF(tt.a), fmtF(tt.b), fmtF(got), fmtF(tt.want))
		}
		if got != nil && *got == 0 && 1 / *got < 0 {
			t.Errorf("ChangePct(%s, %s) is -0", fmtF(tt.a), fmtF(tt.b))
		}
	}
}
