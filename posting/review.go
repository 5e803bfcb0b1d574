package posting

import (
	"context"
	"fmt"

	"github.com/rythmehq/rythme"
)

// Submit sends a draft (or a rejected post) to review: it waits for a
// manager where the workspace asks for approval (and always for a
// challenge's submission), else it is scheduled and what is due enqueued.
// Errors: ENOTFOUND, ECONFLICT (not a draft nor rejected).
func (s *Service) Submit(ctx context.Context, a rythme.Actor, ws, id string) (*rythme.Post, error) {
	return s.review(ctx, a, ws, id, func(p *rythme.Post, ap Approval) error {
		return ap.Submit(p, s.Now())
	})
}

// Approve schedules a post waiting for review, with the reviewer's
// comment, and enqueues what is due. Errors: ENOTFOUND, ECONFLICT (not
// pending), EINVALID (comment too long).
func (s *Service) Approve(ctx context.Context, a rythme.Actor, ws, id, comment string) (*rythme.Post, error) {
	return s.review(ctx, a, ws, id, func(p *rythme.Post, _ Approval) error {
		return p.Approve(a, comment, s.Now())
	})
}

// Reject sends a post waiting for review back to its author with the
// reviewer's comment (required). Errors: ENOTFOUND, ECONFLICT, EINVALID.
func (s *Service) Reject(ctx context.Context, a rythme.Actor, ws, id, comment string) (*rythme.Post, error) {
	return s.review(ctx, a, ws, id, func(p *rythme.Post, _ Approval) error {
		return p.Reject(a, comment, s.Now())
	})
}

// review applies a review transition to post id under the workspace's
// rule and enqueues what it scheduled.
func (s *Service) review(ctx context.Context, a rythme.Actor, ws, id string, apply func(*rythme.Post, Approval) error) (*rythme.Post, error) {
	ap, err := s.ApprovalFor(ctx, ws, a)
	if err != nil {
		return nil, err
	}
	p, err := s.store.UpdatePost(ctx, ws, id, func(p *rythme.Post) error { return apply(p, ap) })
	if err != nil {
		return nil, fmt.Errorf("posting: review post: %w", err)
	}
	s.Enqueue(ctx, p)
	return p, nil
}
