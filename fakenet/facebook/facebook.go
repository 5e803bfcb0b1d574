// Package facebook is fakenet's Facebook Pages, under the prefix
// /facebook, standing for Facebook's two hosts: /facebook/www for
// www.facebook.com (the login dialog) and /facebook/graph for
// graph.facebook.com. It follows Meta's documentation:
//   - manual login flow, code exchange, PKCE
//     https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow
//     https://developers.facebook.com/docs/facebook-login/guides/advanced/oidc-token
//   - long-lived user tokens (grant_type=fb_exchange_token) and the Page
//     tokens they give, which do not expire
//     https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived
//   - GET /me/accounts, POST /{page-id}/feed
//     https://developers.facebook.com/docs/pages-api/getting-started
//     https://developers.facebook.com/docs/pages-api/posts
//   - multiple-id reads (?ids=, at most 50) and post insights, where the
//     post_impressions* metrics were replaced by post_media_view and
//     post_total_media_view_unique on November 15, 2025
//     https://developers.facebook.com/docs/platforminsights/page/deprecated-metrics
//   - Business Use Case rate limits for Page tokens (code 80001,
//     X-Business-Use-Case-Usage), platform limits for user tokens (code 4,
//     X-App-Usage)
//
// Every user manages two Pages: "<user>" (the first /me/accounts lists)
// and "<user>-news". What the three Meta networks share (tokens, the
// Graph error shape, rate limits, posts and engagement) is fakenet/meta's
// Graph, which this network embeds.
package facebook

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rythmehq/rythme/fakenet/meta"
	"github.com/rythmehq/rythme/fakenet/sim"
)

const (
	// Name is the network's name and path prefix.
	Name         = "facebook"
	fbMaxMessage = 63206 // the Page post message limit
	fbMaxIDs     = 50
)

// fbMetrics are the post insights metrics served; fbDeprecated answer an
// invalid metric error.
var (
	fbMetrics    = []string{"post_media_view", "post_total_media_view_unique", "post_clicks", "post_reactions_by_type_total"}
	fbDeprecated = map[string]bool{"post_impressions": true, "post_impressions_unique": true, "post_impressions_organic": true,
		"post_impressions_paid": true, "post_engaged_users": true}
)

type fbPage struct{ id, user, username, name string }

type facebook struct {
	*meta.Graph
	s      *sim.Server
	pages  map[string]*fbPage // by id; guarded by the Graph's Lock
	hidden map[string]bool    // comments the Page hid; guarded by the Graph's Lock
}

var _ sim.Network = (*facebook)(nil)

// New builds the simulated Facebook on s.
func New(s *sim.Server) sim.Network {
	g := meta.NewGraph(s, meta.Options{Name: Name, IDBase: 100000000000000, TokenPrefix: "EAA",
		BUCType: "pages", ThrottleCode: 80001, BUCKinds: []string{meta.TokenPage}})
	return &facebook{Graph: g, s: s, pages: map[string]*fbPage{}, hidden: map[string]bool{}}
}

// Reset forgets every token, user, Page and post.
func (f *facebook) Reset() {
	f.Graph.Reset()
	f.Lock()
	f.pages = map[string]*fbPage{}
	f.hidden = map[string]bool{}
	f.Unlock()
}

