package tiktok

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// The TikTok API v2 endpoints behind the access token: user info, the
// Content Posting API's direct post (creator info, init with
// PULL_FROM_URL, status) and the Display API's video query.

// tiktokPrivacy is what a public creator account may choose
// (https://developers.tiktok.com/doc/content-posting-api-reference-query-creator-info).
var tiktokPrivacy = []string{"PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"}

// Fields of /v2/user/info/ and the scope each needs
// (https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info).
var tiktokUserFields = map[string]string{"open_id": "user.info.basic", "union_id": "user.info.basic",
	"avatar_url": "user.info.basic", "display_name": "user.info.basic", "username": "user.info.profile",
	"profile_deep_link": "user.info.profile", "bio_description": "user.info.profile", "is_verified": "user.info.profile",
	"follower_count": "user.info.stats", "following_count": "user.info.stats", "likes_count": "user.info.stats",
	"video_count": "user.info.stats"}

func (t *tiktok) webURL(r *http.Request) string { return sim.RequestBase(r) + "/" + tiktokName }

// userInfo is GET /v2/user/info/?fields=…
func (t *tiktok) userInfo(w http.ResponseWriter, r *http.Request, tok *ttToken, _ string) {
	fields := strings.Split(r.URL.Query().Get("fields"), ",")
	now := t.s.Config().Now()
	t.mu.Lock()
	u := t.user(tok.user, now)
	videos := 0
	for _, v := range t.videos {
		if v.user == u.username && !v.deleted {
			videos++
		}
	}
	t.mu.Unlock()
	all := map[string]any{"open_id": u.openID, "union_id": "u" + u.openID, "avatar_url": t.webURL(r) + "/avatar/" + u.username + ".jpeg",
		"display_name": u.display, "username": u.username, "profile_deep_link": t.webURL(r) + "/@" + u.username,
		"bio_description": "A fakenet account.", "is_verified": false,
		"follower_count": sim.FollowersAt(t.s.Config().Seed, tiktokName, u.username, now.Sub(u.created)), "following_count": 42,
		"likes_count": 0, "video_count": videos}
	out := map[string]any{}
	for _, f := range fields {
		f = strings.TrimSpace(f)
		scope, ok := tiktokUserFields[f]
		if !ok {
			ttError(w, http.StatusBadRequest, "invalid_params", "Invalid field: "+f)
			return
		}
		if !slices.Contains(tok.scopes, scope) {
			ttError(w, http.StatusUnauthorized, "scope_permission_missed", "The field "+f+" needs the scope "+scope+".")
			return
		}
		out[f] = all[f]
	}
	ttOK(w, map[string]any{"user": out})
}

// creatorInfo is POST /v2/post/publish/creator_info/query/.
func (t *tiktok) creatorInfo(w http.ResponseWriter, r *http.Request, tok *ttToken, _ string) {
	t.mu.Lock()
	u := t.user(tok.user, t.s.Config().Now())
	t.mu.Unlock()
	ttOK(w, map[string]any{"creator_avatar_url": t.webURL(r) + "/avatar/" + u.username + ".jpeg",
		"creator_username": u.username, "creator_nickname": u.display, "privacy_level_options": tiktokPrivacy,
		"comment_disabled": false, "duet_disabled": false, "stitch_disabled": false, "max_video_post_duration_sec": 600})
}

