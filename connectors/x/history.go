package x

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

var _ connectors.HistoryReader = (*Connector)(nil)

// historyPage is the most posts one GET /2/users/:id/tweets gives
// (max_results: 5 to 100, default 10,
// https://docs.x.com/x-api/posts/timelines/introduction,
// https://developer.x.com/en/docs/x-api/tweets/timelines/api-reference/get-users-id-tweets).
const (
	historyPage    = 100
	historyMinPage = 5
)

// TimelineLimit is X's per-user limit of the user Post timeline: 900
// requests per 15 minutes (https://docs.x.com/x-api/fundamentals/rate-limits,
// "Timelines").
var TimelineLimit = rythme.RateLimit{Scope: "account", Requests: 900, PeriodSeconds: 900,
	Method: http.MethodGet, Path: "/2/users/:id/tweets"}

type timelineAnswer struct {
	Data []struct {
		ID            string           `json:"id"`
		Text          string           `json:"text"`
		CreatedAt     time.Time        `json:"created_at"`
		PublicMetrics map[string]int64 `json:"public_metrics"`
		NonPublic     map[string]int64 `json:"non_public_metrics"`
		Organic       map[string]int64 `json:"organic_metrics"`
	} `json:"data"`
	Meta struct {
		ResultCount int    `json:"result_count"`
		NextToken   string `json:"next_token"`
	} `json:"meta"`
}

// ReadHistory reads the account's own posts of the window, newest first,
// with GET /2/users/:id/tweets?exclude=retweets,replies&start_time=…
// &max_results=100&post.fields=created_at,public_metrics,non_public_metrics,organic_metrics
// (the user Post timeline,
// https://docs.x.com/x-api/posts/timelines/introduction; the parameter is
// post.fields, as for the lookup), paged by meta.next_token, sent back as
// pagination_token with the same start_time: the cursor is that token.
// The private metrics are only the author's, for posts of the last 30 days
// (https://docs.x.com/x-api/fundamentals/metrics): a post older comes with
// a field error and its public metrics only, and when X refuses them for
// the whole request the page is asked again with public_metrics only.
// Engagement is mapped as FetchMetrics maps it.
func (c *Connector) ReadHistory(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.HistoryRequest) (*connectors.HistoryPage, error) {
	if acct == nil || acct.ExternalID == "" {
		return nil, connectors.Errorf(connectors.Permanent, "the account has no X user id")
	}
	limit := historyPage
	if req.Limit > 0 {
		limit = max(min(req.Limit, historyPage), historyMinPage)
	}
	var ans timelineAnswer
	err := c.timeline(ctx, client, acct.ExternalID, req, limit, true, &ans)
	if e, ok := connectors.AsError(err); ok && (e.Status == http.StatusBadRequest || e.Status == http.StatusForbidden) {
		ans = timelineAnswer{}
		err = c.timeline(ctx, client, acct.ExternalID, req, limit, false, &ans)
	}
	if err != nil {
		return nil, err
	}
	at := c.cfg.Now().UTC()
	page := &connectors.HistoryPage{}
	older := false
	for _, t := range ans.Data {
		if t.CreatedAt.Before(req.Since) {
			older = true
			continue
		}
		if req.Limit > 0 && len(page.Posts) == req.Limit {
			break // X's smallest page is 5; the worker asked for fewer
		}
		page.Posts = append(page.Posts, rythme.HistoryPost{ExternalID: t.ID, URL: c.postURL(acct.Username, t.ID), Text: t.Text,
			PublishedAt: t.CreatedAt.UTC(), Metrics: toMetrics(t.ID, at, t.PublicMetrics, t.NonPublic, t.Organic)})
	}
	if !older && len(page.Posts) == len(ans.Data) {
		page.Next = ans.Meta.NextToken
	} else if !older && len(page.Posts) > 0 {
		// Fewer than X gave were wanted: go on after the last one kept.
		page.Next = "until:" + page.Posts[len(page.Posts)-1].ExternalID
	}
	return page, nil
}

// timeline asks for one page of the user Post timeline. A cursor
// "until:<id>" (a page cut short) asks for the posts older than that id
// (until_id) instead of X's pagination_token.
func (c *Connector) timeline(ctx context.Context, client *http.Client, userID string, req connectors.HistoryRequest, limit int, private bool, out *timelineAnswer) error {
	fields := "created_at,public_metrics"
	if private {
		fields += "," + privateFields
	}
	q := url.Values{"exclude": {"retweets,replies"}, "max_results": {strconv.Itoa(limit)}, "post.fields": {fields}}
	if !req.Since.IsZero() {
		q.Set("start_time", req.Since.UTC().Format(time.RFC3339))
	}
	if id, ok := strings.CutPrefix(req.Cursor, "until:"); ok && id != "" {
		q.Set("until_id", id)
	} else if req.Cursor != "" {
		q.Set("pagination_token", req.Cursor)
	}
	return c.do(ctx, client, http.MethodGet, c.cfg.BaseURL+"/2/users/"+url.PathEscape(userID)+"/tweets?"+q.Encode(), nil, out)
}
