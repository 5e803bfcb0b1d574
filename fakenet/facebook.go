package fakenet

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Facebook Pages, under the prefix /facebook, standing for Facebook's two
// hosts: /facebook/www for www.facebook.com (the login dialog) and
// /facebook/graph for graph.facebook.com. It follows Meta's documentation:
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
// and "<user>-news".

const (
	facebookName = "facebook"
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
	*metaGraph
	pages map[string]*fbPage // by id; guarded by metaGraph.mu
}

func init() {
	registerNetwork(facebookName, func(s *Server) network {
		return &facebook{metaGraph: newMetaGraph(s, facebookName, 100000000000000, "EAA", true, 80001), pages: map[string]*fbPage{}}
	})
}

func (f *facebook) reset() {
	f.metaGraph.reset()
	f.mu.Lock()
	f.pages = map[string]*fbPage{}
	f.mu.Unlock()
}

func (f *facebook) route(method, path string) (op, pattern string, h http.HandlerFunc) {
	if segs, ok := graphSegments(path, "/www"); ok && method == http.MethodGet && len(segs) == 2 && segs[0] == "dialog" && segs[1] == "oauth" {
		return "authorize", "/www/:version/dialog/oauth", f.authorize("#_=_")
	}
	segs, ok := graphSegments(path, "/graph")
	if !ok {
		return "", "", nil
	}
	all := []string{tokShort, tokLong, tokPage}
	switch {
	case len(segs) == 2 && segs[0] == "oauth" && segs[1] == "access_token" && (method == http.MethodGet || method == http.MethodPost):
		return "token", "/graph/oauth/access_token", f.token
	case len(segs) == 1 && segs[0] == "me" && method == http.MethodGet:
		return "me", "/graph/me", f.api(all, f.me)
	case len(segs) == 2 && segs[0] == "me" && segs[1] == "accounts" && method == http.MethodGet:
		return "accounts", "/graph/me/accounts", f.api([]string{tokShort, tokLong}, f.accounts)
	case len(segs) == 0 && method == http.MethodGet:
		return "get_posts", "/graph/?ids=", f.api([]string{tokPage}, f.getPosts)
	case len(segs) == 2 && segs[1] == "feed" && method == http.MethodPost:
		return "publish", "/graph/:page/feed", f.api([]string{tokPage}, func(w http.ResponseWriter, r *http.Request, t *metaToken) { f.publish(w, r, t, segs[0]) })
	case len(segs) == 2 && segs[1] == "insights" && method == http.MethodGet:
		return "insights", "/graph/:post/insights", f.api([]string{tokPage}, func(w http.ResponseWriter, r *http.Request, t *metaToken) { f.insights(w, r, t, segs[0]) })
	case len(segs) == 1 && method == http.MethodGet:
		return "get_post", "/graph/:post", f.api([]string{tokPage}, func(w http.ResponseWriter, r *http.Request, t *metaToken) {
			if p, ok := f.post(w, segs[0], t.user); ok {
				writeJSON(w, http.StatusOK, f.postJSON(p, r.URL.Query().Get("fields")))
			}
		})
	case len(segs) == 1 && method == http.MethodDelete:
		return "delete_post", "/graph/:post", f.api([]string{tokPage}, func(w http.ResponseWriter, r *http.Request, t *metaToken) {
			if _, ok := f.post(w, segs[0], t.user); ok && f.deletePost(segs[0]) {
				writeJSON(w, http.StatusOK, map[string]bool{"success": true})
			}
		})
	}
	return "", "", nil
}

// token is GET /oauth/access_token: the code exchange, or
// grant_type=fb_exchange_token for a long-lived user token.
func (f *facebook) token(w http.ResponseWriter, r *http.Request) {
	p := form(r)
	if p.Get("grant_type") == "fb_exchange_token" {
		t, _, _ := f.lookup(&http.Request{Method: http.MethodGet, Header: http.Header{}, URL: &url.URL{RawQuery: url.Values{"access_token": {p.Get("fb_exchange_token")}}.Encode()}})
		switch {
		case p.Get("client_id") == "" || p.Get("client_secret") == "":
			graphError(w, http.StatusBadRequest, 101, 0, "Error validating application. Missing client_id or client_secret.")
		case t == nil || t.kind == tokPage:
			graphError(w, http.StatusBadRequest, 190, 0, metaBadToken)
		case t.clientID != p.Get("client_id"):
			graphError(w, http.StatusBadRequest, 100, 0, "Error validating client_id: the token belongs to another app.")
		default:
			tok, _ := f.issue(t.user, t.clientID, tokLong, metaLongTTL)
			writeJSON(w, http.StatusOK, tokenJSON(tok, metaLongTTL))
		}
		return
	}
	user, clientID, msg := f.redeem(p)
	if msg != "" {
		graphError(w, http.StatusBadRequest, 100, 36009, msg)
		return
	}
	tok, _ := f.issue(user, clientID, tokShort, metaShortTTL)
	writeJSON(w, http.StatusOK, tokenJSON(tok, metaShortTTL))
}

