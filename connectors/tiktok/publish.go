package tiktok

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

type creatorInfo struct {
	Username       string   `json:"creator_username"`
	PrivacyOptions []string `json:"privacy_level_options"`
}

type publishStatus struct {
	Status     string  `json:"status"`
	FailReason string  `json:"fail_reason"`
	PostIDs    []int64 `json:"publicaly_available_post_id"` // sic
}

// Publish posts a video with req.Text as its caption: it initialises the
// post from the media's public URL (POST /v2/post/publish/video/init/,
// source PULL_FROM_URL), with the privacy level of Options or else the
// first of the creator's privacy_level_options, then polls POST
// /v2/post/publish/status/fetch/ until PUBLISH_COMPLETE, at most
// Config.PollFor and never past ctx's deadline. The creator's options come
// from POST /v2/post/publish/creator_info/query/, asked at connect time
// (Meta) and again whenever they are missing or TikTok answers
// privacy_level_option_mismatch (the refused init is then sent once
// more). The external id is the video's post id; TikTok gives none for a
// SELF_ONLY post or one still in moderation, and the publish_id stands in
// for it (FetchMetrics resolves it later). Once TikTok accepted the post,
// Publish no longer fails except on a FAILED status: an error would
// invite a retry, and TikTok has no idempotency key.
func (c *Connector) Publish(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.PublishRequest) (*connectors.Published, error) {
	videoURL := c.cfg.PlaceholderVideoURL
	for _, m := range req.Media {
		if strings.HasPrefix(m.ContentType, "video/") && m.URL != "" {
			videoURL = m.URL
			break
		}
	}
	if videoURL == "" {
		return nil, connectors.Errorf(connectors.Permanent, "TikTok posts need a video with a public URL")
	}
	var options []string
	if acct != nil && acct.Meta[MetaPrivacyOptions] != "" {
		options = strings.Split(acct.Meta[MetaPrivacyOptions], ",")
	}
	asked := false
	for {
		if len(options) == 0 {
			info, err := c.creatorInfo(ctx, client)
			if err != nil {
				return nil, err
			}
			options, asked = info.PrivacyOptions, true
		}
		privacy := req.Options["privacy_level"]
		switch {
		case privacy == "" && len(options) > 0:
			privacy = options[0]
		case privacy != "" && !slices.Contains(options, privacy) && asked:
			return nil, connectors.Errorf(connectors.Permanent, "privacy_level %s is not allowed for this account (allowed: %s)",
				privacy, strings.Join(options, ", "))
		case privacy != "" && !slices.Contains(options, privacy):
			options = nil // the options may have changed: ask TikTok
			continue
		}
		publishID, err := c.initPost(ctx, client, req, privacy, videoURL)
		if e, ok := connectors.AsError(err); ok && !asked && strings.HasPrefix(e.Message, "privacy_level_option_mismatch") {
			options = nil
			continue
		} else if err != nil {
			return nil, err
		}
		return c.finish(ctx, client, acct, publishID)
	}
}

// creatorInfo is POST /v2/post/publish/creator_info/query/
// (https://developers.tiktok.com/doc/content-posting-api-reference-query-creator-info).
func (c *Connector) creatorInfo(ctx context.Context, client *http.Client) (creatorInfo, error) {
	var info creatorInfo
	err := c.api(ctx, client, http.MethodPost, "/v2/post/publish/creator_info/query/", nil, map[string]any{}, &info)
	return info, err
}

// initPost is POST /v2/post/publish/video/init/; it returns the
// publish_id.
func (c *Connector) initPost(ctx context.Context, client *http.Client, req connectors.PublishRequest, privacy, videoURL string) (string, error) {
	postInfo := map[string]any{"title": req.Text, "privacy_level": privacy}
	for _, opt := range []string{"disable_comment", "disable_duet", "disable_stitch", "is_aigc"} {
		if req.Options[opt] == "true" {
			postInfo[opt] = true
		}
	}
	var out struct {
		PublishID string `json:"publish_id"`
	}
	in := map[string]any{"post_info": postInfo, "source_info": map[string]any{"source": "PULL_FROM_URL", "video_url": videoURL}}
	if err := c.api(ctx, client, http.MethodPost, "/v2/post/publish/video/init/", nil, in, &out); err != nil {
		return "", err
	}
	if out.PublishID == "" {
		return "", connectors.Errorf(connectors.Unknown, "TikTok accepted the post but its answer has no publish_id")
	}
	return out.PublishID, nil
}

