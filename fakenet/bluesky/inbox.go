package bluesky

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// The inbox side of Bluesky: other users reply to the posts published
// here, over time and deterministically from the seed (sim.CommentsAt), and
// those replies are served where the AppView serves them: a post's thread
// (app.bsky.feed.getPostThread) and its author's notifications
// (app.bsky.notification.listNotifications, reason "reply").

const bskyTime = "2006-01-02T15:04:05.000Z"

// materialize turns the simulated comments that have arrived on rec by
// now into reply records of other users. Only posts that start a thread,
// by users who are not simulated commenters, get comments. Holds b.mu.
func (b *bluesky) materialize(rec *bskyRecord) {
	if rec.deleted || rec.sim || rec.collection != bskyPostCollection || rec.replyRoot() != "" {
		return
	}
	now := b.s.Config().Now()
	comments := sim.CommentsAt(b.s.Config().Seed, bskyName, rec.uri, now.Sub(rec.created))
	for _, c := range comments[min(rec.simComments, len(comments)):] {
		a := b.account(c.Author)
		created := rec.created.Add(c.Age)
		ref := map[string]string{"uri": rec.uri, "cid": rec.cid}
		value, _ := json.Marshal(map[string]any{"$type": bskyPostCollection, "text": c.Text,
			"createdAt": created.UTC().Format(bskyTime), "reply": map[string]any{"root": ref, "parent": ref}})
		rkey := b.newTID()
		uri := "at://" + a.did + "/" + bskyPostCollection + "/" + rkey
		b.records[uri] = &bskyRecord{uri: uri, cid: bskyCID("bafyrei", append([]byte(uri), value...)), did: a.did,
			collection: bskyPostCollection, rkey: rkey, text: c.Text, value: value, created: created, sim: true}
		rec.simComments++
	}
}

// replyParent and replyRoot read a post record's reply refs ("" if none).
func (r *bskyRecord) replyParent() string { p, _ := r.replyRefs(); return p }
func (r *bskyRecord) replyRoot() string   { _, root := r.replyRefs(); return root }

func (r *bskyRecord) replyRefs() (parent, root string) {
	var v struct {
		Reply *struct {
			Root, Parent *bskyRef
		} `json:"reply"`
	}
	if json.Unmarshal(r.value, &v) != nil || v.Reply == nil || v.Reply.Parent == nil || v.Reply.Root == nil {
		return "", ""
	}
	return v.Reply.Parent.URI, v.Reply.Root.URI
}

// postView is an app.bsky.feed.defs#postView of rec. Holds b.mu.
func (b *bluesky) postView(rec *bskyRecord, now time.Time) map[string]any {
	e := sim.EngagementAt(b.s.Config().Seed, bskyName, rec.uri, now.Sub(rec.created))
	if rec.sim {
		e = sim.Engagement{}
	}
	author := b.byDID[rec.did]
	return map[string]any{
		"uri": rec.uri, "cid": rec.cid, "record": rec.value, "indexedAt": rec.created.UTC().Format(bskyTime),
		"author":     map[string]any{"did": author.did, "handle": author.handle, "displayName": strings.TrimSuffix(author.handle, bskyUserDomain)},
		"replyCount": e.Replies + int64(b.directReplies(rec.uri, false)), "repostCount": e.Reblogs, "likeCount": e.Favourites,
		"quoteCount": e.Reblogs / 3, "labels": []any{},
	}
}

// directReplies counts the live replies to uri (simulated ones too when
// sims). Holds b.mu.
func (b *bluesky) directReplies(uri string, sims bool) int {
	n := 0
	for _, r := range b.records {
		if !r.deleted && (sims || !r.sim) && r.replyParent() == uri {
			n++
		}
	}
	return n
}