// videoInit is POST /v2/post/publish/video/init/, the publish operation
// (https://developers.tiktok.com/doc/content-posting-api-reference-direct-post).
// The video is taken from source_info.video_url (PULL_FROM_URL); fakenet
// does not download it. TikTok has no idempotency key: every accepted
// request makes a post.
func (t *tiktok) videoInit(w http.ResponseWriter, r *http.Request, tok *ttToken, _ string) {
	var in struct {
		PostInfo struct {
			Title        string `json:"title"`
			PrivacyLevel string `json:"privacy_level"`
		} `json:"post_info"`
		SourceInfo struct {
			Source   string `json:"source"`
			VideoURL string `json:"video_url"`
		} `json:"source_info"`
	}
	now := t.s.Config().Now()
	rec := sim.Post{Network: tiktokName, Account: tok.user, ReceivedAt: now}
	refuse := func(status int, code, msg string) {
		rec.Error = msg
		t.s.Record(rec)
		ttError(w, status, code, msg)
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		refuse(http.StatusBadRequest, "invalid_params", "The request body is not valid JSON.")
		return
	}
	rec.Text = in.PostInfo.Title
	vu, err := url.Parse(in.SourceInfo.VideoURL)
	switch {
	case len(utf16.Encode([]rune(in.PostInfo.Title))) > tiktokMaxTitle:
		refuse(http.StatusBadRequest, "invalid_params", fmt.Sprintf("post_info.title is longer than %d characters.", tiktokMaxTitle))
		return
	case in.PostInfo.PrivacyLevel == "":
		refuse(http.StatusBadRequest, "invalid_params", "post_info.privacy_level is required.")
		return
	case !slices.Contains(tiktokPrivacy, in.PostInfo.PrivacyLevel):
		refuse(http.StatusBadRequest, "privacy_level_option_mismatch", "post_info.privacy_level must be one of the creator's privacy_level_options.")
		return
	case in.SourceInfo.Source != "PULL_FROM_URL":
		refuse(http.StatusBadRequest, "invalid_params", "source_info.source must be PULL_FROM_URL (fakenet does not simulate FILE_UPLOAD).")
		return
	case err != nil || (vu.Scheme != "https" && vu.Scheme != "http") || vu.Host == "":
		refuse(http.StatusBadRequest, "invalid_params", "source_info.video_url must be an http(s) URL on a verified domain.")
		return
	}
	t.mu.Lock()
	t.next++
	p := &ttPublish{id: "v_pub_url~v2." + strconv.FormatInt(7300000000000000000+t.next, 10), user: tok.user,
		videoID: strconv.FormatInt(7400000000000000000+t.next, 10), privacy: in.PostInfo.PrivacyLevel}
	t.publishes[p.id] = p
	t.videos[p.videoID] = &ttVideo{id: p.videoID, user: tok.user, title: in.PostInfo.Title, created: now, privacy: p.privacy}
	t.mu.Unlock()
	rec.ID, rec.Created = p.videoID, true
	t.s.Record(rec)
	ttOK(w, map[string]any{"publish_id": p.id})
}

// statusFetch is POST /v2/post/publish/status/fetch/
// (https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status):
// PROCESSING_DOWNLOAD on the first poll, PUBLISH_COMPLETE afterwards. The
// post id (publicaly_available_post_id, spelled as TikTok spells it)
// comes only for posts others can see, not for SELF_ONLY ones.
func (t *tiktok) statusFetch(w http.ResponseWriter, r *http.Request, tok *ttToken, _ string) {
	var in struct {
		PublishID string `json:"publish_id"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		ttError(w, http.StatusBadRequest, "invalid_params", "The request body is not valid JSON.")
		return
	}
	t.mu.Lock()
	p := t.publishes[in.PublishID]
	if p == nil || p.user != tok.user {
		t.mu.Unlock()
		ttError(w, http.StatusBadRequest, "invalid_params", "publish_id does not exist.")
		return
	}
	p.polls++
	polls, privacy, videoID := p.polls, p.privacy, p.videoID
	t.mu.Unlock()
	out := map[string]any{"status": "PROCESSING_DOWNLOAD", "downloaded_bytes": 0, "publicaly_available_post_id": []int64{}}
	if polls > 1 {
		out["status"], out["downloaded_bytes"] = "PUBLISH_COMPLETE", 1048576
		if privacy != "SELF_ONLY" {
			id, _ := strconv.ParseInt(videoID, 10, 64)
			out["publicaly_available_post_id"] = []int64{id}
		}
	}
	ttOK(w, out)
}

// Fields /v2/video/query/ can return
// (https://developers.tiktok.com/doc/tiktok-api-v2-video-object).
var tiktokVideoFields = map[string]bool{"id": true, "create_time": true, "title": true, "video_description": true,
	"share_url": true, "embed_link": true, "duration": true, "like_count": true, "comment_count": true,
	"share_count": true, "view_count": true, "cover_image_url": true, "height": true, "width": true}

// videoQuery is POST /v2/video/query/?fields=… with
// {"filters": {"video_ids": […]}}: the user's own videos that exist, at
// most 20 ids.
func (t *tiktok) videoQuery(w http.ResponseWriter, r *http.Request, tok *ttToken, _ string) {
	var in struct {
		Filters struct {
			VideoIDs []string `json:"video_ids"`
		} `json:"filters"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		ttError(w, http.StatusBadRequest, "invalid_params", "The request body is not valid JSON.")
		return
	}
	fields := strings.Split(r.URL.Query().Get("fields"), ",")
	for _, f := range fields {
		if !tiktokVideoFields[strings.TrimSpace(f)] {
			ttError(w, http.StatusBadRequest, "invalid_params", "Invalid field: "+f)
			return
		}
	}
	if n := len(in.Filters.VideoIDs); n == 0 || n > tiktokMaxVideoIDs {
		ttError(w, http.StatusBadRequest, "invalid_params", fmt.Sprintf("filters.video_ids must hold 1 to %d ids.", tiktokMaxVideoIDs))
		return
	}
	now := t.s.Config().Now()
	videos := []map[string]any{}
	t.mu.Lock()
	for _, id := range in.Filters.VideoIDs {
		v := t.videos[id]
		if v == nil || v.deleted || v.user != tok.user {
			continue
		}
		videos = append(videos, t.videoJSON(r, v, fields, now))
	}
	t.mu.Unlock()
	ttOK(w, map[string]any{"videos": videos, "cursor": 0, "has_more": false})
}

