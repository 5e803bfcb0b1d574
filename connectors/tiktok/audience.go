package tiktok

import (
	"context"
	"net/http"
	"net/url"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

var _ connectors.AudienceFetcher = (*Connector)(nil)

// FetchFollowers reads the account's follower_count (GET /v2/user/info/,
// which needs the user.info.stats scope,
// https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info). An
// account connected before rythme asked for that scope answers a
// permanent error until it is connected again.
func (c *Connector) FetchFollowers(ctx context.Context, _ *rythme.Account, client *http.Client) (int64, error) {
	var out struct {
		User struct {
			FollowerCount *int64 `json:"follower_count"`
		} `json:"user"`
	}
	if err := c.api(ctx, client, http.MethodGet, "/v2/user/info/", url.Values{"fields": {"follower_count"}}, nil, &out); err != nil {
		return 0, err
	}
	if out.User.FollowerCount == nil {
		return 0, connectors.Errorf(connectors.Permanent, "TikTok's user answer has no follower_count")
	}
	return *out.User.FollowerCount, nil
}
