package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
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

// planned is a themed week expanded into posts, with the DST adjustments
// of its times.
type planned struct {
	posts       []*rythme.Post
	items       []calendars.PlannedPost // posts[i] comes from items[i]
	adjustments []calendars.Adjustment
}

// plannedPosts expands a themed week into posts, validated as
// POST /v1/posts validates one (accounts, networks' rules, not in the
// past), with field errors naming the plan's item (days[2].items[0]…).
// An item whose key is in keep is exempt from the past check when its
// time is the one kept (its post is due already and the item unchanged),
// or whatever its time when that is zero (its post is out: an edit of the
// plan leaves it alone).
func (s *server) plannedPosts(c *gin.Context, week calendars.ThemedWeek, campaign *rythme.Campaign, ws *rythme.Workspace, keep map[string]time.Time) (*planned, error) {
	items, fes := calendars.Expand(week)
	if len(fes) > 0 {
		return nil, rythme.Invalid(fes...)
	}
	ctx, now, a := c.Request.Context(), s.now(), actor(c)
	zone := week.Zone
	if zone == "" {
		zone = "UTC"
	}
	loc, _ := calendars.LoadZone(zone) // Expand checked it
	var fe fieldErrors
	accounts := map[string]*rythme.Account{}
	out := &planned{items: items, adjustments: []calendars.Adjustment{}}
	for _, pp := range items {
		at := pp.At.UTC().Truncate(time.Microsecond)
		if adj, ok := calendars.Adjust(pp.Field+".time", pp.Date, pp.Time, loc, pp.At, pp.Resolution); ok {
			out.adjustments = append(out.adjustments, adj)
		}
		p := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: ws.ID, Content: pp.Content, ScheduledAt: at,
			Timezone: zone, Tags: []string{}, Media: []string{}, Thread: []string{}, Author: pp.Author, Format: string(pp.Format),
			PlanItem: pp.Key, CampaignID: campaign.ID, CreatedBy: a.ID, CreatedAt: now, UpdatedAt: now}
		if kept, ok := keep[pp.Key]; at.Before(now) && !(ok && (kept.IsZero() || kept.Equal(at))) {
			fe.add(pp.Field+".time", "is in the past")
		}
		for j, id := range pp.Targets {
			acc, err := s.account(ctx, accounts, ws.ID, id)
			if err != nil {
				return nil, err
			}
			t := &rythme.Target{ID: rythme.NewID(rythme.PrefixTarget), PostID: p.ID, WorkspaceID: ws.ID, AccountID: id,
				Status: rythme.TargetScheduled, Version: 1, ScheduledAt: at, CreatedAt: now, UpdatedAt: now}
			if msg := unusable(acc); msg != "" {
				fe.add(fmt.Sprintf("%s.targets[%d]", pp.Field, j), "%s", msg)
			} else {
				t.Network = acc.Network
			}
			p.Targets = append(p.Targets, t)
		}
		var pfe fieldErrors
		s.validatePost(c.Request.Context(), &pfe, p, false)
		for _, f := range pfe {
			fe.add(pp.Field+"."+f.Field, "%s", f.Message)
		}
		if ws.NeedsApproval(a.Role) {
			p.MakeDraft()
		}
		p.Record(a, "created", "campaign "+campaign.Name, now)
		out.posts = append(out.posts, p)
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	return out, nil
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

func (s *server) saveCampaign(c *gin.Context, week calendars.ThemedWeek) {
	ctx := c.Request.Context()
	ws, err := s.store.GetWorkspace(ctx, workspace(c))
	if err != nil {
		s.fail(c, fmt.Errorf("api: get workspace: %w", err))
		return
	}
	plan, _ := json.Marshal(week)
	now := s.now()
	camp := &rythme.Campaign{ID: rythme.NewID(rythme.PrefixCampaign), WorkspaceID: ws.ID, Kind: rythme.CampaignThemedWeek,
		Name: strings.TrimSpace(week.Name), Theme: week.Theme, FirstDay: week.FirstDay, Timezone: week.Zone,
		Status: rythme.CampaignActive, Plan: plan, CreatedBy: tokenOf(c).ID, CreatedAt: now, UpdatedAt: now}
	pl, err := s.plannedPosts(c, week, camp, ws, nil)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.store.CreateCampaign(ctx, camp, pl.posts); err != nil {
		s.fail(c, fmt.Errorf("api: create campaign: %w", err))
		return
	}
	out := campaignJSON{Campaign: camp, Posts: []postJSON{}, Adjustments: pl.adjustments}
	for _, p := range pl.posts {
		s.enqueue(c, s.dueRefs(p))
		out.Posts = append(out.Posts, postOut(p))
	}
	c.JSON(http.StatusCreated, out)
}

func (s *server) listCampaigns(c *gin.Context) {
	cs, err := s.store.ListCampaigns(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, fmt.Errorf("api: list campaigns: %w", err))
		return
	}
	c.JSON(http.StatusOK, gin.H{"data": cs})
}

