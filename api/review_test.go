package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

type reviewedPost struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Review  string `json:"review"`
	Targets []struct {
		Status  string `json:"status"`
		Version int    `json:"version"`
	} `json:"targets"`
}

func TestReviewBeforePublishing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	expect(t, e.as(rythme.RoleManager, "PATCH", "/v1/workspace", map[string]any{"approval_required": true}), http.StatusForbidden)
	res := e.as(rythme.RoleAdmin, "PATCH", "/v1/workspace", map[string]any{"approval_required": true})
	expect(t, res, http.StatusOK)
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	decode := func(res *response) reviewedPost {
		var p reviewedPost
		res.decode(t, &p)
		return p
	}
	enqueued := func() int { return len(e.queue.take()) }
	// An editor's post is a draft: nothing is queued.
	res = e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": "For review",
		"scheduled_at": e.clock.Now().Add(10 * time.Minute).Format(time.RFC3339), "targets": []map[string]string{{"account_id": acc.ID}}})
	expect(t, res, http.StatusCreated)
	p := decode(res)
	if p.Status != "draft" || p.Review != "draft" || p.Targets[0].Status != "draft" || enqueued() != 0 {
		t.Fatalf("an editor's post in a reviewed workspace: %+v", p)
	}
	path := "/v1/posts/" + p.ID
	p = decode(e.as(rythme.RoleEditor, "POST", path+"/submit", nil))
	if p.Status != "pending_review" || enqueued() != 0 {
		t.Fatalf("submitted: %+v", p)
	}
	expect(t, e.as(rythme.RoleEditor, "POST", path+"/approve", nil), http.StatusForbidden)
	if res := e.as(rythme.RoleManager, "POST", path+"/reject", map[string]string{}); res.Status != http.StatusUnprocessableEntity || !res.err(t).hasField("comment") {
		t.Fatalf("reject without a reason: %d %s", res.Status, res.Body)
	}
	p = decode(e.as(rythme.RoleManager, "POST", path+"/reject", map[string]string{"comment": "Add the event link"}))
	if p.Status != "rejected" {
		t.Fatalf("rejected: %+v", p)
	}
	expect(t, e.as(rythme.RoleManager, "POST", path+"/approve", nil), http.StatusConflict) // not pending
	expect(t, e.as(rythme.RoleEditor, "PATCH", path, map[string]any{"content": "For review https://example.com/event"}), http.StatusOK)
	e.as(rythme.RoleEditor, "POST", path+"/submit", nil)
	p = decode(e.as(rythme.RoleManager, "POST", path+"/approve", map[string]string{"comment": "Thanks"}))
	if p.Status != "scheduled" || p.Review != "approved" || enqueued() != 1 {
		t.Fatalf("approved: %+v (queued %d)", p, enqueued())
	}
	// An editor's change to an approved post sends it back to review.
	p = decode(e.as(rythme.RoleEditor, "PATCH", path, map[string]any{"content": "Changed after approval"}))
	if p.Status != "pending_review" || p.Targets[0].Status != "draft" || enqueued() != 0 {
		t.Fatalf("edited after approval: %+v", p)
	}
	var hist struct {
		Data []rythme.PostEvent `json:"data"`
	}
	e.as(rythme.RoleViewer, "GET", path+"/history", nil).decode(t, &hist)
	var got []string
	for _, ev := range hist.Data {
		got = append(got, ev.Action+":"+ev.Actor)
	}
	want := "created:editor submitted:editor rejected:manager edited:editor submitted:editor approved:manager edited:editor returned_to_review:editor"
	if strings.Join(got, " ") != want {
		t.Fatalf("history\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if hist.Data[2].Comment != "Add the event link" {
		t.Fatalf("the rejection's reason is not kept: %+v", hist.Data[2])
	}
	// A manager's post needs no review.
	res = e.as(rythme.RoleManager, "POST", "/v1/posts", map[string]any{"content": "Straight out",
		"scheduled_at": e.clock.Now().Add(10 * time.Minute).Format(time.RFC3339), "targets": []map[string]string{{"account_id": acc.ID}}})
	if p := decode(res); p.Status != "scheduled" {
		t.Fatalf("a manager's post: %+v", p)
	}

	// Without the setting, an editor's explicit draft is scheduled when submitted.
	e.as(rythme.RoleAdmin, "PATCH", "/v1/workspace", map[string]any{"approval_required": false})
	res = e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": "Later", "draft": true,
		"scheduled_at": e.clock.Now().Add(10 * time.Minute).Format(time.RFC3339), "targets": []map[string]string{{"account_id": acc.ID}}})
	d := decode(res)
	if d.Status != "draft" {
		t.Fatalf("explicit draft: %+v", d)
	}
	if p := decode(e.as(rythme.RoleEditor, "POST", "/v1/posts/"+d.ID+"/submit", nil)); p.Status != "scheduled" {
		t.Fatalf("submitted without approval: %+v", p)
	}
}
