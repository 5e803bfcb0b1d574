package tiktok

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

// historyPage is the most videos one POST /v2/video/list/ gives
// (max_count: "The maximum value is 20",
// https://developers.tiktok.com/doc/tiktok-api-v2-video-list).
const historyPage = 20

// ListLimit is the Display API's limit on /v2/video/list/: 600 requests
// per minute, a sliding window
// (https://developers.tiktok.com/doc/tiktok-api-v2-rate-limit).
var ListLimit = rythme.RateLimit{Scope: "app", Requests: 600, PeriodSeconds: 60, Method: http.MethodPost, Path: "/v2/video/list/"}

// ReadHistory reads the user's public videos, newest first, with
// POST /v2/video/list/?fields=id,create_time,title,video_description,share_url,like_count,comment_count,share_count,view_count
// and {"max_count": 20, "cursor": …} (the Display API, scope video.list,
// https://developers.tiktok.com/doc/tiktok-api-v2-video-list): the
// cursor is the one TikTok answers (a UTC Unix time in milliseconds; the
// videos before it come next), sent while has_more is true. Likes,
// comments, shares and views are mapped as FetchMetrics maps them; the
// text is the video's description (its caption), else its title.
func (c *Connector) ReadHistory(ctx context.Context, _ *rythme.Account, client *http.Client, req connectors.HistoryRequest) (*connectors.HistoryPage, error) {
	count := historyPage
	if req.Limit > 0 {
		count = min(req.Limit, historyPage)
	}
	in := map[string]any{"max_count": count}
	if req.Cursor != "" {
		cur, err := strconv.ParseInt(req.Cursor, 10, 64)
		if err != nil {
			return nil, connectors.Errorf(connectors.Permanent, "invalid TikTok history cursor %q", req.Cursor)
		}
		in["cursor"] = cur
	}
	fields := url.Values{"fields": {"id,create_time,title,video_description,share_url,like_count,comment_count,share_count,view_count"}}
	var out struct {
		Videos []struct {
			video
			CreateTime  int64  `json:"create_time"`
			Title       string `json:"title"`
			Description string `json:"video_description"`
			ShareURL    string `json:"share_url"`
		} `json:"videos"`
		Cursor  int64 `json:"cursor"`
		HasMore bool  `json:"has_more"`
	}
	if err := c.api(ctx, client, http.MethodPost, "/v2/video/list/", fields, in, &out); err != nil {
		return nil, err
	}
	at := c.cfg.Now().UTC()
	page := &connectors.HistoryPage{}
	older := false
	for _, v := range out.Videos {
		published := time.Unix(v.CreateTime, 0).UTC()
		if published.Before(req.Since) {
			older = true
			continue
		}
		text := v.Description
		if text == "" {
			text = v.Title
		}
		likes, comments, shares, views := v.LikeCount, v.CommentCount, v.ShareCount, v.ViewCount
		page.Posts = append(page.Posts, rythme.HistoryPost{ExternalID: v.ID, URL: v.ShareURL, Text: text, PublishedAt: published,
			Metrics: rythme.Metrics{ExternalID: v.ID, At: at, Likes: &likes, Comments: &comments, Shares: &shares, VideoViews: &views}})
	}
	if !older && out.HasMore && out.Cursor != 0 {
		page.Next = strconv.FormatInt(out.Cursor, 10)
	}
	return page, nil
}
