package fakenet

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Instagram professional accounts through the Instagram API with Instagram
// Login, under the prefix /instagram, standing for its three hosts:
// /instagram/www (www.instagram.com, the authorization window),
// /instagram/api (api.instagram.com, the code exchange) and
// /instagram/graph (graph.instagram.com). It follows Meta's documentation:
//   - Business Login for Instagram, short-lived tokens ({"data": [{…}]}),
//     long-lived ones (ig_exchange_token, 60 days) and their renewal
//     (ig_refresh_token, once a day old)
//     https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login
//     https://developers.facebook.com/docs/instagram-platform/reference/access_token
//     https://developers.facebook.com/docs/instagram-platform/reference/refresh_access_token
//   - content publishing: POST /{ig-user-id}/media makes a container,
//     GET /{container-id}?fields=status_code, POST /{ig-user-id}/media_publish
//     https://developers.facebook.com/docs/instagram-platform/content-publishing
//   - 50 API-published posts per moving 24 hours, code 9 subcode 2207042
//     past it, GET /{ig-user-id}/content_publishing_limit
//     https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/content_publishing_limit
//   - captions of at most 2,200 characters, 30 hashtags and 20 @ tags
//     https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media
//   - media insights (views, reach, likes, comments, shares, saved; the
//     impressions, plays and video_views metrics are gone)
//     https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights
//   - error codes https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes
//
// Image containers are FINISHED at once; a video (REELS) container is
// IN_PROGRESS until igVideoProcessing has passed on the server's clock. A
// media URL whose host is "unfetchable.invalid" makes a container in ERROR.

const (
	instagramName     = "instagram"
	igMaxCaption      = 2200
	igMaxHashtags     = 30
	igMaxMentions     = 20
	igQuota           = 50
	igVideoProcessing = 5 * time.Second
)

var (
	igHashtag = regexp.MustCompile(`(?:^|[^\pL\pN_&])#[\pL\pN_]+`)
	igMention = regexp.MustCompile(`(?:^|[^\pL\pN_.])@[\pL\pN_.]+`)
	// igMetrics are the media insights metrics served.
	igMetrics = map[string]bool{"views": true, "reach": true, "likes": true, "comments": true, "shares": true, "saved": true,
		"total_interactions": true}
)

type instagram struct{ *metaGraph }

func init() {
	registerNetwork(instagramName, func(s *Server) network {
		return &instagram{newMetaGraph(s, instagramName, 17841400000000000, "IGAA", true, 80002)}
	})
}

func (g *instagram) route(method, path string) (op, pattern string, h http.HandlerFunc) {
	switch method + " " + path {
	case "GET /www/oauth/authorize":
		return "authorize", path, g.authorize("#_")
	case "POST /api/oauth/access_token":
		return "token", path, g.token
	case "GET /graph/access_token":
		return "exchange_token", path, g.longLived("ig_exchange_token", []string{tokShort})
	case "GET /graph/refresh_access_token":
		return "refresh_token", path, g.longLived("ig_refresh_token", []string{tokLong})
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
	case len(segs) == 2 && segs[1] == "media" && method == http.MethodPost:
		return "create_container", "/graph/:user/media", with(g.createContainer)
	case len(segs) == 2 && segs[1] == "media" && method == http.MethodGet:
		return "list_media", "/graph/:user/media", with(g.listMedia)
	case len(segs) == 2 && segs[1] == "media_publish" && method == http.MethodPost:
		return "publish", "/graph/:user/media_publish", with(g.publish)
	case len(segs) == 2 && segs[1] == "content_publishing_limit" && method == http.MethodGet:
		return "publishing_limit", "/graph/:user/content_publishing_limit", with(g.publishingLimit)
	case len(segs) == 2 && segs[1] == "insights" && method == http.MethodGet:
		return "insights", "/graph/:media/insights", with(g.insights)
	case len(segs) == 1 && method == http.MethodGet:
		g.mu.Lock()
		_, isContainer := g.containers[segs[0]]
		g.mu.Unlock()
		if isContainer {
			return "container_status", "/graph/:container", with(g.containerStatus)
		}
		return "get_media", "/graph/:media", with(g.getMedia)
	}
	return "", "", nil
}

