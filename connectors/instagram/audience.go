package instagram

import (
	"context"
	"net/http"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/meta"
)

var _ connectors.AudienceFetcher = (*Connector)(nil)

// FetchFollowers reads the followers_count of the Instagram user (GET /me,
// https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user).
func (c *Connector) FetchFollowers(ctx context.Context, _ *rythme.Account, client *http.Client) (int64, error) {
	return meta.FollowersCount(ctx, client, c.graph()+"/me", c.cfg.Now)
}
