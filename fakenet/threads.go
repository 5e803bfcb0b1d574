package fakenet

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Threads, under the prefix /threads, standing for threads.com (the
// authorization window, /threads/www) and graph.threads.net
// (/threads/graph). It follows Meta's Threads API documentation:
//   - authorization window, code exchange, long-lived tokens
//     (th_exchange_token, 60 days) and their renewal (th_refresh_token,
//     once a day old)
//     https://developers.facebook.com/docs/threads/get-started/get-access-tokens-and-permissions
//     https://developers.facebook.com/docs/threads/get-started/long-lived-tokens
//   - posts: POST /{threads-user-id}/threads (media_type TEXT, IMAGE or
//     VIDEO, text, image_url, video_url, reply_to_id), then
//     POST /{threads-user-id}/threads_publish; 500 characters, emojis
//     counted as their UTF-8 bytes
//     https://developers.facebook.com/docs/threads/posts
//     https://developers.facebook.com/docs/threads/reply-management
//   - 250 API-published posts per moving 24 hours,
//     GET /{threads-user-id}/threads_publishing_limit
//     https://developers.facebook.com/docs/threads/overview#rate-limiting
//   - media insights: views, likes, replies, reposts, quotes, shares
//     https://developers.facebook.com/docs/threads/insights
//
// Text and image containers are FINISHED at once, a video one after
// igVideoProcessing on the server's clock; a media URL on the host
// "unfetchable.invalid" ends in ERROR.

const (
	threadsName     = "threads"
	thMaxText       = 500
	thQuota         = 250
	thPublishLimitM = "You have reached the maximum number of posts (250 in 24 hours) that the Threads API allows."
)

type threads struct{ *metaGraph }

func init() {
	registerNetwork(threadsName, func(s *Server) network {
		return &threads{newMetaGraph(s, threadsName, 25000000000000000, "THAA", false, 4)}
	})
}

func (g *threads) route(method, path string) (op, pattern string, h http.HandlerFunc) {
	switch method + " " + path {
	case "GET /www/oauth/authorize":
		return "authorize", path, g.authorize("")
	case "POST /graph/oauth/access_token":
		return "token", path, g.token
	case "GET /graph/access_token":
		return "exchange_token", path, g.longLived("th_exchange_token", []string{tokShort})
	case "GET /graph/refresh_access_token":
		return "refresh_token", path, g.longLived("th_refresh_token", []string{tokLong})
	}
	segs, ok := graphSegments(path, "/graph")
	if !ok {
		return "", "", nil
	}
	tokens := []string{tokLong, tokShort}
	with := func(f func(http.ResponseWriter, *http.Request, *metaToken, string)) http.HandlerFunc {
		return g.api(tokens, func(w http.ResponseWriter, r *http.Request, t *metaToken) { f(w, r, t, segs[0]) })
	}
	switch {
	case len(segs) == 1 && segs[0] == "me" && method == http.MethodGet:
		return "me", "/graph/me", g.api(tokens, g.me)
	case len(segs) == 2 && segs[1] == "threads" && method == http.MethodPost:
		return "create_container", "/graph/:user/threads", with(g.createContainer)
	case len(segs) == 2 && segs[1] == "threads" && method == http.MethodGet:
		return "list_threads", "/graph/:user/threads", with(g.listThreads)
	case len(segs) == 2 && segs[1] == "threads_publish" && method == http.MethodPost:
		return "publish", "/graph/:user/threads_publish", with(g.publish)
	case len(segs) == 2 && segs[1] == "threads_publishing_limit" && method == http.MethodGet:
		return "publishing_limit", "/graph/:user/threads_publishing_limit", with(func(w http.ResponseWriter, r *http.Request, t *metaToken, id string) {
			g.publishingLimit(w, r, t, id, thQuota)
		})
	case len(segs) == 2 && segs[1] == "insights" && method == http.MethodGet:
		return "insights", "/graph/:media/insights", with(g.insights)
	case len(segs) == 2 && segs[1] == "threads_insights" && method == http.MethodGet:
		return "user_insights", "/graph/:user/threads_insights", with(g.userInsights)
	case len(segs) == 1 && method == http.MethodGet:
		g.mu.Lock()
		_, isContainer := g.containers[segs[0]]
		g.mu.Unlock()
		if isContainer {
			return "container_status", "/graph/:container", with(g.containerStatus)
		}
		return "get_thread", "/graph/:media", with(g.getThread)
	}
	return "", "", nil
}

// token is POST graph.threads.net/oauth/access_token: {"access_token",
// "user_id"}.
func (g *threads) token(w http.ResponseWriter, r *http.Request) {
	p := form(r)
	if p.Get("grant_type") != "authorization_code" {
		graphError(w, http.StatusBadRequest, 100, 0, "Unsupported grant_type: authorization_code is required")
		return
	}
	user, clientID, msg := g.redeem(p)
	if msg != "" {
		graphError(w, http.StatusBadRequest, 100, 36009, msg)
		return
	}
	tok, _ := g.issue(user, clientID, tokShort, metaShortTTL)
	g.mu.Lock()
	id := g.user(user, g.s.cfg.Now()).id
	g.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "user_id": id})
}

