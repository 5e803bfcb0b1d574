package linkedin

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// liMaxFinderCount is the most posts one page of the author finder gives
// (fakenet's choice: LinkedIn documents a default of 10).
const liMaxFinderCount = 100

// seedHistory gives member m its earlier posts (Config.HistoryDays),
// oldest first, as public posts of its own. Holds l.mu.
func (l *linkedin) seedHistory(m *liMember, now time.Time) {
	for _, h := range sim.History(l.s.Config().Seed, linkedinName, m.username, l.s.Config().HistoryDays) {
		p := &liPost{urn: "urn:li:share:" + l.newID(), author: "urn:li:person:" + m.sub, commentary: h.Text,
			visibility: "PUBLIC", user: m.username, created: now.Add(-h.Age)}
		l.posts[p.urn] = p
	}
}

// liEscape writes plain text as little text: every reserved character
// escaped with a backslash
// (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format).
func liEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(liReserved, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// findPosts is GET /rest/posts?q=author&author={urn}&count=…&start=…
// &sortBy=LAST_MODIFIED|CREATED, the Posts API's "Find Posts by Authors"
// (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api#find-posts-by-authors;
// scope r_member_social for a member's posts, r_organization_social for an
// organization's): the author's live posts, newest first, count at a time
// (default 10) from start, with paging {start, count, total}. A member may
// list only its own posts.
func (l *linkedin) findPosts(w http.ResponseWriter, r *http.Request, t *liToken) {
	q := r.URL.Query()
	if q.Get("q") != "author" {
		liFail(w, http.StatusBadRequest, 0, "ILLEGAL_ARGUMENT", "fakenet supports the author finder only (q=author)")
		return
	}
	author := q.Get("author")
	count, start := 10, 0
	if v := q.Get("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > liMaxFinderCount {
			liFail(w, http.StatusBadRequest, 0, "ILLEGAL_ARGUMENT", "Invalid count "+v)
			return
		}
		count = n
	}
	if v := q.Get("start"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			liFail(w, http.StatusBadRequest, 0, "ILLEGAL_ARGUMENT", "Invalid start "+v)
			return
		}
		start = n
	}
	if s := q.Get("sortBy"); s != "" && s != "LAST_MODIFIED" && s != "CREATED" {
		liFail(w, http.StatusBadRequest, 0, "ILLEGAL_ARGUMENT", "Invalid sortBy "+s)
		return
	}
	now := l.s.Config().Now()
	l.mu.Lock()
	m := l.member(t.user, now)
	if author != "urn:li:person:"+m.sub {
		l.mu.Unlock()
		liFail(w, http.StatusForbidden, 100, "ACCESS_DENIED", "Not enough permissions to access: GET /rest/posts for author "+author)
		return
	}
	var list []*liPost
	for _, p := range l.posts {
		if p.author == author && !p.deleted {
			list = append(list, p)
		}
	}
	// Posts are never edited here: last modified is created.
	sort.Slice(list, func(i, j int) bool {
		if !list[i].created.Equal(list[j].created) {
			return list[i].created.After(list[j].created)
		}
		return list[i].urn > list[j].urn
	})
	total := len(list)
	list = list[min(start, total):min(start+count, total)]
	elements := make([]map[string]any, 0, len(list))
	for _, p := range list {
		ms := p.created.UnixMilli()
		elements = append(elements, map[string]any{"id": p.urn, "author": p.author, "commentary": liEscape(p.commentary),
			"visibility": p.visibility, "lifecycleState": "PUBLISHED", "distribution": map[string]any{"feedDistribution": "MAIN_FEED"},
			"isReshareDisabledByAuthor": false, "createdAt": ms, "publishedAt": ms, "lastModifiedAt": ms})
	}
	l.mu.Unlock()
	links := []map[string]any{}
	if start+count < total {
		next := url.Values{"q": {"author"}, "author": {author}, "count": {strconv.Itoa(count)}, "start": {strconv.Itoa(start + count)}}
		links = append(links, map[string]any{"type": "application/json", "rel": "next", "href": "/rest/posts?" + next.Encode()})
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"paging": map[string]any{"start": start, "count": count, "total": total, "links": links},
		"elements": elements})
}
