package reports

import (
	"math"
	"sort"
	"time"
)

// Indicators of a comparison, in the order of its rows.
const (
	IndicatorPosts           = "posts"
	IndicatorPublications    = "publications"
	IndicatorRate            = "engagement_rate_pct"
	IndicatorPooledRate      = "pooled_engagement_rate_pct"
	IndicatorCommentsPerPost = "comments_per_post"
	IndicatorReachPerPost    = "organic_reach_per_post"
	IndicatorReach           = "organic_reach"
	IndicatorLikes           = "likes"
	IndicatorShares          = "shares"
	IndicatorAudienceGrowth  = "audience_growth"
	IndicatorPolls           = "polls"
	IndicatorPollVotes       = "poll_votes_per_poll"
	IndicatorPollTurnout     = "poll_turnout_pct"
)

// Row is one indicator of a comparison: its value for cohort A and B and
// the change from A to B in percent, rounded to 1 decimal. A value is nil
// when no publication of the cohort gave the figure; ChangePct when A is 0 or
// either value is nil.
type Row struct {
	Indicator string   `json:"indicator"`
	A         *float64 `json:"a"`
	B         *float64 `json:"b"`
	ChangePct *float64 `json:"change_pct"`
}

// CohortSummary says what one side of a comparison is made of.
type CohortSummary struct {
	Cohort  string  `json:"cohort"`
	Figures Figures `json:"figures"`
	// From and To are the span audience growth is measured over (see
	// Compare); zero when the cohort has no posts and no period.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// Accounts the cohort's publications went out on, and how many of them
	// have follower counts at both ends of the span.
	Accounts         int `json:"accounts"`
	AudienceAccounts int `json:"audience_accounts"`
}

// Comparison is cohort A against cohort B, indicator by indicator.
type Comparison struct {
	AsOf time.Time     `json:"as_of"`
	A    CohortSummary `json:"a"`
	B    CohortSummary `json:"b"`
	Rows []Row         `json:"rows"`
}

// Compare measures cohorts a and b with every target's last reading at or
// before asOf, and returns one row per indicator, in the order and with
// the definitions of [Definitions] (Figures.Basis says whether reach,
// impressions or both were the rates' denominators; Figures.Unrated counts
// the publications left out of them). A post belongs to a cohort when one
// of its publications does: with network:x, a post on X and Bluesky is one
// post, one publication.
//
// The span of a cohort with a period is that period, its end capped at asOf.
// A cohort without one (or with an open bound) uses the span of its posts:
// from the midnight, in zone (nil: UTC), starting the day of its first
// publication to the midnight ending the day of its last, capped at asOf.
// Followers at the start are the last sample at or before the start (or,
// failing one, the first sample within the span); at the end, the last
// sample at or before the end; an account whose two ends are the same
// sample, or lack one, is left out.
//
// Compare makes one pass over the snapshots and one over the audience.
func Compare(a, b Cohort, snapshots []Snapshot, audience []AudienceSample, asOf time.Time, zone *time.Location) Comparison {
	if zone == nil {
		zone = time.UTC
	}
	readings := latest(snapshots, asOf, func(s *Snapshot) bool { return a.Match(s) || b.Match(s) })
	sa, sb := measure(a, readings, audience, asOf, zone), measure(b, readings, audience, asOf, zone)
	cmp := Comparison{AsOf: asOf, A: sa.summary, B: sb.summary}
	pa, pb := &sa.acc, &sb.acc
	total := func(x *acc, f int) *float64 {
		if t := x.total(f); t != nil {
			return ptr(float64(*t))
		}
		return nil
	}
	cmp.Rows = []Row{
		row(IndicatorPosts, ptr(float64(pa.postCount())), ptr(float64(pb.postCount()))),
		row(IndicatorPublications, ptr(float64(pa.publications)), ptr(float64(pb.publications))),
		row(IndicatorRate, pa.ratePct(), pb.ratePct()),
		row(IndicatorPooledRate, pa.pooledRatePct(), pb.pooledRatePct()),
		row(IndicatorCommentsPerPost, pa.perPost(fComments), pb.perPost(fComments)),
		row(IndicatorReachPerPost, pa.perPost(fReach), pb.perPost(fReach)),
		row(IndicatorReach, total(pa, fReach), total(pb, fReach)),
		row(IndicatorLikes, total(pa, fLikes), total(pb, fLikes)),
		row(IndicatorShares, total(pa, fShares), total(pb, fShares)),
		row(IndicatorAudienceGrowth, sa.growth, sb.growth),
		row(IndicatorPolls, ptr(float64(pa.polls)), ptr(float64(pb.polls))),
		row(IndicatorPollVotes, pa.pollVotesPerPoll(), pb.pollVotesPerPoll()),
		row(IndicatorPollTurnout, pa.pollTurnoutPct(), pb.pollTurnoutPct()),
	}
	return cmp
}

// side is one cohort of a comparison, measured.
type side struct {
	acc     acc
	summary CohortSummary
	growth  *float64
}