// pagesOf returns user's two Pages, made on first use. Holds f.mu.
func (f *facebook) pagesOf(user string, now time.Time) []*fbPage {
	u := f.user(user, now)
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
			pg = &fbPage{id: f.newID(), user: user, username: name, name: u.name + map[string]string{"": "'s Page", "-news": " News"}[suffix]}
			f.pages[pg.id] = pg
		}
		out = append(out, pg)
	}
	return out
}

// me is GET /me: the Page for a Page token, the user otherwise.
func (f *facebook) me(w http.ResponseWriter, r *http.Request, t *metaToken) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t.kind == tokPage {
		pg := f.pages[t.page]
		out := map[string]any{"id": pg.id, "name": pg.name, "username": pg.username, "link": "https://www.facebook.com/" + pg.username}
		// followers_count, when asked, grows from the seed since the
		// Page's user first came (https://developers.facebook.com/docs/graph-api/reference/page/).
		if slices.Contains(splitFields(r.URL.Query().Get("fields")), "followers_count") {
			now := f.s.cfg.Now()
			out["followers_count"] = FollowersAt(f.s.cfg.Seed, facebookName, pg.username, now.Sub(f.user(pg.user, now).created))
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	u := f.user(t.user, f.s.cfg.Now())
	writeJSON(w, http.StatusOK, map[string]any{"id": u.id, "name": u.name})
}

// accounts is GET /me/accounts: the user's Pages with Page tokens, which
// never expire when the user token is long-lived.
func (f *facebook) accounts(w http.ResponseWriter, r *http.Request, t *metaToken) {
	f.mu.Lock()
	pages := f.pagesOf(t.user, f.s.cfg.Now())
	f.mu.Unlock()
	ttl := time.Duration(0)
	if t.kind == tokShort {
		ttl = metaShortTTL
	}
	var data []any
	for _, pg := range pages {
		tok, mt := f.issue(t.user, t.clientID, tokPage, ttl)
		f.mu.Lock()
		mt.page = pg.id
		f.mu.Unlock()
		data = append(data, map[string]any{"access_token": tok, "category": "Community", "name": pg.name, "id": pg.id,
			"category_list": []any{map[string]string{"id": "2612", "name": "Community"}},
			"tasks":         []string{"ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"}})
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "paging": map[string]any{"cursors": map[string]string{"before": "b", "after": "a"}}})
}

