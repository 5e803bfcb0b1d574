package threads

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/meta"
)

var _ connectors.PollReader = (*Connector)(nil)

// pollFields asks the media object for its poll
// (https://developers.facebook.com/documentation/threads/create-posts/polls,
// "Media retrieval").
const pollFields = "poll_attachment{option_a,option_b,option_c,option_d,option_a_votes_percentage," +
	"option_b_votes_percentage,option_c_votes_percentage,option_d_votes_percentage,total_votes,expiration_timestamp}"

// pollRead is the media object's poll_attachment: the options, each
// one's share of the votes as a fraction (0.10 for a tenth, as the docs'
// example), total_votes and expiration_timestamp
// ("2025-01-01T23:00:00+0000"); option C and D fields only when the poll
// has them.
type pollRead struct {
	OptionA string   `json:"option_a"`
	OptionB string   `json:"option_b"`
	OptionC *string  `json:"option_c"`
	OptionD *string  `json:"option_d"`
	ShareA  float64  `json:"option_a_votes_percentage"`
	ShareB  float64  `json:"option_b_votes_percentage"`
	ShareC  *float64 `json:"option_c_votes_percentage"`
	ShareD  *float64 `json:"option_d_votes_percentage"`
	Total   int64    `json:"total_votes"`
	Expires string   `json:"expiration_timestamp"`
}

// FetchPolls reads each post's poll with
// GET /{threads-media-id}?fields=poll_attachment{…}: one call per post
// (Threads has no multiple-id read), which is why the poller asks only for
// the posts that carry a poll. A post without one, or deleted, is nil.
func (c *Connector) FetchPolls(ctx context.Context, _ *rythme.Account, client *http.Client, externalIDs []string) ([]*rythme.PollResults, error) {
	out := make([]*rythme.PollResults, len(externalIDs))
	now := c.cfg.Now()
	for i, id := range externalIDs {
		if id == "" {
			continue
		}
		var m struct {
			Poll *pollRead `json:"poll_attachment"`
		}
		err := meta.Get(ctx, client, c.graph()+"/"+url.PathEscape(id), url.Values{"fields": {pollFields}}, c.cfg.Now, &m)
		if meta.Deleted(err) {
			continue
		} else if err != nil {
			return nil, err
		}
		if m.Poll != nil {
			out[i] = m.Poll.results(now)
		}
	}
	return out, nil
}

// results turns the attachment into votes per option: Threads gives each
// option's share and the total, so the counts are the shares of the total,
// rounded so that they add up to it (largest remainders). A Threads poll
// takes one choice per voter: total_votes is also how many voted. It is
// closed once expiration_timestamp is past.
func (a *pollRead) results(now time.Time) *rythme.PollResults {
	titles := []string{a.OptionA, a.OptionB}
	shares := []float64{a.ShareA, a.ShareB}
	if a.OptionC != nil {
		titles, shares = append(titles, *a.OptionC), append(shares, deref(a.ShareC))
		if a.OptionD != nil {
			titles, shares = append(titles, *a.OptionD), append(shares, deref(a.ShareD))
		}
	}
	r := &rythme.PollResults{Options: make([]rythme.PollOptionResult, len(titles)), Votes: max(a.Total, 0)}
	for i, t := range titles {
		r.Options[i].Title = t
	}
	for i, n := range apportion(r.Votes, shares) {
		r.Options[i].Votes = n
	}
	if t, err := time.Parse("2006-01-02T15:04:05-0700", a.Expires); err == nil && !now.Before(t) {
		r.Closed = true
	}
	return r
}

func deref(f *float64) float64 {
	if f == nil {
		return 0
	}
	return *f
}

// apportion splits total by shares (fractions, summing to about 1): each
// gets the floor of its part, and what is left goes one by one to the
// largest remainders, so that the counts add up to total when the shares
// do. Shares out of [0, 1] count as 0.
func apportion(total int64, shares []float64) []int64 {
	out := make([]int64, len(shares))
	if total <= 0 || len(shares) == 0 {
		return out
	}
	type rem struct {
		i int
		f float64
	}
	rems := make([]rem, len(shares))
	left := total
	for i, s := range shares {
		if math.IsNaN(s) || s < 0 || s > 1 {
			s = 0
		}
		exact := s * float64(total)
		out[i] = int64(math.Floor(exact + 1e-9))
		left -= out[i]
		rems[i] = rem{i, exact - float64(out[i])}
	}
	sort.SliceStable(rems, func(x, y int) bool { return rems[x].f > rems[y].f })
	for k := 0; left > 0 && k < len(rems); k++ {
		if rems[k].f <= 1e-9 {
			break // the shares add up to less than the total: leave it
		}
		out[rems[k].i]++
		left--
	}
	return out
}
