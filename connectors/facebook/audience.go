package facebook

import (
	"context"
	"net/http"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/meta"
)

var _ connectors.AudienceFetcher = (*Connector)(nil)

// FetchFollowers reads the Page field followers_count (GET /me with the Page token,
// https://developers.facebook.com/docs/graph-api/reference/page/): the
// people who follow the Page (fan_count, its likes, is not read).
func (c *Connector) FetchFollowers(ctx context.Context, _ *rythme.Account, client *http.Client) (int64, error) {
	return meta.FollowersCount(ctx, client, c.graph()+"/me", c.cfg.Now)
}
