package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
)

// A weekly challenge is a campaign of kind weekly_challenge: a theme each
// ISO week, read in the challenge's zone. Members submit posts to the week
// open now (POST /v1/campaigns/{id}/submissions); a submission is a post of
// the campaign whose targets are the challenge's accounts, in draft, and
// which waits for a manager (review pending). A manager picks the ones to
// publish (…/submissions/{post_id}/pick) or declines them with
// POST /v1/posts/{id}/reject. The campaign keeps who submitted what: each
// post's Author and ChallengeWeek.

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

// challengePlan is the Plan of a challenge's campaign: the challenge, the
// accounts picked posts are published on, and the default format of its
// submissions.
type challengePlan struct {
	calendars.Challenge
	Targets []string `json:"targets"`
	Format  string   `json:"format,omitempty"`
}

// location is the challenge's zone (UTC if it cannot be loaded).
func (p challengePlan) location() *time.Location {
	zone, err := calendars.LoadZone(p.Zone)
	if err != nil {
		return time.UTC
	}
	return zone
}

// week returns the challenge's week w, if it has it.
func (p challengePlan) week(w calendars.ISOWeek) (calendars.ChallengeWeek, bool) {
	for _, cw := range p.Weeks {
		if cw.Week == w {
			return cw, true
		}
	}
	return calendars.ChallengeWeek{}, false
}

// parseWeeks reads the weeks of a request. A bad week is left zero, for
// Challenge.Validate to report on weeks[i].week.
func parseWeeks(in []weekInput) []calendars.ChallengeWeek {
	out := make([]calendars.ChallengeWeek, len(in))
	for i, w := range in {
		wk, _ := calendars.ParseISOWeek(w.Week)
		out[i] = calendars.ChallengeWeek{Week: wk, Theme: strings.TrimSpace(w.Theme)}
	}
	return out
}

func sortWeeks(weeks []calendars.ChallengeWeek) {
	sort.Slice(weeks, func(i, j int) bool {
		a, b := weeks[i].Week, weeks[j].Week
		return a.Year < b.Year || (a.Year == b.Year && a.Week < b.Week)
	})
}

// checkChallengeTargets reports on targets and targets[i] what is wrong
// with the accounts picked posts go to: as for a campaign's targets, each
// must be an account of the workspace, connected, on a network this
// server supports.
func (s *server) checkChallengeTargets(c *gin.Context, fe *fieldErrors, ws string, ids []string) error {
	switch {
	case len(ids) == 0:
		fe.add("targets", "at least one account is required: where picked posts are published")
	case len(ids) > rythme.MaxTargets:
		fe.add("targets", "at most %d accounts", rythme.MaxTargets)
		return nil
	}
	accounts := map[string]*rythme.Account{}
	seen := map[string]bool{}
	for i, id := range ids {
		field := fmt.Sprintf("targets[%d]", i)
		if seen[id] {
			fe.add(field, "is listed twice")
			continue
		}
		seen[id] = true
		acc, err := s.account(c.Request.Context(), accounts, ws, id)
		if err != nil {
			return err
		}
		if msg := unusable(acc); msg != "" {
			fe.add(field, "%s", msg)
		} else if _, err := s.cfg.Connectors.Get(acc.Network); err != nil {
			fe.add(field, "network %s is not supported by this server", acc.Network)
		}
	}
	return nil
}

// checkFormat reports an unknown format on field.
func checkFormat(fe *fieldErrors, field, format string) {
	if format == "" || calendars.Format(format).Known() {
		return
	}
	names := make([]string, len(calendars.Formats))
	for i, f := range calendars.Formats {
		names[i] = string(f)
	}
	fe.add(field, "must be one of %s", strings.Join(names, ", "))
}

// createChallenge is POST /v1/campaigns with kind weekly_challenge. Weeks
// already closed are refused; the weeks are kept in calendar order.
func (s *server) createChallenge(c *gin.Context, raw json.RawMessage) {
	var req challengeRequest
	if err := decodeRaw(raw, &req); err != nil {
		s.fail(c, err)
		return
	}
	now, ws := s.now(), workspace(c)
	plan := challengePlan{
		Challenge: calendars.Challenge{Name: strings.TrimSpace(req.Name), Zone: req.Zone, Weeks: parseWeeks(req.Weeks)},
		Targets:   req.Targets, Format: req.Format,
	}
	fe := fieldErrors(plan.Validate())
	if zone, err := calendars.LoadZone(plan.Zone); err == nil {
		for i, w := range plan.Weeks {
			if _, closeAt := calendars.Window(w.Week, zone); w.Week.Valid() && !now.Before(closeAt) {
				fe.add(fmt.Sprintf("weeks[%d].week", i), "is over: it closed at %s", closeAt.In(zone).Format(time.RFC3339))
			}
		}
	}
	if err := s.checkChallengeTargets(c, &fe, ws, plan.Targets); err != nil {
		s.fail(c, err)
		return
	}
	checkFormat(&fe, "format", plan.Format)
	if err := fe.err(); err != nil {
		s.fail(c, err)
		return
	}
	if plan.Zone == "" {
		plan.Zone = "UTC"
	}
	sortWeeks(plan.Weeks)
	camp := &rythme.Campaign{ID: rythme.NewID(rythme.PrefixCampaign), WorkspaceID: ws, Kind: rythme.CampaignWeeklyChallenge,
		Name: plan.Name, Timezone: plan.Zone, Status: rythme.CampaignActive, CreatedBy: tokenOf(c).ID, CreatedAt: now, UpdatedAt: now}
	setChallengePlan(camp, plan)
	if err := s.store.CreateCampaign(c.Request.Context(), camp, nil); err != nil {
		s.fail(c, fmt.Errorf("api: create challenge: %w", err))
		return
	}
	s.challengeOut(c, http.StatusCreated, camp, nil)
}

