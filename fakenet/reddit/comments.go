package reddit

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// The comments under a post, as Reddit's API documents them
// (https://www.reddit.com/dev/api):
//   - GET /comments/{article} (scope read): a list of two Listings, the
//     post, then its comment tree (t1 things, each with its replies as a
//     Listing, or "" when none); sort=new|old, limit
//     https://www.reddit.com/dev/api#GET_comments_{article}
//   - POST /api/comment (scope submit) with api_type=json, thing_id (the
//     post or a comment) and text: the user answers
//     https://www.reddit.com/dev/api#POST_api_comment
//
// Other users comment over time, deterministically from the seed
// (sim.CommentsAt, as many as the post's num_comments); every fourth
// comment answers the one before it.

// rdComment is a comment: another user's (simulated) or one the API made.
type rdComment struct {
	id, parent, link, author, body string
	created                        time.Time
}

// commentsLocked returns the comments on p now, oldest first. Holds rd.mu.
func (rd *reddit) commentsLocked(p *rdPost, now time.Time) []rdComment {
	var out []rdComment
	link := "t3_" + p.id
	for _, c := range sim.CommentsAt(rd.s.Config().Seed, redditName, link, now.Sub(p.created)) {
		cm := rdComment{id: p.id + "z" + strconv.FormatInt(int64(c.Index), 36), parent: link, link: link, author: c.Author,
			body: c.Text, created: p.created.Add(c.Age)}
		if c.Index%4 == 3 {
			cm.parent = "t1_" + p.id + "z" + strconv.FormatInt(int64(c.Index-1), 36)
		}
		out = append(out, cm)
	}
	for _, c := range rd.comments {
		if c.link == link {
			out = append(out, *c)
		}
	}
	slices.SortStableFunc(out, func(a, b rdComment) int { return a.created.Compare(b.created) })
	return out
}

func (rd *reddit) commentJSON(r *http.Request, c rdComment, all []rdComment, p *rdPost, newest bool) map[string]any {
	var kids []any
	for _, k := range orderComments(all, newest) {
		if k.parent == "t1_"+c.id {
			kids = append(kids, map[string]any{"kind": "t1", "data": rd.commentJSON(r, k, all, p, newest)})
		}
	}
	var replies any = ""
	if len(kids) > 0 {
		replies = map[string]any{"kind": "Listing", "data": map[string]any{"after": nil, "before": nil, "children": kids}}
	}
	return map[string]any{"id": c.id, "name": "t1_" + c.id, "author": c.author, "body": c.body, "parent_id": c.parent,
		"link_id": c.link, "created_utc": float64(c.created.Unix()), "permalink": rd.path(p) + "_/" + c.id + "/",
		"subreddit": p.sr, "score": 1, "replies": replies}
}

func orderComments(all []rdComment, newest bool) []rdComment {
	if !newest {
		return all
	}
	out := slices.Clone(all)
	slices.Reverse(out)
	return out
}

// commentTree is GET /comments/{article}.
func (rd *reddit) commentTree(w http.ResponseWriter, r *http.Request, _ *rdToken, article string) {
	now := rd.s.Config().Now()
	rd.mu.Lock()
	defer rd.mu.Unlock()
	p, ok := rd.posts["t3_"+article]
	if !ok || p.deleted {
		rdFail(w, http.StatusNotFound, "Not Found")
		return
	}
	q := r.URL.Query()
	newest := q.Get("sort") == "new"
	limit := 200
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = min(n, 500)
	}
	all := rd.commentsLocked(p, now)
	var top []any
	for _, c := range orderComments(all, newest) {
		if c.parent == "t3_"+p.id && len(top) < limit {
			top = append(top, map[string]any{"kind": "t1", "data": rd.commentJSON(r, c, all, p, newest)})
		}
	}
	listing := func(children []any) map[string]any {
		if children == nil {
			children = []any{}
		}
		return map[string]any{"kind": "Listing", "data": map[string]any{"after": nil, "before": nil, "children": children}}
	}
	sim.WriteJSON(w, http.StatusOK, []any{listing([]any{map[string]any{"kind": "t3", "data": rd.postJSON(r, p, now)}}), listing(top)})
}

// rdMaxComment is the longest comment Reddit takes, in characters.
const rdMaxComment = 10000

// comment is POST /api/comment with api_type=json, thing_id (the fullname
// of a live post, t3_…, or of a comment under one, t1_…) and text
// (https://www.reddit.com/dev/api#POST_api_comment): the user answers a
// post (a first comment) or a comment (a reply from the inbox). The answer
// holds the new comment (t1_…) in json.data.things; refusals are
// json.errors, with 200, as /api/submit's. The comment is recorded
// (sim.Post with ReplyTo the thing).
func (rd *reddit) comment(w http.ResponseWriter, r *http.Request, t *rdToken) {
	if err := r.ParseForm(); err != nil {
		rdFail(w, http.StatusBadRequest, "Bad Request")
		return
	}
	if r.PostForm.Get("api_type") != "json" {
		rdFail(w, http.StatusBadRequest, "fakenet supports api_type=json only")
		return
	}
	thing, text := r.PostForm.Get("thing_id"), r.PostForm.Get("text")
	now := rd.s.Config().Now()
	rec := sim.Post{Network: redditName, Account: t.user, Text: text, ReceivedAt: now, ReplyTo: thing}
	fail := func(code, msg, field string) {
		rec.Error = code + ": " + msg
		rd.s.Record(rec)
		rdJSONErrors(w, code, msg, field)
	}
	if strings.TrimSpace(text) == "" {
		fail("NO_TEXT", "we need something here", "text")
		return
	}
	if utf8.RuneCountInString(text) > rdMaxComment {
		fail("TOO_LONG", "this is too long (max: 10000)", "text")
		return
	}
	rd.mu.Lock()
	link := ""
	if p, ok := rd.posts[thing]; ok && !p.deleted {
		link = thing
	} else if id, ok := strings.CutPrefix(thing, "t1_"); ok {
		for _, p := range rd.posts {
			if p.deleted {
				continue
			}
			for _, c := range rd.commentsLocked(p, now) {
				if c.id == id {
					link = c.link
				}
			}
		}
	}
	if link == "" {
		rd.mu.Unlock()
		fail("DELETED_COMMENT", "that comment has been deleted", "parent")
		return
	}
	c := &rdComment{id: rd.newID(), parent: thing, link: link, author: t.user, body: text, created: now}
	rd.comments[c.id] = c
	p := rd.posts[link]
	data := rd.commentJSON(r, *c, nil, p, false)
	rd.mu.Unlock()
	rec.ID, rec.Created = "t1_"+c.id, true
	rd.s.Record(rec)
	sim.WriteJSON(w, http.StatusOK, map[string]any{"json": map[string]any{"errors": []any{},
		"data": map[string]any{"things": []any{map[string]any{"kind": "t1", "data": data}}}}})
}
