package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
)

// utmAnswer is what PUT /v1/campaigns/{id}/utm answers: the settings as
// saved, and each post whose links changed (or could not).
type utmAnswer struct {
	UTM *rythme.UTMSettings `json:"utm"`
	bulkAnswer
}

// putCampaignUTM is PUT /v1/campaigns/{id}/utm (posting.Planner.SetCampaignUTM).
func (s *server) putCampaignUTM(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixCampaign, "campaign")
	if !ok {
		return
	}
	var req rythme.UTMSettings
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	camp, outcomes, err := s.plans.SetCampaignUTM(c.Request.Context(), actor(c), workspace(c), id, req)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := utmAnswer{UTM: camp.UTM, bulkAnswer: s.bulkOut(c, outcomes)}
	if out.UTM == nil {
		out.UTM = &rythme.UTMSettings{}
	}
	c.JSON(http.StatusOK, out)
}
