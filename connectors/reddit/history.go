package reddit

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

var _ connectors.HistoryReader = (*Connector)(nil)

// historyPage is the most posts one listing gives (limit: "the maximum
// number of items desired (default: 25, maximum: 100)",
// https://www.reddit.com/dev/api#listings).
const historyPage = 100

// ReadHistory reads the user's posts, newest first, with
// GET /user/{username}/submitted?sort=new&limit=100&raw_json=1
// (https://www.reddit.com/dev/api#GET_user_{username}_submitted; scope
// history), paged by the Listing's after (the fullname to start after;
// null on the last page). Removed or deleted posts are left out. Likes are
// the score and comments num_comments, as FetchMetrics maps them; the
// text is the title, then the self text.
func (c *Connector) ReadHistory(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.HistoryRequest) (*connectors.HistoryPage, error) {
	if acct == nil || acct.Username == "" {
		return nil, connectors.Errorf(connectors.Permanent, "the account has no Reddit username")
	}
	limit := historyPage
	if req.Limit > 0 {
		limit = min(req.Limit, historyPage)
	}
	q := url.Values{"sort": {"new"}, "limit": {strconv.Itoa(limit)}, "raw_json": {"1"}}
	if req.Cursor != "" {
		q.Set("after", req.Cursor)
	}
	r, err := c.newRequest(ctx, http.MethodGet, c.cfg.BaseURL+"/user/"+url.PathEscape(acct.Username)+"/submitted?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	var listing struct {
		Data struct {
			After    *string `json:"after"`
			Children []struct {
				Kind string `json:"kind"`
				Data struct {
					Name        string  `json:"name"`
					Title       string  `json:"title"`
					Selftext    string  `json:"selftext"`
					Permalink   string  `json:"permalink"`
					CreatedUTC  float64 `json:"created_utc"`
					Score       int64   `json:"score"`
					NumComments int64   `json:"num_comments"`
					Author      string  `json:"author"`
					RemovedBy   *string `json:"removed_by_category"`
				} `json:"data"`
			} `json:"children"`
		} `json:"data"`
	}
	if err := c.doJSON(client, r, &listing); err != nil {
		return nil, err
	}
	at := c.cfg.Now().UTC()
	page := &connectors.HistoryPage{}
	older := false
	for _, ch := range listing.Data.Children {
		d := ch.Data
		published := time.Unix(int64(d.CreatedUTC), 0).UTC()
		if published.Before(req.Since) {
			older = true
			continue
		}
		if ch.Kind != "t3" || (d.RemovedBy != nil && *d.RemovedBy != "") || d.Author == "[deleted]" {
			continue
		}
		text := d.Title
		if d.Selftext != "" {
			text += "\n\n" + d.Selftext
		}
		likes, comments := d.Score, d.NumComments
		page.Posts = append(page.Posts, rythme.HistoryPost{ExternalID: d.Name, URL: c.cfg.WebURL + d.Permalink, Text: text,
			PublishedAt: published, Metrics: rythme.Metrics{ExternalID: d.Name, At: at, Likes: &likes, Comments: &comments}})
	}
	if !older && listing.Data.After != nil && *listing.Data.After != "" {
		page.Next = *listing.Data.After
	}
	return page, nil
}
