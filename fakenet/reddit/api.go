package reddit

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// Reddit's API on oauth.reddit.com (https://www.reddit.com/dev/api); see
// reddit.go.

// me is GET /api/v1/me.
func (rd *reddit) me(w http.ResponseWriter, r *http.Request, t *rdToken) {
	now := rd.s.Config().Now()
	rd.mu.Lock()
	u := rd.user(t.user, now)
	out := map[string]any{
		"id": u.id, "name": u.name, "created": float64(u.created.Unix()), "created_utc": float64(u.created.Unix()),
		"icon_img":   "https://www.redditstatic.com/avatars/defaults/v2/avatar_default_1.png",
		"link_karma": 1, "comment_karma": 0, "total_karma": 1, "verified": true, "has_verified_email": true,
		"subreddit": map[string]any{"display_name": "u_" + u.name, "display_name_prefixed": "u/" + u.name,
			"url": "/user/" + u.name + "/", "subreddit_type": "user", "title": u.name},
	}
	rd.mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, out)
}

// rdJSONErrors answers an api_type=json request that failed: a 200 whose
// json.errors lists [code, message, field] triples.
func rdJSONErrors(w http.ResponseWriter, code, msg, field string) {
	sim.WriteJSON(w, http.StatusOK, map[string]any{"json": map[string]any{"errors": [][]string{{code, msg, field}}}})
}

var rdSubredditRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_]{1,20}$`)

// submit is POST /api/submit with api_type=json.
func (rd *reddit) submit(w http.ResponseWriter, r *http.Request, t *rdToken) {
	if err := r.ParseForm(); err != nil {
		rdFail(w, http.StatusBadRequest, "Bad Request")
		return
	}
	p := r.PostForm
	now := rd.s.Config().Now()
	kind, sr, title := p.Get("kind"), p.Get("sr"), p.Get("title")
	sr = strings.TrimPrefix(strings.TrimPrefix(sr, "/r/"), "r/")
	text, link := p.Get("text"), p.Get("url")
	rec := sim.Post{Network: redditName, Account: t.user, Text: title, ReceivedAt: now}
	if text != "" {
		rec.Text = title + "\n\n" + text
	}
	fail := func(code, msg, field string) {
		rec.Error = msg
		rd.s.Record(rec)
		rdJSONErrors(w, code, msg, field)
	}
	if p.Get("api_type") != "json" {
		// Without api_type=json Reddit answers jQuery commands; rythme
		// never asks for them.
		rdFail(w, http.StatusBadRequest, "fakenet supports api_type=json only")
		return
	}
	rd.mu.Lock()
	defer rd.mu.Unlock()
	u := rd.user(t.user, now)
	own := strings.EqualFold(sr, "u_"+u.name)
	_, otherUser := rd.users[strings.TrimPrefix(sr, "u_")]
	switch {
	case sr == "":
		fail("SUBREDDIT_REQUIRED", "you must specify a subreddit", "sr")
		return
	case !own && (!rdSubredditRE.MatchString(sr) || !(rdSubreddits[strings.ToLower(sr)] || (strings.HasPrefix(sr, "u_") && otherUser))):
		fail("SUBREDDIT_NOEXIST", "that subreddit doesn't exist", "sr")
		return
	case !own && strings.HasPrefix(sr, "u_"):
		fail("SUBREDDIT_NOTALLOWED", "you aren't allowed to post there.", "sr")
		return
	case kind != "self" && kind != "link":
		fail("INVALID_OPTION", "that option is not valid", "kind")
		return
	case strings.TrimSpace(title) == "":
		fail("NO_TEXT", "we need something here", "title")
		return
	case utf8.RuneCountInString(title) > rdMaxTitle:
		fail("TOO_LONG", fmt.Sprintf("this is too long (max: %d)", rdMaxTitle), "title")
		return
	case kind == "self" && utf8.RuneCountInString(text) > rdMaxSelfText:
		fail("TOO_LONG", fmt.Sprintf("this is too long (max: %d)", rdMaxSelfText), "text")
		return
	case kind == "link" && link == "":
		fail("NO_URL", "a url is required", "url")
		return
	}
	if kind == "link" {
		lu, err := url.Parse(link)
		if err != nil || (lu.Scheme != "http" && lu.Scheme != "https") || !strings.Contains(lu.Host, ".") {
			fail("BAD_URL", "you should check that url", "url")
			return
		}
		if p.Get("resubmit") != "true" {
			for _, q := range rd.posts {
				if !q.deleted && q.kind == "link" && q.url == link && strings.EqualFold(q.sr, sr) {
					fail("ALREADY_SUB", "that link has already been submitted", "url")
					return
				}
			}
		}
		rec.Text = title + "\n\n" + link
	}
	// The simulated anti-spam limit: at most rdSubmitsPerHour an hour.
	recent := rd.submits[u.name][:0]
	for _, at := range rd.submits[u.name] {
		if now.Sub(at) < time.Hour {
			recent = append(recent, at)
		}
	}
	rd.submits[u.name] = recent
	if len(recent) >= rdSubmitsPerHour {
		wait := recent[0].Add(time.Hour).Sub(now)
		mins := int(wait.Minutes()) + 1
		unit := "minutes"
		if mins == 1 {
			unit = "minute"
		}
		fail("RATELIMIT", fmt.Sprintf("you are doing that too much. try again in %d %s.", mins, unit), "ratelimit")
		return
	}
	rd.submits[u.name] = append(recent, now)
	post := &rdPost{id: rd.newID(), sr: sr, title: title, selftext: text, url: link, kind: kind, user: u, created: now}
	if kind == "link" {
		post.selftext = ""
	}
	rd.posts["t3_"+post.id] = post
	rec.ID, rec.Created = "t3_"+post.id, true
	rd.s.Record(rec)
	sim.WriteJSON(w, http.StatusOK, map[string]any{"json": map[string]any{"errors": []any{}, "data": map[string]any{
		"url": rd.permalink(r, post), "drafts_count": 0, "id": post.id, "name": "t3_" + post.id}}})
}

var rdSlugRE = regexp.MustCompile(`[^a-z0-9]+`)

// permalink is the post's address on the simulated www.reddit.com.
func (rd *reddit) permalink(r *http.Request, p *rdPost) string {
	slug := strings.Trim(rdSlugRE.ReplaceAllString(strings.ToLower(p.title), "_"), "_")
	if len(slug) > 50 {
		slug = slug[:50]
	}
	return sim.RequestBase(r) + "/" + redditName + rd.path(p) + slug + "/"
}

func (rd *reddit) path(p *rdPost) string {
	if strings.HasPrefix(p.sr, "u_") {
		return "/user/" + p.user.name + "/comments/" + p.id + "/"
	}
	return "/r/" + p.sr + "/comments/" + p.id + "/"
}

// info is GET /api/info?id=t3_a,t3_b: a Listing of the things that exist
// (at most 100), in the order asked. A deleted post is still listed, with
// author and text "[deleted]" and removed_by_category "deleted".
func (rd *reddit) info(w http.ResponseWriter, r *http.Request, _ *rdToken) {
	var ids []string
	for _, v := range r.URL.Query()["id"] {
		for _, id := range strings.Split(v, ",") {
			if id = strings.TrimSpace(id); id != "" {
				ids = append(ids, id)
			}
		}
	}
	if len(ids) > rdMaxInfoIDs {
		ids = ids[:rdMaxInfoIDs]
	}
	now := rd.s.Config().Now()
	children := []map[string]any{}
	rd.mu.Lock()
	for _, id := range ids {
		p, ok := rd.posts[id]
		if !ok {
			continue
		}
		children = append(children, map[string]any{"kind": "t3", "data": rd.postJSON(r, p, now)})
	}
	rd.mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, map[string]any{"kind": "Listing", "data": map[string]any{
		"after": nil, "before": nil, "dist": len(children), "modhash": "", "geo_filter": "", "children": children}})
}

// postJSON renders a link (t3) with its engagement at now. Holds rd.mu.
func (rd *reddit) postJSON(r *http.Request, p *rdPost, now time.Time) map[string]any {
	e := sim.EngagementAt(rd.s.Config().Seed, redditName, "t3_"+p.id, now.Sub(p.created))
	score := 1 + e.Favourites // the author's own upvote
	ratio := 1.0
	if e.Favourites > 0 {
		downs := e.Reblogs / 4
		ratio = float64(score) / float64(score+downs)
		ratio = float64(int(ratio*100)) / 100
	}
	author, selftext := p.user.name, p.selftext
	var removed any
	if p.deleted {
		author, selftext, removed = "[deleted]", "[deleted]", "deleted"
	}
	perm := rd.path(p) + strings.Trim(rdSlugRE.ReplaceAllString(strings.ToLower(p.title), "_"), "_") + "/"
	link := p.url
	if p.kind == "self" {
		link = sim.RequestBase(r) + "/" + redditName + perm
	}
	return map[string]any{
		"id": p.id, "name": "t3_" + p.id, "title": p.title, "selftext": selftext, "is_self": p.kind == "self",
		"url": link, "permalink": perm, "subreddit": p.sr, "subreddit_name_prefixed": prefixed(p.sr), "author": author,
		"score": score, "ups": score, "downs": 0, "upvote_ratio": ratio, "num_comments": e.Replies,
		"created": float64(p.created.Unix()), "created_utc": float64(p.created.Unix()),
		"removed_by_category": removed, "over_18": false, "spoiler": false, "locked": false, "stickied": false,
	}
}

func prefixed(sr string) string {
	if name, ok := strings.CutPrefix(sr, "u_"); ok {
		return "u/" + name
	}
	return "r/" + sr
}

// del is POST /api/del: the author deletes their own post; {} either way.
func (rd *reddit) del(w http.ResponseWriter, r *http.Request, t *rdToken) {
	_ = r.ParseForm()
	id := r.PostForm.Get("id")
	rd.mu.Lock()
	if p, ok := rd.posts[id]; ok && p.user.name == t.user {
		p.deleted = true
	}
	rd.mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, map[string]any{})
}

// submitted is GET /user/{username}/submitted
// (https://www.reddit.com/dev/api#GET_user_{username}_submitted; scope
// history): the user's live posts, newest first (sort new), limit at a time
// (default 25, at most 100), after the fullname of the last one of a page;
// the Listing's after names the next page's start, null at the end.
func (rd *reddit) submitted(w http.ResponseWriter, r *http.Request, _ *rdToken, name string) {
	q := r.URL.Query()
	limit := 25
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = min(n, 100)
	}
	after := strings.TrimPrefix(q.Get("after"), "t3_")
	now := rd.s.Config().Now()
	rd.mu.Lock()
	defer rd.mu.Unlock()
	u, ok := rd.users[name]
	if !ok {
		sim.WriteJSON(w, http.StatusNotFound, map[string]any{"message": "Not Found", "error": 404})
		return
	}
	var list []*rdPost
	for _, p := range rd.posts {
		if p.user == u && !p.deleted {
			list = append(list, p)
		}
	}
	sort.Slice(list, func(i, j int) bool {
		if !list[i].created.Equal(list[j].created) {
			return list[i].created.After(list[j].created)
		}
		return list[i].id > list[j].id
	})
	if after != "" {
		for i, p := range list {
			if p.id == after {
				list = list[i+1:]
				break
			}
		}
	}
	var next any
	if len(list) > limit {
		list = list[:limit]
		next = "t3_" + list[limit-1].id
	}
	children := []map[string]any{}
	for _, p := range list {
		children = append(children, map[string]any{"kind": "t3", "data": rd.postJSON(r, p, now)})
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"kind": "Listing", "data": map[string]any{
		"after": next, "before": nil, "dist": len(children), "modhash": "", "geo_filter": "", "children": children}})
}