// setChallengePlan stores plan (its weeks in order) on the campaign, with
// FirstDay the Monday of its first week and Theme that week's theme.
func setChallengePlan(camp *rythme.Campaign, plan challengePlan) {
	camp.Plan, _ = json.Marshal(plan)
	camp.FirstDay = plan.Weeks[0].Week.Monday().String()
	camp.Theme = plan.Weeks[0].Theme
}

// challengePlanOf reads a challenge's plan.
func challengePlanOf(camp *rythme.Campaign) (challengePlan, error) {
	var plan challengePlan
	if err := json.Unmarshal(camp.Plan, &plan); err != nil || len(plan.Weeks) == 0 {
		return plan, fmt.Errorf("api: challenge %s: bad plan: %v", camp.ID, err)
	}
	sortWeeks(plan.Weeks)
	return plan, nil
}

// challenge loads the campaign of the path's id and its plan: 404 when the
// workspace has none, 409 when it is not a weekly challenge.
func (s *server) challenge(c *gin.Context, id string) (*rythme.Campaign, challengePlan, bool) {
	camp, err := s.store.GetCampaign(c.Request.Context(), workspace(c), id)
	if err != nil {
		s.fail(c, err)
		return nil, challengePlan{}, false
	}
	if camp.Kind != rythme.CampaignWeeklyChallenge {
		s.fail(c, rythme.Errorf(rythme.ECONFLICT, "campaign %q is a %s, not a weekly challenge", camp.Name, strings.ReplaceAll(camp.Kind, "_", " ")))
		return nil, challengePlan{}, false
	}
	plan, err := challengePlanOf(camp)
	if err != nil {
		s.fail(c, err)
		return nil, challengePlan{}, false
	}
	return camp, plan, true
}

// liveChallenge is challenge for a change: a cancelled challenge takes
// none (409).
func (s *server) liveChallenge(c *gin.Context, id string) (*rythme.Campaign, challengePlan, bool) {
	camp, plan, ok := s.challenge(c, id)
	if ok && camp.Status == rythme.CampaignCancelled {
		s.fail(c, rythme.Errorf(rythme.ECONFLICT, "challenge %q was cancelled: it takes no more submissions or picks", camp.Name))
		return nil, challengePlan{}, false
	}
	return camp, plan, ok
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
	plan, err := challengePlanOf(camp)
	if err != nil {
		s.fail(c, err)
		return
	}
	now, zone := s.now(), plan.location()
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
// and themes replaced. Closed weeks stay as they are (409 on any change to
// one, or on adding one); the week open now may change its theme but not
// go (it may hold submissions); weeks to come are free.
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
	camp, plan, ok := s.liveChallenge(c, id)
	if !ok {
		return
	}
	next := calendars.Challenge{Name: plan.Name, Zone: plan.Zone, Weeks: parseWeeks(req.Weeks)}
	if err := fieldErrors(next.Validate()).err(); err != nil {
		s.fail(c, err)
		return
	}
	now, zone := s.now(), plan.location()
	stamp := func(t time.Time) string { return t.In(zone).Format(time.RFC3339) }
	for _, w := range next.Weeks {
		_, closeAt := calendars.Window(w.Week, zone)
		if now.Before(closeAt) {
			continue
		}
		old, had := plan.week(w.Week)
		switch {
		case !had:
			s.fail(c, rythme.Errorf(rythme.ECONFLICT, "week %s closed at %s: a closed week cannot be added", w.Week, stamp(closeAt)))
			return
		case old.Theme != w.Theme:
			s.fail(c, rythme.Errorf(rythme.ECONFLICT, "week %s closed at %s: its theme can no longer change", w.Week, stamp(closeAt)))
			return
		}
	}
	for _, w := range plan.Weeks {
		if _, kept := (challengePlan{Challenge: next}).week(w.Week); kept {
			continue
		}
		open, closeAt := calendars.Window(w.Week, zone)
		switch {
		case !now.Before(closeAt):
			s.fail(c, rythme.Errorf(rythme.ECONFLICT, "week %s closed at %s: a closed week cannot be removed", w.Week, stamp(closeAt)))
			return
		case !now.Before(open):
			s.fail(c, rythme.Errorf(rythme.ECONFLICT, "week %s is open now and may hold submissions: change its theme, do not remove it", w.Week))
			return
		}
	}
	sortWeeks(next.Weeks)
	plan.Weeks = next.Weeks
	setChallengePlan(camp, plan)
	camp.UpdatedAt = now
	if err := s.store.UpdateCampaign(c.Request.Context(), camp); err != nil {
		s.fail(c, fmt.Errorf("api: update challenge weeks: %w", err))
		return
	}
	posts, err := s.campaignPosts(c, camp.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.challengeOut(c, http.StatusOK, camp, posts)
}

// challengeClosed says why the challenge takes no submission now: the
// week that opens next, or that it is over.
func challengeClosed(camp *rythme.Campaign, plan challengePlan, now time.Time) error {
	zone := plan.location()
	for _, w := range plan.Weeks {
		if open, _ := calendars.Window(w.Week, zone); now.Before(open) {
			return rythme.Errorf(rythme.ECONFLICT, "no week of challenge %q is open now: week %s (%s) opens at %s",
				camp.Name, w.Week, w.Theme, open.In(zone).Format(time.RFC3339))
		}
	}
	last := plan.Weeks[len(plan.Weeks)-1]
	_, closeAt := calendars.Window(last.Week, zone)
	return rythme.Errorf(rythme.ECONFLICT, "challenge %q is over: its last week, %s, closed at %s",
		camp.Name, last.Week, closeAt.In(zone).Format(time.RFC3339))
}
