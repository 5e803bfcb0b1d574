package api

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
	"github.com/rythmehq/rythme/posting"
	"github.com/rythmehq/rythme/reports"
)

type campaignJSON struct {
	*rythme.Campaign
	Posts []postJSON `json:"posts"`
	// Adjustments lists the plan's times that a DST change moved or made
	// ambiguous, and how each was resolved.
	Adjustments []calendars.Adjustment `json:"adjustments,omitempty"`
	// Unchanged lists the posts an edit of the plan could not change
	// (already published, publishing or cancelled).
	Unchanged []unchangedPost `json:"unchanged,omitempty"`
}

// unchangedPost is a post an edit of its campaign's plan left as it was.
type unchangedPost struct {
	PostID string `json:"post_id"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

// campaignOut is the answer for a themed week.
func campaignOut(v *posting.CampaignView) campaignJSON {
	out := campaignJSON{Campaign: v.Campaign, Posts: []postJSON{}, Adjustments: v.Adjustments}
	for _, p := range v.Posts {
		out.Posts = append(out.Posts, postOut(p))
	}
	for _, u := range v.Unchanged {
		out.Unchanged = append(out.Unchanged, unchangedPost{PostID: u.PostID, Field: u.Field, Reason: u.Reason})
	}
	return out
}

// createCampaign is POST /v1/campaigns: a themed week, expanded into its
// posts, all created or none.
func (s *server) createCampaign(c *gin.Context) {
	var raw json.RawMessage
	if err := decodeJSON(c, &raw); err != nil {
		s.fail(c, err)
		return
	}
	var peek struct {
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(raw, &peek); err != nil {
		s.fail(c, decodeError(err))
		return
	}
	switch peek.Kind {
	case "", rythme.CampaignThemedWeek:
		var req struct {
			Kind string `json:"kind"`
			calendars.ThemedWeek
		}
		if err := decodeRaw(raw, &req); err != nil {
			s.fail(c, err)
			return
		}
		s.saveCampaign(c, req.ThemedWeek)
	case rythme.CampaignWeeklyChallenge:
		s.createChallenge(c, raw) // challenges.go
	default:
		s.fail(c, rythme.Invalid(rythme.FieldError{Field: "kind", Message: "must be themed_week (the default) or weekly_challenge"}))
	}
}

// saveCampaign creates the themed week (posting.Planner.CreateCampaign).
func (s *server) saveCampaign(c *gin.Context, week calendars.ThemedWeek) {
	v, err := s.plans.CreateCampaign(c.Request.Context(), actor(c), workspace(c), week)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, campaignOut(v))
}

func (s *server) listCampaigns(c *gin.Context) {
	cs, err := s.store.ListCampaigns(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, fmt.Errorf("api: list campaigns: %w", err))
		return
	}
	c.JSON(http.StatusOK, gin.H{"data": cs})
}

func (s *server) getCampaign(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixCampaign, "campaign")
	if !ok {
		return
	}
	camp, posts, err := s.plans.Campaign(c.Request.Context(), workspace(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	if camp.Kind == rythme.CampaignWeeklyChallenge {
		s.challengeOut(c, http.StatusOK, camp, posts) // with its weeks
		return
	}
	c.JSON(http.StatusOK, campaignOut(&posting.CampaignView{Campaign: camp, Posts: posts}))
}

// cancelCampaign is DELETE /v1/campaigns/{id}: every post not yet out is
// cancelled (their queued tasks then do nothing).
func (s *server) cancelCampaign(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixCampaign, "campaign")
	if !ok {
		return
	}
	if err := s.plans.CancelCampaign(c.Request.Context(), actor(c), workspace(c), id); err != nil {
		s.fail(c, err)
		return
	}
	s.getCampaign(c)
}

type cloneRequest struct {
	FirstDay string `json:"first_day"`
	Name     string `json:"name"`
}

// cloneCampaign is POST /v1/campaigns/{id}/clone: the campaign's plan as a
// template, starting on another day.
func (s *server) cloneCampaign(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixCampaign, "campaign")
	if !ok {
		return
	}
	var req cloneRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.plans.CloneCampaign(c.Request.Context(), actor(c), workspace(c), id, req.FirstDay, req.Name)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, campaignOut(v))
}

// campaignReport is GET /v1/reports/campaigns/{id}: the campaign against
// the span of the same length right before it, per day and per network.
func (s *server) campaignReport(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixCampaign, "campaign")
	if !ok {
		return
	}
	zone, ok := s.reportZone(c)
	if !ok {
		return
	}
	if _, err := s.store.GetCampaign(c.Request.Context(), workspace(c), id); err != nil {
		s.fail(c, err)
		return
	}
	now := s.now()
	snaps, err := s.snapshots(c.Request.Context(), workspace(c), now.Add(-reportLookback), now.Add(1))
	if err != nil {
		s.fail(c, err)
		return
	}
	rep := reports.CampaignReport(reports.Cohort{Campaign: id}, snaps, now, zone)
	s.respond(c, "campaign-"+id, rep, rep)
}
