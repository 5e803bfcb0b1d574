package x

import (
	"context"
	"net/http"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

var _ connectors.AudienceFetcher = (*Connector)(nil)

// FetchFollowers reads the account's followers: public_metrics.
// followers_count of GET /2/users/me?user.fields=public_metrics
// (https://docs.x.com/x-api/users/user-lookup-me,
// https://docs.x.com/x-api/fundamentals/data-dictionary#user).
func (c *Connector) FetchFollowers(ctx context.Context, _ *rythme.Account, client *http.Client) (int64, error) {
	var me struct {
		Data struct {
			PublicMetrics *struct {
				FollowersCount int64 `json:"followers_count"`
			} `json:"public_metrics"`
		} `json:"data"`
	}
	if err := c.do(ctx, client, http.MethodGet, c.cfg.BaseURL+"/2/users/me?user.fields=public_metrics", nil, &me); err != nil {
		return 0, err
	}
	if me.Data.PublicMetrics == nil {
		return 0, connectors.Errorf(connectors.Permanent, "X's answer to /2/users/me has no public_metrics")
	}
	return me.Data.PublicMetrics.FollowersCount, nil
}
