package bluesky

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

var _ connectors.HistoryReader = (*Connector)(nil)

// historyPage is the most items app.bsky.feed.getAuthorFeed gives at once
// (its lexicon: limit 1–100, default 50).
const historyPage = 100

// feedItem is app.bsky.feed.defs#feedViewPost: a post, with a reason when
// it is in the feed as a repost.
type feedItem struct {
	Post struct {
		postView
		Author struct {
			DID string `json:"did"`
		} `json:"author"`
		Record struct {
			Text      string    `json:"text"`
			CreatedAt time.Time `json:"createdAt"`
		} `json:"record"`
		IndexedAt time.Time `json:"indexedAt"`
	} `json:"post"`
	Reason json.RawMessage `json:"reason"`
}

// ReadHistory reads the account's own posts, newest first, with
// app.bsky.feed.getAuthorFeed?actor=<did>&filter=posts_no_replies&limit=100
// (https://docs.bsky.app/docs/api/app-bsky-feed-get-author-feed), paged by
// the cursor it returns. Reposts (a reason, or another author) are left
// out. Likes are likes, comments replies, shares reposts plus quotes, as
// FetchMetrics maps them; a post's time is its record's createdAt (the
// AppView's indexedAt when missing or later: createdAt is the client's
// clock).
func (c *Connector) ReadHistory(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.HistoryRequest) (*connectors.HistoryPage, error) {
	service, err := serviceOf(acct)
	if err != nil {
		return nil, err
	}
	limit := historyPage
	if req.Limit > 0 {
		limit = min(req.Limit, historyPage)
	}
	q := url.Values{"actor": {acct.ExternalID}, "filter": {"posts_no_replies"}, "limit": {strconv.Itoa(limit)}}
	if req.Cursor != "" {
		q.Set("cursor", req.Cursor)
	}
	var out struct {
		Cursor string     `json:"cursor"`
		Feed   []feedItem `json:"feed"`
	}
	if err := c.call(ctx, client, http.MethodGet, service, "app.bsky.feed.getAuthorFeed", q, nil, "", &out); err != nil {
		return nil, err
	}
	at := c.cfg.Now().UTC()
	page := &connectors.HistoryPage{}
	older := false
	for _, it := range out.Feed {
		p := it.Post
		if (len(it.Reason) > 0 && string(it.Reason) != "null") || p.Author.DID != acct.ExternalID {
			continue
		}
		published := p.Record.CreatedAt
		if published.IsZero() || (!p.IndexedAt.IsZero() && published.After(p.IndexedAt)) {
			published = p.IndexedAt // a record cannot be made after it was indexed: the client's clock was ahead
		}
		if published.Before(req.Since) {
			older = true
			continue
		}
		likes, comments, shares := p.LikeCount, p.ReplyCount, p.RepostCount+p.QuoteCount
		page.Posts = append(page.Posts, rythme.HistoryPost{ExternalID: p.URI, URL: c.postURL(acct, p.URI), Text: p.Record.Text,
			PublishedAt: published.UTC(), Metrics: rythme.Metrics{ExternalID: p.URI, At: at, Likes: &likes, Comments: &comments, Shares: &shares}})
	}
	if !older && len(out.Feed) > 0 {
		page.Next = out.Cursor
	}
	return page, nil
}