// finish waits for the post and names it.
func (c *Connector) finish(ctx context.Context, client *http.Client, acct *rythme.Account, publishID string) (*connectors.Published, error) {
	profile := c.cfg.WebURL
	if acct != nil && acct.Username != "" {
		profile += "/@" + acct.Username
	}
	st, done := c.poll(ctx, client, publishID)
	switch {
	case done && st.Status == "FAILED":
		return nil, connectors.Errorf(connectors.Permanent, "TikTok could not publish the video: %s", st.FailReason)
	case done && len(st.PostIDs) > 0:
		id := strconv.FormatInt(st.PostIDs[0], 10)
		return &connectors.Published{ExternalID: id, URL: profile + "/video/" + id}, nil
	}
	return &connectors.Published{ExternalID: publishID, URL: profile}, nil
}

// poll fetches the post's status until it is final (PUBLISH_COMPLETE or
// FAILED) or time runs out; done is false when it never was.
func (c *Connector) poll(ctx context.Context, client *http.Client, publishID string) (publishStatus, bool) {
	until := time.Now().Add(c.cfg.PollFor)
	if d, ok := ctx.Deadline(); ok && d.Add(-2*time.Second).Before(until) {
		until = d.Add(-2 * time.Second)
	}
	wait := c.cfg.PollInterval
	for {
		st, err := c.status(ctx, client, publishID)
		if err == nil && (st.Status == "PUBLISH_COMPLETE" || st.Status == "FAILED") {
			return st, true
		}
		if err != nil && connectors.KindOf(err) != connectors.Retryable {
			return st, false
		}
		if time.Now().Add(wait).After(until) {
			return st, false
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return st, false
		case <-t.C:
		}
		wait = min(wait*2, 10*time.Second)
	}
}

func (c *Connector) status(ctx context.Context, client *http.Client, publishID string) (publishStatus, error) {
	var st publishStatus
	err := c.api(ctx, client, http.MethodPost, "/v2/post/publish/status/fetch/", nil, map[string]string{"publish_id": publishID}, &st)
	return st, err
}

type video struct {
	ID           string `json:"id"`
	LikeCount    int64  `json:"like_count"`
	CommentCount int64  `json:"comment_count"`
	ShareCount   int64  `json:"share_count"`
	ViewCount    int64  `json:"view_count"`
}

// FetchMetrics reads videos 20 at a time (POST /v2/video/query/ with
// filters.video_ids, the Display API). An external id that is still a
// publish_id is first resolved through status/fetch; one still without a
// post id gives a reading without numbers, a FAILED one is Deleted. A
// video the query leaves out is Deleted. Likes, comments, shares and
// views are TikTok's counts.
func (c *Connector) FetchMetrics(ctx context.Context, acct *rythme.Account, client *http.Client, externalIDs []string) ([]rythme.Metrics, error) {
	var ids []string
	seen := map[string]bool{}
	for _, id := range externalIDs {
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	videoOf := map[string]string{} // external id → video id
	failed := map[string]bool{}
	var query []string
	for _, id := range ids {
		if _, err := strconv.ParseInt(id, 10, 64); err == nil {
			videoOf[id] = id
			query = append(query, id)
			continue
		}
		st, err := c.status(ctx, client, id)
		switch {
		case connectors.KindOf(err) == connectors.Permanent:
			failed[id] = true // TikTok no longer knows the publish_id
		case err != nil:
			return nil, err
		case st.Status == "FAILED":
			failed[id] = true
		case len(st.PostIDs) > 0:
			v := strconv.FormatInt(st.PostIDs[0], 10)
			videoOf[id] = v
			query = append(query, v)
		}
	}
	found := map[string]video{}
	fields := url.Values{"fields": {"id,like_count,comment_count,share_count,view_count"}}
	for start := 0; start < len(query); start += maxVideoIDs {
		var out struct {
			Videos []video `json:"videos"`
		}
		in := map[string]any{"filters": map[string]any{"video_ids": query[start:min(start+maxVideoIDs, len(query))]}}
		if err := c.api(ctx, client, http.MethodPost, "/v2/video/query/", fields, in, &out); err != nil {
			return nil, err
		}
		for _, v := range out.Videos {
			found[v.ID] = v
		}
	}
	at := c.cfg.Now().UTC()
	res := make([]rythme.Metrics, 0, len(ids))
	for _, id := range ids {
		m := rythme.Metrics{ExternalID: id, At: at}
		vid, resolved := videoOf[id]
		if v, ok := found[vid]; resolved && ok {
			likes, comments, shares, views := v.LikeCount, v.CommentCount, v.ShareCount, v.ViewCount
			m.Likes, m.Comments, m.Shares, m.VideoViews = &likes, &comments, &shares, &views
		} else {
			m.Deleted = resolved || failed[id]
		}
		res = append(res, m)
	}
	return res, nil
}
