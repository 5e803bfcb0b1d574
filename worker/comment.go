package worker

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/listening"
)

// A post's first comment (issue 16) is one more recorded step of the
// publish attempt, after the post, under the same guarantees as a thread's
// parts (parts.go):
//
//   - it is sent only once the post is stored as out (its part 0; the
//     worker stores it when the connector did not), so that a retry after
//     a crash resumes with the comment and never sends the post again;
//   - it is stored (at rythme.FirstCommentIndex) the moment the network
//     confirms it, so that a retry never sends it again; one the worker
//     cannot store makes the target unconfirmed;
//   - an unknown outcome on a network that cannot dedupe it makes the
//     target unconfirmed, never re-sent blind;
//   - the target is published only once the comment is out too.

// postOut returns the outcome of a target whose post (every part of it)
// an earlier attempt stored as out while its first comment is not: the
// post is not sent again, the attempt goes on with the comment.
func postOut(t *rythme.Target) (published bool) {
	return t.CommentText != "" && len(t.Parts) > 0 && len(t.Parts) == len(t.Thread)+1
}

// firstComment publishes the target's first comment after its post is
// out (out is published) and returns the attempt's outcome: published with
// the comment stored, or why not. It returns the comment when this attempt
// published it (nil otherwise).
func (h *PublishHandler) firstComment(ctx context.Context, log *slog.Logger, t *rythme.Target, acct *rythme.Account, rec *partRecorder,
	out rythme.Outcome) (rythme.Outcome, *rythme.TargetPart, error) {
	if t.CommentText == "" || t.Comment != nil {
		return out, nil, nil
	}
	conn, err := h.Connectors.Get(t.Network)
	if err != nil {
		return out, nil, nil // publish said so already
	}
	parts := rec.parts()
	if len(parts) == 0 { // a connector without PartPublished: store the post now
		p := connectors.Part{Index: 0, ExternalID: out.ExternalID, URL: out.URL}
		if err := rec.save(ctx, p); err != nil {
			out.Status, out.Parts = rythme.TargetUnconfirmed, rec.parts()
			out.Error = fmt.Sprintf("the post is out (%s) but could not be recorded (%s); its first comment was not sent: check the account, then resolve",
				linkOf(out.URL, out.ExternalID), errMessage(err))
			out.Event = "unconfirmed: " + out.Error
			return out, nil, nil
		}
		parts = rec.parts()
	}
	post := parts[0]
	where := "the post is out (" + linkOf(post.URL, post.ExternalID) + ")"
	cm, ok := conn.(connectors.Commenter)
	if !ok || !cm.Comments(acct) {
		o := h.outcome(t, rythme.TargetFailed, where+" but "+conn.Info().Title+" takes no first comment from rythme")
		o.Parts = parts
		return o, nil, nil
	}

	callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.PublishTimeout)
	defer cancel()
	var res *connectors.Published
	call, err := h.calls().Open(callCtx, log, conn, acct)
	if err == nil {
		err = call.Do(callCtx, func(acct *rythme.Account, client *http.Client) error {
			var err error
			res, err = cm.Comment(callCtx, acct, client, connectors.CommentRequest{Text: t.CommentText,
				IdempotencyKey: connectors.CommentKey(t.ID),
				Post:           connectors.Part{Index: 0, ExternalID: post.ExternalID, URL: post.URL, Ref: post.Ref}})
			return err
		})
	}
	if err == nil && res != nil && res.ExternalID != "" {
		call.Quota(ctx, res.QuotaResetAt)
		cp := rythme.TargetPart{Index: rythme.FirstCommentIndex, ExternalID: res.ExternalID, URL: res.URL, PublishedAt: h.Clock.Now()}
		out.Parts = append(parts, cp)
		if err := rec.store(ctx, cp, "the first comment"); err != nil {
			out.Status, out.BumpVersion = rythme.TargetUnconfirmed, false
			out.Error = fmt.Sprintf("%s and its first comment is out (%s) but could not be recorded (%s): check the account, then resolve",
				where, linkOf(cp.URL, cp.ExternalID), errMessage(err))
			out.Event = "unconfirmed: " + out.Error
			return out, nil, nil
		}
		if postOut(t) {
			out.Event = "resumed after the post, which was out"
		}
		out.Event = joinEvent(out.Event, "first comment out ("+linkOf(cp.URL, cp.ExternalID)+")")
		return out, &cp, nil
	}
	if err == nil {
		err = connectors.Errorf(connectors.Unknown, "the network accepted the comment but gave no id")
	}
	o, retryErr := h.commentFailed(ctx, log, t, acct, conn, err)
	o.Parts = parts
	o.Error = "first comment: " + o.Error + "; " + where
	switch o.Status {
	case rythme.TargetScheduled:
		o.Event = "the first comment failed (" + connectors.KindOf(err).String() + "); " + where + "; retrying the comment only"
	case rythme.TargetUnconfirmed:
		o.Event = "unconfirmed: the first comment's outcome is unknown; " + where + "; never re-sent blind"
	default:
		o.Event = string(o.Status) + ": " + o.Error
	}
	return o, nil, retryErr
}

