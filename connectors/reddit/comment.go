package reddit

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

var _ connectors.Commenter = (*Connector)(nil)

// Comments is true: the user comments on its own post.
func (c *Connector) Comments(*rythme.Account) bool { return true }

// Comment is a post's first comment, by the user: POST /api/comment with
// api_type=json, thing_id (the post's fullname, t3_…) and text
// (https://www.reddit.com/dev/api#POST_api_comment). Refusals come in
// json.errors as for /api/submit. Reddit has no idempotency key: a lost
// answer is Unknown, never re-sent blind.
func (c *Connector) Comment(ctx context.Context, _ *rythme.Account, client *http.Client, req connectors.CommentRequest) (*connectors.Published, error) {
	form := url.Values{"api_type": {"json"}, "thing_id": {req.Post.ExternalID}, "text": {req.Text}}
	hr, err := c.newRequest(ctx, http.MethodPost, c.cfg.BaseURL+"/api/comment", form)
	if err != nil {
		return nil, err
	}
	var out struct {
		JSON struct {
			Errors [][]any `json:"errors"`
			Data   struct {
				Things []struct {
					Data struct {
						Name      string `json:"name"`
						Permalink string `json:"permalink"`
					} `json:"data"`
				} `json:"things"`
			} `json:"data"`
		} `json:"json"`
	}
	if err := c.doJSON(client, hr, &out); err != nil {
		if e, ok := connectors.AsError(err); ok && e.Kind == connectors.Retryable && e.Status/100 == 2 {
			e.Kind = connectors.Unknown // Reddit said yes but its answer could not be read
		}
		return nil, err
	}
	if len(out.JSON.Errors) > 0 {
		return nil, submitError(out.JSON.Errors)
	}
	if len(out.JSON.Data.Things) == 0 || out.JSON.Data.Things[0].Data.Name == "" {
		return nil, &connectors.Error{Kind: connectors.Unknown, Status: http.StatusOK, Message: "Reddit accepted the comment but named no comment"}
	}
	d := out.JSON.Data.Things[0].Data
	u := d.Permalink
	if strings.HasPrefix(u, "/") {
		u = "https://www.reddit.com" + u
	}
	return &connectors.Published{ExternalID: d.Name, URL: u}, nil
}
