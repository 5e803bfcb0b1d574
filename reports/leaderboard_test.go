package reports_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/reports"
)

// leaderboardData is October 2026 (UTC). Engagement earned by hand:
//
//	Ada  t1 (published in September): likes 10→15, comments 2→4, shares
//	     nil→1: 8 earned; rate at the end 20/100 = 20 % on reach.
//	     t2: 12 likes + 3 saves = 15; rate 15/300 = 5 % on impressions.
//	     23 in all (likes 5 + 12 = 17); mean rate 12.5 %.
//	Bob  p3 on two targets: t3 20 likes, 5 % on impressions; t4 3 likes, no
//	     rate. 23 in all; mean rate 5 %: below Ada.
//	Cleo t5 10 + 3 = 13, 10 % on reach. Dan t6 13, 10 % on reach: tie, by name.
//	Gus  t10 10 likes, then deleted: still 10; no rate.
//	Ivy  t12 published in October, 0 engagement: counted, 0.
//	Hal  t11 (September) likes 10 → 7: −3.
//	Eve  t7 (September) 5 → 5: earned nothing, not published in the period: absent.
//	Fay  t8 first read after the period: absent.
//	t9   no author: unattributed.
func leaderboardData() []reports.Snapshot {
	return []reports.Snapshot{
		snap("t1", "instagram", "Ada", "2026-09-20T10:00:00Z", "2026-09-25T00:00:00Z",
			rythme.Metrics{Reach: n(60), Likes: n(10), Comments: n(2)}),
		snap("t1", "instagram", "Ada", "2026-09-20T10:00:00Z", "2026-10-15T00:00:00Z",
			rythme.Metrics{Reach: n(100), Likes: n(15), Comments: n(4), Shares: n(1)}),
		snap("t1", "instagram", "Ada", "2026-09-20T10:00:00Z", "2026-11-03T00:00:00Z",
			rythme.Metrics{Reach: n(500), Likes: n(100), Comments: n(4), Shares: n(1)}),
		snap("t2", "x", "Ada", "2026-10-05T10:00:00Z", "2026-10-06T00:00:00Z",
			rythme.Metrics{Impressions: n(50), Likes: n(2)}),
		snap("t2", "x", "Ada", "2026-10-05T10:00:00Z", "2026-10-20T00:00:00Z",
			rythme.Metrics{Impressions: n(300), Likes: n(12), Saves: n(3)}),
		{TargetID: "t3", PostID: "p3", AccountID: "acc-x", Network: "x", Author: "Bob",
			PublishedAt: at("2026-10-10T10:00:00Z"), At: at("2026-10-12T00:00:00Z"),
			Metrics: rythme.Metrics{Impressions: n(400), Likes: n(20)}},
		{TargetID: "t4", PostID: "p3", AccountID: "acc-mastodon", Network: "mastodon", Author: "Bob",
			PublishedAt: at("2026-10-10T10:00:00Z"), At: at("2026-10-12T00:00:00Z"),
			Metrics: rythme.Metrics{Likes: n(3)}},
		snap("t6", "instagram", "Dan", "2026-10-12T10:00:00Z", "2026-10-13T00:00:00Z",
			rythme.Metrics{Reach: n(130), Likes: n(13)}),
		snap("t5", "instagram", "Cleo", "2026-10-12T10:00:00Z", "2026-10-13T00:00:00Z",
			rythme.Metrics{Reach: n(130), Likes: n(10), Comments: n(3)}),
		snap("t7", "x", "Eve", "2026-09-01T10:00:00Z", "2026-09-10T00:00:00Z", rythme.Metrics{Likes: n(5)}),
		snap("t7", "x", "Eve", "2026-09-01T10:00:00Z", "2026-10-10T00:00:00Z", rythme.Metrics{Likes: n(5)}),
		snap("t8", "x", "Fay", "2026-10-30T10:00:00Z", "2026-11-02T00:00:00Z", rythme.Metrics{Likes: n(50)}),
		snap("t9", "x", "", "2026-10-03T10:00:00Z", "2026-10-04T00:00:00Z", rythme.Metrics{Likes: n(4)}),
		snap("t10", "x", "Gus", "2026-10-20T10:00:00Z", "2026-10-21T00:00:00Z", rythme.Metrics{Likes: n(10)}),
		snap("t10", "x", "Gus", "2026-10-20T10:00:00Z", "2026-10-25T00:00:00Z", rythme.Metrics{Deleted: true}),
		snap("t11", "x", "Hal", "2026-09-15T10:00:00Z", "2026-09-20T00:00:00Z", rythme.Metrics{Likes: n(10)}),
		snap("t11", "x", "Hal", "2026-09-15T10:00:00Z", "2026-10-10T00:00:00Z", rythme.Metrics{Likes: n(7)}),
		snap("t12", "x", "Ivy", "2026-10-02T10:00:00Z", "2026-10-03T00:00:00Z", rythme.Metrics{Likes: n(0)}),
	}
}

