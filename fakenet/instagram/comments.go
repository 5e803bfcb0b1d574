package instagram

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/rythmehq/rythme/fakenet/meta"
	"github.com/rythmehq/rythme/fakenet/sim"
)

// The comments under the account's media, as Meta documents them:
//   - GET /{ig-media-id}/comments: the top-level comments, newest first,
//     each with its replies (replies{…}); limit (default 25, at most 50)
//     and an after cursor
//     https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/comments
//   - POST /{ig-comment-id}/replies with message: the account answers a
//     comment
//     https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-comment/replies
//   - POST /{ig-comment-id}?hide=true|false hides or shows a comment, and
//     DELETE /{ig-comment-id} deletes it
//     https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-comment
//
// Other users' comments arrive over time, deterministically from the seed
// (fakenet/meta's Comments, as many as the media's comments_count).

const igTime = "2006-01-02T15:04:05-0700"

func igCommentJSON(c meta.Comment) map[string]any {
	out := map[string]any{"id": c.ID, "text": c.Text, "timestamp": c.Created.UTC().Format(igTime), "username": c.User,
		"from": map[string]string{"id": c.UserID, "username": c.User}, "hidden": c.Hidden, "like_count": 0}
	if c.Depth > 0 {
		out["parent_id"] = c.TopID
	}
	return out
}

// comments is GET /{ig-media-id}/comments.
func (g *instagram) comments(w http.ResponseWriter, r *http.Request, t *meta.Token, id string) {
	p, ok := g.LivePost(w, id, t.User)
	if !ok {
		return
	}
	q := r.URL.Query()
	limit := 25
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = min(n, 50)
	}
	offset := 0
	if v := q.Get("after"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			meta.WriteError(w, http.StatusBadRequest, 100, 0, "(#100) Invalid after cursor")
			return
		}
		offset = n
	}
	all := g.Comments(p)
	replies := map[string][]map[string]any{}
	var tops []meta.Comment
	for _, c := range all {
		if c.Depth == 0 {
			tops = append(tops, c)
		} else {
			replies[c.TopID] = append(replies[c.TopID], igCommentJSON(c))
		}
	}
	data := []map[string]any{}
	for i := len(tops) - 1 - offset; i >= 0 && len(data) < limit; i-- {
		c := igCommentJSON(tops[i])
		if rs := replies[tops[i].ID]; len(rs) > 0 {
			c["replies"] = map[string]any{"data": rs}
		}
		data = append(data, c)
	}
	out := map[string]any{"data": data}
	if end := offset + len(data); end < len(tops) {
		out["paging"] = map[string]any{"cursors": map[string]string{"after": strconv.Itoa(end)}}
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

// reply is POST /{ig-comment-id}/replies: the account answers a comment on
// its media.
func (g *instagram) reply(w http.ResponseWriter, r *http.Request, t *meta.Token, id string) {
	c, ok := g.CommentOf(w, id, t.User)
	if !ok {
		return
	}
	msg := meta.Form(r).Get("message")
	now := g.s.Config().Now()
	rec := sim.Post{Network: Name, Account: t.User, Text: msg, ReceivedAt: now, ReplyTo: c.TopID}
	if strings.TrimSpace(msg) == "" {
		rec.Error = "(#100) The parameter message is required"
		g.s.Record(rec)
		meta.WriteError(w, http.StatusBadRequest, 100, 0, rec.Error)
		return
	}
	g.Lock()
	reply := &meta.Post{ID: g.NewIDLocked(), User: t.User, Text: msg, ReplyTo: c.TopID, Created: now}
	g.ReplyLocked(reply)
	g.Unlock()
	rec.ID, rec.Created = reply.ID, true
	g.s.Record(rec)
	sim.WriteJSON(w, http.StatusOK, map[string]string{"id": reply.ID})
}

// hideComment is POST /{ig-comment-id}?hide=true|false.
func (g *instagram) hideComment(w http.ResponseWriter, r *http.Request, t *meta.Token, id string) {
	if _, ok := g.CommentOf(w, id, t.User); !ok {
		return
	}
	v := meta.Form(r).Get("hide")
	if v != "true" && v != "false" {
		meta.WriteError(w, http.StatusBadRequest, 100, 0, "(#100) Param hide must be a boolean")
		return
	}
	g.SetCommentHidden(id, v == "true")
	sim.WriteJSON(w, http.StatusOK, map[string]bool{"success": true})
}

// deleteComment is DELETE /{ig-comment-id}.
func (g *instagram) deleteComment(w http.ResponseWriter, _ *http.Request, t *meta.Token, id string) {
	if _, ok := g.CommentOf(w, id, t.User); !ok {
		return
	}
	g.DeleteComment(id)
	sim.WriteJSON(w, http.StatusOK, map[string]bool{"success": true})
}
