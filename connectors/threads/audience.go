package threads

import (
	"context"
	"net/http"
	"net/url"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/meta"
)

var _ connectors.AudienceFetcher = (*Connector)(nil)

// FetchFollowers reads the user insight followers_count (GET
// /me/threads_insights?metric=followers_count, a total_value that
// ignores since and until; needs threads_manage_insights,
// https://developers.facebook.com/docs/threads/insights#user-insights).
func (c *Connector) FetchFollowers(ctx context.Context, _ *rythme.Account, client *http.Client) (int64, error) {
	var ins struct {
		Data []meta.Insight `json:"data"`
	}
	q := url.Values{"metric": {"followers_count"}}
	if err := meta.Get(ctx, client, c.graph()+"/me/threads_insights", q, c.cfg.Now, &ins); err != nil {
		return 0, err
	}
	if n, ok := meta.InsightValues(ins.Data)["followers_count"]; ok {
		return n, nil
	}
	return 0, connectors.Errorf(connectors.Permanent, "Threads' user insights have no followers_count")
}