func TestLeaderboard(t *testing.T) {
	t.Parallel()
	got := reports.Leaderboard(leaderboardData(), at("2026-10-01T00:00:00Z"), at("2026-11-01T00:00:00Z"))
	want := []reports.Contributor{
		{Rank: 1, Author: "Ada", Engagement: 23, Likes: 17, Comments: 2, Shares: 1, Saves: 3, RatePct: fl(12.5),
			Basis: "mixed", PostIDs: []string{"p-t1", "p-t2"}, Posts: 2, Publications: 2, Published: 1},
		{Rank: 2, Author: "Bob", Engagement: 23, Likes: 23, RatePct: fl(5),
			Basis: "impressions", PostIDs: []string{"p3"}, Posts: 1, Publications: 2, Published: 2},
		{Rank: 3, Author: "Cleo", Engagement: 13, Likes: 10, Comments: 3, RatePct: fl(10),
			Basis: "reach", PostIDs: []string{"p-t5"}, Posts: 1, Publications: 1, Published: 1},
		{Rank: 4, Author: "Dan", Engagement: 13, Likes: 13, RatePct: fl(10),
			Basis: "reach", PostIDs: []string{"p-t6"}, Posts: 1, Publications: 1, Published: 1},
		{Rank: 5, Author: "Gus", Engagement: 10, Likes: 10,
			Basis: "none", PostIDs: []string{"p-t10"}, Posts: 1, Publications: 1, Published: 1},
		{Rank: 6, Author: "Ivy", Engagement: 0,
			Basis: "none", PostIDs: []string{"p-t12"}, Posts: 1, Publications: 1, Published: 1},
		{Rank: 7, Author: "Hal", Engagement: -3, Likes: -3,
			Basis: "none", PostIDs: []string{"p-t11"}, Posts: 1, Publications: 1, Published: 0},
	}
	if len(got.Contributors) != len(want) {
		t.Fatalf("%d contributors, want %d: %+v", len(got.Contributors), len(want), got.Contributors)
	}
	for i, w := range want {
		g := got.Contributors[i]
		if g.Rank != w.Rank || g.Author != w.Author || g.Engagement != w.Engagement || g.Likes != w.Likes ||
			g.Comments != w.Comments || g.Shares != w.Shares || g.Saves != w.Saves || !eqF(g.RatePct, w.RatePct) ||
			g.Basis != w.Basis || !slices.Equal(g.PostIDs, w.PostIDs) || g.Posts != w.Posts ||
			g.Publications != w.Publications || g.Published != w.Published {
			t.Errorf("[%d] = %+v (rate %s)\nwant %+v (rate %s)", i, g, fmtF(g.RatePct), w, fmtF(w.RatePct))
		}
	}
	if got.Unattributed != 1 {
		t.Errorf("unattributed %d, want 1", got.Unattributed)
	}
}

// The order must not depend on the order of the input.
func TestLeaderboardDeterministic(t *testing.T) {
	t.Parallel()
	data := leaderboardData()
	from, to := at("2026-10-01T00:00:00Z"), at("2026-11-01T00:00:00Z")
	var first bytes.Buffer
	if err := reports.WriteCSV(&first, reports.Leaderboard(data, from, to)); err != nil {
		t.Fatal(err)
	}
	slices.Reverse(data)
	var again bytes.Buffer
	if err := reports.WriteCSV(&again, reports.Leaderboard(data, from, to)); err != nil {
		t.Fatal(err)
	}
	if first.String() != again.String() {
		t.Errorf("input order changed the leaderboard:\n%s\n%s", first.String(), again.String())
	}
	want := `rank,author,engagement,likes,comments,shares,saves,rate_pct,basis,posts,publications,published,post_ids
1,Ada,23,17,2,1,3,12.5,mixed,2,2,1,p-t1 p-t2
2,Bob,23,23,0,0,0,5,impressions,1,2,2,p3
3,Cleo,13,10,3,0,0,10,reach,1,1,1,p-t5
4,Dan,13,13,0,0,0,10,reach,1,1,1,p-t6
5,Gus,10,10,0,0,0,,none,1,1,1,p-t10
6,Ivy,0,0,0,0,0,,none,1,1,1,p-t12
7,Hal,-3,-3,0,0,0,,none,1,1,0,p-t11
`
	if first.String() != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", first.String(), want)
	}
}