// getPostThread is app.bsky.feed.getPostThread
// (https://docs.bsky.app/docs/api/app-bsky-feed-get-post-thread): the post
// with its replies, depth levels down (default 6, at most 1000), and the
// root's threadgate view when it has one (the lexicon's output
// "threadgate", https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/feed/getPostThread.json):
// replies listed in its hiddenReplies stay in the thread, and the client
// hides them, as the v1 endpoint leaves that to the client.
func (b *bluesky) getPostThread(w http.ResponseWriter, r *http.Request, _ *bskyAccount) {
	q := r.URL.Query()
	depth := 6
	if v := q.Get("depth"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 && n <= 1000 {
			depth = n
		}
	}
	now := b.s.Config().Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	rec, ok := b.records[q.Get("uri")]
	if !ok || rec.deleted || rec.collection != bskyPostCollection {
		bskyError(w, http.StatusBadRequest, "NotFound", "Post not found: "+q.Get("uri"))
		return
	}
	if root := rec.replyRoot(); root != "" {
		if r, ok := b.records[root]; ok {
			b.materialize(r)
		}
	} else {
		b.materialize(rec)
	}
	children := map[string][]*bskyRecord{}
	for _, x := range b.records {
		if p := x.replyParent(); p != "" && !x.deleted {
			children[p] = append(children[p], x)
		}
	}
	var view func(rec *bskyRecord, d int) map[string]any
	view = func(rec *bskyRecord, d int) map[string]any {
		out := map[string]any{"$type": "app.bsky.feed.defs#threadViewPost", "post": b.postView(rec, now)}
		if d > 0 {
			kids := children[rec.uri]
			slices.SortFunc(kids, func(a, c *bskyRecord) int { return a.created.Compare(c.created) })
			replies := []any{}
			for _, k := range kids {
				replies = append(replies, view(k, d-1))
			}
			out["replies"] = replies
		}
		return out
	}
	out := map[string]any{"thread": view(rec, depth)}
	root := rec
	if r, ok := b.records[rec.replyRoot()]; ok {
		root = r
	}
	if gate, _ := b.hiddenReplies(root); gate != nil {
		out["threadgate"] = map[string]any{"uri": gate.uri, "cid": gate.cid, "record": gate.value, "lists": []any{}}
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

// listNotifications is app.bsky.notification.listNotifications
// (https://docs.bsky.app/docs/api/app-bsky-notification-list-notifications):
// the replies others wrote to the user's posts, newest first, paged by an
// opaque cursor (limit 1–100, default 50).
func (b *bluesky) listNotifications(w http.ResponseWriter, r *http.Request, a *bskyAccount) {
	q := r.URL.Query()
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			bskyError(w, http.StatusBadRequest, "InvalidRequest", "Error: limit must be between 1 and 100")
			return
		}
		limit = n
	}
	now := b.s.Config().Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, rec := range b.records {
		if rec.did == a.did {
			b.materialize(rec)
		}
	}
	var replies []*bskyRecord
	for _, x := range b.records {
		parent, ok := b.records[x.replyParent()]
		if !x.deleted && ok && parent.did == a.did && x.did != a.did {
			replies = append(replies, x)
		}
	}
	slices.SortFunc(replies, func(x, y *bskyRecord) int {
		if c := y.created.Compare(x.created); c != 0 {
			return c
		}
		return strings.Compare(y.uri, x.uri)
	})
	start := 0
	if c := q.Get("cursor"); c != "" {
		for start < len(replies) && replies[start].uri != c {
			start++
		}
		start++
	}
	out := []any{}
	next := ""
	for i := start; i < len(replies) && len(out) < limit; i++ {
		x := replies[i]
		pv := b.postView(x, now)
		out = append(out, map[string]any{"uri": x.uri, "cid": x.cid, "author": pv["author"], "reason": "reply",
			"reasonSubject": x.replyParent(), "record": x.value, "isRead": false, "indexedAt": pv["indexedAt"], "labels": []any{}})
		if len(out) == limit && i+1 < len(replies) {
			next = x.uri
		}
	}
	body := map[string]any{"notifications": out}
	if next != "" {
		body["cursor"] = next
	}
	sim.WriteJSON(w, http.StatusOK, body)
}
