package linkedin

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

var _ connectors.HistoryReader = (*Connector)(nil)

// historyPage is the most posts one page asks for: each post then costs
// one memberCreatorPostAnalytics call per metric (there is no batch form),
// so that a page is about a hundred calls.
const historyPage = 20

// HistoryScope is the scope that lists a member's posts: r_member_social,
// a restricted permission LinkedIn grants to approved partners only
// (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api#permissions).
// It is not in DefaultScopes, since LinkedIn refuses an authorization that
// asks for a scope the app does not have; an app granted it adds it to
// Config.Scopes. Without it, the import fails with LinkedIn's 403.
const HistoryScope = "r_member_social"

// ReadHistory reads the member's own posts, newest first, with the Posts
// API's author finder, GET /rest/posts?q=author&author={urn}&sortBy=CREATED
// &count=20&start=… (header X-RestLi-Method: FINDER; "Find Posts by
// Authors",
// https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api#find-posts-by-authors),
// paged by start: the cursor is the start of the next page. Reshares
// (reshareContext) and posts not PUBLISHED are left out. Engagement is
// read as FetchMetrics reads it (memberCreatorPostAnalytics: reactions,
// comments, reshares, impressions, members reached). LinkedIn publishes
// no figure for the finder's limit: its limits are daily, per app and per
// member, shown only in the app's Analytics tab of the developer portal
// (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits),
// so Info().RateLimits declares none; a 429 waits as for every call.
func (c *Connector) ReadHistory(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.HistoryRequest) (*connectors.HistoryPage, error) {
	owner, err := author(acct, nil)
	if err != nil {
		return nil, err
	}
	count := historyPage
	if req.Limit > 0 {
		count = min(req.Limit, historyPage)
	}
	start := 0
	if req.Cursor != "" {
		if start, err = strconv.Atoi(req.Cursor); err != nil || start < 0 {
			return nil, connectors.Errorf(connectors.Permanent, "invalid LinkedIn history cursor %q", req.Cursor)
		}
	}
	q := url.Values{"q": {"author"}, "author": {owner}, "sortBy": {"CREATED"}, "count": {strconv.Itoa(count)}, "start": {strconv.Itoa(start)}}
	r, err := c.newRequest(ctx, http.MethodGet, c.cfg.BaseURL+"/rest/posts?"+q.Encode(), nil, true)
	if err != nil {
		return nil, err
	}
	r.Header.Set("X-RestLi-Method", "FINDER")
	var got struct {
		Paging struct {
			Start int  `json:"start"`
			Count int  `json:"count"`
			Total *int `json:"total"`
		} `json:"paging"`
		Elements []struct {
			ID             string    `json:"id"`
			Commentary     string    `json:"commentary"`
			CreatedAt      int64     `json:"createdAt"`
			PublishedAt    int64     `json:"publishedAt"`
			LifecycleState string    `json:"lifecycleState"`
			ReshareContext *struct{} `json:"reshareContext"`
		} `json:"elements"`
	}
	if err := c.doJSON(client, r, &got); err != nil {
		if e, ok := connectors.AsError(err); ok && e.Status == http.StatusForbidden {
			e.Message = "LinkedIn lists a member's posts only to apps granted the restricted scope " + HistoryScope +
				" (add it to the connector's scopes, then reconnect the account): " + e.Message
		}
		return nil, err
	}
	page := &connectors.HistoryPage{}
	older := false
	var ids []string
	for _, p := range got.Elements {
		at := p.PublishedAt
		if at == 0 {
			at = p.CreatedAt
		}
		published := time.UnixMilli(at).UTC()
		if published.Before(req.Since) {
			older = true
			continue
		}
		if p.ID == "" || p.ReshareContext != nil || (p.LifecycleState != "" && p.LifecycleState != "PUBLISHED") {
			continue
		}
		page.Posts = append(page.Posts, rythme.HistoryPost{ExternalID: p.ID, URL: "https://www.linkedin.com/feed/update/" + p.ID + "/",
			Text: Unescape(p.Commentary), PublishedAt: published})
		ids = append(ids, p.ID)
	}
	if len(ids) > 0 {
		ms, err := c.FetchMetrics(ctx, acct, client, ids)
		if err != nil {
			return nil, err
		}
		for i := range page.Posts {
			page.Posts[i].Metrics = ms[i]
		}
	}
	next := start + len(got.Elements)
	more := len(got.Elements) == count
	if got.Paging.Total != nil {
		more = next < *got.Paging.Total
	}
	if !older && more && len(got.Elements) > 0 {
		page.Next = strconv.Itoa(next)
	}
	return page, nil
}
