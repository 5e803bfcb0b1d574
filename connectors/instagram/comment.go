package instagram

import (
	"context"
	"net/http"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/meta"
)

var _ connectors.Commenter = (*Connector)(nil)

// Comments is true: the account comments on its own media.
func (c *Connector) Comments(*rythme.Account) bool { return true }

// Comment is a post's first comment, by the account:
// POST /{ig-media-id}/comments?message=
// (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/comments#creating),
// answering {"id"}; an IG comment has no web address of its own. There is
// no idempotency key: a lost answer is Unknown, never re-sent blind.
func (c *Connector) Comment(ctx context.Context, _ *rythme.Account, client *http.Client, req connectors.CommentRequest) (*connectors.Published, error) {
	id, err := meta.Comment(ctx, client, c.graph(), req.Post.ExternalID, req.Text, c.cfg.Now, "Instagram")
	if err != nil {
		return nil, err
	}
	return &connectors.Published{ExternalID: id}, nil
}
