package threads

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
// own idempotency key: a TEXT container with reply_to_id, then
// threads_publish (https://developers.facebook.com/docs/threads/reply-management);
// Threads has no idempotency key: a lost answer is Unknown.
func (c *Connector) Comment(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.CommentRequest) (*connectors.Published, error) {
	return connectors.CommentAsReply(ctx, func(ctx context.Context, r connectors.PublishRequest) (*connectors.Published, error) {
		return c.Publish(ctx, acct, client, r)
	}, req)
}
