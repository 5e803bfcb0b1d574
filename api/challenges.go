package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
	"github.com/rythmehq/rythme/posting"
)

// A weekly challenge is a campaign of kind weekly_challenge: a theme each
// ISO week, read in the challenge's zone. Members submit posts to the week
// open now (POST /v1/campaigns/{id}/submissions); a manager picks the ones
// to publish (…/submissions/{post_id}/pick) or declines them with
// POST /v1/posts/{id}/reject. The use cases are posting.Planner's.

// weekInput is one week of a request, kept as text so that a bad week is
// reported on its field path rather than failing the whole body.
type weekInput struct {
	Week  string `json:"week"`
	Theme string `json:"theme"`
}

// challengeRequest is POST /v1/campaigns with kind weekly_challenge.
type challengeRequest struct {
	Kind    string      `json:"kind"`
	Name    string      `json:"name"`
	Zone    string      `json:"zone"`
	Weeks   []weekInput `json:"weeks"`
	Targets []string    `json:"targets"`
	Format  string      `json:"format"`
}

// weeksOf is the request's weeks as the use cases take them.
func weeksOf(in []weekInput) []posting.WeekInput {
	out := make([]posting.WeekInput, len(in))
	for i, w := range in {
		out[i] = posting.WeekInput(w)
	}
	return out
}

// createChallenge is POST /v1/campaigns with kind weekly_challenge.
func (s *server) createChallenge(c *gin.Context, raw json.RawMessage) {
	var req challengeRequest
	if err := decodeRaw(raw, &req); err != nil {
		s.fail(c, err)
		return
	}
	camp, err := s.plans.CreateChallenge(c.Request.Context(), actor(c), workspace(c), posting.ChallengeInput{
		Name: req.Name, Zone: req.Zone, Weeks: weeksOf(req.Weeks), Targets: req.Targets, Format: req.Format})
	if err != nil {
		s.fail(c, err)
		return
	}
	s.challengeOut(c, http.StatusCreated, camp, nil)
}

// challengeWeekJSON is one week of a challenge as GET /v1/campaigns/{id}
// shows it.
type challengeWeekJSON struct {
	Week     string    `json:"week"`
	Theme    string    `json:"theme"`
	OpensAt  time.Time `json:"opens_at"`
	ClosesAt time.Time `json:"closes_at"`
	// State: upcoming, open or closed; Open: whether it takes
	// submissions now (open, and the challenge not cancelled).
	State       string   `json:"state"`
	Open        bool     `json:"open"`
	Submissions int      `json:"submissions"`
	Picked      int      `json:"picked"`
	PostIDs     []string `json:"post_ids"`
}

// challengeJSON is a challenge: the campaign, its weeks, and every
// submission (as the posts of a themed week).
type challengeJSON struct {
	*rythme.Campaign
	CurrentWeek string              `json:"current_week,omitempty"`
	Weeks       []challengeWeekJSON `json:"weeks"`
	Posts       []postJSON          `json:"posts"`
}

// challengeOut answers the challenge with its weeks and posts.
func (s *server) challengeOut(c *gin.Context, status int, camp *rythme.Campaign, posts []*rythme.Post) {
	plan, err := posting.ChallengePlanOf(camp)
	if err != nil {
		s.fail(c, err)
		return
	}
	now, zone := s.now(), plan.Location()
	out := challengeJSON{Campaign: camp, Weeks: []challengeWeekJSON{}, Posts: []postJSON{}}
	byWeek := map[string]*challengeWeekJSON{}
	for _, w := range plan.Weeks {
		open, closeAt := calendars.Window(w.Week, zone)
		state := "upcoming"
		switch {
		case !now.Before(closeAt):
			state = "closed"
		case !now.Before(open):
			state = "open"
		}
		taking := state == "open" && camp.Status == rythme.CampaignActive
		if taking {
			out.CurrentWeek = w.Week.String()
		}
		out.Weeks = append(out.Weeks, challengeWeekJSON{Week: w.Week.String(), Theme: w.Theme, OpensAt: open.In(zone),
			ClosesAt: closeAt.In(zone), State: state, Open: taking, PostIDs: []string{}})
	}
	for i := range out.Weeks {
		byWeek[out.Weeks[i].Week] = &out.Weeks[i]
	}
	for _, p := range posts {
		out.Posts = append(out.Posts, postOut(p))
		if w := byWeek[p.ChallengeWeek]; w != nil {
			w.Submissions++
			if p.Review == rythme.ReviewApproved {
				w.Picked++
			}
			w.PostIDs = append(w.PostIDs, p.ID)
		}
	}
	c.JSON(status, out)
}

// weeksRequest is PUT /v1/campaigns/{id}/weeks.
type weeksRequest struct {
	Weeks []weekInput `json:"weeks"`
}

// putChallengeWeeks is PUT /v1/campaigns/{id}/weeks: the challenge's weeks
// and themes replaced; closed weeks stay as they are, the week open now
// may change its theme but not go (posting.Planner.PutChallengeWeeks).
func (s *server) putChallengeWeeks(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixCampaign, "campaign")
	if !ok {
		return
	}
	var req weeksRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	camp, posts, err := s.plans.PutChallengeWeeks(c.Request.Context(), workspace(c), id, weeksOf(req.Weeks))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.challengeOut(c, http.StatusOK, camp, posts)
}
