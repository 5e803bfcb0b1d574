package mastodon

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// The inbox side of Mastodon: other users reply to the statuses published
// here, over time and deterministically from the seed (sim.CommentsAt),
// and those replies are served where Mastodon serves them: a status's
// context and its author's mention notifications.

// materialize turns the simulated comments that have arrived on st by now
// into statuses of their own (replies to st by other users). Only statuses
// that start a conversation, written by a user of rythme's, get comments.
// Holds m.mu.
func (m *mastodon) materialize(st *mStatus) {
	if st.deleted || st.sim || st.replyTo != "" {
		return
	}
	now := m.s.Config().Now()
	comments := sim.CommentsAt(m.s.Config().Seed, Name, st.id, now.Sub(st.created))
	for _, c := range comments[min(st.simComments, len(comments)):] {
		u := m.user(c.Author, st.created)
		u.sim = true
		id := m.newID()
		m.statuses[id] = &mStatus{id: id, text: "@" + st.user.username + " " + c.Text, visibility: "public",
			user: u, created: st.created.Add(c.Age), replyTo: st.id, sim: true}
		u.statuses++
		st.simComments++
		m.announce(m.statuses[id])
	}
}

// context is GET /api/v1/statuses/:id/context
// (https://docs.joinmastodon.org/methods/statuses/#context): the statuses
// above it in its conversation, oldest first, and those below it, in
// conversation order.
func (m *mastodon) context(w http.ResponseWriter, r *http.Request, _ *mToken, id string) {
	now, base := m.s.Config().Now(), m.base(r)
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.statuses[id]
	if !ok || st.deleted {
		sim.WriteJSON(w, http.StatusNotFound, map[string]string{"error": errNotFound})
		return
	}
	root := st
	ancestors := []mastStatusJSON{}
	for root.replyTo != "" {
		parent, ok := m.statuses[root.replyTo]
		if !ok {
			break
		}
		root = parent
		if !parent.deleted {
			ancestors = append([]mastStatusJSON{m.statusJSON(base, parent, now)}, ancestors...)
		}
	}
	m.materialize(root)
	children := map[string][]*mStatus{}
	for _, s := range m.statuses {
		if s.replyTo != "" && !s.deleted {
			children[s.replyTo] = append(children[s.replyTo], s)
		}
	}
	descendants := []mastStatusJSON{}
	var walk func(id string)
	walk = func(id string) {
		kids := children[id]
		slices.SortFunc(kids, func(a, b *mStatus) int {
			if c := a.created.Compare(b.created); c != 0 {
				return c
			}
			return compareIDs(a.id, b.id)
		})
		for _, k := range kids {
			descendants = append(descendants, m.statusJSON(base, k, now))
			walk(k.id)
		}
	}
	walk(st.id)
	sim.WriteJSON(w, http.StatusOK, map[string]any{"ancestors": ancestors, "descendants": descendants})
}

type mastNotificationJSON struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	CreatedAt string          `json:"created_at"`
	Account   mastAccountJSON `json:"account"`
	Status    *mastStatusJSON `json:"status,omitempty"`
}

// notifications is GET /api/v1/notifications
// (https://docs.joinmastodon.org/methods/notifications/#get), mentions only:
// every reply by another user to one of the token's user's statuses, newest
// first, after since_id, at most limit (default 40, at most 80).
func (m *mastodon) notifications(w http.ResponseWriter, r *http.Request, tok *mToken) {
	q := r.URL.Query()
	if types := append(q["types[]"], q["types"]...); len(types) > 0 && !slices.Contains(types, "mention") {
		sim.WriteJSON(w, http.StatusOK, []any{})
		return
	}
	limit := 40
	if v := q.Get("limit"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			limit = min(n, 80)
		}
	}
	since := q.Get("since_id")
	now, base := m.s.Config().Now(), m.base(r)
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.users[tok.user]
	if u == nil {
		sim.WriteJSON(w, http.StatusOK, []any{})
		return
	}
	for _, s := range u.roots {
		m.materialize(s)
	}
	var mentions []*mStatus
	for _, s := range u.mentions {
		if !s.deleted && (since == "" || compareIDs(s.id, since) > 0) {
			mentions = append(mentions, s)
		}
	}
	slices.SortFunc(mentions, func(a, b *mStatus) int { return compareIDs(b.id, a.id) })
	out := []mastNotificationJSON{}
	for _, s := range mentions[:min(limit, len(mentions))] {
		st := m.statusJSON(base, s, now)
		out = append(out, mastNotificationJSON{ID: s.id, Type: "mention", CreatedAt: st.CreatedAt, Account: st.Account, Status: &st})
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

// compareIDs orders snowflake ids as numbers.
func compareIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
