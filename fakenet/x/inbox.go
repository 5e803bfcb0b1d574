package x

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// The inbox side of X: other users reply to the posts published here, over
// time and deterministically from the seed (sim.CommentsAt); a reply starts
// with "@author", so it is a mention of the author, served by the user's
// mention timeline (GET /2/users/:id/mentions).

// materialize turns the simulated replies that have arrived on t by now
// into posts of other users. Only posts that start a conversation, by users
// who are not simulated repliers, get replies. Holds x.mu.
func (x *xNet) materialize(t *xTweet) {
	if t.deleted || t.sim || t.replyTo != "" {
		return
	}
	now := x.s.Config().Now()
	comments := sim.CommentsAt(x.s.Config().Seed, xName, t.id, now.Sub(t.created))
	for _, c := range comments[min(t.simComments, len(comments)):] {
		u := x.newUser(c.Author, t.created)
		r := &xTweet{id: x.newID(), text: "@" + t.author.username + " " + c.Text, author: u, replyTo: t.id,
			created: t.created.Add(c.Age), sim: true}
		x.tweets[r.id] = r
		t.simComments++
	}
}

// conversation returns the id of the post t's conversation starts with.
// Holds x.mu.
func (x *xNet) conversation(t *xTweet) string {
	for t.replyTo != "" {
		p := x.tweets[t.replyTo]
		if p == nil {
			return t.replyTo
		}
		t = p
	}
	return t.id
}

// mentions is GET /2/users/:id/mentions
// (https://docs.x.com/x-api/posts/timelines/quickstart/user-mention-quickstart):
// the posts of others that mention the user, newest first, after since_id,
// max_results 5–100 (default 10), paged by pagination_token; post.fields
// created_at, author_id, conversation_id, in_reply_to_user_id and
// referenced_tweets; expansions=author_id puts the authors in
// includes.users.
func (x *xNet) mentions(w http.ResponseWriter, r *http.Request, _ *xToken, userID string) {
	q := r.URL.Query()
	if q.Has("tweet.fields") {
		xInvalid(w, "The query parameter [tweet.fields] is not one of [id,since_id,until_id,max_results,pagination_token,start_time,end_time,post.fields,expansions,media.fields,poll.fields,user.fields,place.fields]")
		return
	}
	max := 10
	if v := q.Get("max_results"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 5 || n > 100 {
			xInvalid(w, "The `max_results` query parameter value ["+v+"] is not between 5 and 100")
			return
		}
		max = n
	}
	fields := map[string]bool{}
	for _, f := range strings.Split(q.Get("post.fields"), ",") {
		fields[strings.TrimSpace(f)] = true
	}
	since, after := q.Get("since_id"), q.Get("pagination_token")
	x.mu.Lock()
	defer x.mu.Unlock()
	var user *xUser
	for _, u := range x.users {
		if u.id == userID {
			user = u
		}
	}
	if user == nil {
		xProblem(w, http.StatusNotFound, "Not Found Error", "Could not find user with id: ["+userID+"].", "https://api.x.com/2/problems/resource-not-found")
		return
	}
	for _, t := range x.tweets {
		if t.author == user {
			x.materialize(t)
		}
	}
	var found []*xTweet
	for _, t := range x.tweets {
		if t.deleted || t.author == user || !strings.Contains(strings.ToLower(t.text), "@"+strings.ToLower(user.username)) {
			continue
		}
		if since != "" && compareIDs(t.id, since) <= 0 {
			continue
		}
		if after != "" && compareIDs(t.id, after) >= 0 {
			continue
		}
		found = append(found, t)
	}
	slices.SortFunc(found, func(a, b *xTweet) int { return compareIDs(b.id, a.id) })
	data := []map[string]any{}
	users := map[string]map[string]any{}
	for _, t := range found[:min(max, len(found))] {
		item := map[string]any{"id": t.id, "text": t.text, "edit_history_post_ids": []string{t.id}}
		if fields["created_at"] {
			item["created_at"] = t.created.UTC().Format("2006-01-02T15:04:05.000Z")
		}
		if fields["author_id"] {
			item["author_id"] = t.author.id
		}
		if fields["conversation_id"] {
			item["conversation_id"] = x.conversation(t)
		}
		if p := x.tweets[t.replyTo]; p != nil {
			if fields["in_reply_to_user_id"] {
				item["in_reply_to_user_id"] = p.author.id
			}
			if fields["referenced_tweets"] {
				item["referenced_tweets"] = []map[string]string{{"type": "replied_to", "id": p.id}}
			}
		}
		data = append(data, item)
		users[t.author.id] = map[string]any{"id": t.author.id, "username": t.author.username, "name": t.author.name}
	}
	meta := map[string]any{"result_count": len(data)}
	out := map[string]any{"meta": meta}
	if len(data) > 0 {
		out["data"] = data
		meta["newest_id"], meta["oldest_id"] = data[0]["id"], data[len(data)-1]["id"]
		if len(found) > max {
			meta["next_token"] = data[len(data)-1]["id"]
		}
		if strings.Contains(q.Get("expansions"), "author_id") {
			inc := []map[string]any{}
			for _, u := range users {
				inc = append(inc, u)
			}
			out["includes"] = map[string]any{"users": inc}
		}
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

// compareIDs orders snowflake ids as numbers.
func compareIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

// hideReply is PUT /2/tweets/:id/hidden
// (https://docs.x.com/x-api/posts/hide-replies/introduction): the author of
// the conversation hides or shows a reply to it; anyone else is refused.
func (x *xNet) hideReply(w http.ResponseWriter, r *http.Request, tok *xToken, id string) {
	var body struct {
		Hidden *bool `json:"hidden"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&body); err != nil || body.Hidden == nil {
		xInvalid(w, "The `hidden` field is required.")
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	t := x.tweets[id]
	if t == nil || t.deleted {
		xProblem(w, http.StatusNotFound, "Not Found Error", "Could not find tweet with id: ["+id+"].", "https://api.x.com/2/problems/resource-not-found")
		return
	}
	root := x.tweets[x.conversation(t)]
	if t.replyTo == "" || root == nil || root.author.username != tok.user {
		xProblem(w, http.StatusForbidden, "Forbidden", "You can only hide replies to conversations you started.", "")
		return
	}
	t.hidden = *body.Hidden
	sim.WriteJSON(w, http.StatusOK, map[string]any{"data": map[string]bool{"hidden": t.hidden}})
}
