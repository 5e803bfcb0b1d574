package linkedin

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// metricTypes are the memberCreatorPostAnalytics query types rythme reads,
// REACTION first: a post that is gone answers 404 there and the rest is
// not asked.
var metricTypes = []string{"REACTION", "COMMENT", "RESHARE", "IMPRESSION", "MEMBERS_REACHED"}

// parallel bounds the analytics calls in flight for one account.
const parallel = 4

// FetchMetrics reads each post's totals with
// GET /rest/memberCreatorPostAnalytics?q=entity&entity=(share:{urn})
// &queryType=…&aggregation=TOTAL
// (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/members/post-statistics).
// The API has no batch form: one call per post and metric. Likes are
// reactions, comments comments, shares reshares, impressions impressions
// and reach members reached. A post LinkedIn no longer has (404) comes
// back Deleted. It needs the scope r_member_postAnalytics; without it the
// 403 is a Permanent error.
func (c *Connector) FetchMetrics(ctx context.Context, acct *rythme.Account, client *http.Client, externalIDs []string) ([]rythme.Metrics, error) {
	if acct == nil {
		return nil, connectors.Errorf(connectors.Permanent, "no account")
	}
	var ids []string
	seen := map[string]bool{}
	for _, id := range externalIDs {
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	at := c.cfg.Now().UTC()
	out := make([]rythme.Metrics, len(ids))
	errs := make([]error, len(ids))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i], errs[i] = c.postMetrics(ctx, client, id)
			out[i].ExternalID, out[i].At = id, at
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// postMetrics reads every metric of one post.
func (c *Connector) postMetrics(ctx context.Context, client *http.Client, urn string) (rythme.Metrics, error) {
	var m rythme.Metrics
	kind := "share"
	if strings.HasPrefix(urn, "urn:li:ugcPost:") {
		kind = "ugc"
	}
	// Rest.li 2.0 encodes the URN inside the tuple: (share:urn%3Ali%3Ashare%3A1).
	entity := "(" + kind + ":" + url.QueryEscape(urn) + ")"
	for _, mt := range metricTypes {
		u := c.cfg.BaseURL + "/rest/memberCreatorPostAnalytics?q=entity&entity=" + entity +
			"&queryType=" + mt + "&aggregation=TOTAL"
		req, err := c.newRequest(ctx, http.MethodGet, u, nil, true)
		if err != nil {
			return m, err
		}
		var got struct {
			Elements []struct {
				Count      int64  `json:"count"`
				MetricType string `json:"metricType"`
			} `json:"elements"`
		}
		err = c.doJSON(client, req, &got)
		if e, ok := connectors.AsError(err); ok && e.Status == http.StatusNotFound {
			return rythme.Metrics{Deleted: true}, nil
		} else if err != nil {
			return m, err
		}
		var n int64
		for _, el := range got.Elements {
			n += el.Count
		}
		switch mt {
		case "REACTION":
			m.Likes = &n
		case "COMMENT":
			m.Comments = &n
		case "RESHARE":
			m.Shares = &n
		case "IMPRESSION":
			m.Impressions = &n
		case "MEMBERS_REACHED":
			m.Reach = &n
		}
	}
	return m, nil
}
