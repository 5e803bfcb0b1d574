package posting

import (
	"context"
	"fmt"
	"time"

	"github.com/rythmehq/rythme"
)

// Approval is the workspace's review rule applied to one actor: whether
// what they write waits for a manager (rythme.Workspace.NeedsApproval:
// where the workspace asks for approval, everyone below manager).
type Approval struct {
	// Needed: what the actor writes waits for a manager's approval.
	Needed bool
	// Required: the workspace asks for approval (whatever the role).
	Required bool
	actor    rythme.Actor
}

// ApprovalFor reads workspace ws's review rule for actor a.
func (s *Service) ApprovalFor(ctx context.Context, ws string, a rythme.Actor) (Approval, error) {
	wsp, err := s.store.GetWorkspace(ctx, ws)
	if err != nil {
		return Approval{}, fmt.Errorf("posting: get workspace: %w", err)
	}
	return Approval{Needed: wsp.NeedsApproval(a.Role), Required: wsp.ApprovalRequired, actor: a}, nil
}

// Created gives a new post its review state: a draft when its author asked
// for one or when it needs approval (submitting it asks for the review);
// scheduled otherwise.
func (ap Approval) Created(p *rythme.Post, draft bool) {
	if draft || ap.Needed {
		p.MakeDraft()
	}
}

// Edited sends an edited post back to review when its editor needs
// approval (a change to an approved post is reviewed again).
func (ap Approval) Edited(p *rythme.Post, now time.Time) {
	if ap.Needed {
		p.ReturnToReview(ap.actor, now)
	}
}

// SeriesReview is the review state a series' occurrences start in: drafts
// when the author asked for a draft, pending when they need approval,
// scheduled ("") otherwise.
func (ap Approval) SeriesReview(draft bool) string {
	switch {
	case draft:
		return rythme.ReviewDraft
	case ap.Needed:
		return rythme.ReviewPending
	}
	return ""
}

// Submit sends a draft to review: it waits for a manager where the
// workspace asks for approval, and always for a challenge's submission
// (a manager picks it).
func (ap Approval) Submit(p *rythme.Post, now time.Time) error {
	return p.Submit(ap.actor, ap.Required || p.ChallengeWeek != "", now)
}
