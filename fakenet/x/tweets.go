package x

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"golang.org/x/text/unicode/norm"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// Posts, users and metrics of X API v2.

// Refusals as X words them. The duplicate-content answer is X's own
// (observed 403 body); X does not document the body for an over-long
// text, so fakenet answers it in the same shape.
const (
	xErrDuplicate = "You are not allowed to create a Tweet with duplicate content."
	xErrTooLong   = "Your Tweet text is too long."
	xErrReplyGone = "You attempted to reply to a Tweet that is deleted or not visible to you."
	xErrMediaIDs  = "Your media IDs are invalid."
)

// publish is POST /2/tweets (https://docs.x.com/x-api/posts/create-post):
// JSON {"text", "reply": {"in_reply_to_tweet_id"}, "media": {"media_ids"}},
// answered 201 {"data": {"id", "text", "edit_history_post_ids"}}. X has
// no idempotency key: a repeated request makes another post, unless its
// text duplicates one of the author's, which X refuses.
func (x *xNet) publish(w http.ResponseWriter, r *http.Request, tok *xToken) {
	var body struct {
		Text  *string `json:"text"`
		Reply *struct {
			InReplyTo string `json:"in_reply_to_tweet_id"`
		} `json:"reply"`
		Media *struct {
			IDs []string `json:"media_ids"`
		} `json:"media"`
		Poll *struct {
			Options         []string `json:"options"`
			DurationMinutes int      `json:"duration_minutes"`
		} `json:"poll"`
	}
	now := x.s.Config().Now()
	rec := sim.Post{Network: xName, Account: tok.user, ReceivedAt: now}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
		rec.Error = "the request body is not valid JSON"
		x.s.Record(rec)
		xInvalid(w, "Request body is not valid JSON: "+err.Error())
		return
	}
	text := ""
	if body.Text != nil {
		text = *body.Text
	}
	rec.Text = text
	refuse := func(status int, msg string) {
		rec.Error = msg
		x.s.Record(rec)
		if status == http.StatusBadRequest {
			xInvalid(w, msg)
			return
		}
		xProblem(w, status, http.StatusText(status), msg, "")
	}
	var mediaIDs []string
	if body.Media != nil {
		mediaIDs = body.Media.IDs
	}
	x.mu.Lock()
	u := x.user(tok.user, now)
	msg, status := x.checkPost(u, text, mediaIDs, now)
	replyTo := ""
	if msg == "" && body.Reply != nil {
		replyTo = body.Reply.InReplyTo
		if t := x.tweets[replyTo]; t == nil || t.deleted {
			msg, status = xErrReplyGone, http.StatusForbidden
		}
	}
	if msg == "" && body.Poll != nil {
		msg, status = xCheckPoll(body.Poll.Options, body.Poll.DurationMinutes, len(mediaIDs))
	}
	if msg != "" {
		x.mu.Unlock()
		refuse(status, msg)
		return
	}
	t := &xTweet{id: x.newID(), text: text, author: u, replyTo: replyTo, media: mediaIDs, created: now}
	if body.Poll != nil {
		t.pollID, t.pollOptions, t.pollMinutes = x.newID(), body.Poll.Options, body.Poll.DurationMinutes
		rec.Poll, rec.PollMinutes = t.pollOptions, t.pollMinutes
	}
	x.tweets[t.id] = t
	x.mu.Unlock()
	rec.ID, rec.Created, rec.ReplyTo = t.id, true, replyTo
	x.s.Record(rec)
	sim.WriteJSON(w, http.StatusCreated, map[string]any{"data": map[string]any{"id": t.id, "text": text,
		"edit_history_post_ids": []string{t.id}}})
}

// checkPost applies X's rules to a new post. Holds x.mu.
func (x *xNet) checkPost(u *xUser, text string, mediaIDs []string, now time.Time) (string, int) {
	if strings.TrimSpace(text) == "" && len(mediaIDs) == 0 {
		return "The `text` field must be present when no media is attached.", http.StatusBadRequest
	}
	if !utf8.ValidString(text) {
		return "The `text` field is not valid UTF-8.", http.StatusBadRequest
	}
	if xTextLength(text) > xMaxLength {
		return xErrTooLong, http.StatusForbidden
	}
	images, others := 0, 0
	for _, id := range mediaIDs {
		m := x.media[id]
		if m == nil || m.owner != u.username || !m.finalized || m.processing {
			return xErrMediaIDs, http.StatusBadRequest
		}
		if m.category == "tweet_image" {
			images++
		} else {
			others++
		}
	}
	// At most 4 images, or one GIF or video, never mixed
	// (https://docs.x.com/x-api/media/quickstart/best-practices).
	if images > 4 || others > 1 || (others == 1 && images > 0) {
		return xErrMediaIDs, http.StatusBadRequest
	}
	if strings.TrimSpace(text) != "" {
		for _, t := range x.tweets {
			if t.author == u && !t.deleted && t.text == text {
				return xErrDuplicate, http.StatusForbidden
			}
		}
	}
	return "", 0
}

