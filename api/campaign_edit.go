package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
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
// changes and its posts not yet out follow it. A plan item is known by its
// day offset and place in the day (calendars.PlannedPost.Key): its post is
// changed in place (versions bumped, so a task already queued publishes
// nothing); new items make new posts; removed items cancel theirs. Posts
// already published (or publishing, or cancelled) stay as they are and are
// listed as unchanged. The whole plan is validated before anything is
// written.
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
	if req == (updateCampaignRequest{}) {
		s.fail(c, rythme.Errorf(rythme.EINVALID, "nothing to change: give at least one field"))
		return
	}
	ctx := c.Request.Context()
	camp, err := s.store.GetCampaign(ctx, workspace(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	switch {
	case camp.Kind == rythme.CampaignWeeklyChallenge:
		s.fail(c, rythme.Errorf(rythme.ECONFLICT, "a weekly challenge's weeks are changed with PUT /v1/campaigns/%s/weeks", camp.ID))
		return
	case camp.Status != rythme.CampaignActive:
		s.fail(c, rythme.Errorf(rythme.ECONFLICT, "campaign %s is %s: it cannot change", camp.ID, camp.Status))
		return
	}
	var week calendars.ThemedWeek
	if err := json.Unmarshal(camp.Plan, &week); err != nil {
		s.fail(c, fmt.Errorf("api: campaign plan: %w", err))
		return
	}
	if req.Name != nil {
		week.Name = *req.Name
	}
	if req.Theme != nil {
		week.Theme = *req.Theme
	}
	if req.FirstDay != nil {
		week.FirstDay = *req.FirstDay
	}
	if req.Zone != nil {
		week.Zone = *req.Zone
	}
	if req.Days != nil {
		week.Days = *req.Days
	}
	ws, err := s.store.GetWorkspace(ctx, camp.WorkspaceID)
	if err != nil {
		s.fail(c, fmt.Errorf("api: get workspace: %w", err))
		return
	}
	posts, err := s.campaignPosts(c, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	byKey := map[string]*rythme.Post{}
	out := map[string]bool{}       // items whose post can no longer change
	keep := map[string]time.Time{} // exempt from the past check (see plannedPosts)
	for _, p := range posts {
		if p.PlanItem == "" {
			continue
		}
		byKey[p.PlanItem] = p
		keep[p.PlanItem] = p.ScheduledAt
		if !p.HasEditable() {
			out[p.PlanItem] = true
			keep[p.PlanItem] = time.Time{}
		}
	}
	pl, err := s.plannedPosts(c, week, camp, ws, keep)
	if err != nil {
		s.fail(c, err)
		return
	}

	now, a := s.now(), actor(c)
	needsApproval := ws.NeedsApproval(a.Role)
	answer := campaignJSON{Campaign: camp, Posts: []postJSON{}, Adjustments: pl.adjustments}
	var fresh []*rythme.Post
	type change struct {
		old  *rythme.Post
		next *rythme.Post
	}
	var changes []change
	for i, next := range pl.posts {
		item := pl.items[i]
		old := byKey[item.Key]
		delete(byKey, item.Key)
		switch {
		case old == nil:
			fresh = append(fresh, next)
		case out[item.Key]:
			if planDiffers(old, next) {
				answer.Unchanged = append(answer.Unchanged, unchangedPost{PostID: old.ID, Field: item.Field,
					Reason: "the post is " + old.Status() + ": it is left as it was"})
			}
		default:
			changes = append(changes, change{old, next})
		}
	}

	// The plan first: what follows reads it.
	camp.Name, camp.Theme, camp.FirstDay, camp.Timezone = strings.TrimSpace(week.Name), week.Theme, week.FirstDay, week.Zone
	camp.Plan, _ = json.Marshal(week)
	if err := s.store.UpdateCampaign(ctx, camp); err != nil {
		s.fail(c, fmt.Errorf("api: update campaign: %w", err))
		return
	}
	for _, ch := range changes {
		tmpl := templateOf(ch.next)
		p, err := s.store.UpdatePost(ctx, camp.WorkspaceID, ch.old.ID, func(p *rythme.Post) error {
			if !p.HasEditable() {
				return rythme.Errorf(rythme.ECONFLICT, "post %s is %s", p.ID, p.Status())
			}
			tmpl.Tags, tmpl.Media, tmpl.Thread = p.Tags, p.Media, p.Thread // a plan item has none: the post keeps its own
			if !tmpl.Apply(p, ch.next.ScheduledAt, ch.next.Timezone, now) {
				return nil
			}
			p.Record(a, "edited", "campaign "+camp.Name+" edited", now)
			if needsApproval {
				p.ReturnToReview(a, now)
			}
			return nil
		})
		if rythme.ErrorCode(err) == rythme.ECONFLICT { // went out meanwhile
			answer.Unchanged = append(answer.Unchanged, unchangedPost{PostID: ch.old.ID, Reason: "the post was being published: it is left as it was"})
			continue
		}
		if err != nil {
			s.fail(c, fmt.Errorf("api: update campaign post: %w", err))
			return
		}
		s.enqueue(c, s.dueRefs(p))
	}
	if len(fresh) > 0 {
		if err := s.store.CreatePosts(ctx, fresh); err != nil {
			s.fail(c, fmt.Errorf("api: create campaign posts: %w", err))
			return
		}
		for _, p := range fresh {
			s.enqueue(c, s.dueRefs(p))
		}
	}
	for _, old := range byKey { // items the plan no longer has
		if !old.HasEditable() {
			continue
		}
		_, err := s.store.UpdatePost(ctx, camp.WorkspaceID, old.ID, func(p *rythme.Post) error {
			if err := p.Cancel(now); err != nil {
				return err
			}
			p.Record(a, "cancelled", "removed from campaign "+camp.Name, now)
			return nil
		})
		if err != nil && rythme.ErrorCode(err) != rythme.ECONFLICT {
			s.fail(c, fmt.Errorf("api: cancel campaign post: %w", err))
			return
		}
	}
	all, err := s.campaignPosts(c, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, p := range all {
		answer.Posts = append(answer.Posts, postOut(p))
	}
	c.JSON(http.StatusOK, answer)
}

// planDiffers reports whether a plan item asks for something other than
// what its post is.
func planDiffers(old, next *rythme.Post) bool {
	if old.Content != next.Content || !old.ScheduledAt.Equal(next.ScheduledAt) || old.Format != next.Format || old.Author != next.Author {
		return true
	}
	var a, b []string
	for _, t := range old.Targets {
		if t.Status != rythme.TargetCancelled {
			a = append(a, t.AccountID)
		}
	}
	for _, t := range next.Targets {
		b = append(b, t.AccountID)
	}
	slices.Sort(a)
	slices.Sort(b)
	return !slices.Equal(a, b)
}
