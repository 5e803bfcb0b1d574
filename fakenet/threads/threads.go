// Package threads is fakenet's Threads, under the prefix /threads,
// standing for threads.com (the authorization window, /threads/www) and
// graph.threads.net (/threads/graph). It follows Meta's Threads API documentation:
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
//   - replies to the account's posts, hiding them (replies.go)
//   - polls: poll_attachment on a text container, and on the media object
//     (GET /{threads-media-id}?fields=poll_attachment{…}) with votes
//     simulated from the seed (polls.go)
//     https://developers.facebook.com/documentation/threads/create-posts/polls
//
// Text and image containers are FINISHED at once, a video one after
// meta.VideoProcessing on the server's clock; a media URL on the host
// "unfetchable.invalid" ends in ERROR.
//
// What the three Meta networks share (tokens, the Graph error shape, rate
// limits, posts and engagement, containers and the publishing quota) is
// fakenet/meta's Graph, which this network embeds.
package threads

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/rythmehq/rythme/fakenet/meta"
	"github.com/rythmehq/rythme/fakenet/sim"
)

const (
	// Name is the network's name and path prefix.
	Name            = "threads"
	thMaxText       = 500
	thQuota         = 250
	thPublishLimitM = "You have reached the maximum number of posts (250 in 24 hours) that the Threads API allows."
)

type threads struct {
	*meta.Graph
	s *sim.Server
}

var _ sim.Network = (*threads)(nil)

// New builds the simulated Threads on s.
func New(s *sim.Server) sim.Network {
	return &threads{Graph: meta.NewGraph(s, meta.Options{Name: Name, IDBase: 25000000000000000, TokenPrefix: "THAA", HistoryMediaType: "TEXT"}), s: s}
}

func (g *threads) Route(method, path string) (op, pattern string, h http.HandlerFunc) {
	switch method + " " + path {
	case "GET /www/oauth/authorize":
		return "authorize", path, g.Authorize("")
	case "POST /graph/oauth/access_token":
		return "token", path, g.token
	case "GET /graph/access_token":
		return "exchange_token", path, g.LongLived("th_exchange_token", []string{meta.TokenShort})
	case "GET /graph/refresh_access_token":
		return "refresh_token", path, g.LongLived("th_refresh_token", []string{meta.TokenLong})
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
	case len(segs) == 2 && segs[1] == "threads" && method == http.MethodPost:
		return "create_container", "/graph/:user/threads", with(g.createContainer)
	case len(segs) == 2 && segs[1] == "threads" && method == http.MethodGet:
		return "list_threads", "/graph/:user/threads", with(g.listThreads)
	case len(segs) == 2 && segs[1] == "threads_publish" && method == http.MethodPost:
		return "publish", "/graph/:user/threads_publish", with(g.publish)
	case len(segs) == 2 && segs[1] == "threads_publishing_limit" && method == http.MethodGet:
		return "publishing_limit", "/graph/:user/threads_publishing_limit", with(func(w http.ResponseWriter, r *http.Request, t *meta.Token, id string) {
			g.PublishingLimit(w, t, id, thQuota)
		})
	case len(segs) == 2 && segs[1] == "insights" && method == http.MethodGet:
		return "insights", "/graph/:media/insights", with(g.insights)
	case len(segs) == 2 && segs[1] == "replies" && method == http.MethodGet:
		return "replies", "/graph/:media/replies", with(g.replies(true))
	case len(segs) == 2 && segs[1] == "conversation" && method == http.MethodGet:
		return "conversation", "/graph/:media/conversation", with(g.replies(false))
	case len(segs) == 2 && segs[1] == "manage_reply" && method == http.MethodPost:
		return "manage_reply", "/graph/:reply/manage_reply", with(g.manageReply)
	case len(segs) == 2 && segs[1] == "threads_insights" && method == http.MethodGet:
		return "user_insights", "/graph/:user/threads_insights", with(g.userInsights)
	case len(segs) == 1 && method == http.MethodGet:
		if g.IsContainer(segs[0]) {
			return "container_status", "/graph/:container", with(g.containerStatus)
		}
		return "get_thread", "/graph/:media", with(g.getThread)
	}
	return "", "", nil
}

