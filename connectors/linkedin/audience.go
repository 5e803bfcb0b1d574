package linkedin

import (
	"context"
	"net/http"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

var _ connectors.AudienceFetcher = (*Connector)(nil)

// FetchFollowers reads the member's lifetime followers
// (GET /rest/memberFollowersCount?q=me, scope r_member_profileAnalytics,
// https://learn.microsoft.com/en-us/linkedin/marketing/community-management/members/follower-statistics).
// Without the scope the 403 is a Permanent error.
func (c *Connector) FetchFollowers(ctx context.Context, _ *rythme.Account, client *http.Client) (int64, error) {
	req, err := c.newRequest(ctx, http.MethodGet, c.cfg.BaseURL+"/rest/memberFollowersCount?q=me", nil, true)
	if err != nil {
		return 0, err
	}
	var got struct {
		Elements []struct {
			MemberFollowersCount *int64 `json:"memberFollowersCount"`
		} `json:"elements"`
	}
	if err := c.doJSON(client, req, &got); err != nil {
		return 0, err
	}
	if len(got.Elements) == 0 || got.Elements[0].MemberFollowersCount == nil {
		return 0, connectors.Errorf(connectors.Permanent, "LinkedIn's follower statistics have no memberFollowersCount")
	}
	return *got.Elements[0].MemberFollowersCount, nil
}
