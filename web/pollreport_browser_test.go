package web_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

// TestCampaignPolls: a campaign post whose last reading carries a poll's
// votes puts a polls table on the campaign page, with what the campaign
// report says: one poll on Mastodon, its 40 voters, a turnout of 40 × 100
// ÷ 2000 reach = 2 %; none on Bluesky, nothing before.
func TestCampaignPolls(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	var tg *rythme.Target
	for _, x := range f.Posts["launch"].Targets {
		if x.Network == "mastodon" && x.Status == rythme.TargetPublished {
			tg = x
		}
	}
	if tg == nil {
		t.Fatalf("the fixture's launch post has no published Mastodon target: %+v", f.Posts["launch"].Targets)
	}
	// The fixture's figures (seedMetrics), read again an hour later with
	// the poll's votes.
	n := func(v int64) *int64 { return &v }
	must(t, f.Store.SaveReading(context.Background(), tg.ID, rythme.Metrics{At: tg.ScheduledAt.Add(3 * time.Hour),
		Reach: n(2000), Impressions: n(3000), Likes: n(100), Comments: n(20), Shares: n(30),
		Poll: &rythme.PollResults{Votes: 40, Closed: true, Options: []rythme.PollOptionResult{{Title: "Yes", Votes: 25}, {Title: "No", Votes: 15}}}}))

	type side struct {
		Polls            int      `json:"polls"`
		PollVotesPerPoll *float64 `json:"poll_votes_per_poll"`
		PollTurnoutPct   *float64 `json:"poll_turnout_pct"`
	}
	var rep struct {
		Rows []struct {
			Day      int    `json:"day"`
			Network  string `json:"network"`
			Campaign side   `json:"campaign"`
			Before   side   `json:"before"`
		} `json:"rows"`
	}
	if code := f.getJSON(t, "/v1/reports/campaigns/"+f.Campaign.ID+"?tz="+browserZone, &rep); code != 200 {
		t.Fatalf("GET /v1/reports/campaigns/{id}: %d", code)
	}
	want := map[string][]string{
		"mastodon": {"1", "0", "40", "—", "2.00 %", "—"},
		"all":      {"1", "0", "40", "—", "2.00 %", "—"},
		"bluesky":  {"0", "0", "—", "—", "—", "—"},
	}
	for _, r := range rep.Rows {
		if r.Day != 0 {
			continue
		}
		w, ok := want[r.Network]
		if !ok {
			t.Errorf("total row of network %q", r.Network)
			continue
		}
		polled := w[0] == "1"
		c := r.Campaign
		if (c.Polls == 1) != polled || (c.PollVotesPerPoll != nil && *c.PollVotesPerPoll != 40) || (c.PollVotesPerPoll != nil) != polled ||
			(c.PollTurnoutPct != nil && *c.PollTurnoutPct != 2) || (c.PollTurnoutPct != nil) != polled ||
			r.Before.Polls != 0 || r.Before.PollVotesPerPoll != nil || r.Before.PollTurnoutPct != nil {
			t.Errorf("the report's %s totals: campaign %+v, before %+v", r.Network, c, r.Before)
		}
	}

	tb.signIn(f.URL, "#/campaigns/"+f.Campaign.ID, f.Token)
	tb.waitFor(`document.querySelector("#campaign-polls, #campaign-report .hint")`)
	shown := eval[map[string][]string](tb, `Object.fromEntries([...document.querySelectorAll("#campaign-polls tbody tr")].map((tr) =>
		[tr.dataset.network, [...tr.cells].slice(1).map((c) => c.textContent)]))`)
	if len(shown) != len(want) {
		t.Errorf("polls table rows %v, want %v", shown, want)
	}
	for network, w := range want {
		if !slices.Equal(shown[network], w) {
			t.Errorf("polls table, %s: %q, want %q", network, shown[network], w)
		}
	}
	tb.screenshot("campaign-polls")
}
