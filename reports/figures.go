package reports

import (
	"time"

	"github.com/rythmehq/rythme"
)

// What an engagement rate was divided by.
const (
	BasisReach       = "reach"       // engagement / reach
	BasisImpressions = "impressions" // engagement / impressions (no reach given)
	BasisMixed       = "mixed"       // a set of posts where both occur
	BasisNone        = "none"        // no rate (no denominator, or no interaction counts)
)

// PostFigures are one publication's (target's: one post on one account)
// normalised figures at one reading.
// Nil means the network did not give the figure.
type PostFigures struct {
	TargetID    string    `json:"target_id"`
	PostID      string    `json:"post_id"`
	AccountID   string    `json:"account_id"`
	Network     string    `json:"network"`
	Author      string    `json:"author,omitempty"`
	CampaignID  string    `json:"campaign_id,omitempty"`
	Tags        []string  `json:"tags,omitempty"`
	PublishedAt time.Time `json:"published_at"`
	At          time.Time `json:"at"` // when the figures were read
	Deleted     bool      `json:"deleted,omitempty"`

	Impressions *int64 `json:"impressions"`
	Reach       *int64 `json:"reach"`
	Likes       *int64 `json:"likes"`
	Comments    *int64 `json:"comments"`
	Shares      *int64 `json:"shares"`
	Saves       *int64 `json:"saves"`
	Clicks      *int64 `json:"clicks"`
	VideoViews  *int64 `json:"video_views"`
	// Engagement is likes + comments + shares + saves over the fields
	// given; nil when none of the four is.
	Engagement *int64 `json:"engagement"`
	// RatePct is the engagement rate in percent, nil when Basis is
	// BasisNone; Basis is BasisReach, BasisImpressions or BasisNone.
	RatePct *float64 `json:"rate_pct"`
	Basis   string   `json:"basis"`
}

// Normalise returns the figures of one snapshot.
func Normalise(s Snapshot) PostFigures {
	m := &s.Metrics
	f := PostFigures{
		TargetID: s.TargetID, PostID: s.PostID, AccountID: s.AccountID, Network: s.Network,
		Author: s.Author, CampaignID: s.CampaignID, Tags: s.Tags,
		PublishedAt: s.PublishedAt, At: s.At, Deleted: m.Deleted,
		Impressions: m.Impressions, Reach: m.Reach, Likes: m.Likes, Comments: m.Comments,
		Shares: m.Shares, Saves: m.Saves, Clicks: m.Clicks, VideoViews: m.VideoViews,
	}
	if e, ok := engagement(m); ok {
		f.Engagement = &e
	}
	rate, basis := rateOf(m)
	f.Basis = basis
	if basis != BasisNone {
		f.RatePct = &rate
	}
	return f
}

// PostList is the per-publication report: normalised figures, one row a
// target.
type PostList []PostFigures

// Posts returns the figures of every target at its last reading at or
// before asOf (zero: no bound), sorted by TargetID (see [Latest]).
func Posts(snapshots []Snapshot, asOf time.Time) PostList {
	latest := Latest(snapshots, asOf)
	out := make(PostList, len(latest))
	for i, s := range latest {
		out[i] = Normalise(s)
	}
	return out
}

// engagement sums the interaction counts given; ok is false when none is.
func engagement(m *rythme.Metrics) (sum int64, ok bool) {
	for _, p := range [4]*int64{m.Likes, m.Comments, m.Shares, m.Saves} {
		if p != nil {
			sum += *p
			ok = true
		}
	}
	return sum, ok
}

// rateOf returns the engagement rate in percent and its basis (BasisNone,
// rate 0, when there is none). Computed as engagement × 100 / denominator
// so that round figures stay exact (10 × 100 / 200 is exactly 5).
func rateOf(m *rythme.Metrics) (float64, string) {
	e, ok := engagement(m)
	if !ok {
		return 0, BasisNone
	}
	switch {
	case m.Reach != nil && *m.Reach > 0:
		return float64(e) * 100 / float64(*m.Reach), BasisReach
	case m.Impressions != nil && *m.Impressions > 0:
		return float64(e) * 100 / float64(*m.Impressions), BasisImpressions
	}
	return 0, BasisNone
}

