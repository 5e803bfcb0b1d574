package reports_test

import (
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/reports"
)

// postOnTwoNetworks is one post ("launch") put on the calendar once and
// published on Mastodon and Bluesky at 09:00 on Monday 5 October 2026
// (two publications), next to a post ("solo") on Mastodon only at 09:30.
//
//	launch on mastodon: 6 likes, 4 comments, no reach (Mastodon gives none)
//	launch on bluesky:  2 likes, 2 comments
//	solo on mastodon:   3 likes, 3 comments
func postOnTwoNetworks() []reports.Snapshot {
	pub := at("2026-10-05T09:00:00Z")
	read := at("2026-10-06T09:00:00Z")
	return []reports.Snapshot{
		{TargetID: "t-launch-m", PostID: "launch", AccountID: "acc-mastodon", Network: "mastodon", Author: "Ada",
			PublishedAt: pub, At: read, Metrics: rythme.Metrics{Likes: n(6), Comments: n(4)}},
		{TargetID: "t-launch-b", PostID: "launch", AccountID: "acc-bluesky", Network: "bluesky", Author: "Ada",
			PublishedAt: pub, At: read, Metrics: rythme.Metrics{Likes: n(2), Comments: n(2)}},
		{TargetID: "t-solo", PostID: "solo", AccountID: "acc-mastodon", Network: "mastodon", Author: "Ada",
			PublishedAt: pub.Add(30 * time.Minute), At: read, Metrics: rythme.Metrics{Likes: n(3), Comments: n(3)}},
	}
}

// TestPostOnTwoNetworks proves one meaning of "posts" in every report: a
// post on 2 networks is 1 post and 2 publications in the comparison, the
// best-times grid and the leaderboard, JSON and CSV alike; comments per
// post divide by posts.
func TestPostOnTwoNetworks(t *testing.T) {
	t.Parallel()
	snaps := postOnTwoNetworks()

	t.Run("compare", func(t *testing.T) {
		t.Parallel()
		// A = all, B = network:bluesky.
		all := reports.Cohort{}
		bsky := reports.Cohort{Network: "bluesky"}
		got := reports.Compare(all, bsky, snaps, nil, at("2026-10-10T00:00:00Z"), time.UTC)
		// all: posts launch + solo = 2; publications 3; comments
		// (4 + 2 + 3) ÷ 2 posts = 4.5 (not ÷ 3 publications = 3).
		// bluesky: 1 post, 1 publication, 2 comments ÷ 1.
		// No reach nor impressions: no rate, no reach. Likes 6 + 2 + 3 =
		// 11 against 2: −81.8 %.
		checkRows(t, got.Rows, []reports.Row{
			{Indicator: "posts", A: fl(2), B: fl(1), ChangePct: fl(-50)},
			{Indicator: "publications", A: fl(3), B: fl(1), ChangePct: fl(-66.7)},
			{Indicator: "engagement_rate_pct"},
			{Indicator: "pooled_engagement_rate_pct"},
			{Indicator: "comments_per_post", A: fl(4.5), B: fl(2), ChangePct: fl(-55.6)},
			{Indicator: "organic_reach_per_post"},
			{Indicator: "organic_reach"},
			{Indicator: "likes", A: fl(11), B: fl(2), ChangePct: fl(-81.8)},
			{Indicator: "shares"},
			{Indicator: "audience_growth"},
			{Indicator: "polls", A: fl(0), B: fl(0)},
			{Indicator: "poll_votes_per_poll"},
			{Indicator: "poll_turnout_pct"},
		})
		if f := got.A.Figures; f.Posts != 2 || f.Publications != 3 || f.Unrated != 3 || f.Rated != 0 {
			t.Errorf("A figures: %+v", f)
		}

		// The launch post alone: 1 post, 2 publications.
		launch := []reports.Snapshot{snaps[0], snaps[1]}
		one := reports.Compare(all, all, launch, nil, at("2026-10-10T00:00:00Z"), time.UTC)
		if r := one.Rows[0]; r.Indicator != "posts" || !eqF(r.A, fl(1)) {
			t.Errorf("posts row %+v, want 1", r)
		}
		if r := one.Rows[1]; r.Indicator != "publications" || !eqF(r.A, fl(2)) {
			t.Errorf("publications row %+v, want 2", r)
		}
		table := one.Table()
		if got := table[1]; got[0] != "posts" || got[1] != "1" {
			t.Errorf("CSV posts row %v", got)
		}
		if got := table[2]; got[0] != "publications" || got[1] != "2" {
			t.Errorf("CSV publications row %v", got)
		}
		// 6 comments ÷ 1 post.
		if r := one.Rows[4]; r.Indicator != "comments_per_post" || !eqF(r.A, fl(6)) {
			t.Errorf("comments per post %+v, want 6", r)
		}
		series := reports.DailyRates(all, launch, at("2026-10-10T00:00:00Z"), time.UTC)
		if len(series) != 1 || series[0].Posts != 1 || series[0].Publications != 2 {
			t.Errorf("daily series %+v", series)
		}
	})

	t.Run("best times", func(t *testing.T) {
		t.Parallel()
		g := reports.BestTimes(snaps, time.UTC)
		// Monday 9 o'clock: launch (2 publications) and solo (1).
		c := g.Cells[time.Monday][9]
		if c.Posts != 2 || c.Publications != 3 || c.Rated != 0 {
			t.Errorf("Monday 09:00: %+v, want 2 posts, 3 publications", c)
		}
		launch := reports.BestTimes([]reports.Snapshot{snaps[0], snaps[1]}, time.UTC)
		if c := launch.Cells[time.Monday][9]; c.Posts != 1 || c.Publications != 2 {
			t.Errorf("launch alone: %+v, want 1 post, 2 publications", c)
		}
		if launch.Total.Posts != 1 || launch.Total.Publications != 2 {
			t.Errorf("total %+v", launch.Total)
		}
		// CSV: Monday is rows 1..24, hour 9 the tenth.
		if row := launch.Table()[1+9]; row[0] != "Monday" || row[2] != "1" || row[3] != "2" {
			t.Errorf("CSV Monday 09:00 %v, want posts 1, publications 2", row)
		}
	})

	t.Run("leaderboard", func(t *testing.T) {
		t.Parallel()
		r := reports.Leaderboard([]reports.Snapshot{snaps[0], snaps[1]}, at("2026-10-01T00:00:00Z"), at("2026-10-10T00:00:00Z"))
		if len(r.Contributors) != 1 {
			t.Fatalf("contributors %+v", r.Contributors)
		}
		// 6 + 4 + 2 + 2 = 14 earned.
		c := r.Contributors[0]
		if c.Posts != 1 || c.Publications != 2 || c.Published != 2 || c.Engagement != 14 {
			t.Errorf("Ada: %+v, want 1 post, 2 publications, 14 engagement", c)
		}
		if row := r.Table()[1]; row[9] != "1" || row[10] != "2" {
			t.Errorf("CSV row %v, want posts 1, publications 2", row)
		}
	})
}