// allPosts returns every post matching f, page after page.
func (s *server) allPosts(c *gin.Context, f rythme.PostFilter) ([]*rythme.Post, error) {
	var all []*rythme.Post
	f.Limit = 200
	for {
		page, next, err := s.store.ListPosts(c.Request.Context(), workspace(c), f)
		if err != nil {
			return nil, fmt.Errorf("api: list posts: %w", err)
		}
		all = append(all, page...)
		if next == "" {
			return all, nil
		}
		f.Cursor = next
	}
}

// campaignPosts returns every post of the campaign.
func (s *server) campaignPosts(c *gin.Context, id string) ([]*rythme.Post, error) {
	return s.allPosts(c, rythme.PostFilter{CampaignID: id})
}

func (s *server) getCampaign(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixCampaign, "campaign")
	if !ok {
		return
	}
	camp, err := s.store.GetCampaign(c.Request.Context(), workspace(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	posts, err := s.campaignPosts(c, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	if camp.Kind == rythme.CampaignWeeklyChallenge {
		s.challengeOut(c, http.StatusOK, camp, posts) // with its weeks
		return
	}
	out := campaignJSON{Campaign: camp, Posts: []postJSON{}}
	for _, p := range posts {
		out.Posts = append(out.Posts, postOut(p))
	}
	c.JSON(http.StatusOK, out)
}

// cancelCampaign is DELETE /v1/campaigns/{id}: every post not yet out is
// cancelled (their queued tasks then do nothing).
func (s *server) cancelCampaign(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixCampaign, "campaign")
	if !ok {
		return
	}
	ctx := c.Request.Context()
	camp, err := s.store.GetCampaign(ctx, workspace(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	posts, err := s.campaignPosts(c, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	a, now := actor(c), s.now()
	for _, p := range posts {
		_, err := s.store.UpdatePost(ctx, camp.WorkspaceID, p.ID, func(p *rythme.Post) error {
			if err := p.Cancel(now); err != nil {
				return err
			}
			p.Record(a, "cancelled", "campaign "+camp.Name+" cancelled", now)
			return nil
		})
		if err != nil && rythme.ErrorCode(err) != rythme.ECONFLICT { // already out: left as is
			s.fail(c, fmt.Errorf("api: cancel campaign post: %w", err))
			return
		}
	}
	camp.Status = rythme.CampaignCancelled
	if err := s.store.UpdateCampaign(ctx, camp); err != nil {
		s.fail(c, fmt.Errorf("api: cancel campaign: %w", err))
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
	camp, err := s.store.GetCampaign(c.Request.Context(), workspace(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	if camp.Kind == rythme.CampaignWeeklyChallenge {
		s.fail(c, rythme.Errorf(rythme.ECONFLICT, "a weekly challenge cannot be cloned: create another with POST /v1/campaigns (kind weekly_challenge)"))
		return
	}
	day, err := calendars.ParseDate(req.FirstDay)
	if err != nil {
		s.fail(c, rythme.Invalid(rythme.FieldError{Field: "first_day", Message: "must be a date such as 2026-11-30"}))
		return
	}
	var week calendars.ThemedWeek
	if err := json.Unmarshal(camp.Plan, &week); err != nil {
		s.fail(c, fmt.Errorf("api: campaign plan: %w", err))
		return
	}
	week = calendars.Shift(week, day)
	if req.Name != "" {
		week.Name = req.Name
	}
	s.saveCampaign(c, week)
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
