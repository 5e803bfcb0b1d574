package posting

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
)

// Submission is a post submitted to a weekly challenge. Targets only
// carry variants: the accounts are the challenge's. ScheduledAt is the
// time the member would like it out (RFC 3339 or "now"; "": when the week
// closes); the manager who picks it decides.
type Submission struct {
	Content     string
	Media       []string
	Thread      []string
	Tags        []string
	Format      string
	Author      string // "": the actor's name
	ScheduledAt string
	Targets     []TargetInput
}

// Submit stores a submission to the week open now of the workspace's
// challenge id: a post of the challenge, its targets the challenge's
// accounts in draft, waiting for a manager to pick it (review pending),
// validated as a new post is (EINVALID). ECONFLICT when no week is open,
// or the challenge was cancelled.
func (pl *Planner) Submit(ctx context.Context, a rythme.Actor, ws, id string, in Submission) (*rythme.Post, error) {
	camp, plan, err := pl.liveChallenge(ctx, ws, id)
	if err != nil {
		return nil, err
	}
	now := pl.svc.Now()
	week, open := plan.Current(now)
	if !open {
		return nil, challengeClosed(camp, plan, now)
	}
	var fe Fields
	_, at := calendars.Window(week.Week, plan.Location())
	at = at.UTC()
	if in.ScheduledAt != "" {
		if at, err = calendars.ParseTime(in.ScheduledAt, now); err != nil {
			fe.Add("scheduled_at", "%s", err.Error())
		}
	}
	p := newSubmission(a, camp, plan, week, in, at, now)
	checkFormat(&fe, "format", in.Format)
	reqIndex := checkVariants(&fe, plan, in.Targets)
	if err := pl.submissionTargets(ctx, p, plan, in, reqIndex, at, now); err != nil {
		return nil, err
	}
	LinkUTM(p, camp)
	var pfe Fields
	pl.svc.Validate(ctx, &pfe, p, false)
	for _, f := range pfe {
		fe.Add(requestTargetField(f.Field, p, reqIndex), "%s", f.Message)
	}
	media, err := pl.svc.LoadMedia(ctx, &fe, ws, p.Media)
	if err != nil {
		return nil, err
	}
	pl.svc.CheckMedia(ctx, &fe, p, media, false)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	Record(p, a, ActionSubmitted, fmt.Sprintf("challenge %s week %s", camp.Name, week.Week), now)
	if err := pl.svc.store.CreatePost(ctx, p); err != nil {
		return nil, fmt.Errorf("posting: create submission: %w", err)
	}
	return p, nil
}

// newSubmission is the post of a submission to week, without its targets.
func newSubmission(a rythme.Actor, camp *rythme.Campaign, plan ChallengePlan, week calendars.ChallengeWeek, in Submission, at, now time.Time) *rythme.Post {
	author, authorMember := rythme.PostAuthor(a, in.Author)
	if author == "" {
		author = a.Name
	}
	format := in.Format
	if format == "" {
		format = plan.Format
	}
	p := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: camp.WorkspaceID, Content: in.Content, ScheduledAt: at,
		Timezone: plan.Zone, Tags: in.Tags, Media: in.Media, Thread: in.Thread, Author: author, CampaignID: camp.ID,
		Format: format, ChallengeWeek: week.Week.String(), Review: rythme.ReviewPending, CreatedBy: a.ID,
		CreatedAt: now, UpdatedAt: now, AuthorMemberID: authorMember}
	if p.Tags == nil {
		p.Tags = []string{}
	}
	if p.Media == nil {
		p.Media = []string{}
	}
	if p.Thread == nil {
		p.Thread = []string{}
	}
	return p
}

