package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// newPostAPI creates a post on acc at `at` through the API and returns its id.
func (e *env) newPostAPI(t *testing.T, acc *rythme.Account, content string, at time.Time, tags ...string) string {
	t.Helper()
	if tags == nil {
		tags = []string{}
	}
	res := e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": content,
		"scheduled_at": at.UTC().Format(time.RFC3339), "targets": []map[string]string{{"account_id": acc.ID}}, "tags": tags})
	expect(t, res, http.StatusCreated)
	var p struct {
		ID string `json:"id"`
	}
	res.decode(t, &p)
	return p.ID
}

func TestBulkPosts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	at := e.clock.Now().Add(48 * time.Hour).Truncate(time.Minute)
	p1 := e.newPostAPI(t, acc, "one", at)
	p2 := e.newPostAPI(t, acc, "two", at.Add(time.Hour))
	other := e.workspace("Other")
	oacc := e.account(other, "theirs", rythme.AccountConnected)
	secret, _ := e.token(other, rythme.RoleEditor)
	res := e.do(req{method: "POST", path: "/v1/posts", secret: secret, body: map[string]any{"content": "theirs",
		"scheduled_at": at.UTC().Format(time.RFC3339), "targets": []map[string]string{{"account_id": oacc.ID}}}})
	expect(t, res, http.StatusCreated)
	var theirs struct {
		ID string `json:"id"`
	}
	res.decode(t, &theirs)

	res = e.as(rythme.RoleEditor, "POST", "/v1/posts/bulk", map[string]any{"action": "reschedule",
		"post_ids": []string{p1, theirs.ID, p2}, "shift_days": 1, "shift_minutes": -30, "timezone": "Europe/Paris"})
	expect(t, res, http.StatusOK)
	var out struct {
		Data []struct {
			ID   string `json:"id"`
			OK   bool   `json:"ok"`
			Post *struct {
				ScheduledAt time.Time `json:"scheduled_at"`
			} `json:"post"`
			Error *struct {
				Code string `json:"code"`
			} `json:"error"`
		} `json:"data"`
		Succeeded int `json:"succeeded"`
		Failed    int `json:"failed"`
	}
	res.decode(t, &out)
	if out.Succeeded != 2 || out.Failed != 1 || len(out.Data) != 3 {
		t.Fatalf("bulk: %s", res.Body)
	}
	if d := out.Data[0]; !d.OK || d.ID != p1 || !d.Post.ScheduledAt.Equal(at.Add(24*time.Hour-30*time.Minute)) {
		t.Fatalf("p1: %s", res.Body)
	}
	if d := out.Data[1]; d.OK || d.Error == nil || d.Error.Code != rythme.ENOTFOUND || d.Post != nil {
		t.Fatalf("another workspace's post must be not found: %s", res.Body)
	}
	var got struct {
		ScheduledAt time.Time `json:"scheduled_at"`
	}
	e.do(req{method: "GET", path: "/v1/posts/" + theirs.ID, secret: secret}).decode(t, &got)
	if !got.ScheduledAt.Equal(at) {
		t.Fatalf("another workspace's post moved to %v", got.ScheduledAt)
	}

	expect(t, e.as(rythme.RoleViewer, "POST", "/v1/posts/bulk", map[string]any{"action": "cancel", "post_ids": []string{p1}}), http.StatusForbidden)
	res = e.as(rythme.RoleEditor, "POST", "/v1/posts/bulk", map[string]any{"action": "cancel", "post_ids": []string{p1, "nope"}})
	expect(t, res, http.StatusUnprocessableEntity)
	if !res.err(t).hasField("post_ids[1]") {
		t.Fatalf("a bad id is named: %s", res.Body)
	}
	res = e.as(rythme.RoleEditor, "POST", "/v1/posts/bulk", map[string]any{"action": "cancel", "post_ids": []string{p1, p2}})
	expect(t, res, http.StatusOK)
	res.decode(t, &out)
	if out.Succeeded != 2 {
		t.Fatalf("cancel both: %s", res.Body)
	}
	res = e.as(rythme.RoleViewer, "GET", "/v1/posts?status=cancelled", nil)
	var list struct {
		Data []struct{ ID string } `json:"data"`
	}
	res.decode(t, &list)
	if len(list.Data) != 2 {
		t.Fatalf("cancelled posts: %s", res.Body)
	}
}

func TestListPostsFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	at := e.clock.Now().Add(48 * time.Hour)
	tagged := e.newPostAPI(t, acc, "tagged", at, "launch")
	e.newPostAPI(t, acc, "plain", at.Add(time.Hour))
	count := func(q string) int {
		t.Helper()
		res := e.as(rythme.RoleViewer, "GET", "/v1/posts?"+q, nil)
		expect(t, res, http.StatusOK)
		var list struct {
			Data []struct{ ID string } `json:"data"`
		}
		res.decode(t, &list)
		if q == "tag=launch" && (len(list.Data) != 1 || list.Data[0].ID != tagged) {
			t.Fatalf("tag filter: %s", res.Body)
		}
		return len(list.Data)
	}
	for q, want := range map[string]int{"": 2, "tag=launch": 1, "network=fakenet": 2, "tag=nothing": 0,
		"network=fakenet&status=scheduled": 2, "campaign_id=" + rythme.NewID(rythme.PrefixCampaign): 0} {
		if n := count(q); n != want {
			t.Errorf("%q: %d posts, want %d", q, n, want)
		}
	}
	for q, field := range map[string]string{"network=myspace": "network", "campaign_id=pst_x": "campaign_id",
		"series_id=bad": "series_id", "account_id=x": "account_id"} {
		for _, path := range []string{"/v1/posts?", "/v1/calendar?from=2030-01-01&to=2030-01-08&"} {
			res := e.as(rythme.RoleViewer, "GET", path+q, nil)
			expect(t, res, http.StatusUnprocessableEntity)
			if !res.err(t).hasField(field) {
				t.Errorf("%s%s: %s", path, q, res.Body)
			}
		}
	}
}