// measure adds up the readings of cohort c and its audience growth.
func measure(c Cohort, readings []reading, audience []AudienceSample, asOf time.Time, zone *time.Location) side {
	var sd side
	accounts := map[string]int{} // account → index in audienceEnds
	var first, last time.Time
	for _, r := range readings {
		if !c.Match(r.s) {
			continue
		}
		sd.acc.add(r.s.PostID, &r.s.Metrics)
		if _, ok := accounts[r.s.AccountID]; !ok {
			accounts[r.s.AccountID] = len(accounts)
		}
		if p := r.s.PublishedAt; first.IsZero() || p.Before(first) {
			first = p
		}
		if p := r.s.PublishedAt; p.After(last) {
			last = p
		}
	}
	from, to := span(c, first, last, sd.acc.publications > 0, zone)
	if !to.IsZero() && !asOf.IsZero() && to.After(asOf) {
		to = asOf
	}
	sum := CohortSummary{Cohort: c.String(), Figures: sd.acc.figures(), From: from, To: to, Accounts: len(accounts)}
	if !from.IsZero() && !to.IsZero() && from.Before(to) {
		var growth int64
		for _, e := range audienceEnds(audience, accounts, from, to) {
			if g, ok := e.growth(audience); ok {
				growth += g
				sum.AudienceAccounts++
			}
		}
		if sum.AudienceAccounts > 0 {
			sd.growth = ptr(float64(growth))
		}
	}
	sd.summary = sum
	return sd
}

func row(indicator string, a, b *float64) Row {
	return Row{Indicator: indicator, A: a, B: b, ChangePct: ChangePct(a, b)}
}

// ChangePct returns (b − a) / |a| × 100 rounded to 1 decimal (half away
// from zero), or nil when a is 0 or either is nil. See the package doc.
func ChangePct(a, b *float64) *float64 {
	if a == nil || b == nil || *a == 0 {
		return nil
	}
	v := math.Round((*b-*a)/math.Abs(*a)*100*10) / 10
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	if v == 0 {
		v = 0 // no "-0"
	}
	return &v
}

// span is the time span of cohort c: its period, with an open bound
// replaced by the whole days (in zone) of its first or last post; zero
// times when a bound is open and the cohort has no post.
func span(c Cohort, first, last time.Time, hasPosts bool, zone *time.Location) (time.Time, time.Time) {
	from, to := c.From, c.To
	if from.IsZero() && hasPosts {
		from = startOfDay(first, zone)
	}
	if to.IsZero() && hasPosts {
		to = startOfDay(last, zone)
		y, m, d := to.Date()
		to = time.Date(y, m, d+1, 0, 0, 0, 0, zone)
	}
	return from, to
}

func startOfDay(t time.Time, zone *time.Location) time.Time {
	y, m, d := t.In(zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, zone)
}

// ends are one account's follower samples bounding a span (indexes into
// the audience, -1 for none): the last at or before the start, the first
// after it within the span, the last at or before the end.
type ends struct{ before, after, end int }

func (e ends) growth(audience []AudienceSample) (int64, bool) {
	start := e.before
	if start < 0 {
		start = e.after
	}
	if start < 0 || e.end < 0 || !audience[e.end].At.After(audience[start].At) {
		return 0, false
	}
	return audience[e.end].Followers - audience[start].Followers, true
}

// audienceEnds finds, for each account (by index), its ends over [from, to].
func audienceEnds(audience []AudienceSample, accounts map[string]int, from, to time.Time) []ends {
	out := make([]ends, len(accounts))
	for i := range out {
		out[i] = ends{-1, -1, -1}
	}
	for i := range audience {
		s := &audience[i]
		j, ok := accounts[s.AccountID]
		if !ok || s.At.After(to) {
			continue
		}
		e := &out[j]
		if !s.At.After(from) {
			if e.before < 0 || !s.At.Before(audience[e.before].At) {
				e.before = i
			}
		} else if e.after < 0 || s.At.Before(audience[e.after].At) {
			e.after = i
		}
		if e.end < 0 || !s.At.Before(audience[e.end].At) {
			e.end = i
		}
	}
	return out
}

// Denominator is what the comparison's rates were divided by, over both
// cohorts: a side without rated posts does not count; BasisMixed when the
// two sides differ.
func (c Comparison) Denominator() string {
	a, b := c.A.Figures, c.B.Figures
	switch {
	case a.Basis == b.Basis, b.Rated == 0:
		return a.Basis
	case a.Rated == 0:
		return b.Basis
	}
	return BasisMixed
}

// DayRate is a cohort's mean engagement rate (in percent, nil when no
// publication of the day is rated) over the publications of one day, and
// how many posts and publications that day has.
type DayRate struct {
	Date         string   `json:"date"`
	RatePct      *float64 `json:"engagement_rate_pct"`
	Posts        int      `json:"posts"`
	Publications int      `json:"publications"`
}

// DailyRates is cohort co's mean engagement rate per publication day (in
// zone), each target at its last reading at or before asOf, days in order.
func DailyRates(co Cohort, snapshots []Snapshot, asOf time.Time, zone *time.Location) []DayRate {
	days := map[string]*acc{}
	for _, r := range latest(snapshots, asOf, co.Match) {
		k := r.s.PublishedAt.In(zone).Format(dateLayout)
		if days[k] == nil {
			days[k] = &acc{}
		}
		days[k].add(r.s.PostID, &r.s.Metrics)
	}
	out := make([]DayRate, 0, len(days))
	for k, d := range days {
		out = append(out, DayRate{Date: k, RatePct: d.ratePct(), Posts: d.postCount(), Publications: d.publications})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out
}
