package posting

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
)

// A weekly challenge is a campaign of kind weekly_challenge: a theme each
// ISO week, read in the challenge's zone. Members submit posts to the week
// open now (Submit); a submission is a post of the campaign whose targets
// are the challenge's accounts, in draft, and which waits for a manager
// (review pending). A manager picks the ones to publish (Pick) or declines
// them (rejecting the post). The campaign keeps who submitted what: each
// post's Author and ChallengeWeek.

// WeekInput is one week of a request, kept as text so that a bad week is
// reported on its field path rather than failing the whole request.
type WeekInput struct {
	Week  string
	Theme string
}

// ChallengeInput is a new weekly challenge.
type ChallengeInput struct {
	Name  string
	Zone  string // IANA zone its weeks are read in ("": UTC)
	Weeks []WeekInput
	// Targets are the accounts picked posts are published on; Format the
	// default format of its submissions.
	Targets []string
	Format  string
}

// ChallengePlan is the Plan of a challenge's campaign: the challenge, the
// accounts picked posts are published on, and the default format of its
// submissions.
type ChallengePlan struct {
	calendars.Challenge
	Targets []string `json:"targets"`
	Format  string   `json:"format,omitempty"`
}

// Location is the challenge's zone (UTC if it cannot be loaded).
func (p ChallengePlan) Location() *time.Location {
	zone, err := calendars.LoadZone(p.Zone)
	if err != nil {
		return time.UTC
	}
	return zone
}

// Week returns the challenge's week w, if it has it.
func (p ChallengePlan) Week(w calendars.ISOWeek) (calendars.ChallengeWeek, bool) {
	for _, cw := range p.Weeks {
		if cw.Week == w {
			return cw, true
		}
	}
	return calendars.ChallengeWeek{}, false
}

// ChallengePlanOf reads a challenge's plan, its weeks in calendar order.
func ChallengePlanOf(camp *rythme.Campaign) (ChallengePlan, error) {
	var plan ChallengePlan
	if err := json.Unmarshal(camp.Plan, &plan); err != nil || len(plan.Weeks) == 0 {
		return plan, fmt.Errorf("posting: challenge %s: bad plan: %v", camp.ID, err)
	}
	sortWeeks(plan.Weeks)
	return plan, nil
}

// setChallengePlan stores plan (its weeks in order) on the campaign, with
// FirstDay the Monday of its first week and Theme that week's theme.
func setChallengePlan(camp *rythme.Campaign, plan ChallengePlan) {
	camp.Plan, _ = json.Marshal(plan)
	camp.FirstDay = plan.Weeks[0].Week.Monday().String()
	camp.Theme = plan.Weeks[0].Theme
}

