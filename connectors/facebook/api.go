package facebook

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/meta"
)

// maxIDs is how many objects one GET /?ids= reads
// (https://developers.facebook.com/docs/graph-api/results: multiple ID
// read requests take at most 50 ids).
const maxIDs = 50

// Post insights metrics: post_media_view and post_total_media_view_unique
// replaced post_impressions and post_impressions_unique on November 15,
// 2025 (https://developers.facebook.com/docs/platforminsights/page/deprecated-metrics).
const (
	metricViews  = "post_media_view"
	metricReach  = "post_total_media_view_unique"
	metricClicks = "post_clicks"
)

// engagementFields are the post fields every reading asks for: reaction,
// comment and share counts, which need no insights permission.
const engagementFields = "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares"

// insightsField asks for the post's insights in the same read.
const insightsField = ",insights.metric(" + metricViews + "," + metricReach + "," + metricClicks + ")"

// Identify reads the Page the token belongs to: with a Page token, GET /me
// is the Page (id, name, username, link).
func (c *Connector) Identify(ctx context.Context, _ connectors.ConnectParams, client *http.Client) (*connectors.Identity, error) {
	var me struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Username string `json:"username"`
		Link     string `json:"link"`
	}
	if err := meta.Get(ctx, client, c.graph()+"/me", url.Values{"fields": {"id,name,username,link"}}, c.cfg.Now, &me); err != nil {
		return nil, err
	}
	if me.ID == "" {
		return nil, connectors.Errorf(connectors.Permanent, "the Page answer has no id")
	}
	id := &connectors.Identity{ExternalID: me.ID, Username: me.Username, DisplayName: me.Name, ProfileURL: me.Link,
		InstanceURL: c.cfg.GraphURL}
	if id.Username == "" {
		id.Username = me.ID
	}
	if id.ProfileURL == "" {
		id.ProfileURL = "https://www.facebook.com/" + me.ID
	}
	return id, nil
}

// Publish posts req.Text (and Options["link"]) to the Page's feed:
// POST /{page-id}/feed (https://developers.facebook.com/docs/pages-api/posts),
// answering {"id": "<page>_<post>"}.
func (c *Connector) Publish(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.PublishRequest) (*connectors.Published, error) {
	if acct == nil || acct.ExternalID == "" {
		return nil, connectors.Errorf(connectors.Permanent, "the account has no Page id")
	}
	if req.InReplyTo != "" {
		return c.replyToComment(ctx, client, req)
	}
	form := url.Values{"message": {req.Text}}
	if link := strings.TrimSpace(req.Options["link"]); link != "" {
		form.Set("link", link)
	}
	var out struct {
		ID string `json:"id"`
	}
	err := meta.Post(ctx, client, c.graph()+"/"+url.PathEscape(acct.ExternalID)+"/feed", form, c.cfg.Now, &out)
	if err != nil {
		return nil, err
	}
	if out.ID == "" {
		return nil, &connectors.Error{Kind: connectors.Unknown, Message: "Facebook accepted the post but its answer has no id"}
	}
	return &connectors.Published{ExternalID: out.ID, URL: Permalink(out.ID)}, nil
}

// Permalink is the web address of a Page post id "<page>_<post>".
func Permalink(id string) string {
	page, post, ok := strings.Cut(id, "_")
	if !ok {
		return "https://www.facebook.com/" + id
	}
	return "https://www.facebook.com/" + page + "/posts/" + post
}

// postFields is the part of a post object read.
type postFields struct {
	ID        string `json:"id"`
	Reactions struct {
		Summary struct {
			TotalCount int64 `json:"total_count"`
		} `json:"summary"`
	} `json:"reactions"`
	Comments struct {
		Summary struct {
			TotalCount int64 `json:"total_count"`
		} `json:"summary"`
	} `json:"comments"`
	Shares *struct {
		Count int64 `json:"count"`
	} `json:"shares"`
	Insights *struct {
		Data []meta.Insight `json:"data"`
	} `json:"insights"`
}

