package reports

import (
	"sort"
	"time"
)

// AllNetworks is the Network of the rows that sum every network.
const AllNetworks = "all"

// CampaignRow compares one day (or the whole span, Day 0) on one network
// (or AllNetworks) of a campaign with the same day of the span before it.
type CampaignRow struct {
	// Day is 1 for the first day of the span; 0 on the total rows.
	Day int `json:"day"`
	// Date and BeforeDate are the days compared, YYYY-MM-DD in the
	// report's zone; "" on the total rows.
	Date       string  `json:"date,omitempty"`
	BeforeDate string  `json:"before_date,omitempty"`
	Network    string  `json:"network"`
	Campaign   Figures `json:"campaign"`
	Before     Figures `json:"before"`
	// Changes from Before to Campaign, in percent (see ChangePct).
	PostsChangePct      *float64 `json:"posts_change_pct"`
	EngagementChangePct *float64 `json:"engagement_change_pct"`
	RateChangePct       *float64 `json:"rate_change_pct"`
}

// CampaignComparison is a campaign against the span of equal length right
// before it, per day and per network.
type CampaignComparison struct {
	Cohort string `json:"cohort"`
	Zone   string `json:"zone"`
	// The campaign's span [From, To) and the span before it [BeforeFrom,
	// From), both Days whole days long.
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	BeforeFrom time.Time `json:"before_from"`
	Days       int       `json:"days"`
	// AsOf bounds the campaign's readings; BeforeAsOf, AsOf moved back by
	// the span's length, the readings of the span before.
	AsOf       time.Time `json:"as_of"`
	BeforeAsOf time.Time `json:"before_as_of"`
	// Rows: for each day, one row per network (sorted) then AllNetworks;
	// then the totals (Day 0) in the same order.
	Rows []CampaignRow `json:"rows"`
}

// CampaignReport compares a campaign, given as a cohort (campaign:42, a
// themed week as tag:…, possibly narrowed to a network or an author), with
// the span of equal length right before it.
//
// The campaign's span is its period, or else the whole days (in zone, nil:
// UTC) from its first post to its last; it must be made of whole days in
// zone (ParseCohort's periods are). The span before has the same number of
// days and ends where the campaign starts. Its posts are every post
// published in it that matches the cohort's network and author (campaign,
// tag and period dropped): what the team published before.
//
// Posts are compared at the same age: the campaign's with their last
// reading at or before asOf, the span before's with their last reading at
// or before asOf moved back by the span's length. A post counts on the day
// of its publication in zone. An empty campaign without a period gives a
// report with no days and no rows.
func CampaignReport(campaign Cohort, snapshots []Snapshot, asOf time.Time, zone *time.Location) CampaignComparison {
	if zone == nil {
		zone = time.UTC
	}
	out := CampaignComparison{Cohort: campaign.String(), Zone: zone.String(), AsOf: asOf}
	camp := latest(snapshots, asOf, campaign.Match)
	var first, last time.Time
	for _, r := range camp {
		if p := r.s.PublishedAt; first.IsZero() || p.Before(first) {
			first = p
		}
		if p := r.s.PublishedAt; p.After(last) {
			last = p
		}
	}
	from, to := span(campaign, first, last, len(camp) > 0, zone)
	if from.IsZero() || to.IsZero() || !from.Before(to) {
		return out
	}
	days := dayNumber(to.Add(-time.Nanosecond), zone) - dayNumber(from, zone) + 1
	beforeFrom := from.In(zone).AddDate(0, 0, -days)
	out.From, out.To, out.BeforeFrom, out.Days = from, to, beforeFrom, days
	if !asOf.IsZero() {
		out.BeforeAsOf = asOf.Add(-from.Sub(beforeFrom))
	}
	baseline := Cohort{From: beforeFrom, To: from, Network: campaign.Network, Author: campaign.Author}
	before := latest(snapshots, out.BeforeAsOf, baseline.Match)

	// Networks, sorted, then AllNetworks.
	seen := map[string]int{}
	var nets []string
	for _, rs := range [2][]reading{camp, before} {
		for _, r := range rs {
			if _, ok := seen[r.s.Network]; !ok {
				seen[r.s.Network] = 0
				nets = append(nets, r.s.Network)
			}
		}
	}
	sort.Strings(nets)
	for i, n := range nets {
		seen[n] = i
	}
	cols := len(nets) + 1
	// accs[side][day*cols+net], day == days for the totals.
	var accs [2][]acc
	for k, rs := range [2][]reading{camp, before} {
		accs[k] = make([]acc, (days+1)*cols)
		start := dayNumber(from, zone)
		if k == 1 {
			start = dayNumber(beforeFrom, zone)
		}
		for _, r := range rs {
			d := dayNumber(r.s.PublishedAt, zone) - start
			if d < 0 || d >= days {
				continue
			}
			n := seen[r.s.Network]
			for _, cell := range [4]int{d*cols + n, d*cols + cols - 1, days*cols + n, days*cols + cols - 1} {
				accs[k][cell].add(r.s.PostID, &r.s.Metrics)
			}
		}
	}
	out.Rows = make([]CampaignRow, 0, (days+1)*cols)
	for d := 0; d <= days; d++ {
		for n := 0; n < cols; n++ {
			r := CampaignRow{Network: AllNetworks}
			if n < len(nets) {
				r.Network = nets[n]
			}
			if d < days {
				r.Day = d + 1
				r.Date = from.In(zone).AddDate(0, 0, d).Format(dateLayout)
				r.BeforeDate = beforeFrom.AddDate(0, 0, d).Format(dateLayout)
			}
			c, b := &accs[0][d*cols+n], &accs[1][d*cols+n]
			r.Campaign, r.Before = c.figures(), b.figures()
			r.PostsChangePct = ChangePct(ptr(float64(b.postCount())), ptr(float64(c.postCount())))
			r.EngagementChangePct = ChangePct(intPtrFloat(r.Before.Engagement), intPtrFloat(r.Campaign.Engagement))
			r.RateChangePct = ChangePct(r.Before.RatePct, r.Campaign.RatePct)
			out.Rows = append(out.Rows, r)
		}
	}
	return out
}

// dayNumber is the civil day of t in zone, counted from 1970-01-01: two
// times a day apart differ by 1 whatever DST does.
func dayNumber(t time.Time, zone *time.Location) int {
	y, m, d := t.In(zone).Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func intPtrFloat(p *int64) *float64 {
	if p == nil {
		return nil
	}
	return ptr(float64(*p))
}
