package meta

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// VideoProcessing is how long, on the server's clock, an Instagram or
// Threads video container stays IN_PROGRESS.
const VideoProcessing = 5 * time.Second

// Container is an Instagram or Threads media container.
type Container struct {
	ID, User, Text, MediaType, MediaURL, ReplyTo, Published string
	Created                                                 time.Time
	Polls                                                   int
	Failed                                                  string // ERROR status message
	// Poll is the options of the post's poll (Threads' poll_attachment).
	Poll []string
}

func fmtNoObject(id string) string { return fmt.Sprintf(NoObject, id) }

// DeletePost deletes a post as its author would; it reports whether the
// post existed.
func (g *Graph) DeletePost(id string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	p, ok := g.posts[id]
	if !ok || p.Deleted {
		return false
	}
	p.Deleted = true
	return true
}

// LivePost returns (a copy of) a live post of user, or answers code 100
// subcode 33.
func (g *Graph) LivePost(w http.ResponseWriter, id, user string) (Post, bool) {
	g.mu.Lock()
	p, ok := g.posts[id]
	var c Post
	if ok {
		c = *p
	}
	g.mu.Unlock()
	if !ok || c.Deleted || c.User != user {
		WriteError(w, http.StatusBadRequest, 100, 33, fmtNoObject(id))
		return Post{}, false
	}
	return c, true
}

// PostsOf returns (copies of) user's live posts, newest first.
func (g *Graph) PostsOf(user string) []Post {
	g.mu.Lock()
	var list []Post
	for _, p := range g.posts {
		if p.User == user && !p.Deleted && p.ReplyTo == "" { // comments and replies sit under posts
			list = append(list, *p)
		}
	}
	g.mu.Unlock()
	sort.Slice(list, func(i, j int) bool {
		if !list[i].Created.Equal(list[j].Created) {
			return list[i].Created.After(list[j].Created)
		}
		return list[i].ID > list[j].ID
	})
	return list
}

// AddContainer stores c under a new id and returns the id.
func (g *Graph) AddContainer(c Container) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	c.ID = g.NewIDLocked()
	g.containers[c.ID] = &c
	return c.ID
}

// IsContainer reports whether id is a media container's.
func (g *Graph) IsContainer(id string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	_, ok := g.containers[id]
	return ok
}

// PollContainer is a status read of user's container id: it counts the
// poll and returns the container's state (FINISHED, IN_PROGRESS, ERROR,
// EXPIRED, PUBLISHED) and its error message, or answers code 100 subcode
// 33.
func (g *Graph) PollContainer(w http.ResponseWriter, id, user string) (state, failed string, ok bool) {
	g.mu.Lock()
	c := g.containers[id]
	if c == nil || c.User != user {
		g.mu.Unlock()
		WriteError(w, http.StatusBadRequest, 100, 33, fmtNoObject(id))
		return "", "", false
	}
	c.Polls++
	state, failed = g.containerStateLocked(c, g.s.Config().Now()), c.Failed
	g.mu.Unlock()
	return state, failed, true
}

// OverQuota is the state PublishContainer gives its refusal function when
// a finished container would pass the 24-hour publishing quota.
const OverQuota = "OVER_QUOTA"

