package posting

import (
	"context"
	"fmt"

	"github.com/rythmehq/rythme"
)

// Cancel cancels every target of post id not yet out (DELETE
// /v1/posts/{id}), and records which parts of a thread remain on the network.
// Errors: ENOTFOUND, ECONFLICT (a target publishing, or nothing left to
// cancel).
func (s *Service) Cancel(ctx context.Context, a rythme.Actor, ws, id string) (*rythme.Post, error) {
	now := s.Now()
	p, err := s.store.UpdatePost(ctx, ws, id, func(p *rythme.Post) error {
		if err := p.Cancel(now); err != nil {
			return err
		}
		Record(p, a, ActionCancelled, p.PartsLeft(), now)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("posting: cancel post: %w", err)
	}
	return p, nil
}