var xURLRE = regexp.MustCompile(`(?i)https?://[^\s]+`)

// xTextLength approximates X's weighted count (twitter-text config v3,
// https://docs.x.com/fundamentals/counting-characters): NFC text, a URL
// counts 23, an emoji sequence 2, a code point up to U+10FF or in the
// general punctuation ranges 1, any other 2. It is a simulator's
// approximation (URLs need a scheme here); connectors/x counts exactly.
func xTextLength(text string) int {
	text = xURLRE.ReplaceAllString(norm.NFC.String(text), "\x00")
	n := 0
	g := uniseg.NewGraphemes(text)
	for g.Next() {
		rs := g.Runes()
		switch {
		case len(rs) == 1 && rs[0] == 0:
			n += 23
		case len(rs) > 1 && rs[0] >= 0x2000 && (rs[0] >= 0x1F000 || strings.ContainsAny(g.Str(), "\u200d\ufe0f\u20e3")):
			n += 2
		default:
			for _, r := range rs {
				n += xRuneWeight(r)
			}
		}
	}
	return n
}

func xRuneWeight(r rune) int {
	if r <= 0x10FF || (r >= 0x2000 && r <= 0x200D) || (r >= 0x2010 && r <= 0x201F) || (r >= 0x2032 && r <= 0x2037) {
		return 1
	}
	return 2
}

// xMetrics is what X reports of a post's engagement, grown from
// EngagementAt: likes are its favourites, reposts its reblogs, replies
// its replies; quotes, bookmarks, impressions and clicks derive from them.
func (x *xNet) xMetrics(t *xTweet, now time.Time) (public, nonPublic, organic map[string]int64) {
	e := sim.EngagementAt(x.s.Config().Seed, xName, t.id, now.Sub(t.created))
	impressions := e.Favourites*25 + e.Reblogs*40 + e.Replies*10
	public = map[string]int64{"repost_count": e.Reblogs, "reply_count": e.Replies, "like_count": e.Favourites,
		"quote_count": e.Reblogs / 4, "bookmark_count": e.Favourites / 6, "impression_count": impressions}
	nonPublic = map[string]int64{"impression_count": impressions, "url_link_clicks": e.Favourites / 3,
		"user_profile_clicks": e.Replies}
	organic = map[string]int64{"impression_count": impressions, "like_count": e.Favourites, "reply_count": e.Replies,
		"repost_count": e.Reblogs, "url_link_clicks": e.Favourites / 3, "user_profile_clicks": e.Replies}
	return public, nonPublic, organic
}

