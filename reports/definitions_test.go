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
		// Polls: q1, q2, q3, q5 and the deleted q6 carry poll results; q4
		// has none (see pollPosts).
		{"polls", pollPosts(), nil, reports.IndicatorPolls, fl(5)},
		// Voters at each poll's last reading at or before asOf:
		// (30 + 10 + 20 + 2 + 6) ÷ 5 = 13.6.
		{"poll votes per poll", pollPosts(), nil, reports.IndicatorPollVotes, fl(13.6)},
		// Turnouts: q1 30 × 100 ÷ 400 = 7.5 (impressions), q3 20 × 100 ÷
		// 500 = 4 (reach, not its 2000 impressions), q6 6 × 100 ÷ 200 = 3;
		// q2 (neither) and q5 (0 impressions) are left out:
		// (7.5 + 4 + 3) ÷ 3 = 14.5 ÷ 3.
		{"poll turnout", pollPosts(), nil, reports.IndicatorPollTurnout, fl(14.5 / 3)},
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

// pollPosts: publications with native polls, each at its last reading at
// or before Nov 1.
//
//	q1 X, single choice: 30 votes (no voters count: 30 voters), 400 impressions
//	q2 Mastodon, multiple choice: 25 votes by 10 voters, no reach nor impressions
//	q3 read twice before Nov 1 (8 then 20 voters, reach 500, impressions
//	   2000 at the last) and once after (900, not used)
//	q4 no poll, 1000 impressions: not a poll
//	q5 2 votes, 0 impressions: no turnout
//	q6 6 votes on 200 impressions, then deleted: it keeps its last figures
func pollPosts() []reports.Snapshot {
	votes := func(v int64) *rythme.PollResults {
		return &rythme.PollResults{Votes: v, Options: []rythme.PollOptionResult{{Title: "Yes", Votes: v}, {Title: "No"}}}
	}
	ten := int64(10)
	return []reports.Snapshot{
		snap("q1", "x", "Ada", "2026-10-02T09:00:00Z", "2026-10-03T09:00:00Z", rythme.Metrics{Impressions: n(400), Likes: n(3), Poll: votes(30)}),
		snap("q2", "mastodon", "Ada", "2026-10-02T10:00:00Z", "2026-10-03T10:00:00Z", rythme.Metrics{Likes: n(4),
			Poll: &rythme.PollResults{Votes: 25, Voters: &ten, Options: []rythme.PollOptionResult{{Title: "A", Votes: 15}, {Title: "B", Votes: 10}}}}),
		snap("q3", "linkedin", "Ada", "2026-10-03T09:00:00Z", "2026-10-04T09:00:00Z", rythme.Metrics{Reach: n(100), Impressions: n(300), Poll: votes(8)}),
		snap("q3", "linkedin", "Ada", "2026-10-03T09:00:00Z", "2026-10-10T09:00:00Z", rythme.Metrics{Reach: n(500), Impressions: n(2000), Poll: votes(20)}),
		snap("q3", "linkedin", "Ada", "2026-10-03T09:00:00Z", "2026-11-02T09:00:00Z", rythme.Metrics{Reach: n(900), Poll: votes(900)}),
		snap("q4", "x", "Ada", "2026-10-04T09:00:00Z", "2026-10-05T09:00:00Z", rythme.Metrics{Impressions: n(1000), Likes: n(50)}),
		snap("q5", "x", "Ada", "2026-10-05T09:00:00Z", "2026-10-06T09:00:00Z", rythme.Metrics{Impressions: n(0), Poll: votes(2)}),
		snap("q6", "x", "Ada", "2026-10-06T09:00:00Z", "2026-10-07T09:00:00Z", rythme.Metrics{Impressions: n(200), Poll: votes(6)}),
		snap("q6", "x", "Ada", "2026-10-06T09:00:00Z", "2026-10-08T09:00:00Z", rythme.Metrics{Deleted: true}),
	}
}

// TestPollFiguresAbsent: a cohort without polls has 0 polls and no poll
// votes nor turnout (null, never 0), and no change is computed against
// it; a cohort whose polls have no reach nor impressions (Mastodon's) has
// votes per poll but no turnout.
func TestPollFiguresAbsent(t *testing.T) {
	t.Parallel()
	asOf := at("2026-11-01T00:00:00Z")
	polls := reports.Cohort{Network: "x"}    // q1, q5, q6 (and q4, no poll)
	none := reports.Cohort{Network: "slack"} // no poll
	masto := reports.Cohort{Network: "mastodon"}
	snaps := append(pollPosts(),
		snap("s1", "slack", "Ada", "2026-10-02T09:00:00Z", "2026-10-03T09:00:00Z", rythme.Metrics{Likes: n(2)}))
	rows := func(c reports.Comparison) map[string]reports.Row {
		m := map[string]reports.Row{}
		for _, r := range c.Rows {
			m[r.Indicator] = r
		}
		return m
	}
	// X: (30 + 2 + 6) ÷ 3 voters per poll; turnouts 7.5 and 3 (q5 has 0
	// impressions): 5.25. Against no polls: −100 % polls, the rest none.
	got := rows(reports.Compare(polls, none, snaps, nil, asOf, time.UTC))
	for _, w := range []reports.Row{
		{Indicator: reports.IndicatorPolls, A: fl(3), B: fl(0), ChangePct: fl(-100)},
		{Indicator: reports.IndicatorPollVotes, A: fl(38.0 / 3)},
		{Indicator: reports.IndicatorPollTurnout, A: fl(5.25)},
	} {
		g := got[w.Indicator]
		if !eqF(g.A, w.A) || !eqF(g.B, w.B) || !eqF(g.ChangePct, w.ChangePct) {
			t.Errorf("x vs slack %s = %s | %s | %s, want %s | %s | %s", w.Indicator, fmtF(g.A), fmtF(g.B), fmtF(g.ChangePct),
				fmtF(w.A), fmtF(w.B), fmtF(w.ChangePct))
		}
	}
	// No polls against Mastodon's: from 0 polls no change; 10 voters, no turnout.
	got = rows(reports.Compare(none, masto, snaps, nil, asOf, time.UTC))
	for _, w := range []reports.Row{
		{Indicator: reports.IndicatorPolls, A: fl(0), B: fl(1)},
		{Indicator: reports.IndicatorPollVotes, B: fl(10)},
		{Indicator: reports.IndicatorPollTurnout},
	} {
		g := got[w.Indicator]
		if !eqF(g.A, w.A) || !eqF(g.B, w.B) || !eqF(g.ChangePct, w.ChangePct) {
			t.Errorf("slack vs mastodon %s = %s | %s | %s, want %s | %s | %s", w.Indicator, fmtF(g.A), fmtF(g.B), fmtF(g.ChangePct),
				fmtF(w.A), fmtF(w.B), fmtF(w.ChangePct))
		}
	}
	f := reports.Compare(masto, polls, snaps, nil, asOf, time.UTC)
	if a := f.A.Figures; a.Polls != 1 || a.TurnoutPolls != 0 || a.PollTurnoutPct != nil || !eqF(a.PollVotesPerPoll, fl(10)) {
		t.Errorf("mastodon figures %+v", a)
	}
	if b := f.B.Figures; b.Polls != 3 || b.TurnoutPolls != 2 || !eqF(b.PollTurnoutPct, fl(5.25)) {
		t.Errorf("x figures %+v", b)
	}
}