// checkVariants reports a request's variant that does not name one of the
// challenge's accounts, once; it answers each account's place in the
// request, for field paths.
func checkVariants(fe *Fields, plan ChallengePlan, in []TargetInput) map[string]int {
	reqIndex := map[string]int{}
	for i, t := range in {
		field := fmt.Sprintf("targets[%d].account_id", i)
		switch _, dup := reqIndex[t.AccountID]; {
		case t.AccountID == "":
			fe.Add(field, "is required")
		case !slices.Contains(plan.Targets, t.AccountID):
			fe.Add(field, "is not an account of this challenge (%s)", strings.Join(plan.Targets, ", "))
		case dup:
			fe.Add(field, "is listed twice")
		default:
			reqIndex[t.AccountID] = i
		}
	}
	return reqIndex
}

// submissionTargets gives p a draft target on each of the challenge's
// accounts, with the request's variant for it.
func (pl *Planner) submissionTargets(ctx context.Context, p *rythme.Post, plan ChallengePlan, in Submission, reqIndex map[string]int, at, now time.Time) error {
	accounts := map[string]*rythme.Account{}
	for _, accID := range plan.Targets {
		acc, err := pl.svc.Account(ctx, accounts, p.WorkspaceID, accID)
		if err != nil {
			return err
		}
		t := &rythme.Target{ID: rythme.NewID(rythme.PrefixTarget), PostID: p.ID, WorkspaceID: p.WorkspaceID, AccountID: accID,
			Status: rythme.TargetDraft, Version: 1, ScheduledAt: at, CreatedAt: now, UpdatedAt: now}
		if acc != nil {
			t.Network = acc.Network
		}
		if i, ok := reqIndex[accID]; ok {
			t.Content = in.Targets[i].Content
		}
		p.Targets = append(p.Targets, t)
	}
	return nil
}

// requestTargetField turns a field path on the post's targets
// ("targets[2].content", in the challenge's order) into one on the
// request's targets.
func requestTargetField(field string, p *rythme.Post, reqIndex map[string]int) string {
	rest, ok := strings.CutPrefix(field, "targets[")
	if !ok {
		return field
	}
	n, tail, ok := strings.Cut(rest, "]")
	j, err := strconv.Atoi(n)
	if !ok || err != nil || j < 0 || j >= len(p.Targets) {
		return field
	}
	if i, ok := reqIndex[p.Targets[j].AccountID]; ok {
		return fmt.Sprintf("targets[%d]%s", i, tail)
	}
	return "targets" // the challenge's account, not in the request
}

// Pick approves a submission to the workspace's challenge id that waits
// for review, scheduling its targets at scheduledAt (RFC 3339, "now", or
// NextSlot: the next posting slot free on every account of the challenge;
// "": the submission's own time, when it is still ahead), and records it
// as picked; those due are enqueued. ENOTFOUND for a post not submitted to
// this challenge; ECONFLICT when it is not waiting for review or the
// challenge was cancelled.
func (pl *Planner) Pick(ctx context.Context, a rythme.Actor, ws, id, postID, scheduledAt, comment string) (*rythme.Post, error) {
	camp, plan, err := pl.liveChallenge(ctx, ws, id)
	if err != nil {
		return nil, err
	}
	now := pl.svc.Now()
	if scheduledAt == NextSlot {
		return pl.pickInSlot(ctx, a, camp, plan, postID, comment, now)
	}
	var at time.Time
	if scheduledAt != "" {
		if at, err = calendars.ParseTime(scheduledAt, now); err != nil {
			return nil, rythme.Invalid(rythme.FieldError{Field: "scheduled_at", Message: err.Error()})
		}
	}
	p, err := pl.svc.store.UpdatePost(ctx, ws, postID, func(p *rythme.Post) error {
		return pick(p, camp, comment, at, false, a, now)
	})
	if err != nil {
		return nil, fmt.Errorf("posting: pick submission: %w", err)
	}
	pl.svc.Enqueue(ctx, p)
	return p, nil
}

