package posting

import (
	"context"
	"log/slog"

	"github.com/rythmehq/rythme"
)

// DueRefs returns the refs of p's scheduled targets due within the
// horizon: those to hand to the queue now.
func (s *Service) DueRefs(p *rythme.Post) []rythme.TargetRef {
	until := s.clock().Add(s.horizon)
	var refs []rythme.TargetRef
	for _, t := range p.Targets {
		if t.Status == rythme.TargetScheduled && !t.ScheduledAt.After(until) {
			refs = append(refs, rythme.TargetRef{ID: t.ID, Version: t.Version, Network: t.Network, ScheduledAt: t.ScheduledAt})
		}
	}
	return refs
}

// Enqueue hands each post's due refs to the queue, one call per post. A
// failure is logged, never returned (the reconciler enqueues later).
func (s *Service) Enqueue(ctx context.Context, posts ...*rythme.Post) {
	for _, p := range posts {
		s.EnqueueRefs(ctx, s.DueRefs(p))
	}
}

// EnqueueRefs hands refs to the queue; a failure is logged, never
// returned.
func (s *Service) EnqueueRefs(ctx context.Context, refs []rythme.TargetRef) {
	if len(refs) == 0 || s.queue == nil {
		return
	}
	if err := s.queue.EnqueuePublish(ctx, refs); err != nil {
		s.log.WarnContext(ctx, "posting: enqueue publish failed; the reconciler will enqueue later",
			slog.Int("targets", len(refs)), slog.String("error", err.Error()))
	}
}
