package mastodon

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// accountStatuses is GET /api/v1/accounts/:id/statuses
// (https://docs.joinmastodon.org/methods/accounts/#statuses): the
// account's live statuses, newest first, limit (default 20, at most 40)
// at a time, older than max_id when given; exclude_replies leaves out the
// statuses that reply to another. Reblogs are not simulated. The Link
// header names the next page (max_id: the last id of this one), as
// Mastodon paginates.
func (m *mastodon) accountStatuses(w http.ResponseWriter, r *http.Request, _ *mToken, accountID string) {
	q := r.URL.Query()
	limit := 20
	if v, err := strconv.Atoi(q.Get("limit")); err == nil && v > 0 {
		limit = min(v, 40)
	}
	maxID, _ := strconv.ParseInt(q.Get("max_id"), 10, 64)
	noReplies := q.Get("exclude_replies") == "true" || q.Get("exclude_replies") == "1"
	now, base := m.s.Config().Now(), m.base(r)
	m.mu.Lock()
	var found bool
	for _, u := range m.users {
		found = found || u.id == accountID
	}
	if !found {
		m.mu.Unlock()
		sim.WriteJSON(w, http.StatusNotFound, map[string]string{"error": errNotFound})
		return
	}
	var list []*mStatus
	for _, st := range m.statuses {
		if st.user.id != accountID || st.deleted || (noReplies && st.replyTo != "") {
			continue
		}
		if id, _ := strconv.ParseInt(st.id, 10, 64); maxID > 0 && id >= maxID {
			continue
		}
		list = append(list, st)
	}
	sort.Slice(list, func(i, j int) bool {
		a, _ := strconv.ParseInt(list[i].id, 10, 64)
		b, _ := strconv.ParseInt(list[j].id, 10, 64)
		return a > b
	})
	if len(list) > limit {
		list = list[:limit]
	}
	out := make([]mastStatusJSON, 0, len(list))
	for _, st := range list {
		out = append(out, m.statusJSON(base, st, now))
	}
	m.mu.Unlock()
	if len(list) > 0 {
		next := url.Values{"limit": {strconv.Itoa(limit)}, "max_id": {list[len(list)-1].id}}
		if noReplies {
			next.Set("exclude_replies", "true")
		}
		w.Header().Set("Link", `<`+base+`/api/v1/accounts/`+accountID+`/statuses?`+next.Encode()+`>; rel="next"`)
	}
	sim.WriteJSON(w, http.StatusOK, out)
}