// igTokenError is api.instagram.com's error shape.
func igTokenError(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"error_type": "OAuthException", "code": 400, "error_message": msg})
}

// token is POST api.instagram.com/oauth/access_token.
func (g *instagram) token(w http.ResponseWriter, r *http.Request) {
	p := form(r)
	if p.Get("grant_type") != "authorization_code" {
		igTokenError(w, "Invalid grant_type: authorization_code is required")
		return
	}
	user, clientID, msg := g.redeem(p)
	if msg != "" {
		igTokenError(w, msg)
		return
	}
	tok, _ := g.issue(user, clientID, tokShort, metaShortTTL)
	g.mu.Lock()
	id := g.user(user, g.s.cfg.Now()).id
	g.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": []any{map[string]any{"access_token": tok, "user_id": id,
		"permissions": "instagram_business_basic,instagram_business_content_publish,instagram_business_manage_insights"}}})
}

// longLived is GET /access_token (grant ig_exchange_token, with
// client_secret) or GET /refresh_access_token (grant ig_refresh_token, a
// long-lived token at least a day old).
func (g *metaGraph) longLived(grant string, from []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		t, _, msg := g.lookup(r)
		now := g.s.cfg.Now()
		switch {
		case q.Get("grant_type") != grant:
			graphError(w, http.StatusBadRequest, 100, 0, "Unsupported grant_type: use "+grant)
		case strings.HasSuffix(grant, "exchange_token") && q.Get("client_secret") == "":
			graphError(w, http.StatusBadRequest, 101, 0, "Missing client_secret parameter.")
		case t == nil:
			graphError(w, http.StatusBadRequest, 190, 0, msg)
		case !contains(from, t.kind):
			graphError(w, http.StatusBadRequest, 190, 0, "The access token cannot be used with "+grant+".")
		case strings.HasSuffix(grant, "refresh_token") && now.Sub(t.created) < metaMinRenew:
			graphError(w, http.StatusBadRequest, 190, 0, "The access token is less than 24 hours old and cannot be refreshed yet.")
		default:
			tok, _ := g.issue(t.user, t.clientID, tokLong, metaLongTTL)
			writeJSON(w, http.StatusOK, tokenJSON(tok, metaLongTTL))
		}
	}
}

func (g *instagram) me(w http.ResponseWriter, r *http.Request, t *metaToken) {
	now := g.s.cfg.Now()
	g.mu.Lock()
	u := g.user(t.user, now)
	g.mu.Unlock()
	out := map[string]any{"id": "9" + u.id[1:], "user_id": u.id, "username": u.username, "name": u.name,
		"account_type": "BUSINESS", "profile_picture_url": "https://scontent.cdninstagram.com/fakenet/" + u.username + ".jpg"}
	// followers_count, when asked, grows from the seed
	// (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user).
	if slices.Contains(splitFields(r.URL.Query().Get("fields")), "followers_count") {
		out["followers_count"] = FollowersAt(g.s.cfg.Seed, instagramName, u.username, now.Sub(u.created))
	}
	writeJSON(w, http.StatusOK, out)
}

// owner checks that id is the token's user (or "me"). Holds no lock.
func (g *metaGraph) owner(w http.ResponseWriter, t *metaToken, id string) (*metaUser, bool) {
	g.mu.Lock()
	u := g.user(t.user, g.s.cfg.Now())
	g.mu.Unlock()
	if id != "me" && id != u.id {
		graphError(w, http.StatusBadRequest, 100, 33, fmt.Sprintf(metaNoObject, id))
		return nil, false
	}
	return u, true
}

