package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// partSaveTries bounds how often the worker tries to store a thread part
// (backing off 0.1, 0.2, 0.4… up to 2 s between tries, about 7 s in all)
// before it gives up and leaves the target unconfirmed. The next part is
// not sent meanwhile: a part goes out only once the one before is stored.
const partSaveTries = 8

// partRecorder stores a target's thread parts the moment the network
// confirms them (connectors.PublishRequest.PartPublished) and remembers
// every part known to be out, stored or not.
type partRecorder struct {
	h   *PublishHandler
	log *slog.Logger
	t   *rythme.Target

	mu      sync.Mutex
	known   []rythme.TargetPart // parts out: stored earlier, then this attempt's
	resumed int                 // how many were out when the attempt began
	err     error               // the connector's last answer (nil: published)
}

// publishErr records the connector's answer, which outcome explains.
func (r *partRecorder) publishErr(err error) {
	r.mu.Lock()
	r.err = err
	r.mu.Unlock()
}

func newPartRecorder(h *PublishHandler, log *slog.Logger, t *rythme.Target) *partRecorder {
	return &partRecorder{h: h, log: log, t: t, known: append([]rythme.TargetPart(nil), t.Parts...), resumed: len(t.Parts)}
}

// done returns the parts out, as a connector takes them.
func (r *partRecorder) done() []connectors.Part {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]connectors.Part, len(r.known))
	for i, p := range r.known {
		out[i] = connectors.Part{Index: p.Index, ExternalID: p.ExternalID, URL: p.URL, Ref: p.Ref}
	}
	return out
}

// parts returns the parts known to be out.
func (r *partRecorder) parts() []rythme.TargetPart {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]rythme.TargetPart(nil), r.known...)
}

// save is the connector's PartPublished: the part is known at once, then
// stored, insisting with backoff (the database may be restarting) up to
// partSaveTries times, on a context a shutdown does not cut.
//
// A post of one part is not stored here: nothing is sent after it, and the
// outcome that follows at once stores it (FinishTarget), so the write would
// only double the publish's statements at the top of the hour. A post with
// a first comment is: its comment is sent after it (comment.go).
func (r *partRecorder) save(ctx context.Context, p connectors.Part) error {
	tp := rythme.TargetPart{Index: p.Index, ExternalID: p.ExternalID, URL: p.URL, Ref: p.Ref, PublishedAt: r.h.Clock.Now()}
	r.mu.Lock()
	r.known = append(r.known, tp)
	r.mu.Unlock()
	if len(r.t.Thread) == 0 && r.t.CommentText == "" {
		return nil
	}
	return r.store(ctx, tp, fmt.Sprintf("part %d", p.Index+1))
}

// store stores tp (a part, or the first comment: what names it in the
// logs), insisting as save says.
func (r *partRecorder) store(ctx context.Context, tp rythme.TargetPart, what string) error {
	ctx = context.WithoutCancel(ctx)
	delay := 100 * time.Millisecond
	for try := 1; ; try++ {
		err := r.h.Store.SaveTargetPart(ctx, r.t.ID, tp)
		switch rythme.ErrorCode(err) {
		case "":
			return nil
		case rythme.ECONFLICT, rythme.ENOTFOUND, rythme.EINVALID:
			return err
		}
		if try == partSaveTries {
			r.log.Error("publish: could not record what is out; the target will be unconfirmed", slog.String("what", what), slog.Any("err", err))
			return err
		}
		r.log.Warn("publish: record what is out; will try again", slog.String("what", what), slog.Any("err", err))
		if r.h.Clock.Sleep(ctx, delay) != nil {
			return err
		}
		delay = min(delay*2, 2*time.Second)
	}
}

// outcome completes the outcome of an attempt at a thread: the parts out
// go with it (FinishTarget stores any the callback could not), and when
// parts are out, its message and the post's history say which and what
// happens next. A part the worker could not store makes the target
// unconfirmed: it is out, and nothing is sent after it.
// retryErr is what asynq should see; nil once the target is unconfirmed.
func (r *partRecorder) outcome(out rythme.Outcome, retryErr error) (rythme.Outcome, error) {
	out = r.explain(out)
	if out.Status == rythme.TargetUnconfirmed {
		retryErr = nil
	}
	return out, retryErr
}

func (r *partRecorder) explain(out rythme.Outcome) rythme.Outcome {
	known := r.parts()
	out.Parts = known
	r.mu.Lock()
	err := r.err
	r.mu.Unlock()
	n := len(r.t.Thread) + 1
	if n == 1 || (len(known) == 0 && out.Status == rythme.TargetPublished) {
		return out
	}
	listed := (&rythme.Target{Parts: known}).PartsOut()
	if listed == "" {
		listed = "no part out"
	}
	resumed := ""
	if r.resumed >= n { // every part was out: the attempt was for the first comment (comment.go)
		return out
	}
	if r.resumed > 0 {
		resumed = fmt.Sprintf("resumed from part %d of %d; ", r.resumed+1, n)
	}
	if out.Status == rythme.TargetPublished {
		if r.resumed > 0 {
			out.Event = fmt.Sprintf("resumed from part %d of %d; all %d parts out", r.resumed+1, n, n)
		}
		return out
	}
	var pe *connectors.PartError
	failed := len(known)
	if errors.As(err, &pe) {
		failed = pe.Index
		if pe.Unsaved != nil {
			out.Status, out.BumpVersion = rythme.TargetUnconfirmed, false
			out.Error = fmt.Sprintf("part %d of %d is out but could not be recorded (%s); %s; nothing was sent after it: check the account, then resolve",
				pe.Unsaved.Index+1, n, errMessage(pe.Err), listed)
			out.Event = resumed + "unconfirmed: " + out.Error
			return out
		}
	}
	what := fmt.Sprintf("part %d of %d", failed+1, n)
	cause := "not sent"
	if err != nil {
		cause = connectors.KindOf(err).String()
	}
	if ce, ok := connectors.AsError(err); ok && ce.Status != 0 {
		cause = fmt.Sprintf("HTTP %d", ce.Status)
	}
	switch out.Status {
	case rythme.TargetScheduled:
		out.Event = fmt.Sprintf("%s failed (%s); %s; retrying from part %d", what, cause, listed, failed+1)
	case rythme.TargetUnconfirmed:
		out.Event = fmt.Sprintf("unconfirmed: %s's outcome unknown; %s; never re-sent blind", what, listed)
	case rythme.TargetFailed:
		if len(known) == 0 {
			out.Event = fmt.Sprintf("%s failed (%s); no part is on the network", what, cause)
		} else {
			out.Event = fmt.Sprintf("%s failed (%s); %s and remain on the network", what, cause, listed)
		}
	case rythme.TargetHeld:
		out.Event = fmt.Sprintf("%s not sent: the account needs reconnecting; %s; publishing resumes from part %d", what, listed, failed+1)
	}
	out.Event = resumed + out.Event
	out.Error = what + ": " + out.Error + "; " + listed
	return out
}