// token is POST graph.threads.net/oauth/access_token: {"access_token",
// "user_id"}.
func (g *threads) token(w http.ResponseWriter, r *http.Request) {
	p := meta.Form(r)
	if p.Get("grant_type") != "authorization_code" {
		meta.WriteError(w, http.StatusBadRequest, 100, 0, "Unsupported grant_type: authorization_code is required")
		return
	}
	user, clientID, msg := g.Redeem(p)
	if msg != "" {
		meta.WriteError(w, http.StatusBadRequest, 100, 36009, msg)
		return
	}
	tok := g.Issue(meta.Token{User: user, ClientID: clientID, Kind: meta.TokenShort}, meta.ShortTTL)
	id := g.UserOf(user).ID
	sim.WriteJSON(w, http.StatusOK, map[string]any{"access_token": tok, "user_id": id})
}

func (g *threads) me(w http.ResponseWriter, _ *http.Request, t *meta.Token) {
	u := g.UserOf(t.User)
	sim.WriteJSON(w, http.StatusOK, map[string]any{"id": u.ID, "username": u.Username, "name": u.Name,
		"threads_profile_picture_url": "https://scontent.cdninstagram.com/fakenet/" + u.Username + ".jpg"})
}

// userInsights is GET /{user}/threads_insights?metric=followers_count: the
// user's followers as a total_value, growing from the seed
// (https://developers.facebook.com/docs/threads/insights#user-insights).
// Other user metrics are not simulated.
func (g *threads) userInsights(w http.ResponseWriter, r *http.Request, t *meta.Token, id string) {
	u, ok := g.Owner(w, t, id)
	if !ok {
		return
	}
	data := []any{}
	for _, m := range strings.Split(r.URL.Query().Get("metric"), ",") {
		if m = strings.TrimSpace(m); m != "followers_count" {
			meta.WriteError(w, http.StatusBadRequest, 100, 0, "(#100) metric["+m+"] is not simulated by fakenet; followers_count is")
			return
		}
		n := sim.FollowersAt(g.s.Config().Seed, Name, u.Username, g.s.Config().Now().Sub(u.Created))
		data = append(data, map[string]any{"name": m, "period": "day", "title": "Followers", "total_value": map[string]int64{"value": n},
			"id": u.ID + "/insights/" + m + "/day"})
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"data": data})
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

