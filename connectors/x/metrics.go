package x

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// MaxLookupIDs is how many ids GET /2/tweets takes at once
// (https://docs.x.com/x-api/posts/post-lookup-by-post-ids).
const MaxLookupIDs = 100

// privateFields are the metrics only the author's token may read, for
// posts of the last 30 days
// (https://docs.x.com/x-api/fundamentals/metrics).
const privateFields = "non_public_metrics,organic_metrics"

type lookupAnswer struct {
	Data []struct {
		ID            string           `json:"id"`
		PublicMetrics map[string]int64 `json:"public_metrics"`
		NonPublic     map[string]int64 `json:"non_public_metrics"`
		Organic       map[string]int64 `json:"organic_metrics"`
		Attachments   struct {
			PollIDs []string `json:"poll_ids"`
		} `json:"attachments"`
	} `json:"data"`
	Includes struct {
		Polls []xPoll `json:"polls"`
	} `json:"includes"`
	Errors []struct {
		Value      string `json:"value"`
		ResourceID string `json:"resource_id"`
		Title      string `json:"title"`
		Type       string `json:"type"`
	} `json:"errors"`
}

// FetchMetrics reads posts 100 at a time with
// GET /2/tweets?ids=…&post.fields=public_metrics,non_public_metrics,organic_metrics,attachments
// &expansions=attachments.poll_ids (a poll's votes per option, in includes.polls)
// (the parameter is post.fields in X's OpenAPI document, which the
// connector is checked against; docs.x.com still says tweet.fields).
// When X refuses the private fields for the whole request, the batch is
// asked again with public_metrics only; a post X answers "Not Found
// Error" for was deleted. Likes are like_count, comments reply_count,
// shares repost_count (retweet_count in older answers) + quote_count, impressions impression_count, saves
// bookmark_count, clicks the link clicks of non_public_metrics.
func (c *Connector) FetchMetrics(ctx context.Context, _ *rythme.Account, client *http.Client, externalIDs []string) ([]rythme.Metrics, error) {
	var ids []string
	seen := map[string]bool{}
	for _, id := range externalIDs {
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	at := c.cfg.Now().UTC()
	byID := map[string]rythme.Metrics{}
	private := true
	for start := 0; start < len(ids); start += MaxLookupIDs {
		chunk := ids[start:min(start+MaxLookupIDs, len(ids))]
		var ans lookupAnswer
		err := c.lookup(ctx, client, chunk, private, &ans)
		if e, ok := connectors.AsError(err); ok && private && (e.Status == http.StatusBadRequest || e.Status == http.StatusForbidden) {
			// The token (or the app's access level) may not read private
			// metrics: public ones only, for this batch and the next.
			private = false
			ans = lookupAnswer{}
			err = c.lookup(ctx, client, chunk, false, &ans)
		}
		if err != nil {
			return nil, err
		}
		for _, e := range ans.Errors {
			id := e.ResourceID
			if id == "" {
				id = e.Value
			}
			if seen[id] && (e.Title == "Not Found Error" || strings.HasSuffix(e.Type, "/resource-not-found")) {
				byID[id] = rythme.Metrics{ExternalID: id, At: at, Deleted: true}
			}
		}
		polls := map[string]*xPoll{}
		for i := range ans.Includes.Polls {
			polls[ans.Includes.Polls[i].ID] = &ans.Includes.Polls[i]
		}
		for _, d := range ans.Data {
			m := toMetrics(d.ID, at, d.PublicMetrics, d.NonPublic, d.Organic)
			if len(d.Attachments.PollIDs) > 0 && polls[d.Attachments.PollIDs[0]] != nil {
				m.Poll = polls[d.Attachments.PollIDs[0]].results()
			}
			byID[d.ID] = m
		}
	}
	out := make([]rythme.Metrics, 0, len(ids))
	for _, id := range ids {
		m, ok := byID[id]
		if !ok {
			// Neither data nor "not found" (a protected or suspended
			// author): no numbers this time.
			m = rythme.Metrics{ExternalID: id, At: at}
		}
		out = append(out, m)
	}
	return out, nil
}

func (c *Connector) lookup(ctx context.Context, client *http.Client, ids []string, private bool, out *lookupAnswer) error {
	fields := "public_metrics"
	if private {
		fields += "," + privateFields
	}
	q := url.Values{"ids": {strings.Join(ids, ",")}, "post.fields": {fields + ",attachments"},
		"expansions": {"attachments.poll_ids"}, "poll.fields": {"options,voting_status"}}
	return c.do(ctx, client, http.MethodGet, c.cfg.BaseURL+"/2/tweets?"+q.Encode(), nil, out)
}

// xPoll is a poll as GET /2/tweets's includes.polls gives it
// (https://docs.x.com/x-api/fundamentals/data-dictionary#poll): votes per
// option, by position; X does not say how many voted.
type xPoll struct {
	ID      string `json:"id"`
	Options []struct {
		Position int    `json:"position"`
		Label    string `json:"label"`
		Votes    int64  `json:"votes"`
	} `json:"options"`
	VotingStatus string `json:"voting_status"`
}

func (p *xPoll) results() *rythme.PollResults {
	r := &rythme.PollResults{Options: make([]rythme.PollOptionResult, len(p.Options)), Closed: p.VotingStatus == "closed"}
	for i, o := range p.Options {
		r.Options[i] = rythme.PollOptionResult{Title: o.Label, Votes: o.Votes}
		r.Votes += o.Votes
	}
	return r
}

func toMetrics(id string, at time.Time, pub, nonPub, org map[string]int64) rythme.Metrics {
	m := rythme.Metrics{ExternalID: id, At: at}
	get := func(src map[string]int64, k string) *int64 {
		if v, ok := src[k]; ok {
			return &v
		}
		return nil
	}
	m.Likes = get(pub, "like_count")
	m.Comments = get(pub, "reply_count")
	r := get(pub, "repost_count")
	if r == nil {
		r = get(pub, "retweet_count") // the name before X's spec said repost_count
	}
	if q := get(pub, "quote_count"); r != nil || q != nil {
		var s int64
		if r != nil {
			s += *r
		}
		if q != nil {
			s += *q
		}
		m.Shares = &s
	}
	m.Impressions = get(pub, "impression_count")
	if m.Impressions == nil {
		m.Impressions = get(nonPub, "impression_count")
	}
	m.Saves = get(pub, "bookmark_count")
	m.Clicks = get(nonPub, "url_link_clicks")
	if m.Clicks == nil {
		m.Clicks = get(org, "url_link_clicks")
	}
	return m
}
