package reports_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/reports"
)

// campaignData: campaign 7 runs on Oct 26–27 2026 in Paris (CET, the clocks
// went back on the 25th); the span before is Oct 24–25, 49 hours long.
// asOf is Oct 30 00:00 UTC, so the span before is read as of Oct 27 23:00 UTC.
//
//	campaign  day 1 x        c1 20 likes / 1000 impressions = 2 %
//	          day 2 mastodon c2 (23:30 CET on the 27th) 6 likes, no rate
//	          day 2 x        c3 10 likes / 250 impressions = 4 %
//	before    day 1 x        d1 (00:30 CEST on the 24th) 10 likes / 1000 = 1 %
//	          day 2 mastodon d2 3 likes, no rate
//
// Polls: c1 has 50 votes on X (single choice: 50 voters) / 1000
// impressions = 5 % turnout; c2 a multiple-choice poll on Mastodon, 12
// votes by 8 voters, no turnout (no reach nor impressions); d1 20 votes /
// 1000 = 2 %. Readings after asOf (c1's 9999 votes, d1's 999) are not used.
func campaignData() []reports.Snapshot {
	c := func(s reports.Snapshot) reports.Snapshot { s.CampaignID = "7"; return s }
	eight := int64(8)
	return []reports.Snapshot{
		c(snap("c1", "x", "Ada", "2026-10-26T09:00:00Z", "2026-10-29T00:00:00Z", rythme.Metrics{Impressions: n(1000), Likes: n(20),
			Poll: &rythme.PollResults{Votes: 50, Options: []rythme.PollOptionResult{{Title: "Yes", Votes: 30}, {Title: "No", Votes: 20}}}})),
		c(snap("c1", "x", "Ada", "2026-10-26T09:00:00Z", "2026-10-31T00:00:00Z", rythme.Metrics{Impressions: n(9000), Likes: n(999),
			Poll: &rythme.PollResults{Votes: 9999}})),
		c(snap("c2", "mastodon", "Ada", "2026-10-27T22:30:00Z", "2026-10-29T00:00:00Z", rythme.Metrics{Likes: n(6),
			Poll: &rythme.PollResults{Votes: 12, Voters: &eight, Options: []rythme.PollOptionResult{{Title: "A", Votes: 7}, {Title: "B", Votes: 5}}}})),
		c(snap("c3", "x", "Bob", "2026-10-27T10:00:00Z", "2026-10-29T00:00:00Z", rythme.Metrics{Impressions: n(250), Likes: n(10)})),
		snap("d1", "x", "Ada", "2026-10-23T22:30:00Z", "2026-10-26T00:00:00Z", rythme.Metrics{Impressions: n(1000), Likes: n(10),
			Poll: &rythme.PollResults{Votes: 20}}),
		snap("d1", "x", "Ada", "2026-10-23T22:30:00Z", "2026-10-28T00:00:00Z", rythme.Metrics{Impressions: n(5000), Likes: n(50),
			Poll: &rythme.PollResults{Votes: 999}}),
		snap("d2", "mastodon", "Ada", "2026-10-25T12:00:00Z", "2026-10-26T00:00:00Z", rythme.Metrics{Likes: n(3)}),
		// Oct 26 00:30 CET without the campaign: in neither span.
		snap("d3", "x", "Ada", "2026-10-25T23:30:00Z", "2026-10-26T12:00:00Z", rythme.Metrics{Likes: n(40)}),
		// Oct 23 23:30 CEST: before the span before.
		snap("d4", "x", "Ada", "2026-10-23T21:30:00Z", "2026-10-26T00:00:00Z", rythme.Metrics{Likes: n(40)}),
	}
}

