package facebook

import (
	"context"
	"net/http"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/meta"
)

var _ connectors.Commenter = (*Connector)(nil)

// Comments is true: the Page comments on its own posts.
func (c *Connector) Comments(*rythme.Account) bool { return true }

// Comment is a post's first comment, by the Page: POST /{post-id}/comments
// with message (https://developers.facebook.com/docs/graph-api/reference/object/comments#publish),
// answering {"id"}. Facebook has no idempotency key: a lost answer is
// Unknown, and the worker never re-sends it blind.
func (c *Connector) Comment(ctx context.Context, _ *rythme.Account, client *http.Client, req connectors.CommentRequest) (*connectors.Published, error) {
	id, err := meta.Comment(ctx, client, c.graph(), req.Post.ExternalID, req.Text, c.cfg.Now, "Facebook")
	if err != nil {
		return nil, err
	}
	return &connectors.Published{ExternalID: id, URL: Permalink(id)}, nil
}