// PublishContainer is POST /{user-id}/media_publish or threads_publish:
// it publishes the container creation_id of the token's user, unless its
// state (or OverQuota, past quota posts in 24 hours) makes refusal answer
// a Graph error (code, subcode, message; message empty: go on). Refusals
// and posts are recorded with the network's name.
func (g *Graph) PublishContainer(w http.ResponseWriter, r *http.Request, t *Token, id string, quota int,
	refusal func(state string, c Container) (code, sub int, msg string)) {
	if _, ok := g.Owner(w, t, id); !ok {
		return
	}
	cid := Form(r).Get("creation_id")
	now := g.s.Config().Now()
	g.mu.Lock()
	c, ok := g.containers[cid]
	if !ok || c.User != t.User {
		g.mu.Unlock()
		WriteError(w, http.StatusBadRequest, 100, 33, fmtNoObject(cid))
		return
	}
	rec := sim.Post{Network: g.o.Name, Account: t.User, Text: c.Text, ReceivedAt: now, ReplyTo: c.ReplyTo, Poll: c.Poll}
	state := g.containerStateLocked(c, now)
	if used, _ := g.quotaLocked(t.User, now); state == "FINISHED" && used >= quota {
		state = OverQuota
	}
	if state != "FINISHED" {
		if code, sub, msg := refusal(state, *c); msg != "" {
			g.mu.Unlock()
			rec.Error = msg
			g.s.Record(rec)
			WriteError(w, http.StatusBadRequest, code, sub, msg)
			return
		}
	}
	p := &Post{ID: g.NewIDLocked(), User: t.User, Text: c.Text, MediaType: c.MediaType, MediaURL: c.MediaURL, ReplyTo: c.ReplyTo, Created: now,
		Poll: c.Poll}
	g.posts[p.ID] = p
	c.Published = p.ID
	g.published[t.User] = append(g.published[t.User], now)
	g.mu.Unlock()
	rec.ID, rec.Created = p.ID, true
	g.s.Record(rec)
	sim.WriteJSON(w, http.StatusOK, map[string]string{"id": p.ID})
}

// containerStateLocked is a container's status at now.
func (g *Graph) containerStateLocked(c *Container, now time.Time) string {
	switch {
	case c.Published != "":
		return "PUBLISHED"
	case c.Failed != "":
		return "ERROR"
	case now.Sub(c.Created) >= 24*time.Hour:
		return "EXPIRED"
	case (c.MediaType == "REELS" || c.MediaType == "VIDEO") && now.Sub(c.Created) < VideoProcessing:
		return "IN_PROGRESS"
	}
	return "FINISHED"
}

// quotaLocked counts user's API publishes in the 24 hours before now and
// returns when the oldest of them leaves the window.
func (g *Graph) quotaLocked(user string, now time.Time) (used int, frees time.Time) {
	kept := g.published[user][:0]
	for _, t := range g.published[user] {
		if now.Sub(t) < 24*time.Hour {
			kept = append(kept, t)
		}
	}
	g.published[user] = kept
	if len(kept) > 0 {
		frees = kept[0].Add(24 * time.Hour)
	}
	return len(kept), frees
}

// PublishingLimit is GET /{user-id}/content_publishing_limit (Instagram)
// or threads_publishing_limit: the quota used of total.
func (g *Graph) PublishingLimit(w http.ResponseWriter, t *Token, id string, total int) {
	if _, ok := g.Owner(w, t, id); !ok {
		return
	}
	g.mu.Lock()
	used, _ := g.quotaLocked(t.User, g.s.Config().Now())
	g.mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, map[string]any{"data": []any{map[string]any{"quota_usage": used,
		"config": map[string]int{"quota_total": total, "quota_duration": 86400}}}})
}

// Stats is a post's engagement at a time, the Meta way: likes, comments
// and shares from sim.EngagementAt, and views, reach, saves, clicks and
// quotes drawn from them, so that every number grows with the post's age.
type Stats struct {
	Likes, Comments, Shares, Views, Reach, Saves, Clicks, Quotes int64
}

// Stats returns p's engagement now.
func (g *Graph) Stats(p Post) Stats {
	e := sim.EngagementAt(g.s.Config().Seed, g.o.Name, p.ID, g.s.Config().Now().Sub(p.Created))
	reach := e.Favourites*9 + e.Replies*3
	return Stats{Likes: e.Favourites, Comments: e.Replies, Shares: e.Reblogs,
		Views: reach + reach/3 + e.Reblogs*5, Reach: reach, Saves: e.Favourites / 4, Clicks: e.Favourites / 2, Quotes: e.Reblogs / 3}
}

// InsightsJSON is an /insights answer for the metrics asked, or the first
// metric values lacks.
func InsightsJSON(id string, metrics []string, values map[string]int64) (map[string]any, string) {
	var data []any
	for _, m := range metrics {
		v, ok := values[m]
		if !ok {
			return nil, m
		}
		data = append(data, map[string]any{"name": m, "period": "lifetime", "values": []any{map[string]any{"value": v}},
			"title": m, "id": id + "/insights/" + m + "/lifetime"})
	}
	return map[string]any{"data": data}, ""
}