func (f *facebook) Route(method, path string) (op, pattern string, h http.HandlerFunc) {
	if segs, ok := meta.Segments(path, "/www"); ok && method == http.MethodGet && len(segs) == 2 && segs[0] == "dialog" && segs[1] == "oauth" {
		return "authorize", "/www/:version/dialog/oauth", f.Authorize("#_=_")
	}
	segs, ok := meta.Segments(path, "/graph")
	if !ok {
		return "", "", nil
	}
	all := []string{meta.TokenShort, meta.TokenLong, meta.TokenPage}
	switch {
	case len(segs) == 2 && segs[0] == "oauth" && segs[1] == "access_token" && (method == http.MethodGet || method == http.MethodPost):
		return "token", "/graph/oauth/access_token", f.token
	case len(segs) == 1 && segs[0] == "me" && method == http.MethodGet:
		return "me", "/graph/me", f.API(all, f.me)
	case len(segs) == 2 && segs[0] == "me" && segs[1] == "accounts" && method == http.MethodGet:
		return "accounts", "/graph/me/accounts", f.API([]string{meta.TokenShort, meta.TokenLong}, f.accounts)
	case len(segs) == 0 && method == http.MethodGet:
		return "get_posts", "/graph/?ids=", f.API([]string{meta.TokenPage}, f.getPosts)
	case len(segs) == 2 && segs[1] == "feed" && method == http.MethodPost:
		return "publish", "/graph/:page/feed", f.API([]string{meta.TokenPage}, func(w http.ResponseWriter, r *http.Request, t *meta.Token) { f.publish(w, r, t, segs[0]) })
	case len(segs) == 2 && segs[1] == "published_posts" && method == http.MethodGet:
		return "published_posts", "/graph/:page/published_posts", f.API([]string{meta.TokenPage}, func(w http.ResponseWriter, r *http.Request, t *meta.Token) { f.publishedPosts(w, r, t, segs[0]) })
	case len(segs) == 2 && segs[1] == "comments" && method == http.MethodPost:
		return "reply_comment", "/graph/:comment/comments", f.API([]string{meta.TokenPage}, func(w http.ResponseWriter, r *http.Request, t *meta.Token) { f.replyComment(w, r, t, segs[0]) })
	case len(segs) == 1 && method == http.MethodPost:
		return "hide_comment", "/graph/:comment", f.API([]string{meta.TokenPage}, func(w http.ResponseWriter, r *http.Request, t *meta.Token) { f.hideComment(w, r, t, segs[0]) })
	case len(segs) == 2 && segs[1] == "comments" && method == http.MethodGet:
		return "comments", "/graph/:post/comments", f.API([]string{meta.TokenPage}, func(w http.ResponseWriter, r *http.Request, t *meta.Token) { f.comments(w, r, t, segs[0]) })
	case len(segs) == 2 && segs[1] == "insights" && method == http.MethodGet:
		return "insights", "/graph/:post/insights", f.API([]string{meta.TokenPage}, func(w http.ResponseWriter, r *http.Request, t *meta.Token) { f.insights(w, r, t, segs[0]) })
	case len(segs) == 1 && method == http.MethodGet:
		return "get_post", "/graph/:post", f.API([]string{meta.TokenPage}, func(w http.ResponseWriter, r *http.Request, t *meta.Token) {
			if p, ok := f.LivePost(w, segs[0], t.User); ok {
				sim.WriteJSON(w, http.StatusOK, f.postJSON(p, r.URL.Query().Get("fields")))
			}
		})
	case len(segs) == 1 && method == http.MethodDelete:
		return "delete_post", "/graph/:post", f.API([]string{meta.TokenPage}, func(w http.ResponseWriter, r *http.Request, t *meta.Token) {
			if _, ok := f.LivePost(w, segs[0], t.User); ok && f.DeletePost(segs[0]) {
				sim.WriteJSON(w, http.StatusOK, map[string]bool{"success": true})
			}
		})
	}
	return "", "", nil
}

// token is GET /oauth/access_token: the code exchange, or
// grant_type=fb_exchange_token for a long-lived user token.
func (f *facebook) token(w http.ResponseWriter, r *http.Request) {
	p := meta.Form(r)
	if p.Get("grant_type") == "fb_exchange_token" {
		t, _, _ := f.Lookup(&http.Request{Method: http.MethodGet, Header: http.Header{}, URL: &url.URL{RawQuery: url.Values{"access_token": {p.Get("fb_exchange_token")}}.Encode()}})
		switch {
		case p.Get("client_id") == "" || p.Get("client_secret") == "":
			meta.WriteError(w, http.StatusBadRequest, 101, 0, "Error validating application. Missing client_id or client_secret.")
		case t == nil || t.Kind == meta.TokenPage:
			meta.WriteError(w, http.StatusBadRequest, 190, 0, meta.BadToken)
		case t.ClientID != p.Get("client_id"):
			meta.WriteError(w, http.StatusBadRequest, 100, 0, "Error validating client_id: the token belongs to another app.")
		default:
			tok := f.Issue(meta.Token{User: t.User, ClientID: t.ClientID, Kind: meta.TokenLong}, meta.LongTTL)
			sim.WriteJSON(w, http.StatusOK, meta.TokenJSON(tok, meta.LongTTL))
		}
		return
	}
	user, clientID, msg := f.Redeem(p)
	if msg != "" {
		meta.WriteError(w, http.StatusBadRequest, 100, 36009, msg)
		return
	}
	tok := f.Issue(meta.Token{User: user, ClientID: clientID, Kind: meta.TokenShort}, meta.ShortTTL)
	sim.WriteJSON(w, http.StatusOK, meta.TokenJSON(tok, meta.ShortTTL))
}