func (g *threads) me(w http.ResponseWriter, _ *http.Request, t *metaToken) {
	g.mu.Lock()
	u := g.user(t.user, g.s.cfg.Now())
	g.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"id": u.id, "username": u.username, "name": u.name,
		"threads_profile_picture_url": "https://scontent.cdninstagram.com/fakenet/" + u.username + ".jpg"})
}

// userInsights is GET /{user}/threads_insights?metric=followers_count: the
// user's followers as a total_value, growing from the seed
// (https://developers.facebook.com/docs/threads/insights#user-insights).
// Other user metrics are not simulated.
func (g *threads) userInsights(w http.ResponseWriter, r *http.Request, t *metaToken, id string) {
	u, ok := g.owner(w, t, id)
	if !ok {
		return
	}
	data := []any{}
	for _, m := range strings.Split(r.URL.Query().Get("metric"), ",") {
		if m = strings.TrimSpace(m); m != "followers_count" {
			graphError(w, http.StatusBadRequest, 100, 0, "(#100) metric["+m+"] is not simulated by fakenet; followers_count is")
			return
		}
		n := FollowersAt(g.s.cfg.Seed, threadsName, u.username, g.s.cfg.Now().Sub(u.created))
		data = append(data, map[string]any{"name": m, "period": "day", "title": "Followers", "total_value": map[string]int64{"value": n},
			"id": u.id + "/insights/" + m + "/day"})
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}

// threadsLength counts as Threads does: characters, an emoji counting as
// its UTF-8 bytes.
func threadsLength(s string) int {
	n := 0
	for _, r := range s {
		if thEmoji(r) {
			n += utf8.RuneLen(r)
		} else {
			n++
		}
	}
	return n
}

// thEmoji reports whether r is an emoji or a part of one (pictographs,
// dingbats, flags, variation selectors, joiners, keycaps, tags).
func thEmoji(r rune) bool {
	switch {
	case r >= 0x1F000 && r <= 0x1FAFF, r >= 0x2600 && r <= 0x27BF, r >= 0x2300 && r <= 0x23FF,
		r >= 0x2B00 && r <= 0x2BFF, r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0020 && r <= 0xE007F,
		r == 0x200D, r == 0x20E3, r == 0x3030, r == 0x303D, r == 0x3297, r == 0x3299, r == 0x00A9, r == 0x00AE, r == 0x2122:
		return true
	}
	return false
}

func (g *threads) createContainer(w http.ResponseWriter, r *http.Request, t *metaToken, id string) {
	if _, ok := g.owner(w, t, id); !ok {
		return
	}
	p := form(r)
	now := g.s.cfg.Now()
	text, mt, replyTo := p.Get("text"), strings.ToUpper(p.Get("media_type")), p.Get("reply_to_id")
	rec := Post{Network: threadsName, Account: t.user, Text: text, ReceivedAt: now}
	refuse := func(code, sub int, msg string) {
		rec.Error = msg
		g.s.record(rec)
		graphError(w, http.StatusBadRequest, code, sub, msg)
	}
	mediaURL := ""
	switch mt {
	case "TEXT":
		if strings.TrimSpace(text) == "" {
			refuse(100, 0, "(#100) The parameter text is required for TEXT posts.")
			return
		}
	case "IMAGE":
		mediaURL = p.Get("image_url")
	case "VIDEO":
		mediaURL = p.Get("video_url")
	default:
		refuse(100, 0, "(#100) Param media_type must be one of {TEXT, IMAGE, VIDEO, CAROUSEL}")
		return
	}
	if mt != "TEXT" {
		if u, err := url.Parse(mediaURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			refuse(100, 0, "(#100) A public image_url or video_url is required for "+mt+" posts.")
			return
		}
	}
	if n := threadsLength(text); n > thMaxText {
		refuse(100, 4279009, fmt.Sprintf("The post text is too long: it counts %d characters, the limit is %d.", n, thMaxText))
		return
	}
	if replyTo != "" {
		g.mu.Lock()
		parent, ok := g.posts[replyTo]
		g.mu.Unlock()
		if !ok || parent.deleted {
			refuse(100, 33, fmt.Sprintf(metaNoObject, replyTo))
			return
		}
	}
	c := &metaContainer{user: t.user, text: text, mediaType: mt, mediaURL: mediaURL, replyTo: replyTo, created: now}
	if u, _ := url.Parse(mediaURL); mediaURL != "" && u.Hostname() == "unfetchable.invalid" {
		c.failed = "FAILED_DOWNLOADING_VIDEO"
		if mt == "IMAGE" {
			c.failed = "FAILED_PROCESSING_IMAGE"
		}
	}
	g.mu.Lock()
	c.id = g.newID()
	g.containers[c.id] = c
	g.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"id": c.id})
}

