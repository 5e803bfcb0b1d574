// Package instagram is fakenet's Instagram professional accounts through
// the Instagram API with Instagram Login, under the prefix /instagram,
// standing for its three hosts: /instagram/www (www.instagram.com, the
// authorization window), /instagram/api (api.instagram.com, the code
// exchange) and /instagram/graph (graph.instagram.com). It follows Meta's
// documentation:
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
//   - comments on the account's media, replies to them, hide and delete
//     (comments.go)
//
// Image containers are FINISHED at once; a video (REELS) container is
// IN_PROGRESS until meta.VideoProcessing has passed on the server's clock. A
// media URL whose host is "unfetchable.invalid" makes a container in ERROR.
//
// What the three Meta networks share (tokens, the Graph error shape, rate
// limits, posts and engagement, containers and the publishing quota) is
// fakenet/meta's Graph, which this network embeds.
package instagram

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/rythmehq/rythme/fakenet/meta"
	"github.com/rythmehq/rythme/fakenet/sim"
)

const (
	// Name is the network's name and path prefix.
	Name          = "instagram"
	igMaxCaption  = 2200
	igMaxHashtags = 30
	igMaxMentions = 20
	igQuota       = 50
)

var (
	igHashtag = regexp.MustCompile(`(?:^|[^\pL\pN_&])#[\pL\pN_]+`)
	igMention = regexp.MustCompile(`(?:^|[^\pL\pN_.])@[\pL\pN_.]+`)
	// igMetrics are the media insights metrics served.
	igMetrics = map[string]bool{"views": true, "reach": true, "likes": true, "comments": true, "shares": true, "saved": true,
		"total_interactions": true}
)

type instagram struct {
	*meta.Graph
	s *sim.Server
}

var _ sim.Network = (*instagram)(nil)

// New builds the simulated Instagram on s.
func New(s *sim.Server) sim.Network {
	g := meta.NewGraph(s, meta.Options{Name: Name, IDBase: 17841400000000000, TokenPrefix: "IGAA",
		BUCType: "instagram", ThrottleCode: 80002, HistoryMediaType: "IMAGE"})
	return &instagram{Graph: g, s: s}
}

func (g *instagram) Route(method, path string) (op, pattern string, h http.HandlerFunc) {
	switch method + " " + path {
	case "GET /www/oauth/authorize":
		return "authorize", path, g.Authorize("#_")
	case "POST /api/oauth/access_token":
		return "token", path, g.token
	case "GET /graph/access_token":
		return "exchange_token", path, g.LongLived("ig_exchange_token", []string{meta.TokenShort})
	case "GET /graph/refresh_access_token":
		return "refresh_token", path, g.LongLived("ig_refresh_token", []string{meta.TokenLong})
	}
	segs, ok := meta.Segments(path, "/graph")
	if !ok {
		return "", "", nil
	}
	tokens := []string{meta.TokenLong, meta.TokenShort}
	with := func(f func(http.ResponseWriter, *http.Request, *meta.Token, string)) http.HandlerFunc {
		return g.API(tokens, func(w http.ResponseWriter, r *http.Request, t *meta.Token) { f(w, r, t, segs[0]) })
	}
	switch {
	case len(segs) == 1 && segs[0] == "me" && method == http.MethodGet:
		return "me", "/graph/me", g.API(tokens, g.me)
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
	case len(segs) == 2 && segs[1] == "comments" && method == http.MethodGet:
		return "comments", "/graph/:media/comments", with(g.comments)
	case len(segs) == 2 && segs[1] == "replies" && method == http.MethodPost:
		return "reply_comment", "/graph/:comment/replies", with(g.reply)
	case len(segs) == 1 && method == http.MethodPost:
		return "hide_comment", "/graph/:comment", with(g.hideComment)
	case len(segs) == 1 && method == http.MethodDelete:
		return "delete_comment", "/graph/:comment", with(g.deleteComment)
	case len(segs) == 2 && segs[1] == "comments" && method == http.MethodPost:
		// POST /{ig-media-id}/comments?message= (the account's first comment)
		return "comment", "/graph/:media/comments", with(func(w http.ResponseWriter, r *http.Request, t *meta.Token, id string) {
			g.CommentOnPost(w, r, t, id, nil)
		})
	case len(segs) == 1 && method == http.MethodGet:
		if g.IsContainer(segs[0]) {
			return "container_status", "/graph/:container", with(g.containerStatus)
		}
		return "get_media", "/graph/:media", with(g.getMedia)
	}
	return "", "", nil
}

