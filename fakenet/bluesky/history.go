package bluesky

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// tidAt is the TID of a record made at t (seq tells apart records of the
// same microsecond): https://atproto.com/specs/tid.
func tidAt(t time.Time, seq uint64) string {
	const alphabet = "234567abcdefghijklmnopqrstuvwxyz"
	v := uint64(t.UnixMicro())<<10 | seq&1023
	var out [13]byte
	for i := 12; i >= 0; i-- {
		out[i] = alphabet[v&31]
		v >>= 5
	}
	return string(out[:])
}

// addHistory gives a new account its earlier posts (Config.HistoryDays),
// each a post record under the TID of its time. Holds b.mu.
func (b *bluesky) addHistory(a *bskyAccount, user string) {
	for i, p := range sim.History(b.s.Config().Seed, bskyName, user, b.s.Config().HistoryDays) {
		at := a.created.Add(-p.Age)
		rkey := tidAt(at, uint64(i))
		value, _ := json.Marshal(map[string]any{"$type": bskyPostCollection, "text": p.Text, "langs": []string{"en"},
			"createdAt": at.UTC().Format("2006-01-02T15:04:05.000Z")})
		uri := "at://" + a.did + "/" + bskyPostCollection + "/" + rkey
		b.records[uri] = &bskyRecord{uri: uri, cid: bskyCID("bafyrei", append([]byte(uri), value...)), did: a.did,
			collection: bskyPostCollection, rkey: rkey, text: p.Text, value: value, created: at}
	}
}

// getAuthorFeed is app.bsky.feed.getAuthorFeed
// (https://docs.bsky.app/docs/api/app-bsky-feed-get-author-feed; the
// lexicon: actor required, limit 1–100 default 50, cursor, filter): the
// actor's posts, newest first, as feedViewPost items ({post}); filter
// posts_no_replies leaves out the replies. The cursor is the last item's
// time and record key (the AppView's is opaque, a time too); none when
// nothing is left.
// Reposts are not simulated.
func (b *bluesky) getAuthorFeed(w http.ResponseWriter, r *http.Request, _ *bskyAccount) {
	q := r.URL.Query()
	actor := q.Get("actor")
	if actor == "" {
		bskyError(w, http.StatusBadRequest, "InvalidRequest", `Error: Params must have the property "actor"`)
		return
	}
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			bskyError(w, http.StatusBadRequest, "InvalidRequest", "Error: limit must be an integer between 1 and 100")
			return
		}
		limit = n
	}
	cursor, noReplies := q.Get("cursor"), q.Get("filter") == "posts_no_replies"
	now := b.s.Config().Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	a, ok := b.byDID[actor]
	if !ok {
		a, ok = b.accounts[actor]
	}
	if !ok {
		bskyError(w, http.StatusBadRequest, "InvalidRequest", "Profile not found")
		return
	}
	var recs []*bskyRecord
	for _, rec := range b.records {
		if rec.did != a.did || rec.deleted || rec.collection != bskyPostCollection || (cursor != "" && feedKey(rec) >= cursor) {
			continue
		}
		if noReplies && strings.Contains(string(rec.value), `"reply"`) {
			continue
		}
		recs = append(recs, rec)
	}
	sort.Slice(recs, func(i, j int) bool { return feedKey(recs[i]) > feedKey(recs[j]) })
	out := map[string]any{}
	if len(recs) > limit {
		recs = recs[:limit]
		out["cursor"] = feedKey(recs[limit-1])
	}
	feed := make([]map[string]any, 0, len(recs))
	for _, rec := range recs {
		feed = append(feed, map[string]any{"post": b.postView(rec, now)})
	}
	out["feed"] = feed
	sim.WriteJSON(w, http.StatusOK, out)
}

// feedKey orders an author's feed: by time, then record key; zero-padded
// so that strings compare as the times do.
func feedKey(rec *bskyRecord) string {
	return fmt.Sprintf("%020d:%s", rec.created.UnixMicro(), rec.rkey)
}
