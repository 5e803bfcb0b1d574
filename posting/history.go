package posting

import (
	"time"

	"github.com/rythmehq/rythme"
)

// The actions a post's history records (GET /v1/posts/{id}/history). The
// review transitions (submitted, approved, rejected, returned_to_review)
// are recorded by the domain's own methods (rythme.Post.Submit, …).
const (
	ActionCreated   = "created"
	ActionEdited    = "edited"
	ActionCancelled = "cancelled"
	ActionResolved  = "resolved"
	ActionSubmitted = "submitted"
)

// Record adds an entry to p's history: who did action, with detail, at
// now. The store saves it with the post (rythme.Post.NewEvents).
func Record(p *rythme.Post, a rythme.Actor, action, detail string, now time.Time) {
	p.Record(a, action, detail, now)
}