// pagesOfLocked returns user's two Pages, made on first use.
func (f *facebook) pagesOfLocked(user string, now time.Time) []*fbPage {
	u := f.UserLocked(user, now)
	var out []*fbPage
	for _, suffix := range []string{"", "-news"} {
		name := user + suffix
		var pg *fbPage
		for _, p := range f.pages {
			if p.user == user && p.username == name {
				pg = p
			}
		}
		if pg == nil {
			pg = &fbPage{id: f.NewIDLocked(), user: user, username: name, name: u.Name + map[string]string{"": "'s Page", "-news": " News"}[suffix]}
			f.pages[pg.id] = pg
			// Its earlier posts (Config.HistoryDays), oldest first, served by
			// GET /{page-id}/published_posts.
			posts := f.PostsLocked()
			for _, h := range sim.History(f.s.Config().Seed, Name, name, f.s.Config().HistoryDays) {
				id := pg.id + "_" + f.NewIDLocked()
				posts[id] = &meta.Post{ID: id, User: user, Text: h.Text, Created: now.Add(-h.Age)}
			}
		}
		out = append(out, pg)
	}
	return out
}

// me is GET /me: the Page for a Page token, the user otherwise.
func (f *facebook) me(w http.ResponseWriter, r *http.Request, t *meta.Token) {
	f.Lock()
	defer f.Unlock()
	if t.Kind == meta.TokenPage {
		pg := f.pages[t.Page]
		out := map[string]any{"id": pg.id, "name": pg.name, "username": pg.username, "link": "https://www.facebook.com/" + pg.username}
		// followers_count, when asked, grows from the seed since the
		// Page's user first came (https://developers.facebook.com/docs/graph-api/reference/page/).
		if slices.Contains(meta.SplitFields(r.URL.Query().Get("fields")), "followers_count") {
			now := f.s.Config().Now()
			out["followers_count"] = sim.FollowersAt(f.s.Config().Seed, Name, pg.username, now.Sub(f.UserLocked(pg.user, now).Created))
		}
		sim.WriteJSON(w, http.StatusOK, out)
		return
	}
	u := f.UserLocked(t.User, f.s.Config().Now())
	sim.WriteJSON(w, http.StatusOK, map[string]any{"id": u.ID, "name": u.Name})
}

// accounts is GET /me/accounts: the user's Pages with Page tokens, which
// never expire when the user token is long-lived.
func (f *facebook) accounts(w http.ResponseWriter, r *http.Request, t *meta.Token) {
	f.Lock()
	pages := f.pagesOfLocked(t.User, f.s.Config().Now())
	f.Unlock()
	ttl := time.Duration(0)
	if t.Kind == meta.TokenShort {
		ttl = meta.ShortTTL
	}
	var data []any
	for _, pg := range pages {
		tok := f.Issue(meta.Token{User: t.User, ClientID: t.ClientID, Kind: meta.TokenPage, Page: pg.id}, ttl)
		data = append(data, map[string]any{"access_token": tok, "category": "Community", "name": pg.name, "id": pg.id,
			"category_list": []any{map[string]string{"id": "2612", "name": "Community"}},
			"tasks":         []string{"ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"}})
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"data": data, "paging": map[string]any{"cursors": map[string]string{"before": "b", "after": "a"}}})
}