func (g *threads) containerStatus(w http.ResponseWriter, _ *http.Request, t *metaToken, id string) {
	g.mu.Lock()
	c := g.containers[id]
	if c == nil || c.user != t.user {
		g.mu.Unlock()
		graphError(w, http.StatusBadRequest, 100, 33, fmt.Sprintf(metaNoObject, id))
		return
	}
	c.polls++
	state, msg := g.containerState(c, g.s.cfg.Now()), c.failed
	g.mu.Unlock()
	out := map[string]string{"id": id, "status": state}
	if msg != "" {
		out["error_message"] = msg
	}
	writeJSON(w, http.StatusOK, out)
}

func (g *threads) publish(w http.ResponseWriter, r *http.Request, t *metaToken, id string) {
	if _, ok := g.owner(w, t, id); !ok {
		return
	}
	cid := form(r).Get("creation_id")
	now := g.s.cfg.Now()
	g.mu.Lock()
	c, ok := g.containers[cid]
	if !ok || c.user != t.user {
		g.mu.Unlock()
		graphError(w, http.StatusBadRequest, 100, 33, fmt.Sprintf(metaNoObject, cid))
		return
	}
	rec := Post{Network: threadsName, Account: t.user, Text: c.text, ReceivedAt: now}
	code, sub, msg := 0, 0, ""
	used, _ := g.quota(t.user, now)
	switch state := g.containerState(c, now); {
	case state == "IN_PROGRESS":
		code, sub, msg = 24, 4279001, "The media is not ready to be published; wait until its status is FINISHED."
	case state == "ERROR":
		code, sub, msg = 24, 4279002, "The media could not be processed: "+c.failed
	case state == "EXPIRED":
		code, sub, msg = 24, 4279003, "The media container expired: create it again."
	case state == "PUBLISHED":
		code, sub, msg = 100, 0, "(#100) This media container was already published as "+c.published+"."
	case used >= thQuota:
		code, sub, msg = 9, 2207042, thPublishLimitM
	}
	if msg != "" {
		g.mu.Unlock()
		rec.Error = msg
		g.s.record(rec)
		graphError(w, http.StatusBadRequest, code, sub, msg)
		return
	}
	p := &metaPost{id: g.newID(), user: t.user, text: c.text, mediaType: c.mediaType, mediaURL: c.mediaURL, replyTo: c.replyTo, created: now}
	g.posts[p.id] = p
	c.published = p.id
	g.published[t.user] = append(g.published[t.user], now)
	g.mu.Unlock()
	rec.ID, rec.Created = p.id, true
	g.s.record(rec)
	writeJSON(w, http.StatusOK, map[string]string{"id": p.id})
}

// listThreads is GET /{threads-user-id}/threads: the user's posts, newest
// first.
func (g *threads) listThreads(w http.ResponseWriter, _ *http.Request, t *metaToken, id string) {
	if _, ok := g.owner(w, t, id); !ok {
		return
	}
	g.mu.Lock()
	var list []metaPost
	for _, p := range g.posts {
		if p.user == t.user && !p.deleted {
			list = append(list, *p)
		}
	}
	g.mu.Unlock()
	sortPostsNewestFirst(list)
	data := []any{}
	for _, p := range list {
		data = append(data, map[string]string{"id": p.id, "timestamp": p.created.UTC().Format("2006-01-02T15:04:05-0700"), "media_type": p.mediaType + "_POST"})
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}

func (g *threads) getThread(w http.ResponseWriter, _ *http.Request, t *metaToken, id string) {
	p, ok := g.post(w, id, t.user)
	if !ok {
		return
	}
	out := map[string]any{"id": p.id, "text": p.text, "media_type": p.mediaType + "_POST", "username": t.user,
		"permalink": "https://www.threads.com/@" + t.user + "/post/FN" + p.id[len(p.id)-8:],
		"timestamp": p.created.UTC().Format("2006-01-02T15:04:05-0700"), "is_reply": p.replyTo != ""}
	if p.replyTo != "" {
		out["replied_to"] = map[string]string{"id": p.replyTo}
	}
	writeJSON(w, http.StatusOK, out)
}

var thMetrics = map[string]bool{"views": true, "likes": true, "replies": true, "reposts": true, "quotes": true, "shares": true}

func (g *threads) insights(w http.ResponseWriter, r *http.Request, t *metaToken, id string) {
	p, ok := g.post(w, id, t.user)
	if !ok {
		return
	}
	metrics := splitList(r.URL.Query().Get("metric"))
	for _, m := range metrics {
		if !thMetrics[m] {
			graphError(w, http.StatusBadRequest, 100, 0, "(#100) metric["+m+"] must be one of the following values: views, likes, replies, reposts, quotes, shares")
			return
		}
	}
	st := g.stats(p, g.s.cfg.Now())
	out, _ := insightsJSON(p.id, metrics, map[string]int64{"views": st.views, "likes": st.likes, "replies": st.comments,
		"reposts": st.shares, "quotes": st.quotes, "shares": st.saves})
	writeJSON(w, http.StatusOK, out)
}
