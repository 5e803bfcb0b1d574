package threads

import (
	"context"
	"net/http"
	"net/url"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/meta"
)

var _ connectors.HistoryReader = (*Connector)(nil)

// ReadHistory reads the user's own posts (its threads, not its replies),
// newest first, with
// GET /{threads-user-id}/threads?fields=id,text,permalink,timestamp&limit=25
// (https://developers.facebook.com/docs/threads/threads-media#retrieve-a-list-of-all-a-user-s-threads),
// paged by the cursor-based paging's after cursor (the cursor is "" when
// the answer has no next page), then each post's insights as FetchMetrics
// reads them (views as impressions, likes, replies, reposts + quotes +
// shares; one call per post). Threads gives no reach: rates are on views.
func (c *Connector) ReadHistory(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.HistoryRequest) (*connectors.HistoryPage, error) {
	if acct == nil || acct.ExternalID == "" {
		return nil, connectors.Errorf(connectors.Permanent, "the account has no Threads user id")
	}
	return meta.ReadHistory(ctx, client, c.cfg.Now, meta.Listing{
		URL:  c.graph() + "/" + url.PathEscape(acct.ExternalID) + "/threads",
		Text: "text", Link: "permalink", Time: "timestamp", Noun: "Threads gave post",
		Fetch: func(ctx context.Context, ids []string) ([]rythme.Metrics, error) {
			return c.FetchMetrics(ctx, acct, client, ids)
		},
	}, req)
}