// publish is POST /{page-id}/feed with message and link.
func (f *facebook) publish(w http.ResponseWriter, r *http.Request, t *meta.Token, pageID string) {
	p := meta.Form(r)
	now := f.s.Config().Now()
	msg, link := p.Get("message"), p.Get("link")
	rec := sim.Post{Network: Name, Account: t.User, Text: msg, ReceivedAt: now}
	refuse := func(code int, text string) {
		rec.Error = text
		f.s.Record(rec)
		meta.WriteError(w, http.StatusBadRequest, code, 0, text)
	}
	if pageID != t.Page {
		refuse(200, "(#200) The Page token does not grant publishing to Page "+pageID+".")
		return
	}
	if strings.TrimSpace(msg) == "" && link == "" {
		refuse(100, "(#100) Missing message or attachment.")
		return
	}
	if n := utf8.RuneCountInString(msg); n > fbMaxMessage {
		refuse(100, fmt.Sprintf("(#100) Param message must be at most %d characters long (it has %d).", fbMaxMessage, n))
		return
	}
	if link != "" {
		if u, err := url.Parse(link); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			refuse(1609005, "Error posting link: the link is not a valid http(s) URL.")
			return
		}
	}
	f.Lock()
	posts := f.PostsLocked()
	for _, q := range posts {
		if q.User == t.User && !q.Deleted && q.Text == msg && q.Link == link && now.Sub(q.Created) < time.Hour {
			f.Unlock()
			refuse(506, "(#506) Duplicate status message")
			return
		}
	}
	post := &meta.Post{ID: pageID + "_" + f.NewIDLocked(), User: t.User, Text: msg, Link: link, Created: now}
	posts[post.ID] = post
	f.Unlock()
	rec.ID, rec.Created = post.ID, true
	f.s.Record(rec)
	sim.WriteJSON(w, http.StatusOK, map[string]string{"id": post.ID})
}

