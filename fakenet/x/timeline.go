package x

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// The user Post timeline: a user's own posts, newest first, and the
// earlier posts every user has from before it was first seen
// (Config.HistoryDays).

// seedHistory gives u its earlier posts (sim.History), oldest first, so
// that ids grow with time as X's snowflakes do. Holds x.mu.
func (x *xNet) seedHistory(u *xUser, now time.Time) {
	for _, p := range sim.History(x.s.Config().Seed, xName, u.username, x.s.Config().HistoryDays) {
		t := &xTweet{id: x.newID(), text: p.Text, author: u, created: now.Add(-p.Age)}
		x.tweets[t.id] = t
	}
}

// userTweets is GET /2/users/:id/tweets, the user Post timeline
// (https://docs.x.com/x-api/posts/timelines/introduction,
// https://developer.x.com/en/docs/x-api/tweets/timelines/api-reference/get-users-id-tweets):
// the user's live posts, newest first, max_results 5–100 (default 10),
// within start_time/end_time (RFC 3339, inclusive) and since_id/until_id
// (exclusive), exclude=replies,retweets (no reposts are simulated), paged
// by meta.next_token given back as pagination_token; post.fields as for
// the lookup (created_at, public_metrics, and the private metrics of the
// author's posts of the last 30 days). meta gives result_count, newest_id,
// oldest_id and next_token when a page follows.
func (x *xNet) userTweets(w http.ResponseWriter, r *http.Request, tok *xToken, userID string) {
	q := r.URL.Query()
	if q.Has("tweet.fields") {
		xInvalid(w, "The query parameter [tweet.fields] is not one of [id,since_id,until_id,max_results,pagination_token,exclude,start_time,end_time,post.fields,expansions,media.fields,poll.fields,user.fields,place.fields]")
		return
	}
	limit := 10
	if v := q.Get("max_results"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 5 || n > 100 {
			xInvalid(w, "The `max_results` query parameter value ["+v+"] is not between 5 and 100")
			return
		}
		limit = n
	}
	var start, end time.Time
	for name, at := range map[string]*time.Time{"start_time": &start, "end_time": &end} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				xInvalid(w, "Invalid '"+name+"':'"+v+"'. '"+name+"' must be a valid RFC 3339 date.")
				return
			}
			*at = t
		}
	}
	noReplies := false
	for _, e := range strings.Split(q.Get("exclude"), ",") {
		switch strings.TrimSpace(e) {
		case "replies":
			noReplies = true
		case "retweets", "":
		default:
			xInvalid(w, "The `exclude` query parameter value ["+e+"] is not one of [retweets,replies]")
			return
		}
	}
	fields := map[string]bool{}
	for _, f := range strings.Split(q.Get("post.fields"), ",") {
		fields[strings.TrimSpace(f)] = true
	}
	since, until, token := q.Get("since_id"), q.Get("until_id"), q.Get("pagination_token")
	now := x.s.Config().Now()
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
	var list []*xTweet
	for _, t := range x.tweets {
		switch {
		case t.author != user || t.deleted || (noReplies && t.replyTo != ""),
			!start.IsZero() && t.created.Before(start), !end.IsZero() && t.created.After(end),
			since != "" && compareIDs(t.id, since) <= 0, until != "" && compareIDs(t.id, until) >= 0:
			continue
		}
		list = append(list, t)
	}
	slices.SortFunc(list, func(a, b *xTweet) int {
		if c := b.created.Compare(a.created); c != 0 {
			return c
		}
		return compareIDs(b.id, a.id)
	})
	if token != "" {
		// The token names the last post of the page before.
		i := slices.IndexFunc(list, func(t *xTweet) bool { return "t"+t.id == token })
		if i < 0 {
			xInvalid(w, "The `pagination_token` query parameter value ["+token+"] is not valid")
			return
		}
		list = list[i+1:]
	}
	meta := map[string]any{}
	if len(list) > limit {
		list = list[:limit]
		meta["next_token"] = "t" + list[limit-1].id
	}
	data := []map[string]any{}
	errs := []map[string]any{}
	for _, t := range list {
		item, fieldErrs := x.tweetJSON(t, fields, tok, now)
		data = append(data, item)
		errs = append(errs, fieldErrs...)
	}
	meta["result_count"] = len(data)
	out := map[string]any{"meta": meta}
	if len(list) > 0 {
		meta["newest_id"], meta["oldest_id"] = list[0].id, list[len(list)-1].id
		out["data"] = data
	}
	if len(errs) > 0 {
		out["errors"] = errs
	}
	sim.WriteJSON(w, http.StatusOK, out)
}
