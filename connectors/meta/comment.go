package meta

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/rythmehq/rythme/connectors"
)

// Comment comments text on the object id (a Facebook post, an Instagram
// media) as the token's Page or account: POST {graph}/{id}/comments with
// message, answering {"id"}, which it returns. The Graph API has no
// idempotency key: an answer without an id is Unknown (the comment may be
// out), never to be re-sent blind. title names the network in errors.
func Comment(ctx context.Context, client *http.Client, graph, id, text string, now func() time.Time, title string) (string, error) {
	var out struct {
		ID string `json:"id"`
	}
	if err := Post(ctx, client, graph+"/"+url.PathEscape(id)+"/comments", url.Values{"message": {text}}, now, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", &connectors.Error{Kind: connectors.Unknown, Message: title + " accepted the comment but its answer has no id"}
	}
	return out.ID, nil
}