// Indexes of the metric fields in an accumulator.
const (
	fImpressions = iota
	fReach
	fLikes
	fComments
	fShares
	fSaves
	fClicks
	fVideoViews
	fEngagement
	nFields
)

// Figures are the aggregate figures of a set of publications. Totals are
// nil when no publication of the set gave the field (see the package doc on
// nil fields).
type Figures struct {
	// Posts are the posts (calendar rows) with a publication in the set,
	// each counted once; Publications the publications (a post on one
	// account) in it. A post on 2 networks is 1 post, 2 publications.
	Posts        int `json:"posts"`
	Publications int `json:"publications"`
	// Rated publications have an engagement rate; Unrated = Publications −
	// Rated.
	Rated   int `json:"rated"`
	Unrated int `json:"unrated"`
	// RatePct is the mean of the rated publications' rates (nil when none
	// is); Basis says what they were divided by.
	RatePct     *float64 `json:"rate_pct"`
	Basis       string   `json:"basis"`
	Engagement  *int64   `json:"engagement"`
	Impressions *int64   `json:"impressions"`
	Reach       *int64   `json:"reach"`
	Likes       *int64   `json:"likes"`
	Comments    *int64   `json:"comments"`
	Shares      *int64   `json:"shares"`
	Saves       *int64   `json:"saves"`
	Clicks      *int64   `json:"clicks"`
	VideoViews  *int64   `json:"video_views"`
	// Polls are the publications whose reading carries poll results (a
	// native poll whose votes were read back; 0 when none does);
	// PollVotesPerPoll the mean of their voters (see
	// [rythme.PollResults.Turnout]), nil when Polls is 0; PollTurnoutPct
	// the mean of their turnouts in percent (voters × 100 ÷ reach, or ÷
	// impressions), over TurnoutPolls, the polls with either; nil when
	// none has (see [Definitions]).
	Polls            int      `json:"polls"`
	PollVotesPerPoll *float64 `json:"poll_votes_per_poll"`
	PollTurnoutPct   *float64 `json:"poll_turnout_pct"`
	TurnoutPolls     int      `json:"turnout_polls"`
}

// acc accumulates figures: totals and rates over publications, and the
// posts behind them (one map entry a post).
type acc struct {
	publications, byReach, byImpressions int
	// posts holds, for each post, the fields (bit f) that at least one of
	// its publications gave: "per post" figures divide by these posts.
	posts   map[string]uint16
	rateSum float64
	// pooledEng and pooledDen are the engagement and the denominators
	// (reach, or impressions) of the rated publications: the pooled rate.
	pooledEng, pooledDen int64
	sum                  [nFields]int64
	given                [nFields]int
	// polls counts the publications with poll results, pollVoters adds up
	// their voters; turnouts counts those with a reach (or impressions),
	// turnoutSum adds up their turnouts in percent.
	polls, turnouts int
	pollVoters      int64
	turnoutSum      float64
}

// add counts one publication of post postID, with its figures m.
func (a *acc) add(postID string, m *rythme.Metrics) {
	a.publications++
	if a.posts == nil {
		a.posts = map[string]uint16{}
	}
	bits := a.posts[postID]
	for i, p := range [...]*int64{m.Impressions, m.Reach, m.Likes, m.Comments, m.Shares, m.Saves, m.Clicks, m.VideoViews} {
		if p != nil {
			a.sum[i] += *p
			a.given[i]++
			bits |= 1 << i
		}
	}
	if e, ok := engagement(m); ok {
		a.sum[fEngagement] += e
		a.given[fEngagement]++
		bits |= 1 << fEngagement
	}
	a.posts[postID] = bits
	a.addPoll(m)
	rate, basis := rateOf(m)
	switch basis {
	case BasisReach:
		a.byReach++
		a.pooledDen += *m.Reach
	case BasisImpressions:
		a.byImpressions++
		a.pooledDen += *m.Impressions
	default:
		return
	}
	e, _ := engagement(m)
	a.pooledEng += e
	a.rateSum += rate
}

