package mastodon

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

// historyPage is the most statuses one GET /api/v1/accounts/:id/statuses
// returns (limit: "Defaults to 20 statuses. Max 40 statuses",
// https://docs.joinmastodon.org/methods/accounts/#statuses).
const historyPage = 40

// historyStatus is a Status entity as an account's statuses list gives it
// (https://docs.joinmastodon.org/entities/Status/).
type historyStatus struct {
	status
	CreatedAt time.Time `json:"created_at"`
	Content   string    `json:"content"` // HTML
	Text      string    `json:"text"`    // the plain source, when the server gives it (GoToSocial, deleted statuses)
}

// ReadHistory reads the account's own statuses, newest first, with GET
// /api/v1/accounts/:id/statuses?exclude_replies=true&exclude_reblogs=true
// &limit=40, paged by max_id (the docs: "Return results older than ID";
// the Link header's next page is the same max_id): the cursor is the last
// status id of the page. Likes are favourites, comments replies and
// shares reblogs, as FetchMetrics maps them.
func (c *Connector) ReadHistory(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.HistoryRequest) (*connectors.HistoryPage, error) {
	inst, err := instanceOf(acct)
	if err != nil {
		return nil, err
	}
	limit := historyPage
	if req.Limit > 0 {
		limit = min(req.Limit, historyPage)
	}
	q := url.Values{"exclude_replies": {"true"}, "exclude_reblogs": {"true"}, "limit": {strconv.Itoa(limit)}}
	if req.Cursor != "" {
		q.Set("max_id", req.Cursor)
	}
	var got []historyStatus
	if err := getJSON(ctx, client, inst+"/api/v1/accounts/"+url.PathEscape(acct.ExternalID)+"/statuses?"+q.Encode(), &got); err != nil {
		return nil, err
	}
	at := c.now().UTC()
	page := &connectors.HistoryPage{}
	older := false
	for _, st := range got {
		if st.CreatedAt.Before(req.Since) {
			older = true
			continue
		}
		likes, comments, shares := st.FavouritesCount, st.RepliesCount, st.ReblogsCount
		text := st.Text
		if text == "" {
			text = connectors.PlainText(st.Content)
		}
		page.Posts = append(page.Posts, rythme.HistoryPost{ExternalID: st.ID, URL: st.URL, Text: text, PublishedAt: st.CreatedAt.UTC(),
			Metrics: rythme.Metrics{ExternalID: st.ID, At: at, Likes: &likes, Comments: &comments, Shares: &shares}})
	}
	if len(got) > 0 && !older {
		page.Next = got[len(got)-1].ID
	}
	return page, nil
}