// tiktokMaxListCount is the most videos one /v2/video/list/ gives.
const tiktokMaxListCount = 20

// seedHistory gives u its earlier videos (Config.HistoryDays), public,
// oldest first. Holds t.mu.
func (t *tiktok) seedHistory(u *ttUser, now time.Time) {
	for _, h := range sim.History(t.s.Config().Seed, tiktokName, u.username, t.s.Config().HistoryDays) {
		t.next++
		v := &ttVideo{id: strconv.FormatInt(7400000000000000000+t.next, 10), user: u.username, title: h.Text,
			created: now.Add(-h.Age), privacy: "PUBLIC_TO_EVERYONE"}
		t.videos[v.id] = v
	}
}

// videoJSON is v with the fields asked for. Holds t.mu.
func (t *tiktok) videoJSON(r *http.Request, v *ttVideo, fields []string, now time.Time) map[string]any {
	e := sim.EngagementAt(t.s.Config().Seed, tiktokName, v.id, now.Sub(v.created))
	all := map[string]any{"id": v.id, "create_time": v.created.Unix(), "title": v.title, "video_description": v.title,
		"share_url": t.webURL(r) + "/@" + v.user + "/video/" + v.id, "embed_link": t.webURL(r) + "/embed/v2/" + v.id,
		"duration": 15, "like_count": e.Favourites, "comment_count": e.Replies, "share_count": e.Reblogs,
		"view_count": e.Favourites*15 + e.Replies, "cover_image_url": t.webURL(r) + "/cover/" + v.id + ".jpeg",
		"height": 1920, "width": 1080}
	out := map[string]any{}
	for _, f := range fields {
		out[strings.TrimSpace(f)] = all[strings.TrimSpace(f)]
	}
	return out
}

// videoList is POST /v2/video/list/?fields=… with {"cursor", "max_count"}
// (https://developers.tiktok.com/doc/tiktok-api-v2-video-list; scope
// video.list): the user's public videos, newest first, max_count at a
// time (default 10, at most 20), created before cursor (a UTC Unix time
// in milliseconds) when given; the answer's cursor is the create time of
// the page's last video, for the next page, and has_more says whether one
// follows.
func (t *tiktok) videoList(w http.ResponseWriter, r *http.Request, tok *ttToken, _ string) {
	var in struct {
		Cursor   *int64 `json:"cursor"`
		MaxCount *int   `json:"max_count"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		ttError(w, http.StatusBadRequest, "invalid_params", "The request body is not valid JSON.")
		return
	}
	fields := strings.Split(r.URL.Query().Get("fields"), ",")
	for _, f := range fields {
		if !tiktokVideoFields[strings.TrimSpace(f)] {
			ttError(w, http.StatusBadRequest, "invalid_params", "Invalid field: "+f)
			return
		}
	}
	count := 10
	if in.MaxCount != nil {
		if *in.MaxCount < 1 || *in.MaxCount > tiktokMaxListCount {
			ttError(w, http.StatusBadRequest, "invalid_params", fmt.Sprintf("max_count must be between 1 and %d.", tiktokMaxListCount))
			return
		}
		count = *in.MaxCount
	}
	now := t.s.Config().Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	var list []*ttVideo
	for _, v := range t.videos {
		if v.user != tok.user || v.deleted || v.privacy == "SELF_ONLY" || (in.Cursor != nil && v.created.UnixMilli() >= *in.Cursor) {
			continue
		}
		list = append(list, v)
	}
	sort.Slice(list, func(i, j int) bool {
		if !list[i].created.Equal(list[j].created) {
			return list[i].created.After(list[j].created)
		}
		return list[i].id > list[j].id
	})
	more := len(list) > count
	list = list[:min(count, len(list))]
	videos := make([]map[string]any, 0, len(list))
	var cursor int64
	for _, v := range list {
		videos = append(videos, t.videoJSON(r, v, fields, now))
		cursor = v.created.UnixMilli()
	}
	ttOK(w, map[string]any{"videos": videos, "cursor": cursor, "has_more": more})
}
