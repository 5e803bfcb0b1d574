package bluesky

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
// own idempotency key: an app.bsky.feed.post record whose reply
// points at the post as root and parent (its CID from the stored part,
// https://docs.bsky.app/docs/advanced-guides/posts), under a record
// key of its own: a retry finds the record instead of duplicating it.
func (c *Connector) Comment(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.CommentRequest) (*connectors.Published, error) {
	return connectors.CommentAsReply(ctx, func(ctx context.Context, r connectors.PublishRequest) (*connectors.Published, error) {
		return c.Publish(ctx, acct, client, r)
	}, req)
}