func TestCampaignReport(t *testing.T) {
	t.Parallel()
	zone := paris(t)
	cohort, err := reports.ParseCohort("campaign:7+period:2026-10-26..2026-10-27", zone)
	if err != nil {
		t.Fatal(err)
	}
	got := reports.CampaignReport(cohort, campaignData(), at("2026-10-30T00:00:00Z"), zone)
	if got.Days != 2 || !got.From.Equal(at("2026-10-25T23:00:00Z")) || !got.To.Equal(at("2026-10-27T23:00:00Z")) ||
		!got.BeforeFrom.Equal(at("2026-10-23T22:00:00Z")) || !got.BeforeAsOf.Equal(at("2026-10-27T23:00:00Z")) {
		t.Errorf("days %d, span [%s, %s), before from %s as of %s", got.Days, got.From, got.To, got.BeforeFrom, got.BeforeAsOf)
	}
	var buf bytes.Buffer
	if err := reports.WriteCSV(&buf, got); err != nil {
		t.Fatal(err)
	}
	// Columns: day, date, before_date, network, posts (campaign, before,
	// change), publications (campaign, before: one a post here),
	// engagement (…), rate (…), bases, unrated, then likes,
	// comments, shares, saves, reach, impressions, polls, poll votes per
	// poll, poll turnout (campaign, before). All polls: (50 + 8) ÷ 2 = 29
	// votes per poll; turnout 5 % (c2 has none).
	want := strings.Join([]string{
		"day,date,before_date,network,campaign_posts,before_posts,posts_change_pct,campaign_publications,before_publications,campaign_engagement,before_engagement,engagement_change_pct,campaign_rate_pct,before_rate_pct,rate_change_pct,campaign_basis,before_basis,campaign_unrated,before_unrated,campaign_likes,before_likes,campaign_comments,before_comments,campaign_shares,before_shares,campaign_saves,before_saves,campaign_reach,before_reach,campaign_impressions,before_impressions,campaign_polls,before_polls,campaign_poll_votes_per_poll,before_poll_votes_per_poll,campaign_poll_turnout_pct,before_poll_turnout_pct",
		"1,2026-10-26,2026-10-24,mastodon,0,0,,0,0,,,,,,,none,none,0,0,,,,,,,,,,,,,0,0,,,,",
		"1,2026-10-26,2026-10-24,x,1,1,0,1,1,20,10,100,2,1,100,impressions,impressions,0,0,20,10,,,,,,,,,1000,1000,1,1,50,20,5,2",
		"1,2026-10-26,2026-10-24,all,1,1,0,1,1,20,10,100,2,1,100,impressions,impressions,0,0,20,10,,,,,,,,,1000,1000,1,1,50,20,5,2",
		"2,2026-10-27,2026-10-25,mastodon,1,1,0,1,1,6,3,100,,,,none,none,1,1,6,3,,,,,,,,,,,1,0,8,,,",
		"2,2026-10-27,2026-10-25,x,1,0,,1,0,10,,,4,,,impressions,none,0,0,10,,,,,,,,,,250,,0,0,,,,",
		"2,2026-10-27,2026-10-25,all,2,1,100,2,1,16,3,433.3,4,,,impressions,none,1,1,16,3,,,,,,,,,250,,1,0,8,,,",
		"total,,,mastodon,1,1,0,1,1,6,3,100,,,,none,none,1,1,6,3,,,,,,,,,,,1,0,8,,,",
		"total,,,x,2,1,100,2,1,30,10,200,3,1,200,impressions,impressions,0,0,30,10,,,,,,,,,1250,1000,1,1,50,20,5,2",
		"total,,,all,3,2,50,3,2,36,13,176.9,3,1,200,impressions,impressions,1,1,36,13,,,,,,,,,1250,1000,2,1,29,20,5,2",
	}, "\n") + "\n"
	if buf.String() != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", buf.String(), want)
	}
	// The JSON's figures: exact, and how many polls the turnout is over.
	total := got.Rows[len(got.Rows)-1]
	if c := total.Campaign; total.Network != reports.AllNetworks || c.Polls != 2 || c.TurnoutPolls != 1 ||
		!eqF(c.PollVotesPerPoll, fl(29)) || !eqF(c.PollTurnoutPct, fl(5)) {
		t.Errorf("campaign total: %+v", c)
	}
	if b := total.Before; b.Polls != 1 || b.TurnoutPolls != 1 || !eqF(b.PollVotesPerPoll, fl(20)) || !eqF(b.PollTurnoutPct, fl(2)) {
		t.Errorf("before total: %+v", b)
	}
}

// A campaign without a period spans the whole days of its posts.
func TestCampaignReportSpanOfPosts(t *testing.T) {
	t.Parallel()
	zone := paris(t)
	got := reports.CampaignReport(reports.Cohort{Campaign: "7"}, campaignData(), at("2026-10-30T00:00:00Z"), zone)
	if got.Days != 2 || !got.From.Equal(at("2026-10-25T23:00:00Z")) || len(got.Rows) != 9 {
		t.Errorf("days %d from %s rows %d", got.Days, got.From, len(got.Rows))
	}
	empty := reports.CampaignReport(reports.Cohort{Campaign: "none"}, campaignData(), at("2026-10-30T00:00:00Z"), zone)
	if empty.Days != 0 || len(empty.Rows) != 0 || empty.Cohort != "campaign:none" {
		t.Errorf("empty campaign: %+v", empty)
	}
}
