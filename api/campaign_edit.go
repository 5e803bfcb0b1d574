package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
	"github.com/rythmehq/rythme/posting"
)

// updateCampaignRequest changes a themed week's plan; absent fields stay.
// Days, when given, replaces every day of the plan.
type updateCampaignRequest struct {
	Name     *string              `json:"name"`
	Theme    *string              `json:"theme"`
	FirstDay *string              `json:"first_day"`
	Zone     *string              `json:"zone"`
	Days     *[]calendars.DayPlan `json:"days"`
}

// updateCampaign is PATCH /v1/campaigns/{id}: the themed week's plan
// changes and its posts not yet out follow it; those it could not change
// are listed as unchanged (posting.Planner.UpdateCampaign).
func (s *server) updateCampaign(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixCampaign, "campaign")
	if !ok {
		return
	}
	var req updateCampaignRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.plans.UpdateCampaign(c.Request.Context(), actor(c), workspace(c), id, posting.CampaignEdit(req))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, campaignOut(v))
}