// getPosts is GET /?ids=a,b&fields=…: an object keyed by id, or code 100
// when one of the ids does not exist.
func (f *facebook) getPosts(w http.ResponseWriter, r *http.Request, t *meta.Token) {
	q := r.URL.Query()
	ids := meta.SplitList(q.Get("ids"))
	if len(ids) == 0 {
		meta.WriteError(w, http.StatusBadRequest, 100, 0, "(#100) The parameter ids is required")
		return
	}
	if len(ids) > fbMaxIDs {
		meta.WriteError(w, http.StatusBadRequest, 100, 0, fmt.Sprintf("(#100) Too many IDs. Maximum: %d. Provided: %d.", fbMaxIDs, len(ids)))
		return
	}
	out := map[string]any{}
	var missing []string
	f.Lock()
	var found []meta.Post
	for _, id := range ids {
		if p, ok := f.PostsLocked()[id]; ok && !p.Deleted && p.User == t.User {
			found = append(found, *p)
		} else {
			missing = append(missing, id)
		}
	}
	f.Unlock()
	if len(missing) > 0 {
		meta.WriteError(w, http.StatusBadRequest, 100, 0, "(#100) Some of the aliases you requested do not exist: "+strings.Join(missing, ","))
		return
	}
	for _, p := range found {
		obj := f.postJSON(p, q.Get("fields"))
		if bad, ok := obj["_invalid_metric"].(string); ok {
			meta.WriteError(w, http.StatusBadRequest, 100, 0, "(#100) The value must be a valid insights metric: "+bad)
			return
		}
		out[p.ID] = obj
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

// postJSON renders the fields asked of a post: message, created_time,
// permalink_url, reactions/comments (with .summary), shares and
// insights.metric(…).
func (f *facebook) postJSON(p meta.Post, fields string) map[string]any {
	st := f.Stats(p)
	out := map[string]any{"id": p.ID}
	for _, fl := range meta.SplitFields(fields) {
		name := fl
		if i := strings.IndexAny(fl, ".({"); i >= 0 {
			name = fl[:i]
		}
		switch name {
		case "message":
			out["message"] = p.Text
		case "created_time":
			out["created_time"] = p.Created.UTC().Format("2006-01-02T15:04:05-0700")
		case "permalink_url":
			out["permalink_url"] = fbPermalink(p.ID)
		case "reactions", "likes":
			out[name] = map[string]any{"data": []any{}, "summary": map[string]any{"total_count": st.Likes, "viewer_reaction": "NONE"}}
		case "comments":
			out["comments"] = map[string]any{"data": []any{}, "summary": map[string]any{"total_count": st.Comments, "order": "ranked"}}
		case "shares":
			if st.Shares > 0 { // Graph omits shares when there are none
				out["shares"] = map[string]any{"count": st.Shares}
			}
		case "insights":
			metrics := fbMetrics
			if i := strings.Index(fl, "metric("); i >= 0 {
				metrics = meta.SplitList(strings.TrimSuffix(fl[i+len("metric("):], ")"))
			}
			data, bad := f.insightData(p, metrics)
			if bad != "" {
				out["_invalid_metric"] = bad
			}
			out["insights"] = data
		}
	}
	return out
}

func (f *facebook) insightData(p meta.Post, metrics []string) (map[string]any, string) {
	st := f.Stats(p)
	values := map[string]int64{"post_media_view": st.Views, "post_total_media_view_unique": st.Reach,
		"post_clicks": st.Clicks, "post_reactions_by_type_total": st.Likes}
	for _, m := range metrics {
		if fbDeprecated[m] {
			return nil, m
		}
	}
	return meta.InsightsJSON(p.ID, metrics, values)
}

// insights is GET /{post-id}/insights?metric=….
func (f *facebook) insights(w http.ResponseWriter, r *http.Request, t *meta.Token, id string) {
	p, ok := f.LivePost(w, id, t.User)
	if !ok {
		return
	}
	metrics := meta.SplitList(r.URL.Query().Get("metric"))
	if len(metrics) == 0 {
		meta.WriteError(w, http.StatusBadRequest, 3001, 1504028, "No metric was specified to be fetched. Please specify one or more metrics to be fetched and try again.")
		return
	}
	data, bad := f.insightData(p, metrics)
	if bad != "" {
		meta.WriteError(w, http.StatusBadRequest, 100, 0, "(#100) The value must be a valid insights metric: "+bad)
		return
	}
	sim.WriteJSON(w, http.StatusOK, data)
}

// fbPermalink is the web address of post "<page>_<post>".
func fbPermalink(id string) string {
	page, post, ok := strings.Cut(id, "_")
	if !ok {
		return "https://www.facebook.com/" + id
	}
	return "https://www.facebook.com/" + page + "/posts/" + post
}

// publishedPosts is GET /{page-id}/published_posts
// (https://developers.facebook.com/docs/graph-api/reference/page/published_posts/):
// the Page's posts, newest first, paged as meta.Graph.ListPosts says;
// with fields, those asked of id, message, created_time and permalink_url.
// A Page token of another Page: code 100 subcode 33.
func (f *facebook) publishedPosts(w http.ResponseWriter, r *http.Request, t *meta.Token, pageID string) {
	if pageID != t.Page {
		meta.WriteError(w, http.StatusBadRequest, 100, 33, fmt.Sprintf(meta.NoObject, pageID))
		return
	}
	f.ListPosts(w, r, t, "me", func(p meta.Post) bool { return strings.HasPrefix(p.ID, pageID+"_") }, func(p meta.Post, _ meta.Stats) map[string]any {
		return map[string]any{"id": p.ID, "message": p.Text, "created_time": p.Created.UTC().Format("2006-01-02T15:04:05-0700"),
			"permalink_url": "https://www.facebook.com/" + p.ID}
	}, []string{"id", "created_time", "message"})
}

// comments is GET /{post-id}/comments
// (https://developers.facebook.com/docs/graph-api/reference/object/comments):
// the comments other people wrote on the Page's post, over time and
// deterministically from the seed (sim.CommentsAt, as many as the post's
// comments count), newest first with order=reverse_chronological, at most
// limit (default 25, at most 100).
func (f *facebook) comments(w http.ResponseWriter, r *http.Request, t *meta.Token, id string) {
	p, ok := f.LivePost(w, id, t.User)
	if !ok {
		return
	}
	q := r.URL.Query()
	limit := 25
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = min(n, 100)
	}
	cs := sim.CommentsAt(f.s.Config().Seed, Name, p.ID, f.s.Config().Now().Sub(p.Created))
	data := []map[string]any{}
	for i := range cs {
		c := cs[i]
		if q.Get("order") == "reverse_chronological" {
			c = cs[len(cs)-1-i]
		}
		if len(data) == limit {
			break
		}
		cid := fmt.Sprintf("%s_%d", p.ID, 1000000+c.Index)
		data = append(data, map[string]any{"id": cid, "message": c.Text,
			"from":         map[string]string{"id": strconv.FormatUint(sim.Mix(f.s.Config().Seed, Name, c.Author)%1e15, 10), "name": c.Author},
			"created_time": p.Created.Add(c.Age).UTC().Format("2006-01-02T15:04:05-0700"), "permalink_url": fbPermalink(cid)})
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"data": data, "summary": map[string]any{"total_count": len(cs), "order": "chronological"}})
}

