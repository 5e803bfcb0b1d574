package mastodon

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
// own idempotency key: POST /api/v1/statuses with in_reply_to_id
// (https://docs.joinmastodon.org/methods/statuses/#create) and the
// comment's Idempotency-Key, which a server may ignore (GoToSocial).
func (c *Connector) Comment(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.CommentRequest) (*connectors.Published, error) {
	return connectors.CommentAsReply(ctx, func(ctx context.Context, r connectors.PublishRequest) (*connectors.Published, error) {
		return c.Publish(ctx, acct, client, r)
	}, req)
}
