package connectors

import (
	"context"
	"errors"
	"net/http"

	"github.com/rythmehq/rythme"
)

// Commenter is implemented by networks where rythme publishes a post's
// first comment right after the post, under it: a comment on Instagram,
// Facebook, LinkedIn and Reddit, a reply to the post on X, Threads,
// Mastodon and Bluesky. A post with a first comment is refused (422) on
// the others, and GET /v1/networks says first_comment: false.
//
// The worker sends the comment only once the post is stored as out (its
// part 0), and stores the comment the moment Comment returns, so that a
// retry never sends either twice; an Unknown outcome on a network that is
// not Idempotent leaves the target unconfirmed, never re-sent blind.
type Commenter interface {
	// Comments reports whether acct's posts can get a first comment.
	Comments(acct *rythme.Account) bool
	// Comment publishes req.Text under req.Post. Errors are *Error values
	// as for Publish.
	Comment(ctx context.Context, acct *rythme.Account, client *http.Client, req CommentRequest) (*Published, error)
}

// CommentRequest is one first comment.
type CommentRequest struct {
	// Post is the post it goes under (the target's part 0: its network id,
	// and Ref where a reply needs more, as Bluesky's CID).
	Post Part
	Text string
	// IdempotencyKey is the same for every attempt of one comment (the
	// target id with a suffix of its own, never the post's key).
	IdempotencyKey string
}

// CommentKey is the idempotency key of targetID's first comment.
func CommentKey(targetID string) string { return targetID + ":first-comment" }

// CommentsOn reports whether conn publishes first comments on acct's
// network (acct may be nil: the network's answer in general).
func CommentsOn(conn Connector, acct *rythme.Account) bool {
	c, ok := conn.(Commenter)
	return ok && c.Comments(acct)
}

// CommentAsReply publishes req through pub (a thread-capable connector's
// Publish) as a reply to req.Post: a thread whose part 0, the post, is
// done and whose part 1 is the comment (connectors.PublishThread), so that
// the reply goes out the way the connector sends any thread part, under
// req.IdempotencyKey. X, Threads, Mastodon and Bluesky comment this way.
func CommentAsReply(ctx context.Context, pub func(context.Context, PublishRequest) (*Published, error), req CommentRequest) (*Published, error) {
	var got *Part
	post := req.Post
	post.Index = 0
	res, err := pub(ctx, PublishRequest{Thread: []string{req.Text}, IdempotencyKey: req.IdempotencyKey, Done: []Part{post},
		PartPublished: func(_ context.Context, p Part) error { got = &p; return nil }})
	var pe *PartError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if err != nil {
		return nil, err
	}
	if got == nil || got.ExternalID == "" {
		return nil, Errorf(Unknown, "the network accepted the comment but gave no id")
	}
	out := &Published{ExternalID: got.ExternalID, URL: got.URL}
	if res != nil {
		out.QuotaResetAt = res.QuotaResetAt
	}
	return out, nil
}