func (a *acc) rated() int { return a.byReach + a.byImpressions }

// addPoll counts the poll results of a publication's reading, if any.
func (a *acc) addPoll(m *rythme.Metrics) {
	if m.Poll == nil {
		return
	}
	voters := m.Poll.Turnout()
	a.polls++
	a.pollVoters += voters
	if den, ok := audienceOf(m); ok {
		a.turnouts++
		a.turnoutSum += float64(voters) * 100 / float64(den)
	}
}

// audienceOf is what a publication's rates are divided by: its reach, or
// its impressions where the network gives no reach (or a reach of 0); ok
// is false when it has neither above 0.
func audienceOf(m *rythme.Metrics) (int64, bool) {
	switch {
	case m.Reach != nil && *m.Reach > 0:
		return *m.Reach, true
	case m.Impressions != nil && *m.Impressions > 0:
		return *m.Impressions, true
	}
	return 0, false
}

// pollVotesPerPoll is the mean of the polls' voters, nil without polls.
func (a *acc) pollVotesPerPoll() *float64 {
	if a.polls == 0 {
		return nil
	}
	return ptr(float64(a.pollVoters) / float64(a.polls))
}

// pollTurnoutPct is the mean of the polls' turnouts in percent, nil when
// no poll has a reach or impressions.
func (a *acc) pollTurnoutPct() *float64 {
	if a.turnouts == 0 {
		return nil
	}
	return ptr(a.turnoutSum / float64(a.turnouts))
}

func (a *acc) basis() string {
	switch {
	case a.byReach > 0 && a.byImpressions > 0:
		return BasisMixed
	case a.byReach > 0:
		return BasisReach
	case a.byImpressions > 0:
		return BasisImpressions
	}
	return BasisNone
}

// ratePct is the mean rate, nil when no publication is rated.
func (a *acc) ratePct() *float64 {
	if a.rated() == 0 {
		return nil
	}
	return ptr(a.rateSum / float64(a.rated()))
}

// pooledRatePct is the rated publications' engagement × 100 / the sum of
// their denominators, nil when no publication is rated.
func (a *acc) pooledRatePct() *float64 {
	if a.rated() == 0 || a.pooledDen == 0 {
		return nil
	}
	return ptr(float64(a.pooledEng) * 100 / float64(a.pooledDen))
}

// total is the sum of field f, nil when no publication gave it.
func (a *acc) total(f int) *int64 {
	if a.given[f] == 0 {
		return nil
	}
	v := a.sum[f]
	return &v
}

// postCount is the number of posts with a publication in the set.
func (a *acc) postCount() int { return len(a.posts) }

// perPost is total(f) / the posts with at least one publication that gave
// f (a post on 2 networks counts once), nil when none did.
func (a *acc) perPost(f int) *float64 {
	if a.given[f] == 0 {
		return nil
	}
	posts := 0
	for _, bits := range a.posts {
		if bits&(1<<f) != 0 {
			posts++
		}
	}
	return ptr(float64(a.sum[f]) / float64(posts))
}

func (a *acc) figures() Figures {
	return Figures{
		Posts: a.postCount(), Publications: a.publications, Rated: a.rated(), Unrated: a.publications - a.rated(),
		RatePct: a.ratePct(), Basis: a.basis(),
		Engagement: a.total(fEngagement), Impressions: a.total(fImpressions), Reach: a.total(fReach),
		Likes: a.total(fLikes), Comments: a.total(fComments), Shares: a.total(fShares),
		Saves: a.total(fSaves), Clicks: a.total(fClicks), VideoViews: a.total(fVideoViews),
		Polls: a.polls, PollVotesPerPoll: a.pollVotesPerPoll(), PollTurnoutPct: a.pollTurnoutPct(), TurnoutPolls: a.turnouts,
	}
}

func ptr[T any](v T) *T { return &v }