func (g *threads) createContainer(w http.ResponseWriter, r *http.Request, t *meta.Token, id string) {
	if _, ok := g.Owner(w, t, id); !ok {
		return
	}
	p := meta.Form(r)
	now := g.s.Config().Now()
	text, mt, replyTo := p.Get("text"), strings.ToUpper(p.Get("media_type")), p.Get("reply_to_id")
	rec := sim.Post{Network: Name, Account: t.User, Text: text, ReceivedAt: now}
	refuse := func(code, sub int, msg string) {
		rec.Error = msg
		g.s.Record(rec)
		meta.WriteError(w, http.StatusBadRequest, code, sub, msg)
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
	poll, pollMsg := threadsPoll(p.Get("poll_attachment"), mt)
	if pollMsg != "" {
		refuse(100, 0, pollMsg)
		return
	}
	if n := threadsLength(text); n > thMaxText {
		refuse(100, 4279009, fmt.Sprintf("The post text is too long: it counts %d characters, the limit is %d.", n, thMaxText))
		return
	}
	if replyTo != "" {
		g.Lock()
		parent, ok := g.PostsLocked()[replyTo]
		deleted := ok && parent.Deleted
		g.Unlock()
		if !ok {
			// Another user's reply under one of the account's posts.
			_, ok = g.FindComment(replyTo, t.User)
		}
		if !ok || deleted {
			refuse(100, 33, fmt.Sprintf(meta.NoObject, replyTo))
			return
		}
	}
	c := meta.Container{User: t.User, Text: text, MediaType: mt, MediaURL: mediaURL, ReplyTo: replyTo, Created: now, Poll: poll}
	if u, _ := url.Parse(mediaURL); mediaURL != "" && u.Hostname() == "unfetchable.invalid" {
		c.Failed = "FAILED_DOWNLOADING_VIDEO"
		if mt == "IMAGE" {
			c.Failed = "FAILED_PROCESSING_IMAGE"
		}
	}
	sim.WriteJSON(w, http.StatusOK, map[string]string{"id": g.AddContainer(c)})
}

// containerStatus is GET /{container-id}?fields=status,error_message.
func (g *threads) containerStatus(w http.ResponseWriter, _ *http.Request, t *meta.Token, id string) {
	state, msg, ok := g.PollContainer(w, id, t.User)
	if !ok {
		return
	}
	out := map[string]string{"id": id, "status": state}
	if msg != "" {
		out["error_message"] = msg
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

// publish is POST /{threads-user-id}/threads_publish?creation_id=…, with
// Threads' error codes.
func (g *threads) publish(w http.ResponseWriter, r *http.Request, t *meta.Token, id string) {
	g.PublishContainer(w, r, t, id, thQuota, func(state string, c meta.Container) (int, int, string) {
		switch state {
		case "IN_PROGRESS":
			return 24, 4279001, "The media is not ready to be published; wait until its status is FINISHED."
		case "ERROR":
			return 24, 4279002, "The media could not be processed: " + c.Failed
		case "EXPIRED":
			return 24, 4279003, "The media container expired: create it again."
		case "PUBLISHED":
			return 100, 0, "(#100) This media container was already published as " + c.Published + "."
		case meta.OverQuota:
			return 9, 2207042, thPublishLimitM
		}
		return 0, 0, ""
	})
}

// listThreads is GET /{threads-user-id}/threads
// (https://developers.facebook.com/docs/threads/threads-media#retrieve-a-list-of-all-a-user-s-threads):
// the user's own posts (not its replies), newest first, paged as
// meta.Graph.ListPosts says; without fields, each item has id, timestamp
// and media_type.
func (g *threads) listThreads(w http.ResponseWriter, r *http.Request, t *meta.Token, id string) {
	g.ListPosts(w, r, t, id, func(p meta.Post) bool { return p.ReplyTo == "" }, func(p meta.Post, _ meta.Stats) map[string]any {
		return map[string]any{"id": p.ID, "text": p.Text, "media_type": p.MediaType + "_POST", "username": t.User,
			"permalink": "https://www.threads.com/@" + t.User + "/post/FN" + p.ID[len(p.ID)-8:],
			"timestamp": p.Created.UTC().Format("2006-01-02T15:04:05-0700"), "is_reply": false}
	}, []string{"id", "timestamp", "media_type"})
}

// getThread is GET /{threads-media-id}: the media object, with its
// poll_attachment when fields asks for it and the post has a poll
// (polls.go).
func (g *threads) getThread(w http.ResponseWriter, r *http.Request, t *meta.Token, id string) {
	p, ok := g.LivePost(w, id, t.User)
	if !ok {
		return
	}
	out := map[string]any{"id": p.ID, "text": p.Text, "media_type": p.MediaType + "_POST", "username": t.User,
		"permalink": "https://www.threads.com/@" + t.User + "/post/FN" + p.ID[len(p.ID)-8:],
		"timestamp": p.Created.UTC().Format("2006-01-02T15:04:05-0700"), "is_reply": p.ReplyTo != ""}
	if p.ReplyTo != "" {
		out["replied_to"] = map[string]string{"id": p.ReplyTo}
	}
	if asked, ok := pollFieldsAsked(r.URL.Query().Get("fields")); ok && len(p.Poll) > 0 {
		out["poll_attachment"] = g.pollAttachmentJSON(p, asked, g.s.Config().Now())
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

var thMetrics = map[string]bool{"views": true, "likes": true, "replies": true, "reposts": true, "quotes": true, "shares": true}

func (g *threads) insights(w http.ResponseWriter, r *http.Request, t *meta.Token, id string) {
	p, ok := g.LivePost(w, id, t.User)
	if !ok {
		return
	}
	metrics := meta.SplitList(r.URL.Query().Get("metric"))
	for _, m := range metrics {
		if !thMetrics[m] {
			meta.WriteError(w, http.StatusBadRequest, 100, 0, "(#100) metric["+m+"] must be one of the following values: views, likes, replies, reposts, quotes, shares")
			return
		}
	}
	st := g.Stats(p)
	out, _ := meta.InsightsJSON(p.ID, metrics, map[string]int64{"views": st.Views, "likes": st.Likes, "replies": st.Comments,
		"reposts": st.Shares, "quotes": st.Quotes, "shares": st.Saves})
	sim.WriteJSON(w, http.StatusOK, out)
}