func (g *instagram) createContainer(w http.ResponseWriter, r *http.Request, t *metaToken, id string) {
	if _, ok := g.owner(w, t, id); !ok {
		return
	}
	p := form(r)
	now := g.s.cfg.Now()
	caption, mt := p.Get("caption"), strings.ToUpper(p.Get("media_type"))
	rec := Post{Network: instagramName, Account: t.user, Text: caption, ReceivedAt: now}
	refuse := func(code, sub int, msg string) {
		rec.Error = msg
		g.s.record(rec)
		graphError(w, http.StatusBadRequest, code, sub, msg)
	}
	mediaURL := p.Get("image_url")
	switch {
	case mt == "VIDEO":
		refuse(100, 2207067, "The VIDEO media_type is no longer supported for feed posts; use REELS.")
		return
	case mt == "REELS" || mt == "STORIES" && p.Get("video_url") != "":
		mediaURL = p.Get("video_url")
	case mt != "" && mt != "STORIES" && mt != "IMAGE":
		refuse(100, 0, "(#100) Param media_type must be one of {REELS, STORIES, CAROUSEL}")
		return
	}
	if u, err := url.Parse(mediaURL); mediaURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		refuse(9004, 2207052, "The media could not be fetched from this URI: an image_url or, for REELS, a video_url on a public server is required.")
		return
	}
	if n := utf8.RuneCountInString(caption); n > igMaxCaption {
		refuse(100, 2207068, fmt.Sprintf("The caption is too long: %d characters, the limit is %d.", n, igMaxCaption))
		return
	}
	if n := len(igHashtag.FindAllString(caption, -1)); n > igMaxHashtags {
		refuse(100, 2207069, fmt.Sprintf("The caption has %d hashtags; at most %d are allowed.", n, igMaxHashtags))
		return
	}
	if n := len(igMention.FindAllString(caption, -1)); n > igMaxMentions {
		refuse(100, 2207070, fmt.Sprintf("The caption has %d @ tags; at most %d are allowed.", n, igMaxMentions))
		return
	}
	if mt == "" {
		mt = "IMAGE"
	}
	c := &metaContainer{user: t.user, text: caption, mediaType: mt, mediaURL: mediaURL, created: now}
	if u, _ := url.Parse(mediaURL); u.Hostname() == "unfetchable.invalid" {
		c.failed = "Error: Media download has failed. The media URI doesn't meet our requirements."
	}
	g.mu.Lock()
	c.id = g.newID()
	g.containers[c.id] = c
	g.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"id": c.id})
}

// containerState is a container's status_code at now. Holds g.mu.
func (g *metaGraph) containerState(c *metaContainer, now time.Time) string {
	switch {
	case c.published != "":
		return "PUBLISHED"
	case c.failed != "":
		return "ERROR"
	case now.Sub(c.created) >= 24*time.Hour:
		return "EXPIRED"
	case (c.mediaType == "REELS" || c.mediaType == "VIDEO") && now.Sub(c.created) < igVideoProcessing:
		return "IN_PROGRESS"
	}
	return "FINISHED"
}

func (g *instagram) containerStatus(w http.ResponseWriter, _ *http.Request, t *metaToken, id string) {
	g.mu.Lock()
	c := g.containers[id]
	if c == nil || c.user != t.user {
		g.mu.Unlock()
		graphError(w, http.StatusBadRequest, 100, 33, fmt.Sprintf(metaNoObject, id))
		return
	}
	c.polls++
	state := g.containerState(c, g.s.cfg.Now())
	msg := c.failed
	g.mu.Unlock()
	if msg == "" {
		msg = map[string]string{"IN_PROGRESS": "In Progress", "FINISHED": "Finished", "PUBLISHED": "Published", "EXPIRED": "Expired"}[state]
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": id, "status_code": state, "status": msg})
}

func (g *instagram) publish(w http.ResponseWriter, r *http.Request, t *metaToken, id string) {
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
	rec := Post{Network: instagramName, Account: t.user, Text: c.text, ReceivedAt: now}
	code, sub, msg := 0, 0, ""
	used, _ := g.quota(t.user, now)
	switch state := g.containerState(c, now); {
	case state == "IN_PROGRESS":
		code, sub, msg = 9007, 2207027, "The media is not ready for publishing, please wait for a moment."
	case state == "ERROR":
		code, sub, msg = 9007, 2207032, "Create media fail, please try to re-create media: "+c.failed
	case state == "EXPIRED":
		code, sub, msg = -2, 2207020, "The media you are trying to access has expired. Please try to upload again."
	case state == "PUBLISHED":
		code, sub, msg = 100, 0, "(#100) This media container was already published as "+c.published+"."
	case used >= igQuota:
		code, sub, msg = 9, 2207042, "Application request limit reached: you reached the maximum number of posts (50 in 24 hours) that the Content Publishing API allows."
	}
	if msg != "" {
		g.mu.Unlock()
		rec.Error = msg
		g.s.record(rec)
		graphError(w, http.StatusBadRequest, code, sub, msg)
		return
	}
	p := &metaPost{id: g.newID(), user: t.user, text: c.text, mediaType: c.mediaType, mediaURL: c.mediaURL, created: now}
	g.posts[p.id] = p
	c.published = p.id
	g.published[t.user] = append(g.published[t.user], now)
	g.mu.Unlock()
	rec.ID, rec.Created = p.id, true
	g.s.record(rec)
	writeJSON(w, http.StatusOK, map[string]string{"id": p.id})
}

// publishingLimit is GET /{ig-user-id}/content_publishing_limit.
func (g *metaGraph) publishingLimit(w http.ResponseWriter, _ *http.Request, t *metaToken, id string, total int) {
	if _, ok := g.owner(w, t, id); !ok {
		return
	}
	g.mu.Lock()
	used, _ := g.quota(t.user, g.s.cfg.Now())
	g.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": []any{map[string]any{"quota_usage": used,
		"config": map[string]int{"quota_total": total, "quota_duration": 86400}}}})
}

