package bluesky

import (
	"context"
	"net/http"
	"net/url"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

var _ connectors.AudienceFetcher = (*Connector)(nil)

// FetchFollowers reads the account's followersCount
// (app.bsky.actor.getProfile?actor=<did>,
// https://docs.bsky.app/docs/api/app-bsky-actor-get-profile).
func (c *Connector) FetchFollowers(ctx context.Context, acct *rythme.Account, client *http.Client) (int64, error) {
	service, err := serviceOf(acct)
	if err != nil {
		return 0, err
	}
	var out struct {
		FollowersCount *int64 `json:"followersCount"`
	}
	q := url.Values{"actor": {acct.ExternalID}}
	if err := c.call(ctx, client, http.MethodGet, service, "app.bsky.actor.getProfile", q, nil, "", &out); err != nil {
		return 0, err
	}
	if out.FollowersCount == nil {
		return 0, connectors.Errorf(connectors.Permanent, "Bluesky's profile answer has no followersCount")
	}
	return *out.FollowersCount, nil
}
