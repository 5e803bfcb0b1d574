package x_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/rythmehq/rythme/fakenet"
)

// TestXUserTimeline: GET /2/users/:id/tweets lists the user's own posts,
// its earlier ones included (HistoryDays), newest first, within
// start_time, max_results at a time, paged by next_token until none;
// exclude=replies leaves out replies; it refuses what X refuses.
func TestXUserTimeline(t *testing.T) {
	t.Parallel()
	e := startX(t, fakenet.Config{Seed: 7, HistoryDays: 90})
	access, _ := e.connect(t, "alice")
	var me struct {
		Data struct{ ID string } `json:"data"`
	}
	xDo(t, "GET", e.base+"/2/users/me", access, "", nil, &me)
	type page struct {
		Data []struct {
			ID        string    `json:"id"`
			CreatedAt time.Time `json:"created_at"`
		} `json:"data"`
		Meta struct {
			ResultCount int    `json:"result_count"`
			NextToken   string `json:"next_token"`
		} `json:"meta"`
	}
	list := func(q url.Values) (int, page) {
		var p page
		resp := xDo(t, "GET", e.base+"/2/users/"+me.Data.ID+"/tweets?"+q.Encode(), access, "", nil, &p)
		return resp.StatusCode, p
	}
	var all []time.Time
	seen := map[string]bool{}
	q := url.Values{"max_results": {"10"}, "exclude": {"retweets,replies"}, "post.fields": {"created_at,public_metrics"}}
	for pages := 0; ; pages++ {
		status, p := list(q)
		if status != 200 || p.Meta.ResultCount != len(p.Data) || len(p.Data) > 10 || pages > 20 {
			t.Fatalf("page %d: %d %+v", pages, status, p.Meta)
		}
		for _, d := range p.Data {
			if seen[d.ID] {
				t.Fatalf("post %s listed twice", d.ID)
			}
			seen[d.ID] = true
			all = append(all, d.CreatedAt)
		}
		if p.Meta.NextToken == "" {
			break
		}
		q.Set("pagination_token", p.Meta.NextToken)
	}
	if len(all) < 25 {
		t.Fatalf("%d earlier posts over 90 days", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].After(all[i-1]) {
			t.Fatalf("post %d is newer than the one before", i)
		}
	}
	start := all[0].Add(-30 * 24 * time.Hour)
	_, recent := list(url.Values{"max_results": {"100"}, "start_time": {start.UTC().Format(time.RFC3339)}, "post.fields": {"created_at"}})
	for _, d := range recent.Data {
		if d.CreatedAt.Before(start.Truncate(time.Second)) {
			t.Errorf("post of %s before start_time %s", d.CreatedAt, start)
		}
	}
	if len(recent.Data) == 0 || len(recent.Data) >= len(all) {
		t.Errorf("start_time 30 days back: %d of %d posts", len(recent.Data), len(all))
	}
	for _, bad := range []url.Values{{"max_results": {"4"}}, {"max_results": {"101"}}, {"tweet.fields": {"public_metrics"}},
		{"exclude": {"quotes"}}, {"start_time": {"yesterday"}}, {"pagination_token": {"nope"}}} {
		if status, _ := list(bad); status != 400 {
			t.Errorf("%v: %d, want 400", bad, status)
		}
	}
	var missing map[string]any
	if resp := xDo(t, "GET", e.base+"/2/users/42/tweets", access, "", nil, &missing); resp.StatusCode != 404 {
		t.Errorf("an unknown user: %d", resp.StatusCode)
	}
}
