package posting

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
)

// CampaignView is a themed week as its use cases answer: the campaign,
// its posts, the DST adjustments of its plan's times and, after an edit,
// the posts the edit could not change.
type CampaignView struct {
	Campaign    *rythme.Campaign
	Posts       []*rythme.Post
	Adjustments []calendars.Adjustment
	Unchanged   []Unchanged
}

// Unchanged is a post an edit of its campaign's plan left as it was.
type Unchanged struct {
	PostID string
	// Field is the plan item's path ("days[2].items[0]"), when known.
	Field  string
	Reason string
}

// CampaignEdit changes a themed week's plan; nil fields stay as they are.
// Days, when given, replaces every day of the plan.
type CampaignEdit struct {
	Name     *string
	Theme    *string
	FirstDay *string
	Zone     *string
	Days     *[]calendars.DayPlan
}

// planned is a themed week expanded into posts, with the DST adjustments
// of its times.
type planned struct {
	posts       []*rythme.Post
	items       []calendars.PlannedPost // posts[i] comes from items[i]
	adjustments []calendars.Adjustment
}

// plan expands a themed week into the campaign's posts, each validated as
// a new post is (accounts, networks' rules, not in the past) with field
// errors naming the plan's item (days[2].items[0]…), in the review state
// ap gives a new post. An item whose key is in keep is exempt from the
// past check when its time is the one kept (its post is due already and
// the item unchanged), or whatever its time when that is zero (its post is
// out: an edit of the plan leaves it alone).
func (pl *Planner) plan(ctx context.Context, a rythme.Actor, week calendars.ThemedWeek, camp *rythme.Campaign, ap Approval, keep map[string]time.Time) (*planned, error) {
	items, fes := calendars.Expand(week)
	if len(fes) > 0 {
		return nil, rythme.Invalid(fes...)
	}
	now := pl.svc.Now()
	zone := week.Zone
	if zone == "" {
		zone = "UTC"
	}
	loc, _ := calendars.LoadZone(zone) // Expand checked it
	var fe Fields
	accounts := map[string]*rythme.Account{}
	out := &planned{items: items, adjustments: []calendars.Adjustment{}}
	for _, pp := range items {
		at := pp.At.UTC().Truncate(time.Microsecond)
		if adj, ok := calendars.Adjust(pp.Field+".time", pp.Date, pp.Time, loc, pp.At, pp.Resolution); ok {
			out.adjustments = append(out.adjustments, adj)
		}
		if kept, ok := keep[pp.Key]; at.Before(now) && !(ok && (kept.IsZero() || kept.Equal(at))) {
			fe.Add(pp.Field+".time", "is in the past")
		}
		p, err := pl.plannedPost(ctx, &fe, accounts, a, camp, pp, zone, at, now)
		if err != nil {
			return nil, err
		}
		ap.Created(p, false)
		Record(p, a, ActionCreated, "campaign "+camp.Name, now)
		out.posts = append(out.posts, p)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// plannedPost is the campaign's post for plan item pp at at, validated,
// with its errors added to fe on the item's field path.
func (pl *Planner) plannedPost(ctx context.Context, fe *Fields, accounts map[string]*rythme.Account, a rythme.Actor, camp *rythme.Campaign,
	pp calendars.PlannedPost, zone string, at, now time.Time) (*rythme.Post, error) {
	ws := camp.WorkspaceID
	p := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: ws, Content: pp.Content, ScheduledAt: at,
		Timezone: zone, Tags: []string{}, Media: []string{}, Thread: []string{}, Author: pp.Author, Format: string(pp.Format),
		PlanItem: pp.Key, CampaignID: camp.ID, FirstComment: pp.FirstComment, Poll: pp.Poll.Clone(),
		CreatedBy: a.ID, CreatedAt: now, UpdatedAt: now}
	for j, id := range pp.Targets {
		acc, err := pl.svc.Account(ctx, accounts, ws, id)
		if err != nil {
			return nil, err
		}
		t := &rythme.Target{ID: rythme.NewID(rythme.PrefixTarget), PostID: p.ID, WorkspaceID: ws, AccountID: id,
			Status: rythme.TargetScheduled, Version: 1, ScheduledAt: at, CreatedAt: now, UpdatedAt: now}
		if msg := Unusable(acc); msg != "" {
			fe.Add(fmt.Sprintf("%s.targets[%d]", pp.Field, j), "%s", msg)
		} else {
			t.Network = acc.Network
		}
		p.Targets = append(p.Targets, t)
	}
	LinkUTM(p, camp)
	var pfe Fields
	pl.svc.Validate(ctx, &pfe, p, false)
	for _, f := range pfe {
		fe.Add(pp.Field+"."+f.Field, "%s", f.Message)
	}
	return p, nil
}

// CreateCampaign stores a themed week as a campaign of workspace ws, with
// every post of its plan: all of them or none (EINVALID with the plan's
// field paths when one is wrong). Those due are enqueued.
func (pl *Planner) CreateCampaign(ctx context.Context, a rythme.Actor, ws string, week calendars.ThemedWeek) (*CampaignView, error) {
	ap, err := pl.svc.ApprovalFor(ctx, ws, a)
	if err != nil {
		return nil, err
	}
	plan, _ := json.Marshal(week)
	now := pl.svc.Now()
	camp := &rythme.Campaign{ID: rythme.NewID(rythme.PrefixCampaign), WorkspaceID: ws, Kind: rythme.CampaignThemedWeek,
		Name: strings.TrimSpace(week.Name), Theme: week.Theme, FirstDay: week.FirstDay, Timezone: week.Zone,
		Status: rythme.CampaignActive, Plan: plan, CreatedBy: a.ID, CreatedAt: now, UpdatedAt: now}
	pd, err := pl.plan(ctx, a, week, camp, ap, nil)
	if err != nil {
		return nil, err
	}
	if err := pl.store.CreateCampaign(ctx, camp, pd.posts); err != nil {
		return nil, fmt.Errorf("posting: create campaign: %w", err)
	}
	pl.svc.Enqueue(ctx, pd.posts...)
	return &CampaignView{Campaign: camp, Posts: pd.posts, Adjustments: pd.adjustments}, nil
}

// CloneCampaign creates a themed week from the plan of the workspace's
// campaign id, starting on firstDay ("2026-11-30"), named name ("": the
// same name). A weekly challenge cannot be cloned (ECONFLICT).
func (pl *Planner) CloneCampaign(ctx context.Context, a rythme.Actor, ws, id, firstDay, name string) (*CampaignView, error) {
	camp, err := pl.store.GetCampaign(ctx, ws, id)
	if err != nil {
		return nil, err
	}
	if camp.Kind == rythme.CampaignWeeklyChallenge {
		return nil, rythme.Errorf(rythme.ECONFLICT, "a weekly challenge cannot be cloned: create another with POST /v1/campaigns (kind weekly_challenge)")
	}
	day, err := calendars.ParseDate(firstDay)
	if err != nil {
		return nil, rythme.Invalid(rythme.FieldError{Field: "first_day", Message: "must be a date such as 2026-11-30"})
	}
	week, err := themedWeekOf(camp)
	if err != nil {
		return nil, err
	}
	week = calendars.Shift(week, day)
	if name != "" {
		week.Name = name
	}
	view, err := pl.CreateCampaign(ctx, a, ws, week)
	if err != nil || camp.UTM.Empty() {
		return view, err
	}
	// The copy adds the same UTM parameters to its links.
	if _, _, err := pl.SetCampaignUTM(ctx, a, ws, view.Campaign.ID, *camp.UTM); err != nil {
		return nil, err
	}
	c, posts, err := pl.Campaign(ctx, ws, view.Campaign.ID)
	if err != nil {
		return nil, err
	}
	view.Campaign, view.Posts = c, posts
	return view, nil
}

// themedWeekOf reads a themed week's plan.
func themedWeekOf(camp *rythme.Campaign) (calendars.ThemedWeek, error) {
	var week calendars.ThemedWeek
	if err := json.Unmarshal(camp.Plan, &week); err != nil {
		return week, fmt.Errorf("posting: campaign plan: %w", err)
	}
	return week, nil
}

// Campaign reads the workspace's campaign id and every one of its posts.
func (pl *Planner) Campaign(ctx context.Context, ws, id string) (*rythme.Campaign, []*rythme.Post, error) {
	camp, err := pl.store.GetCampaign(ctx, ws, id)
	if err != nil {
		return nil, nil, err
	}
	posts, err := pl.CampaignPosts(ctx, ws, id)
	if err != nil {
		return nil, nil, err
	}
	return camp, posts, nil
}

// CampaignPosts lists every post of the workspace's campaign id.
func (pl *Planner) CampaignPosts(ctx context.Context, ws, id string) ([]*rythme.Post, error) {
	return pl.posts(ctx, ws, rythme.PostFilter{CampaignID: id})
}

// CancelCampaign cancels the workspace's campaign id: every post of it not
// yet out is cancelled (their queued tasks then do nothing); those out, or
// being published, stay as they are.
func (pl *Planner) CancelCampaign(ctx context.Context, a rythme.Actor, ws, id string) error {
	camp, posts, err := pl.Campaign(ctx, ws, id)
	if err != nil {
		return err
	}
	now := pl.svc.Now()
	for _, p := range posts {
		_, err := pl.cancel(ctx, a, camp.WorkspaceID, p.ID, "campaign "+camp.Name+" cancelled", now)
		if err != nil && rythme.ErrorCode(err) != rythme.ECONFLICT { // already out: left as is
			return fmt.Errorf("posting: cancel campaign post: %w", err)
		}
	}
	camp.Status = rythme.CampaignCancelled
	if err := pl.store.UpdateCampaign(ctx, camp); err != nil {
		return fmt.Errorf("posting: cancel campaign: %w", err)
	}
	return nil
}

// planChange is a post of the campaign and what its plan item now asks.
type planChange struct {
	old, next *rythme.Post
}

// planDiff is an edited plan against the campaign's posts: new items make
// posts (fresh); items whose post can still change (changes); items whose
// post is out and differs (unchanged). byKey holds the posts of items the
// plan no longer has. adjustments are those of the new plan's times.
type planDiff struct {
	byKey       map[string]*rythme.Post
	fresh       []*rythme.Post
	changes     []planChange
	unchanged   []Unchanged
	adjustments []calendars.Adjustment
}

// UpdateCampaign changes the plan of the workspace's themed week id, and
// its posts not yet out follow it. A plan item is known by its day offset
// and place in the day (calendars.PlannedPost.Key): its post is changed in
// place (versions bumped, so a task already queued publishes nothing); new
// items make new posts; removed items cancel theirs. Posts already
// published (or publishing, or cancelled) stay as they are and are listed
// as unchanged. The whole plan is validated before anything is written
// (EINVALID); a challenge, or a campaign no longer active, cannot change
// this way (ECONFLICT).
func (pl *Planner) UpdateCampaign(ctx context.Context, a rythme.Actor, ws, id string, ed CampaignEdit) (*CampaignView, error) {
	if ed == (CampaignEdit{}) {
		return nil, rythme.Errorf(rythme.EINVALID, "nothing to change: give at least one field")
	}
	camp, week, err := pl.editableCampaign(ctx, ws, id)
	if err != nil {
		return nil, err
	}
	ed.apply(&week)
	ap, err := pl.svc.ApprovalFor(ctx, camp.WorkspaceID, a)
	if err != nil {
		return nil, err
	}
	posts, err := pl.posts(ctx, ws, rythme.PostFilter{CampaignID: id})
	if err != nil {
		return nil, err
	}
	diff, err := pl.diffPlan(ctx, a, week, camp, ap, posts)
	if err != nil {
		return nil, err
	}
	// The plan first: what follows reads it.
	camp.Name, camp.Theme, camp.FirstDay, camp.Timezone = strings.TrimSpace(week.Name), week.Theme, week.FirstDay, week.Zone
	camp.Plan, _ = json.Marshal(week)
	if err := pl.store.UpdateCampaign(ctx, camp); err != nil {
		return nil, fmt.Errorf("posting: update campaign: %w", err)
	}
	if err := pl.applyPlan(ctx, a, camp, ap, diff); err != nil {
		return nil, err
	}
	view := &CampaignView{Campaign: camp, Adjustments: diff.adjustments, Unchanged: diff.unchanged}
	if view.Posts, err = pl.posts(ctx, ws, rythme.PostFilter{CampaignID: id}); err != nil {
		return nil, err
	}
	return view, nil
}

// editableCampaign reads a themed week whose plan may change, and its
// plan.
func (pl *Planner) editableCampaign(ctx context.Context, ws, id string) (*rythme.Campaign, calendars.ThemedWeek, error) {
	camp, err := pl.store.GetCampaign(ctx, ws, id)
	if err != nil {
		return nil, calendars.ThemedWeek{}, err
	}
	switch {
	case camp.Kind == rythme.CampaignWeeklyChallenge:
		return nil, calendars.ThemedWeek{}, rythme.Errorf(rythme.ECONFLICT, "a weekly challenge's weeks are changed with PUT /v1/campaigns/%s/weeks", camp.ID)
	case camp.Status != rythme.CampaignActive:
		return nil, calendars.ThemedWeek{}, rythme.Errorf(rythme.ECONFLICT, "campaign %s is %s: it cannot change", camp.ID, camp.Status)
	}
	week, err := themedWeekOf(camp)
	return camp, week, err
}

// apply sets on week what the edit gives.
func (ed CampaignEdit) apply(week *calendars.ThemedWeek) {
	if ed.Name != nil {
		week.Name = *ed.Name
	}
	if ed.Theme != nil {
		week.Theme = *ed.Theme
	}
	if ed.FirstDay != nil {
		week.FirstDay = *ed.FirstDay
	}
	if ed.Zone != nil {
		week.Zone = *ed.Zone
	}
	if ed.Days != nil {
		week.Days = *ed.Days
	}
}

// diffPlan expands the edited week (validated: nothing is written when it
// is wrong) and sorts it against the campaign's posts.
func (pl *Planner) diffPlan(ctx context.Context, a rythme.Actor, week calendars.ThemedWeek, camp *rythme.Campaign, ap Approval,
	posts []*rythme.Post) (*planDiff, error) {
	byKey := map[string]*rythme.Post{}
	out := map[string]bool{}       // items whose post can no longer change
	keep := map[string]time.Time{} // exempt from the past check (see plan)
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
	pd, err := pl.plan(ctx, a, week, camp, ap, keep)
	if err != nil {
		return nil, err
	}
	diff := &planDiff{byKey: byKey, adjustments: pd.adjustments}
	for i, next := range pd.posts {
		item := pd.items[i]
		old := byKey[item.Key]
		delete(byKey, item.Key)
		switch {
		case old == nil:
			diff.fresh = append(diff.fresh, next)
		case out[item.Key]:
			if planDiffers(old, next) {
				diff.unchanged = append(diff.unchanged, Unchanged{PostID: old.ID, Field: item.Field,
					Reason: "the post is " + old.Status() + ": it is left as it was"})
			}
		default:
			diff.changes = append(diff.changes, planChange{old, next})
		}
	}
	return diff, nil
}

// applyPlan writes an edited plan's posts: changed ones in place, new
// ones created, those of removed items cancelled; those due are enqueued.
// A post that went out meanwhile is added to the diff's unchanged.
func (pl *Planner) applyPlan(ctx context.Context, a rythme.Actor, camp *rythme.Campaign, ap Approval, diff *planDiff) error {
	now := pl.svc.Now()
	for _, ch := range diff.changes {
		p, err := pl.changePlanned(ctx, a, camp, ch, ap, now)
		if rythme.ErrorCode(err) == rythme.ECONFLICT { // went out meanwhile
			diff.unchanged = append(diff.unchanged, Unchanged{PostID: ch.old.ID, Reason: "the post was being published: it is left as it was"})
			continue
		}
		if err != nil {
			return fmt.Errorf("posting: update campaign post: %w", err)
		}
		pl.svc.Enqueue(ctx, p)
	}
	if len(diff.fresh) > 0 {
		if err := pl.svc.store.CreatePosts(ctx, diff.fresh); err != nil {
			return fmt.Errorf("posting: create campaign posts: %w", err)
		}
		pl.svc.Enqueue(ctx, diff.fresh...)
	}
	for _, old := range diff.byKey { // items the plan no longer has
		if !old.HasEditable() {
			continue
		}
		_, err := pl.cancel(ctx, a, camp.WorkspaceID, old.ID, "removed from campaign "+camp.Name, now)
		if err != nil && rythme.ErrorCode(err) != rythme.ECONFLICT {
			return fmt.Errorf("posting: cancel campaign post: %w", err)
		}
	}
	return nil
}

// changePlanned gives the post of a plan item what the item now asks: its
// content, time, format, author, first comment, poll and accounts (the
// post keeps its own tags, media and thread: a plan item has none). ECONFLICT when it is out.
func (pl *Planner) changePlanned(ctx context.Context, a rythme.Actor, camp *rythme.Campaign, ch planChange, ap Approval, now time.Time) (*rythme.Post, error) {
	tmpl := templateOf(ch.next)
	return pl.svc.store.UpdatePost(ctx, camp.WorkspaceID, ch.old.ID, func(p *rythme.Post) error {
		if !p.HasEditable() {
			return rythme.Errorf(rythme.ECONFLICT, "post %s is %s", p.ID, p.Status())
		}
		tmpl.Tags, tmpl.Media, tmpl.Thread = p.Tags, p.Media, p.Thread
		if !tmpl.Apply(p, ch.next.ScheduledAt, ch.next.Timezone, now) {
			return nil
		}
		LinkUTM(p, camp)
		Record(p, a, ActionEdited, "campaign "+camp.Name+" edited", now)
		ap.Edited(p, now)
		return nil
	})
}

// planDiffers reports whether a plan item asks for something other than
// what its post is.
func planDiffers(old, next *rythme.Post) bool {
	if old.Content != next.Content || !old.ScheduledAt.Equal(next.ScheduledAt) || old.Format != next.Format || old.Author != next.Author ||
		old.FirstComment != next.FirstComment || !old.Poll.Equal(next.Poll) {
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