// commentFailed turns the comment's error into an outcome by kind, as
// publish does for the post.
func (h *PublishHandler) commentFailed(ctx context.Context, log *slog.Logger, t *rythme.Target, acct *rythme.Account, conn connectors.Connector, err error) (rythme.Outcome, error) {
	ce, _ := connectors.AsError(err)
	msg := errMessage(err)
	switch connectors.KindOf(err) {
	case connectors.Permanent:
		return h.outcome(t, rythme.TargetFailed, "the network refused it: "+msg), nil
	case connectors.Auth:
		return h.authOrRetry(ctx, log, t, acct, err)
	case connectors.RateLimited:
		wait := defaultRateLimitWait
		if ce != nil && ce.RetryAfter > 0 {
			wait = ce.RetryAfter
		}
		h.count(t.Network, "rate_limited")
		return h.outcome(t, rythme.TargetScheduled, "rate limited by the network; retrying"), &rateLimitedError{wait: wait, err: err}
	case connectors.Unknown:
		if !conn.Idempotent(acct) {
			return h.outcome(t, rythme.TargetUnconfirmed, "no answer from the network after it was sent; check the account before retrying ("+msg+")"), nil
		}
		return h.retryOrFail(ctx, t, err)
	}
	return h.retryOrFail(ctx, t, err)
}

// ownComment puts the first comment in the inbox as the team's own item
// (the readers leave out what the account wrote). The comment is out and
// stored whatever this says: a failure is logged.
func (h *PublishHandler) ownComment(ctx context.Context, log *slog.Logger, t *rythme.Target, acct *rythme.Account, out rythme.Outcome, cp *rythme.TargetPart) {
	if cp == nil || acct == nil || out.Status != rythme.TargetPublished {
		return
	}
	post := out.ExternalID
	for _, p := range out.Parts {
		if p.Index == 0 {
			post = p.ExternalID
		}
	}
	it := &rythme.InboxItem{WorkspaceID: acct.WorkspaceID, AccountID: acct.ID, Network: acct.Network, ExternalID: cp.ExternalID,
		Kind: rythme.InboxComment, TargetID: t.ID, PostID: t.PostID, InReplyTo: post, Text: t.CommentText, URL: cp.URL,
		Author:    rythme.InboxAuthor{Handle: acct.Username, DisplayName: acct.DisplayName, ProfileURL: acct.ProfileURL},
		CreatedAt: cp.PublishedAt, ReceivedAt: cp.PublishedAt, Status: rythme.InboxDone, Own: true}
	it.Record(listening.Rythme, rythme.InboxActionReceived, "the post's first comment, published by rythme", cp.PublishedAt)
	if _, err := h.Store.SaveInboxItems(context.WithoutCancel(ctx), []*rythme.InboxItem{it}); err != nil {
		log.Warn("publish: the first comment is out but not in the inbox", slog.Any("err", err))
	}
}

// linkOf is a URL, or the network id when there is none.
func linkOf(url, id string) string {
	if url != "" {
		return url
	}
	return id
}

func joinEvent(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
