package linkedin_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/fakenet/internal/fntest"
)

// TestLinkedInFindPostsByAuthor: GET /rest/posts?q=author lists the
// member's own posts, its earlier ones included (HistoryDays), newest
// first, count at a time from start, with paging.total; the commentary
// is little text; it needs r_member_social (or r_organization_social),
// and a member may not list another author's posts.
func TestLinkedInFindPostsByAuthor(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{Seed: 5, HistoryDays: 90})
	tok := liConnect(t, e, "cid", "alice", "openid profile w_member_social r_member_social")["access_token"].(string)
	urn := liUserURN(t, e, tok)
	type page struct {
		Paging struct {
			Start, Count, Total int
		} `json:"paging"`
		Elements []struct {
			ID, Author, Commentary, LifecycleState string
			CreatedAt                              int64
		} `json:"elements"`
	}
	find := func(token, author string, start, count int) (int, page) {
		q := url.Values{"q": {"author"}, "author": {author}, "sortBy": {"CREATED"}, "count": {strconv.Itoa(count)}, "start": {strconv.Itoa(start)}}
		var p page
		hdr := map[string]string{"LinkedIn-Version": "202605", "X-Restli-Protocol-Version": "2.0.0", "X-RestLi-Method": "FINDER"}
		resp := fntest.Do(t, "GET", e.HTTP.URL+"/linkedin/rest/posts?"+q.Encode(), token, nil, hdr, &p)
		return resp.StatusCode, p
	}
	var created []int64
	seen := map[string]bool{}
	for start := 0; ; start += 7 {
		status, p := find(tok, urn, start, 7)
		if status != 200 || p.Paging.Start != start || len(p.Elements) > 7 {
			t.Fatalf("start %d: %d %+v", start, status, p.Paging)
		}
		for _, el := range p.Elements {
			if seen[el.ID] || el.Author != urn || el.LifecycleState != "PUBLISHED" || !strings.HasPrefix(el.ID, "urn:li:share:") {
				t.Fatalf("element %+v (seen %v)", el, seen[el.ID])
			}
			if !strings.Contains(el.Commentary, `\#`) || !strings.Contains(el.Commentary, `\@alice`) {
				t.Errorf("commentary %q is not little text", el.Commentary)
			}
			seen[el.ID] = true
			created = append(created, el.CreatedAt)
		}
		if start+7 >= p.Paging.Total {
			if len(created) != p.Paging.Total {
				t.Fatalf("%d posts listed, total %d", len(created), p.Paging.Total)
			}
			break
		}
	}
	if len(created) < 25 {
		t.Fatalf("%d earlier posts over 90 days", len(created))
	}
	for i := 1; i < len(created); i++ {
		if created[i] > created[i-1] {
			t.Fatalf("post %d is newer than the one before", i)
		}
	}
	if status, _ := find(tok, "urn:li:person:someoneelse", 0, 10); status != 403 {
		t.Errorf("another member's posts: %d, want 403", status)
	}
	if status, _ := find(tok, urn, 0, 101); status != 400 {
		t.Errorf("count 101: %d, want 400", status)
	}
	plain := liConnect(t, e, "cid", "bob", "openid profile w_member_social")["access_token"].(string)
	if status, _ := find(plain, liUserURN(t, e, plain), 0, 10); status != 403 {
		t.Errorf("without r_member_social: %d, want 403", status)
	}
}
