package facebook

import (
	"context"
	"net/http"
	"net/url"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/meta"
)

var _ connectors.HistoryReader = (*Connector)(nil)

// ReadHistory reads the Page's posts, newest first, with
// GET /{page-id}/published_posts?fields=id,message,permalink_url,created_time&limit=25
// (https://developers.facebook.com/docs/graph-api/reference/page/published_posts/),
// paged by the cursor-based paging's after cursor (the cursor is "" when
// the answer has no next page), then their engagement as FetchMetrics
// reads it (reactions, comments, shares and the insights post_media_view,
// post_total_media_view_unique and post_clicks, 50 posts a call): reach
// is there, so these posts have a rate (paid views included, as
// docs/metrics.md says of Facebook's reach).
func (c *Connector) ReadHistory(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.HistoryRequest) (*connectors.HistoryPage, error) {
	if acct == nil || acct.ExternalID == "" {
		return nil, connectors.Errorf(connectors.Permanent, "the account has no Facebook Page id")
	}
	return meta.ReadHistory(ctx, client, c.cfg.Now, meta.Listing{
		URL:  c.graph() + "/" + url.PathEscape(acct.ExternalID) + "/published_posts",
		Text: "message", Link: "permalink_url", Time: "created_time", Noun: "Facebook gave post",
		Fetch: func(ctx context.Context, ids []string) ([]rythme.Metrics, error) {
			return c.FetchMetrics(ctx, acct, client, ids)
		},
	}, req)
}