// commentPost returns the Page post a simulated comment id
// ("<page>_<post>_<n>") sits under, when it is one of user's. Holds no lock.
func (f *facebook) commentPost(w http.ResponseWriter, commentID, user string) (meta.Post, bool) {
	i := strings.LastIndexByte(commentID, '_')
	if i <= 0 {
		meta.WriteError(w, http.StatusBadRequest, 100, 33, fmt.Sprintf(meta.NoObject, commentID))
		return meta.Post{}, false
	}
	return f.LivePost(w, commentID[:i], user)
}

// replyComment is POST /{comment-id}/comments with message
// (https://developers.facebook.com/docs/graph-api/reference/object/comments#publish):
// the Page answers a comment on one of its posts.
// On one of the Page's posts, it is the Page's own comment (a first
// comment), with an id "<post>_<n>" as the comments under it.
func (f *facebook) replyComment(w http.ResponseWriter, r *http.Request, t *meta.Token, commentID string) {
	f.Lock()
	p, isPost := f.PostsLocked()[commentID]
	isPost = isPost && p.ReplyTo == "" && p.User == t.User
	f.Unlock()
	if isPost {
		f.CommentOnPost(w, r, t, commentID, func(post, n string) string { return post + "_" + n })
		return
	}
	if _, ok := f.commentPost(w, commentID, t.User); !ok {
		return
	}
	msg := meta.Form(r).Get("message")
	now := f.s.Config().Now()
	rec := sim.Post{Network: Name, Account: t.User, Text: msg, ReceivedAt: now, ReplyTo: commentID}
	if strings.TrimSpace(msg) == "" {
		rec.Error = "(#100) Missing message or attachment."
		f.s.Record(rec)
		meta.WriteError(w, http.StatusBadRequest, 100, 0, rec.Error)
		return
	}
	f.Lock()
	reply := &meta.Post{ID: commentID + "_" + f.NewIDLocked(), User: t.User, Text: msg, ReplyTo: commentID, Created: now}
	f.PostsLocked()[reply.ID] = reply
	f.Unlock()
	rec.ID, rec.Created = reply.ID, true
	f.s.Record(rec)
	sim.WriteJSON(w, http.StatusOK, map[string]string{"id": reply.ID})
}

// hideComment is POST /{comment-id} with is_hidden=true|false: the Page
// hides (or shows) a comment on one of its posts.
func (f *facebook) hideComment(w http.ResponseWriter, r *http.Request, t *meta.Token, commentID string) {
	if _, ok := f.commentPost(w, commentID, t.User); !ok {
		return
	}
	v := meta.Form(r).Get("is_hidden")
	if v != "true" && v != "false" {
		meta.WriteError(w, http.StatusBadRequest, 100, 0, "(#100) Param is_hidden must be a boolean")
		return
	}
	f.Lock()
	f.hidden[commentID] = v == "true"
	f.Unlock()
	sim.WriteJSON(w, http.StatusOK, map[string]bool{"success": true})
}