// getTweets is GET /2/tweets?ids= (https://docs.x.com/x-api/posts/post-lookup-by-post-ids):
// at most 100 ids; the posts found in "data", and one "Not Found Error"
// per missing post in "errors". non_public_metrics and organic_metrics
// are only for the author's own posts of the last 30 days; for others
// each such post gets a "Field Authorization Error" and no such field.
func (x *xNet) getTweets(w http.ResponseWriter, r *http.Request, tok *xToken) {
	q := r.URL.Query()
	var ids []string
	for _, id := range strings.Split(q.Get("ids"), ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 || len(ids) > xMaxIDs {
		xInvalid(w, fmt.Sprintf("The number of values in the `ids` query parameter list [%d] is not between 1 and %d", len(ids), xMaxIDs))
		return
	}
	if q.Has("tweet.fields") {
		// The spec (connectors/testdata/specs/x) names it post.fields; X
		// refuses a parameter it does not know.
		xInvalid(w, "The query parameter [tweet.fields] is not one of [ids,post.fields,expansions,media.fields,poll.fields,user.fields,place.fields]")
		return
	}
	fields, expansions, pollFields := xList(q.Get("post.fields")), xList(q.Get("expansions")), xList(q.Get("poll.fields"))
	var polls []map[string]any
	now := x.s.Config().Now()
	data := []map[string]any{}
	errs := []map[string]any{}
	x.mu.Lock()
	for _, id := range ids {
		t := x.tweets[id]
		if t == nil || t.deleted {
			errs = append(errs, map[string]any{"value": id, "detail": "Could not find tweet with ids: [" + id + "].",
				"title": "Not Found Error", "resource_type": "tweet", "parameter": "ids", "resource_id": id,
				"type": "https://api.x.com/2/problems/resource-not-found"})
			continue
		}
		item, fieldErrs := x.tweetJSON(t, fields, tok, now)
		if t.pollID != "" && expansions["attachments.poll_ids"] {
			item["attachments"] = map[string]any{"poll_ids": []string{t.pollID}}
			polls = append(polls, x.pollJSON(t, pollFields, now))
		}
		data = append(data, item)
		errs = append(errs, fieldErrs...)
	}
	x.mu.Unlock()
	out := map[string]any{}
	if len(data) > 0 {
		out["data"] = data
	}
	if len(errs) > 0 {
		out["errors"] = errs
	}
	if len(polls) > 0 {
		out["includes"] = map[string]any{"polls": polls}
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

// xList is a comma-separated query value as a set.
func xList(v string) map[string]bool {
	out := map[string]bool{}
	for _, f := range strings.Split(v, ",") {
		out[strings.TrimSpace(f)] = true
	}
	return out
}

// tweetJSON is t as X's answers give it, with the post.fields asked for;
// non_public_metrics and organic_metrics are only for the author's own
// posts of the last 30 days (https://docs.x.com/x-api/fundamentals/metrics):
// for others, one "Field Authorization Error" per field and post in
// errs, and no such field. Holds x.mu.
func (x *xNet) tweetJSON(t *xTweet, fields map[string]bool, tok *xToken, now time.Time) (item map[string]any, errs []map[string]any) {
	item = map[string]any{"id": t.id, "text": t.text, "edit_history_post_ids": []string{t.id}}
	pub, nonPub, org := x.xMetrics(t, now)
	if fields["public_metrics"] {
		item["public_metrics"] = pub
	}
	if fields["created_at"] {
		item["created_at"] = t.created.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	if fields["author_id"] {
		item["author_id"] = t.author.id
	}
	private := map[string]map[string]int64{"non_public_metrics": nonPub, "organic_metrics": org}
	for _, f := range []string{"non_public_metrics", "organic_metrics"} {
		if !fields[f] {
			continue
		}
		if t.author.username != tok.user || now.Sub(t.created) > 30*24*time.Hour {
			errs = append(errs, map[string]any{"value": t.id, "detail": "Sorry, you are not authorized to access '" + f +
				"' on the Tweet with ids: " + t.id + ".", "title": "Field Authorization Error", "resource_type": "tweet",
				"parameter": f, "field": f, "resource_id": t.id, "section": "data",
				"type": "https://api.x.com/2/problems/not-authorized-for-field"})
			continue
		}
		item[f] = private[f]
	}
	return item, errs
}

// deleteTweet is DELETE /2/tweets/:id (https://docs.x.com/x-api/posts/delete-post).
func (x *xNet) deleteTweet(w http.ResponseWriter, _ *http.Request, tok *xToken, id string) {
	x.mu.Lock()
	t := x.tweets[id]
	if t == nil || t.deleted {
		x.mu.Unlock()
		sim.WriteJSON(w, http.StatusOK, map[string]any{"data": map[string]bool{"deleted": false}})
		return
	}
	if t.author.username != tok.user {
		x.mu.Unlock()
		xProblem(w, http.StatusForbidden, "Forbidden", "You are not authorized to delete this Tweet.", "")
		return
	}
	t.deleted = true
	x.mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, map[string]any{"data": map[string]bool{"deleted": true}})
}

// usersMe is GET /2/users/me (https://docs.x.com/x-api/users/user-lookup-me).
func (x *xNet) usersMe(w http.ResponseWriter, r *http.Request, tok *xToken) {
	now := x.s.Config().Now()
	x.mu.Lock()
	u := x.user(tok.user, now)
	data := map[string]any{"id": u.id, "name": u.name, "username": u.username}
	x.mu.Unlock()
	for _, f := range strings.Split(r.URL.Query().Get("user.fields"), ",") {
		switch strings.TrimSpace(f) {
		case "public_metrics":
			data["public_metrics"] = map[string]int64{"followers_count": sim.FollowersAt(x.s.Config().Seed, xName, u.username, now.Sub(u.created)),
				"following_count": 42, "tweet_count": 0, "listed_count": 1}
		case "created_at":
			data["created_at"] = u.created.UTC().Format("2006-01-02T15:04:05.000Z")
		case "profile_image_url":
			data["profile_image_url"] = "https://pbs.twimg.com/profile_images/default_profile_normal.png"
		}
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"data": data})
}
