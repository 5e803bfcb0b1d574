package rythme

import (
	"strings"
	"time"
	"unicode/utf8"
)

// TargetDraft is a target waiting for its post to be submitted and, where
// the workspace asks for it, approved: never put on the queue.
const TargetDraft TargetStatus = "draft"

// Review states of a post. Empty: the post needs no review (it was
// scheduled directly).
const (
	ReviewDraft    = "draft"    // being written
	ReviewPending  = "pending"  // submitted, waiting for a manager
	ReviewApproved = "approved" // approved: its targets are scheduled
	ReviewRejected = "rejected" // sent back with a comment; edit and submit again
)

// PostStatuses are the values of Post.Status, as the API shows them.
var PostStatuses = []string{"draft", "pending_review", "rejected", "scheduled", "publishing", "published", "failed",
	"unconfirmed", "held", "cancelled"}

// StatusFilter turns a post status as the API shows it (Post.Status) into
// the PostFilter fields that select such posts: a target status, and for
// pending_review and rejected (whose targets are drafts) the review state
// too. ok is false for a value that is no post status.
func StatusFilter(v string) (status TargetStatus, review string, ok bool) {
	switch v {
	case "pending_review":
		return TargetDraft, ReviewPending, true
	case "rejected":
		return TargetDraft, ReviewRejected, true
	}
	return TargetStatus(v), "", TargetStatus(v).Valid()
}

// PostEvent is one recorded transition of a post: who, when, what, why.
type PostEvent struct {
	ID      int64     `json:"id,omitempty"`
	PostID  string    `json:"post_id"`
	At      time.Time `json:"at"`
	ActorID string    `json:"actor_id"` // API token id
	Actor   string    `json:"actor"`    // its name
	Action  string    `json:"action"`   // created, edited, submitted, approved, picked (a challenge's), rejected, cancelled, resolved, returned_to_review, publishing (what the worker did with a thread's parts)
	Comment string    `json:"comment,omitempty"`
}

// ActorRythme names rythme itself in a post's history (the worker's
// events have no actor id).
const ActorRythme = "rythme"

// Actor is who makes a change.
type Actor struct {
	ID, Name string
	Role     Role
}

// MaxCommentLength bounds a review comment.
const MaxCommentLength = 2000

// Record appends an event to the post's new events (saved with it).
func (p *Post) Record(a Actor, action, comment string, at time.Time) {
	p.NewEvents = append(p.NewEvents, PostEvent{PostID: p.ID, At: at, ActorID: a.ID, Actor: a.Name, Action: action, Comment: comment})
}

// MakeDraft turns a new post's targets into drafts: nothing is queued
// until it is submitted (and approved where the workspace asks for it).
func (p *Post) MakeDraft() {
	p.Review = ReviewDraft
	for _, t := range p.Targets {
		if t.Status == TargetScheduled {
			t.Status = TargetDraft
		}
	}
}

// Submit sends a draft (or a rejected post) to review; where approval is
// not required it is scheduled at once. Where it is, the draft waits for a
// review whoever submits it: submitting is how a manager or an admin asks
// a colleague to look (they schedule without a review by not making a
// draft in the first place, Workspace.NeedsApproval).
func (p *Post) Submit(a Actor, approvalRequired bool, now time.Time) error {
	if p.Review != ReviewDraft && p.Review != ReviewRejected {
		return Errorf(ECONFLICT, "only a draft or a rejected post can be submitted (this one is %s)", reviewName(p.Review))
	}
	p.Record(a, "submitted", "", now)
	if approvalRequired {
		p.Review = ReviewPending
		p.UpdatedAt = now
		return nil
	}
	p.schedule(now)
	p.Review = ReviewApproved
	return nil
}

// Approve schedules a post waiting for review (managers).
func (p *Post) Approve(a Actor, comment string, now time.Time) error {
	if p.Review != ReviewPending {
		return Errorf(ECONFLICT, "only a post waiting for review can be approved (this one is %s)", reviewName(p.Review))
	}
	if err := checkComment(comment, false); err != nil {
		return err
	}
	p.schedule(now)
	p.Review = ReviewApproved
	p.Record(a, "approved", comment, now)
	return nil
}

// Reject sends a post waiting for review back to its author, with a
// comment saying why (managers).
func (p *Post) Reject(a Actor, comment string, now time.Time) error {
	if p.Review != ReviewPending {
		return Errorf(ECONFLICT, "only a post waiting for review can be rejected (this one is %s)", reviewName(p.Review))
	}
	if err := checkComment(comment, true); err != nil {
		return err
	}
	p.Review = ReviewRejected
	p.UpdatedAt = now
	p.Record(a, "rejected", comment, now)
	return nil
}

// ReturnToReview puts an approved post edited by someone who may not
// approve back into review: its scheduled targets become drafts again
// (version bumped, so their queued tasks do nothing). A draft or a
// rejected post is not in review: it stays as it is.
func (p *Post) ReturnToReview(a Actor, now time.Time) {
	if p.Review == ReviewDraft || p.Review == ReviewRejected {
		return
	}
	changed := false
	for _, t := range p.Targets {
		if t.Status == TargetScheduled {
			t.Status = TargetDraft
			t.Version++
			t.UpdatedAt = now
			changed = true
		}
	}
	if changed || p.Review == ReviewApproved {
		p.Review = ReviewPending
		p.Record(a, "returned_to_review", "edited after approval", now)
	}
}

// schedule moves draft targets to scheduled (version bumped).
func (p *Post) schedule(now time.Time) {
	for _, t := range p.Targets {
		if t.Status == TargetDraft {
			t.Status = TargetScheduled
			t.Version++
			t.UpdatedAt = now
		}
	}
	p.UpdatedAt = now
}

func checkComment(c string, required bool) error {
	if required && strings.TrimSpace(c) == "" {
		return Invalid(FieldError{Field: "comment", Message: "say why, so the author can fix it"})
	}
	if utf8.RuneCountInString(c) > MaxCommentLength || !utf8.ValidString(c) {
		return Invalid(FieldError{Field: "comment", Message: "at most 2000 characters"})
	}
	if HasControlChar(c) {
		return Invalid(FieldError{Field: "comment", Message: ControlCharMessage})
	}
	return nil
}

func reviewName(r string) string {
	if r == "" {
		return "not under review"
	}
	return r
}