// parseWeeks reads the weeks of a request. A bad week is left zero, for
// Challenge.Validate to report on weeks[i].week.
func parseWeeks(in []WeekInput) []calendars.ChallengeWeek {
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

// checkFormat reports an unknown format on field.
func checkFormat(fe *Fields, field, format string) {
	if format == "" || calendars.Format(format).Known() {
		return
	}
	names := make([]string, len(calendars.Formats))
	for i, f := range calendars.Formats {
		names[i] = string(f)
	}
	fe.Add(field, "must be one of %s", strings.Join(names, ", "))
}

// checkChallengeTargets reports on targets and targets[i] what is wrong
// with the accounts picked posts go to: as for a campaign's targets, each
// must be an account of the workspace, connected, on a network this
// server supports.
func (pl *Planner) checkChallengeTargets(ctx context.Context, fe *Fields, ws string, ids []string) error {
	switch {
	case len(ids) == 0:
		fe.Add("targets", "at least one account is required: where picked posts are published")
	case len(ids) > rythme.MaxTargets:
		fe.Add("targets", "at most %d accounts", rythme.MaxTargets)
		return nil
	}
	accounts := map[string]*rythme.Account{}
	seen := map[string]bool{}
	for i, id := range ids {
		field := fmt.Sprintf("targets[%d]", i)
		if seen[id] {
			fe.Add(field, "is listed twice")
			continue
		}
		seen[id] = true
		acc, err := pl.svc.Account(ctx, accounts, ws, id)
		if err != nil {
			return err
		}
		if msg := Unusable(acc); msg != "" {
			fe.Add(field, "%s", msg)
		} else if _, err := pl.svc.conns.Get(acc.Network); err != nil {
			fe.Add(field, "network %s is not supported by this server", acc.Network)
		}
	}
	return nil
}

// CreateChallenge stores a weekly challenge in workspace ws. Weeks
// already closed are refused (EINVALID, as anything wrong with the
// input); the weeks are kept in calendar order.
func (pl *Planner) CreateChallenge(ctx context.Context, a rythme.Actor, ws string, in ChallengeInput) (*rythme.Campaign, error) {
	now := pl.svc.Now()
	plan := ChallengePlan{
		Challenge: calendars.Challenge{Name: strings.TrimSpace(in.Name), Zone: in.Zone, Weeks: parseWeeks(in.Weeks)},
		Targets:   in.Targets, Format: in.Format,
	}
	fe := Fields(plan.Validate())
	if zone, err := calendars.LoadZone(plan.Zone); err == nil {
		for i, w := range plan.Weeks {
			if _, closeAt := calendars.Window(w.Week, zone); w.Week.Valid() && !now.Before(closeAt) {
				fe.Add(fmt.Sprintf("weeks[%d].week", i), "is over: it closed at %s", closeAt.In(zone).Format(time.RFC3339))
			}
		}
	}
	if err := pl.checkChallengeTargets(ctx, &fe, ws, plan.Targets); err != nil {
		return nil, err
	}
	checkFormat(&fe, "format", plan.Format)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if plan.Zone == "" {
		plan.Zone = "UTC"
	}
	sortWeeks(plan.Weeks)
	camp := &rythme.Campaign{ID: rythme.NewID(rythme.PrefixCampaign), WorkspaceID: ws, Kind: rythme.CampaignWeeklyChallenge,
		Name: plan.Name, Timezone: plan.Zone, Status: rythme.CampaignActive, CreatedBy: a.ID, CreatedAt: now, UpdatedAt: now}
	setChallengePlan(camp, plan)
	if err := pl.store.CreateCampaign(ctx, camp, nil); err != nil {
		return nil, fmt.Errorf("posting: create challenge: %w", err)
	}
	return camp, nil
}

// Challenge reads the workspace's campaign id and its plan: ENOTFOUND
// when the workspace has none, ECONFLICT when it is not a weekly
// challenge.
func (pl *Planner) Challenge(ctx context.Context, ws, id string) (*rythme.Campaign, ChallengePlan, error) {
	camp, err := pl.store.GetCampaign(ctx, ws, id)
	if err != nil {
		return nil, ChallengePlan{}, err
	}
	if camp.Kind != rythme.CampaignWeeklyChallenge {
		return nil, ChallengePlan{}, rythme.Errorf(rythme.ECONFLICT, "campaign %q is a %s, not a weekly challenge", camp.Name, strings.ReplaceAll(camp.Kind, "_", " "))
	}
	plan, err := ChallengePlanOf(camp)
	if err != nil {
		return nil, ChallengePlan{}, err
	}
	return camp, plan, nil
}

// liveChallenge is Challenge for a change: a cancelled challenge takes
// none (ECONFLICT).
func (pl *Planner) liveChallenge(ctx context.Context, ws, id string) (*rythme.Campaign, ChallengePlan, error) {
	camp, plan, err := pl.Challenge(ctx, ws, id)
	if err == nil && camp.Status == rythme.CampaignCancelled {
		return nil, ChallengePlan{}, rythme.Errorf(rythme.ECONFLICT, "challenge %q was cancelled: it takes no more submissions or picks", camp.Name)
	}
	return camp, plan, err
}

// PutChallengeWeeks replaces the weeks and themes of the workspace's
// challenge id. Closed weeks stay as they are (ECONFLICT on any change to
// one, or on adding one); the week open now may change its theme but not
// go (it may hold submissions); weeks to come are free. It answers the
// challenge and its posts.
func (pl *Planner) PutChallengeWeeks(ctx context.Context, ws, id string, weeks []WeekInput) (*rythme.Campaign, []*rythme.Post, error) {
	camp, plan, err := pl.liveChallenge(ctx, ws, id)
	if err != nil {
		return nil, nil, err
	}
	next := calendars.Challenge{Name: plan.Name, Zone: plan.Zone, Weeks: parseWeeks(weeks)}
	if err := Fields(next.Validate()).Err(); err != nil {
		return nil, nil, err
	}
	now := pl.svc.Now()
	if err := checkWeekChanges(plan, ChallengePlan{Challenge: next}, now); err != nil {
		return nil, nil, err
	}
	sortWeeks(next.Weeks)
	plan.Weeks = next.Weeks
	setChallengePlan(camp, plan)
	camp.UpdatedAt = now
	if err := pl.store.UpdateCampaign(ctx, camp); err != nil {
		return nil, nil, fmt.Errorf("posting: update challenge weeks: %w", err)
	}
	posts, err := pl.posts(ctx, ws, rythme.PostFilter{CampaignID: camp.ID})
	if err != nil {
		return nil, nil, err
	}
	return camp, posts, nil
}

// checkWeekChanges refuses (ECONFLICT) going from plan's weeks to next's
// when that adds, changes or removes a closed week, or removes the week
// open now.
func checkWeekChanges(plan, next ChallengePlan, now time.Time) error {
	zone := plan.Location()
	stamp := func(t time.Time) string { return t.In(zone).Format(time.RFC3339) }
	for _, w := range next.Weeks {
		_, closeAt := calendars.Window(w.Week, zone)
		if now.Before(closeAt) {
			continue
		}
		old, had := plan.Week(w.Week)
		switch {
		case !had:
			return rythme.Errorf(rythme.ECONFLICT, "week %s closed at %s: a closed week cannot be added", w.Week, stamp(closeAt))
		case old.Theme != w.Theme:
			return rythme.Errorf(rythme.ECONFLICT, "week %s closed at %s: its theme can no longer change", w.Week, stamp(closeAt))
		}
	}
	for _, w := range plan.Weeks {
		if _, kept := next.Week(w.Week); kept {
			continue
		}
		open, closeAt := calendars.Window(w.Week, zone)
		switch {
		case !now.Before(closeAt):
			return rythme.Errorf(rythme.ECONFLICT, "week %s closed at %s: a closed week cannot be removed", w.Week, stamp(closeAt))
		case !now.Before(open):
			return rythme.Errorf(rythme.ECONFLICT, "week %s is open now and may hold submissions: change its theme, do not remove it", w.Week)
		}
	}
	return nil
}

// challengeClosed says why the challenge takes no submission now: the
// week that opens next, or that it is over.
func challengeClosed(camp *rythme.Campaign, plan ChallengePlan, now time.Time) error {
	zone := plan.Location()
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