// ListPosts answers a Graph edge listing the token's user's posts that
// keep, newest first, limit at a time (default 25), after the cursor of a
// page (cursor-based pagination: paging.cursors and paging.next, absent on
// the last page). Each item has the fields asked of those all gives (plain,
// without fields). id must be the token's user's (Owner).
func (g *Graph) ListPosts(w http.ResponseWriter, r *http.Request, t *Token, id string, keep func(Post) bool,
	all func(Post, Stats) map[string]any, plain []string) {
	if _, ok := g.Owner(w, t, id); !ok {
		return
	}
	q := r.URL.Query()
	limit := 25
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			WriteError(w, http.StatusBadRequest, 100, 0, "(#100) The parameter limit must be a positive integer")
			return
		}
		limit = n
	}
	after := ""
	if v := q.Get("after"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil {
			WriteError(w, http.StatusBadRequest, 100, 0, "(#100) Invalid cursor")
			return
		}
		after = string(b)
	}
	fields := SplitList(q.Get("fields"))
	if len(fields) == 0 {
		fields = plain
	}
	var list []Post
	for _, p := range g.PostsOf(t.User) {
		if keep(p) {
			list = append(list, p)
		}
	}
	if after != "" {
		for i, p := range list {
			if p.ID == after {
				list = list[i+1:]
				break
			}
		}
	}
	more := len(list) > limit
	if more {
		list = list[:limit]
	}
	data := []any{}
	for _, p := range list {
		every := all(p, g.Stats(p))
		item := map[string]any{"id": p.ID}
		for _, f := range fields {
			if v, ok := every[f]; ok {
				item[f] = v
			}
		}
		data = append(data, item)
	}
	out := map[string]any{"data": data}
	if len(list) > 0 {
		last := base64.RawURLEncoding.EncodeToString([]byte(list[len(list)-1].ID))
		paging := map[string]any{"cursors": map[string]string{"before": base64.RawURLEncoding.EncodeToString([]byte(list[0].ID)), "after": last}}
		if more {
			next := url.Values{"limit": {strconv.Itoa(limit)}, "after": {last}, "fields": {strings.Join(fields, ",")}}
			paging["next"] = sim.RequestBase(r) + "/" + g.o.Name + r.URL.Path[strings.Index(r.URL.Path, "/graph/"):] + "?" + next.Encode()
		}
		out["paging"] = paging
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

// CommentOnPost is POST /{object-id}/comments with message, on one of the
// token's user's live posts: a comment by the post's own account (a first
// comment; Facebook https://developers.facebook.com/docs/graph-api/reference/object/comments#publish,
// Instagram https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/comments#creating,
// both answering {"id"}). The comment is recorded (sim.Post with ReplyTo
// the post) and kept under the post, never among the user's posts. newID
// makes the comment's id from the post's (nil: a numeric id).
func (g *Graph) CommentOnPost(w http.ResponseWriter, r *http.Request, t *Token, postID string, newID func(post, n string) string) {
	post, ok := g.LivePost(w, postID, t.User)
	if !ok {
		return
	}
	msg := Form(r).Get("message")
	now := g.s.Config().Now()
	rec := sim.Post{Network: g.o.Name, Account: t.User, Text: msg, ReceivedAt: now, ReplyTo: post.ID}
	if strings.TrimSpace(msg) == "" {
		rec.Error = "(#100) Missing message or attachment."
		g.s.Record(rec)
		WriteError(w, http.StatusBadRequest, 100, 0, rec.Error)
		return
	}
	g.mu.Lock()
	id := g.NewIDLocked()
	if newID != nil {
		id = newID(post.ID, id)
	}
	g.posts[id] = &Post{ID: id, User: t.User, Text: msg, ReplyTo: post.ID, Created: now}
	g.mu.Unlock()
	rec.ID, rec.Created = id, true
	g.s.Record(rec)
	sim.WriteJSON(w, http.StatusOK, map[string]string{"id": id})
}