// pickInSlot is Pick in the next posting slot free on every account of
// the challenge. When another post took that slot meanwhile (the store
// refuses two in one slot), the slot is remembered as lost and the next
// one taken.
func (pl *Planner) pickInSlot(ctx context.Context, a rythme.Actor, camp *rythme.Campaign, plan ChallengePlan, postID, comment string, now time.Time) (*rythme.Post, error) {
	accts, err := pl.slotAccounts(ctx, camp.WorkspaceID, plan)
	if err != nil {
		return nil, err
	}
	lost := map[int64]bool{}
	for try := 0; ; try++ {
		at, err := pl.svc.NextSlot(ctx, camp.WorkspaceID, accts, now, lost)
		if err != nil {
			return nil, err
		}
		var refused error // the post's own answer, not a lost slot
		p, err := pl.svc.store.UpdatePost(ctx, camp.WorkspaceID, postID, func(p *rythme.Post) error {
			refused = pick(p, camp, comment, at, true, a, now)
			return refused
		})
		if err == nil {
			pl.svc.Enqueue(ctx, p)
			return p, nil
		}
		if refused != nil || rythme.ErrorCode(err) != rythme.ECONFLICT || try >= MaxSlotTries {
			return nil, fmt.Errorf("posting: pick submission: %w", err)
		}
		lost[at.UnixMicro()] = true
	}
}

// slotAccounts returns the challenge's accounts, reporting on
// scheduled_at (EINVALID) each that has no posting slots.
func (pl *Planner) slotAccounts(ctx context.Context, ws string, plan ChallengePlan) ([]*rythme.Account, error) {
	var fe Fields
	var accts []*rythme.Account
	accounts := map[string]*rythme.Account{}
	for _, accID := range plan.Targets {
		acc, err := pl.svc.Account(ctx, accounts, ws, accID)
		if err != nil {
			return nil, err
		}
		if _, _, ok := SlotsOf(acc); !ok {
			name := accID
			if acc != nil {
				name = "@" + acc.Username
			}
			fe.Add("scheduled_at", "account %s has no posting slots (PUT /v1/accounts/{id}/schedule)", name)
			continue
		}
		accts = append(accts, acc)
	}
	return accts, fe.Err()
}

// pick approves a challenge's submission p at at (zero: its own time) and
// records it as picked; slotted: at is a posting slot its targets take.
func pick(p *rythme.Post, camp *rythme.Campaign, comment string, at time.Time, slotted bool, a rythme.Actor, now time.Time) error {
	if p.CampaignID != camp.ID || p.ChallengeWeek == "" {
		return rythme.Errorf(rythme.ENOTFOUND, "post %s is not a submission to challenge %q", p.ID, camp.Name)
	}
	switch p.Review {
	case rythme.ReviewPending:
	case rythme.ReviewApproved:
		return rythme.Errorf(rythme.ECONFLICT, "submission %s was already picked", p.ID)
	default:
		return rythme.Errorf(rythme.ECONFLICT, "submission %s is %s: only a submission waiting for review can be picked", p.ID, p.Review)
	}
	when := at
	if when.IsZero() {
		if !p.ScheduledAt.After(now) {
			return rythme.Invalid(rythme.FieldError{Field: "scheduled_at",
				Message: "is required: the submission's time (" + p.ScheduledAt.Format(time.RFC3339) + ") has passed"})
		}
		when = p.ScheduledAt
	}
	p.ScheduledAt = when
	for _, t := range p.Targets {
		if t.Status == rythme.TargetDraft {
			t.ScheduledAt, t.Slotted = when, slotted
		}
	}
	if err := p.Approve(a, comment, now); err != nil {
		return err
	}
	// Approve recorded "approved": this approval is a pick.
	ev := &p.NewEvents[len(p.NewEvents)-1]
	ev.Action = "picked"
	ev.Comment = strings.TrimSpace(fmt.Sprintf("challenge %s week %s. %s", camp.Name, p.ChallengeWeek, comment))
	return nil
}
