package instagram

import (
	"context"
	"net/http"
	"net/url"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/meta"
)

var _ connectors.HistoryReader = (*Connector)(nil)

// ReadHistory reads the IG user's media, newest first, with
// GET /{ig-user-id}/media?fields=id,caption,permalink,timestamp&limit=25
// (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media),
// paged by the cursor-based paging's after cursor (the cursor is "" when
// the answer has no next page), then each post's insights as FetchMetrics
// reads them (views, reach, likes, comments, shares, saved; one call per
// post: the Instagram API reads one media's insights at a time). Reach is
// the post's organic reach, so these posts have a rate.
func (c *Connector) ReadHistory(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.HistoryRequest) (*connectors.HistoryPage, error) {
	if acct == nil || acct.ExternalID == "" {
		return nil, connectors.Errorf(connectors.Permanent, "the account has no Instagram user id")
	}
	return meta.ReadHistory(ctx, client, c.cfg.Now, meta.Listing{
		URL:  c.graph() + "/" + url.PathEscape(acct.ExternalID) + "/media",
		Text: "caption", Link: "permalink", Time: "timestamp", Noun: "Instagram gave media",
		Fetch: func(ctx context.Context, ids []string) ([]rythme.Metrics, error) {
			return c.FetchMetrics(ctx, acct, client, ids)
		},
	}, req)
}