// igTokenError is api.instagram.com's error shape.
func igTokenError(w http.ResponseWriter, msg string) {
	sim.WriteJSON(w, http.StatusBadRequest, map[string]any{"error_type": "OAuthException", "code": 400, "error_message": msg})
}

// token is POST api.instagram.com/oauth/access_token.
func (g *instagram) token(w http.ResponseWriter, r *http.Request) {
	p := meta.Form(r)
	if p.Get("grant_type") != "authorization_code" {
		igTokenError(w, "Invalid grant_type: authorization_code is required")
		return
	}
	user, clientID, msg := g.Redeem(p)
	if msg != "" {
		igTokenError(w, msg)
		return
	}
	tok := g.Issue(meta.Token{User: user, ClientID: clientID, Kind: meta.TokenShort}, meta.ShortTTL)
	id := g.UserOf(user).ID
	sim.WriteJSON(w, http.StatusOK, map[string]any{"data": []any{map[string]any{"access_token": tok, "user_id": id,
		"permissions": "instagram_business_basic,instagram_business_content_publish,instagram_business_manage_insights,instagram_business_manage_comments"}}})
}

func (g *instagram) me(w http.ResponseWriter, r *http.Request, t *meta.Token) {
	now := g.s.Config().Now()
	u := g.UserOf(t.User)
	out := map[string]any{"id": "9" + u.ID[1:], "user_id": u.ID, "username": u.Username, "name": u.Name,
		"account_type": "BUSINESS", "profile_picture_url": "https://scontent.cdninstagram.com/fakenet/" + u.Username + ".jpg"}
	// followers_count, when asked, grows from the seed
	// (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user).
	if slices.Contains(meta.SplitFields(r.URL.Query().Get("fields")), "followers_count") {
		out["followers_count"] = sim.FollowersAt(g.s.Config().Seed, Name, u.Username, now.Sub(u.Created))
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

func (g *instagram) createContainer(w http.ResponseWriter, r *http.Request, t *meta.Token, id string) {
	if _, ok := g.Owner(w, t, id); !ok {
		return
	}
	p := meta.Form(r)
	now := g.s.Config().Now()
	caption, mt := p.Get("caption"), strings.ToUpper(p.Get("media_type"))
	rec := sim.Post{Network: Name, Account: t.User, Text: caption, ReceivedAt: now}
	refuse := func(code, sub int, msg string) {
		rec.Error = msg
		g.s.Record(rec)
		meta.WriteError(w, http.StatusBadRequest, code, sub, msg)
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
	c := meta.Container{User: t.User, Text: caption, MediaType: mt, MediaURL: mediaURL, Created: now}
	if u, _ := url.Parse(mediaURL); u.Hostname() == "unfetchable.invalid" {
		c.Failed = "Error: Media download has failed. The media URI doesn't meet our requirements."
	}
	sim.WriteJSON(w, http.StatusOK, map[string]string{"id": g.AddContainer(c)})
}

// containerStatus is GET /{container-id}?fields=status_code,status.
func (g *instagram) containerStatus(w http.ResponseWriter, _ *http.Request, t *meta.Token, id string) {
	state, msg, ok := g.PollContainer(w, id, t.User)
	if !ok {
		return
	}
	if msg == "" {
		msg = map[string]string{"IN_PROGRESS": "In Progress", "FINISHED": "Finished", "PUBLISHED": "Published", "EXPIRED": "Expired"}[state]
	}
	sim.WriteJSON(w, http.StatusOK, map[string]string{"id": id, "status_code": state, "status": msg})
}

// publish is POST /{ig-user-id}/media_publish?creation_id=…, with
// Instagram's error codes.
func (g *instagram) publish(w http.ResponseWriter, r *http.Request, t *meta.Token, id string) {
	g.PublishContainer(w, r, t, id, igQuota, func(state string, c meta.Container) (int, int, string) {
		switch state {
		case "IN_PROGRESS":
			return 9007, 2207027, "The media is not ready for publishing, please wait for a moment."
		case "ERROR":
			return 9007, 2207032, "Create media fail, please try to re-create media: " + c.Failed
		case "EXPIRED":
			return -2, 2207020, "The media you are trying to access has expired. Please try to upload again."
		case "PUBLISHED":
			return 100, 0, "(#100) This media container was already published as " + c.Published + "."
		case meta.OverQuota:
			return 9, 2207042, "Application request limit reached: you reached the maximum number of posts (50 in 24 hours) that the Content Publishing API allows."
		}
		return 0, 0, ""
	})
}

// publishingLimit is GET /{ig-user-id}/content_publishing_limit.
func (g *instagram) publishingLimit(w http.ResponseWriter, _ *http.Request, t *meta.Token, id string) {
	g.PublishingLimit(w, t, id, igQuota)
}

// listMedia is GET /{ig-user-id}/media
// (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media):
// the user's media, newest first, paged as meta.Graph.ListPosts says.
// Without fields, each item has id, timestamp and media_type; with fields,
// those asked of id, caption, media_type, permalink, timestamp, like_count
// and comments_count.
func (g *instagram) listMedia(w http.ResponseWriter, r *http.Request, t *meta.Token, id string) {
	g.ListPosts(w, r, t, id, func(meta.Post) bool { return true }, func(p meta.Post, st meta.Stats) map[string]any {
		return map[string]any{"id": p.ID, "caption": p.Text, "media_type": strings.Replace(p.MediaType, "REELS", "VIDEO", 1),
			"permalink": igPermalink(p.ID), "timestamp": p.Created.UTC().Format("2006-01-02T15:04:05-0700"),
			"like_count": st.Likes, "comments_count": st.Comments}
	}, []string{"id", "timestamp", "media_type"})
}

// igPermalink is a post's web address (a shortcode drawn from its id).
func igPermalink(id string) string { return "https://www.instagram.com/p/FN" + id[len(id)-8:] + "/" }

func (g *instagram) getMedia(w http.ResponseWriter, _ *http.Request, t *meta.Token, id string) {
	p, ok := g.LivePost(w, id, t.User)
	if !ok {
		return
	}
	st := g.Stats(p)
	sim.WriteJSON(w, http.StatusOK, map[string]any{"id": p.ID, "caption": p.Text, "media_type": strings.Replace(p.MediaType, "REELS", "VIDEO", 1),
		"media_product_type": map[bool]string{true: "REELS", false: "FEED"}[p.MediaType == "REELS"], "permalink": igPermalink(p.ID),
		"timestamp": p.Created.UTC().Format("2006-01-02T15:04:05-0700"), "like_count": st.Likes, "comments_count": st.Comments})
}

func (g *instagram) insights(w http.ResponseWriter, r *http.Request, t *meta.Token, id string) {
	p, ok := g.LivePost(w, id, t.User)
	if !ok {
		return
	}
	metrics := meta.SplitList(r.URL.Query().Get("metric"))
	for _, m := range metrics {
		if !igMetrics[m] {
			meta.WriteError(w, http.StatusBadRequest, 100, 2108006, "(#100) metric["+m+"] must be one of the following values: views, reach, likes, comments, shares, saved, total_interactions")
			return
		}
	}
	st := g.Stats(p)
	out, _ := meta.InsightsJSON(p.ID, metrics, map[string]int64{"views": st.Views, "reach": st.Reach, "likes": st.Likes,
		"comments": st.Comments, "shares": st.Shares, "saved": st.Saves, "total_interactions": st.Likes + st.Comments + st.Shares + st.Saves})
	sim.WriteJSON(w, http.StatusOK, out)
}
