package meta

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// HistoryPageSize is the posts asked per page of an account's listing (the
// Graph API's cursor pages; their engagement is then read as FetchMetrics
// reads it).
const HistoryPageSize = 25

// graphTime is the Graph API's timestamp layout (2026-09-01T12:00:00+0000).
const graphTime = "2006-01-02T15:04:05-0700"

// Listing is how one Meta network lists an account's own posts: the
// edge's URL, the names of the text, permalink and time fields, what a
// post is called in an error ("Instagram gave media"), and how the
// engagement of posts is read (the connector's FetchMetrics).
type Listing struct {
	URL              string
	Text, Link, Time string
	Noun             string
	Fetch            func(ctx context.Context, ids []string) ([]rythme.Metrics, error)
}

// ReadHistory reads one page of l, newest first, paged by the cursor-based
// paging's after cursor (Next is "" when the answer has no next page, or
// when the page reached posts older than req.Since), then the posts'
// engagement; a post gone between the list and its engagement is left out.
func ReadHistory(ctx context.Context, client *http.Client, now func() time.Time, l Listing, req connectors.HistoryRequest) (*connectors.HistoryPage, error) {
	limit := HistoryPageSize
	if req.Limit > 0 {
		limit = min(req.Limit, HistoryPageSize)
	}
	q := url.Values{"fields": {"id," + l.Text + "," + l.Link + "," + l.Time}, "limit": {strconv.Itoa(limit)}}
	if req.Cursor != "" {
		q.Set("after", req.Cursor)
	}
	var list struct {
		Data   []map[string]string `json:"data"`
		Paging struct {
			Cursors struct {
				After string `json:"after"`
			} `json:"cursors"`
			Next string `json:"next"`
		} `json:"paging"`
	}
	if err := Get(ctx, client, l.URL, q, now, &list); err != nil {
		return nil, err
	}
	page := &connectors.HistoryPage{}
	older := false
	var ids []string
	byID := map[string]rythme.HistoryPost{}
	for _, m := range list.Data {
		at, err := time.Parse(graphTime, m[l.Time])
		if err != nil {
			return nil, connectors.Errorf(connectors.Retryable, "%s %s the time %q, not the Graph API's", l.Noun, m["id"], m[l.Time])
		}
		if at.Before(req.Since) {
			older = true
			continue
		}
		ids = append(ids, m["id"])
		byID[m["id"]] = rythme.HistoryPost{ExternalID: m["id"], URL: m[l.Link], Text: m[l.Text], PublishedAt: at.UTC()}
	}
	readings, err := l.Fetch(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, r := range readings {
		if r.Deleted {
			continue // gone between the list and its engagement
		}
		hp := byID[r.ExternalID]
		hp.Metrics = r
		page.Posts = append(page.Posts, hp)
	}
	if !older && list.Paging.Next != "" {
		page.Next = list.Paging.Cursors.After
	}
	return page, nil
}