func (g *instagram) publishingLimit(w http.ResponseWriter, r *http.Request, t *metaToken, id string) {
	g.metaGraph.publishingLimit(w, r, t, id, igQuota)
}

// listMedia is GET /{ig-user-id}/media: the user's media, newest first.
func (g *instagram) listMedia(w http.ResponseWriter, _ *http.Request, t *metaToken, id string) {
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
		data = append(data, map[string]string{"id": p.id, "timestamp": p.created.UTC().Format("2006-01-02T15:04:05-0700"),
			"media_type": strings.Replace(p.mediaType, "REELS", "VIDEO", 1)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}

func sortPostsNewestFirst(list []metaPost) {
	for i := 1; i < len(list); i++ {
		for j := i; j > 0 && (list[j].created.After(list[j-1].created) || list[j].created.Equal(list[j-1].created) && list[j].id > list[j-1].id); j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
}

// igPermalink is a post's web address (a shortcode drawn from its id).
func igPermalink(id string) string { return "https://www.instagram.com/p/FN" + id[len(id)-8:] + "/" }

func (g *instagram) getMedia(w http.ResponseWriter, _ *http.Request, t *metaToken, id string) {
	p, ok := g.post(w, id, t.user)
	if !ok {
		return
	}
	st := g.stats(p, g.s.cfg.Now())
	writeJSON(w, http.StatusOK, map[string]any{"id": p.id, "caption": p.text, "media_type": strings.Replace(p.mediaType, "REELS", "VIDEO", 1),
		"media_product_type": map[bool]string{true: "REELS", false: "FEED"}[p.mediaType == "REELS"], "permalink": igPermalink(p.id),
		"timestamp": p.created.UTC().Format("2006-01-02T15:04:05-0700"), "like_count": st.likes, "comments_count": st.comments})
}

func (g *instagram) insights(w http.ResponseWriter, r *http.Request, t *metaToken, id string) {
	p, ok := g.post(w, id, t.user)
	if !ok {
		return
	}
	metrics := splitList(r.URL.Query().Get("metric"))
	for _, m := range metrics {
		if !igMetrics[m] {
			graphError(w, http.StatusBadRequest, 100, 2108006, "(#100) metric["+m+"] must be one of the following values: views, reach, likes, comments, shares, saved, total_interactions")
			return
		}
	}
	st := g.stats(p, g.s.cfg.Now())
	out, _ := insightsJSON(p.id, metrics, map[string]int64{"views": st.views, "reach": st.reach, "likes": st.likes,
		"comments": st.comments, "shares": st.shares, "saved": st.saves, "total_interactions": st.likes + st.comments + st.shares + st.saves})
	writeJSON(w, http.StatusOK, out)
}
