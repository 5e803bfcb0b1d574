package x

import (
	"context"
	"net/http"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

var _ connectors.Commenter = (*Connector)(nil)

// Comments is true: a first comment is the account's reply to its post.
func (c *Connector) Comments(*rythme.Account) bool { return true }

// Comment is a post's first comment: a reply to the post, sent as a
// thread's part after it (connectors.CommentAsReply), with the comment's
// own idempotency key: POST /2/tweets with reply.in_reply_to_tweet_id
// (https://docs.x.com/x-api/posts/create-post); X has no
// idempotency key: a lost answer is Unknown, never re-sent blind.
func (c *Connector) Comment(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.CommentRequest) (*connectors.Published, error) {
	return connectors.CommentAsReply(ctx, func(ctx context.Context, r connectors.PublishRequest) (*connectors.Published, error) {
		return c.Publish(ctx, acct, client, r)
	}, req)
}