// publish is POST /{page-id}/feed with message and link.
func (f *facebook) publish(w http.ResponseWriter, r *http.Request, t *metaToken, pageID string) {
	p := form(r)
	now := f.s.cfg.Now()
	msg, link := p.Get("message"), p.Get("link")
	rec := Post{Network: facebookName, Account: t.user, Text: msg, ReceivedAt: now}
	refuse := func(code int, text string) {
		rec.Error = text
		f.s.record(rec)
		graphError(w, http.StatusBadRequest, code, 0, text)
	}
	if pageID != t.page {
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
	f.mu.Lock()
	for _, q := range f.posts {
		if q.user == t.user && !q.deleted && q.text == msg && q.link == link && now.Sub(q.created) < time.Hour {
			f.mu.Unlock()
			refuse(506, "(#506) Duplicate status message")
			return
		}
	}
	post := &metaPost{id: pageID + "_" + f.newID(), user: t.user, text: msg, link: link, created: now}
	f.posts[post.id] = post
	f.mu.Unlock()
	rec.ID, rec.Created = post.id, true
	f.s.record(rec)
	writeJSON(w, http.StatusOK, map[string]string{"id": post.id})
}

// getPosts is GET /?ids=a,b&fields=…: an object keyed by id, or code 100
// when one of the ids does not exist.
func (f *facebook) getPosts(w http.ResponseWriter, r *http.Request, t *metaToken) {
	q := r.URL.Query()
	ids := splitList(q.Get("ids"))
	if len(ids) == 0 {
		graphError(w, http.StatusBadRequest, 100, 0, "(#100) The parameter ids is required")
		return
	}
	if len(ids) > fbMaxIDs {
		graphError(w, http.StatusBadRequest, 100, 0, fmt.Sprintf("(#100) Too many IDs. Maximum: %d. Provided: %d.", fbMaxIDs, len(ids)))
		return
	}
	out := map[string]any{}
	var missing []string
	f.mu.Lock()
	var found []metaPost
	for _, id := range ids {
		if p, ok := f.posts[id]; ok && !p.deleted && p.user == t.user {
			found = append(found, *p)
		} else {
			missing = append(missing, id)
		}
	}
	f.mu.Unlock()
	if len(missing) > 0 {
		graphError(w, http.StatusBadRequest, 100, 0, "(#100) Some of the aliases you requested do not exist: "+strings.Join(missing, ","))
		return
	}
	for _, p := range found {
		obj := f.postJSON(p, q.Get("fields"))
		if bad, ok := obj["_invalid_metric"].(string); ok {
			graphError(w, http.StatusBadRequest, 100, 0, "(#100) The value must be a valid insights metric: "+bad)
			return
		}
		out[p.id] = obj
	}
	writeJSON(w, http.StatusOK, out)
}

// postJSON renders the fields asked of a post: message, created_time,
// permalink_url, reactions/comments (with .summary), shares and
// insights.metric(…).
func (f *facebook) postJSON(p metaPost, fields string) map[string]any {
	st := f.stats(p, f.s.cfg.Now())
	out := map[string]any{"id": p.id}
	for _, fl := range splitFields(fields) {
		name := fl
		if i := strings.IndexAny(fl, ".({"); i >= 0 {
			name = fl[:i]
		}
		switch name {
		case "message":
			out["message"] = p.text
		case "created_time":
			out["created_time"] = p.created.UTC().Format("2006-01-02T15:04:05-0700")
		case "permalink_url":
			out["permalink_url"] = fbPermalink(p.id)
		case "reactions", "likes":
			out[name] = map[string]any{"data": []any{}, "summary": map[string]any{"total_count": st.likes, "viewer_reaction": "NONE"}}
		case "comments":
			out["comments"] = map[string]any{"data": []any{}, "summary": map[string]any{"total_count": st.comments, "order": "ranked"}}
		case "shares":
			if st.shares > 0 { // Graph omits shares when there are none
				out["shares"] = map[string]any{"count": st.shares}
			}
		case "insights":
			metrics := fbMetrics
			if i := strings.Index(fl, "metric("); i >= 0 {
				metrics = splitList(strings.TrimSuffix(fl[i+len("metric("):], ")"))
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

func (f *facebook) insightData(p metaPost, metrics []string) (map[string]any, string) {
	st := f.stats(p, f.s.cfg.Now())
	values := map[string]int64{"post_media_view": st.views, "post_total_media_view_unique": st.reach,
		"post_clicks": st.clicks, "post_reactions_by_type_total": st.likes}
	for _, m := range metrics {
		if fbDeprecated[m] {
			return nil, m
		}
	}
	return insightsJSON(p.id, metrics, values)
}

// insights is GET /{post-id}/insights?metric=….
func (f *facebook) insights(w http.ResponseWriter, r *http.Request, t *metaToken, id string) {
	p, ok := f.post(w, id, t.user)
	if !ok {
		return
	}
	metrics := splitList(r.URL.Query().Get("metric"))
	if len(metrics) == 0 {
		graphError(w, http.StatusBadRequest, 3001, 1504028, "No metric was specified to be fetched. Please specify one or more metrics to be fetched and try again.")
		return
	}
	data, bad := f.insightData(p, metrics)
	if bad != "" {
		graphError(w, http.StatusBadRequest, 100, 0, "(#100) The value must be a valid insights metric: "+bad)
		return
	}
	writeJSON(w, http.StatusOK, data)
}

// fbPermalink is the web address of post "<page>_<post>".
func fbPermalink(id string) string {
	page, post, ok := strings.Cut(id, "_")
	if !ok {
		return "https://www.facebook.com/" + id
	}
	return "https://www.facebook.com/" + page + "/posts/" + post
}

// splitFields splits a Graph fields list on the commas outside
// parentheses and braces.
func splitFields(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '(', '{':
			depth++
		case ')', '}':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	if rest := strings.TrimSpace(s[start:]); rest != "" {
		out = append(out, rest)
	}
	return out
}
