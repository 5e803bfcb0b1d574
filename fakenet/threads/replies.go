package threads

import (
	"net/http"
	"strconv"

	"github.com/rythmehq/rythme/fakenet/meta"
	"github.com/rythmehq/rythme/fakenet/sim"
)

// The replies under the account's posts, as Meta's Threads Reply
// Management API documents them
// (https://developers.facebook.com/docs/threads/reply-management,
// https://developers.facebook.com/documentation/threads/reference/reply-management):
//   - GET /{threads-media-id}/replies: the top-level replies;
//     GET /{threads-media-id}/conversation: every reply at any depth,
//     flattened. Both newest first unless reverse=false, limit (default 25,
//     at most 100) and an after cursor; fields id, text, username,
//     timestamp, permalink, is_reply, replied_to, root_post,
//     is_reply_owned_by_me, hide_status
//   - POST /{threads-reply-id}/manage_reply with hide=true|false: hides or
//     shows a top-level reply and the replies under it (a nested one
//     cannot be targeted alone)
//
// Other users' replies arrive over time, deterministically from the seed
// (fakenet/meta's Comments, as many as the post's replies insight); the
// account's own thread parts and replies are among them, owned by it.

func (g *threads) replyJSON(c meta.Comment, owner string) map[string]any {
	hide := "NOT_HUSHED"
	if c.Hidden {
		hide = "HIDDEN"
	}
	return map[string]any{"id": c.ID, "text": c.Text, "username": c.User, "is_reply": true,
		"timestamp": c.Created.UTC().Format("2006-01-02T15:04:05-0700"), "replied_to": map[string]string{"id": c.ParentID},
		"root_post": map[string]string{"id": c.PostID}, "is_reply_owned_by_me": c.User == owner, "hide_status": hide,
		"permalink": "https://www.threads.com/@" + c.User + "/post/FN" + c.ID[len(c.ID)-8:]}
}

// replies is GET /{threads-media-id}/replies (topOnly) or /conversation.
func (g *threads) replies(topOnly bool) func(http.ResponseWriter, *http.Request, *meta.Token, string) {
	return func(w http.ResponseWriter, r *http.Request, t *meta.Token, id string) {
		p, ok := g.LivePost(w, id, t.User)
		if !ok {
			return
		}
		q := r.URL.Query()
		limit := 25
		if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
			limit = min(n, 100)
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
		var list []meta.Comment
		for _, c := range g.Comments(p) {
			if !topOnly || c.Depth == 0 {
				list = append(list, c)
			}
		}
		data := []map[string]any{}
		for i := offset; i < len(list) && len(data) < limit; i++ {
			c := list[i]
			if q.Get("reverse") != "false" {
				c = list[len(list)-1-i]
			}
			data = append(data, g.replyJSON(c, t.User))
		}
		out := map[string]any{"data": data}
		if end := offset + len(data); end < len(list) {
			out["paging"] = map[string]any{"cursors": map[string]string{"after": strconv.Itoa(end)}}
		}
		sim.WriteJSON(w, http.StatusOK, out)
	}
}

// manageReply is POST /{threads-reply-id}/manage_reply with hide.
func (g *threads) manageReply(w http.ResponseWriter, r *http.Request, t *meta.Token, id string) {
	c, ok := g.CommentOf(w, id, t.User)
	if !ok {
		return
	}
	if c.Depth > 0 {
		meta.WriteError(w, http.StatusBadRequest, 100, 0, "(#100) Only top-level replies can be hidden or unhidden")
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
