package mastodon

import (
	"context"
	"net/http"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

var _ connectors.AudienceFetcher = (*Connector)(nil)

// FetchFollowers reads the account's followers_count (GET
// /api/v1/accounts/verify_credentials,
// https://docs.joinmastodon.org/entities/Account/#followers_count).
func (c *Connector) FetchFollowers(ctx context.Context, acct *rythme.Account, client *http.Client) (int64, error) {
	inst, err := instanceOf(acct)
	if err != nil {
		return 0, err
	}
	var a struct {
		FollowersCount int64 `json:"followers_count"`
	}
	if err := getJSON(ctx, client, inst+"/api/v1/accounts/verify_credentials", &a); err != nil {
		return 0, err
	}
	return a.FollowersCount, nil
}
