package posting

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/rythmehq/rythme"
)

// Resolution is what POST /v1/posts/{id}/targets/{target_id}/resolve
// asks for: a person's verdict on a target whose outcome is unknown.
type Resolution struct {
	// Outcome: retry, published or failed.
	Outcome string `json:"outcome"`
	// ScheduledAt: when to retry (outcome retry only; default now).
	ScheduledAt string `json:"scheduled_at"`
	// URL: where it was published (outcome published only).
	URL string `json:"url"`
}

// Resolve settles target targetID of post postID as r says, records it,
// and enqueues the target when it is retried and due. Errors: EINVALID,
// ENOTFOUND, ECONFLICT (the target is not waiting for a verdict).
func (s *Service) Resolve(ctx context.Context, a rythme.Actor, ws, postID, targetID string, r Resolution) (*rythme.Post, error) {
	now := s.Now()
	outcome, at, err := r.check(now)
	if err != nil {
		return nil, err
	}
	p, err := s.store.UpdatePost(ctx, ws, postID, func(p *rythme.Post) error {
		if err := p.ResolveTarget(targetID, outcome, at, r.URL, now); err != nil {
			return err
		}
		Record(p, a, ActionResolved, string(outcome)+" "+targetID, now)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("posting: resolve target: %w", err)
	}
	if outcome == rythme.ResolveRetry {
		var refs []rythme.TargetRef
		for _, ref := range s.DueRefs(p) {
			if ref.ID == targetID {
				refs = append(refs, ref)
			}
		}
		s.EnqueueRefs(ctx, refs)
	}
	return p, nil
}

// check validates r: its outcome, and the time and URL only the outcomes
// that take them.
func (r Resolution) check(now time.Time) (rythme.Resolution, time.Time, error) {
	var fe Fields
	outcome := rythme.Resolution(r.Outcome)
	switch outcome {
	case rythme.ResolveRetry, rythme.ResolvePublished, rythme.ResolveFailed:
	case "":
		fe.Add("outcome", "is required: retry, published or failed")
	default:
		fe.Add("outcome", "must be retry, published or failed")
	}
	at := now
	if r.ScheduledAt != "" {
		if outcome != rythme.ResolveRetry {
			fe.Add("scheduled_at", "is only for outcome retry")
		} else {
			at = ParseWhen(&fe, "scheduled_at", r.ScheduledAt, now)
		}
	}
	if r.URL != "" {
		if outcome != rythme.ResolvePublished {
			fe.Add("url", "is only for outcome published")
		} else if u, err := url.Parse(r.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			fe.Add("url", "must be an http(s) URL")
		}
	}
	return outcome, at, fe.Err()
}