// FetchMetrics reads posts 50 at a time with GET /?ids=…&fields=…: the
// reaction, comment and share counts, and in the same read the insights
// post_media_view (views), post_total_media_view_unique (reach) and
// post_clicks. Graph refuses a whole multiple-id read when one id does not
// exist, so such a batch is read again id by id; an id that answers code
// 100 subcode 33 was deleted. When the insights are refused (the metrics
// change often), the counts are read without them.
func (c *Connector) FetchMetrics(ctx context.Context, acct *rythme.Account, client *http.Client, externalIDs []string) ([]rythme.Metrics, error) {
	var ids []string
	seen := map[string]bool{}
	for _, id := range externalIDs {
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	found := map[string]postFields{}
	deleted := map[string]bool{}
	withInsights := true
	for start := 0; start < len(ids); start += maxIDs {
		chunk := ids[start:min(start+maxIDs, len(ids))]
		got, err := c.readBatch(ctx, client, chunk, withInsights)
		if e, ok := meta.ErrorOf(err); ok && e.Code == meta.CodeInvalidParam && withInsights && strings.Contains(e.Message, "metric") {
			withInsights = false
			got, err = c.readBatch(ctx, client, chunk, false)
		}
		if e, ok := meta.ErrorOf(err); ok && e.Code == meta.CodeInvalidParam {
			// An id of the batch is gone: one by one.
			for _, id := range chunk {
				p, err := c.readOne(ctx, client, id, withInsights)
				switch {
				case meta.Deleted(err):
					deleted[id] = true
				case err != nil:
					return nil, err
				default:
					found[id] = p
				}
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		for id, p := range got {
			found[id] = p
		}
	}
	at := c.cfg.Now().UTC()
	out := make([]rythme.Metrics, 0, len(ids))
	for _, id := range ids {
		m := rythme.Metrics{ExternalID: id, At: at}
		if p, ok := found[id]; ok {
			likes, comments, shares := p.Reactions.Summary.TotalCount, p.Comments.Summary.TotalCount, int64(0)
			if p.Shares != nil {
				shares = p.Shares.Count
			}
			m.Likes, m.Comments, m.Shares = &likes, &comments, &shares
			if p.Insights != nil {
				v := meta.InsightValues(p.Insights.Data)
				m.Impressions, m.Reach, m.Clicks = meta.Ptr(v, metricViews), meta.Ptr(v, metricReach), meta.Ptr(v, metricClicks)
			}
		} else {
			m.Deleted = deleted[id]
		}
		out = append(out, m)
	}
	return out, nil
}

func fields(withInsights bool) string {
	if withInsights {
		return engagementFields + insightsField
	}
	return engagementFields
}

// readBatch is GET /?ids=…&fields=….
func (c *Connector) readBatch(ctx context.Context, client *http.Client, ids []string, withInsights bool) (map[string]postFields, error) {
	out := map[string]postFields{}
	q := url.Values{"ids": {strings.Join(ids, ",")}, "fields": {fields(withInsights)}}
	return out, meta.Get(ctx, client, c.graph()+"/", q, c.cfg.Now, &out)
}

// readOne is GET /{id}?fields=…, without the insights when they are refused.
func (c *Connector) readOne(ctx context.Context, client *http.Client, id string, withInsights bool) (postFields, error) {
	var p postFields
	u := c.graph() + "/" + url.PathEscape(id)
	err := meta.Get(ctx, client, u, url.Values{"fields": {fields(withInsights)}}, c.cfg.Now, &p)
	if e, ok := meta.ErrorOf(err); ok && withInsights && e.Code == meta.CodeInvalidParam && e.Subcode != meta.SubcodeNoObject {
		p = postFields{}
		err = meta.Get(ctx, client, u, url.Values{"fields": {fields(false)}}, c.cfg.Now, &p)
	}
	return p, err
}
