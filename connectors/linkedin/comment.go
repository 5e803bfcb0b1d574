package linkedin

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

var _ connectors.Commenter = (*Connector)(nil)

// Comments is true: the member comments on its own posts.
func (c *Connector) Comments(*rythme.Account) bool { return true }

type commentBody struct {
	Actor   string      `json:"actor"`
	Object  string      `json:"object"`
	Message commentText `json:"message"`
}

type commentText struct {
	Text string `json:"text"`
}

// Comment is a post's first comment, by the member:
// POST /rest/socialActions/{post-urn}/comments with actor, object (the
// post) and message.text, and the LinkedIn-Version and
// X-Restli-Protocol-Version headers of every /rest/ call
// (https://learn.microsoft.com/en-us/linkedin/marketing/integrations/community-management/shares/comments-api#create-a-comment).
// LinkedIn answers 201 with the comment, its URN in x-restli-id (or
// $URN). There is no idempotency key: a lost answer is Unknown, never
// re-sent blind.
func (c *Connector) Comment(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.CommentRequest) (*connectors.Published, error) {
	actor, err := author(acct, nil)
	if err != nil {
		return nil, err
	}
	body := commentBody{Actor: actor, Object: req.Post.ExternalID, Message: commentText{Text: req.Text}}
	urn, err := c.createComment(ctx, client, c.cfg.BaseURL+"/rest/socialActions/"+url.PathEscape(req.Post.ExternalID)+"/comments", body)
	if err != nil {
		return nil, err
	}
	return &connectors.Published{ExternalID: urn, URL: "https://www.linkedin.com/feed/update/" + req.Post.ExternalID + "/"}, nil
}

// createComment POSTs a Create Comment body to path and returns the new
// comment's URN (x-restli-id, or $URN in the body).
func (c *Connector) createComment(ctx context.Context, client *http.Client, path string, body any) (string, error) {
	hr, err := c.newRequest(ctx, http.MethodPost, path, body, true)
	if err != nil {
		return "", err
	}
	resp, err := connectors.Do(client, hr)
	if err != nil {
		return "", err
	}
	if resp.StatusCode/100 != 2 {
		return "", c.fromResponse(resp)
	}
	defer resp.Body.Close()
	var out struct {
		ID  string `json:"id"`
		URN string `json:"$URN"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(&out)
	urn := resp.Header.Get("X-RestLi-Id")
	if urn == "" {
		urn = out.URN
	}
	if urn == "" {
		// LinkedIn said yes but did not say which comment: it probably exists.
		return "", &connectors.Error{Kind: connectors.Unknown, Status: resp.StatusCode, Message: "LinkedIn accepted the comment but sent no URN"}
	}
	return urn, nil
}
