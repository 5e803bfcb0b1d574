package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

func (e *env) getPost(id string) postOut {
	e.t.Helper()
	res := e.as(rythme.RoleViewer, "GET", "/v1/posts/"+id, nil)
	expect(e.t, res, http.StatusOK)
	var p postOut
	res.decode(e.t, &p)
	return p
}

func TestCreatePost(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeFor(t))
	a1 := e.account(e.ws, "alice", rythme.AccountConnected)
	a2 := e.account(e.ws, "bob", rythme.AccountConnected)
	at := e.clock.Now().Add(2 * time.Hour).In(time.FixedZone("CET", 3600))
	res := e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{
		"content": "Hello, world", "scheduled_at": at.Format(time.RFC3339Nano), "timezone": "Europe/Paris",
		"targets": []map[string]string{{"account_id": a1.ID}, {"account_id": a2.ID, "content": "Hello, bob's people"}},
		"tags":    []string{"launch"}, "author": "Ada",
	})
	expect(t, res, http.StatusCreated)
	var p postOut
	res.decode(t, &p)
	if !rythme.ValidID(rythme.PrefixPost, p.ID) || p.Status != "scheduled" || p.Timezone != "Europe/Paris" || p.Author != "Ada" {
		t.Errorf("post %+v", p)
	}
	if !p.ScheduledAt.Equal(at.Truncate(time.Microsecond)) {
		t.Errorf("scheduled_at %v, want %v", p.ScheduledAt, at)
	}
	if len(p.Targets) != 2 || p.Targets[1].Content != "Hello, bob's people" || p.Targets[0].Network != "fakenet" {
		t.Fatalf("targets %+v", p.Targets)
	}
	for _, tg := range p.Targets {
		if tg.Status != "scheduled" || tg.Version != 1 || !rythme.ValidID(rythme.PrefixTarget, tg.ID) {
			t.Errorf("target %+v", tg)
		}
	}
	if refs := e.queue.take(); len(refs) != 0 {
		t.Errorf("a post due in 2h was enqueued at once: %+v", refs)
	}
	got := e.getPost(p.ID)
	if got.Content != p.Content || len(got.Targets) != 2 || got.Targets[1].Content != p.Targets[1].Content || got.Tags[0] != "launch" {
		t.Errorf("GET %+v, created %+v", got, p)
	}
}

func TestCreatePostEnqueuesDueTargets(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeFor(t))
	acc := e.account(e.ws, "alice", rythme.AccountConnected)
	tests := []struct {
		name string
		when string
		want bool
	}{
		{"now", "now", true},
		{"within the horizon", e.clock.Now().Add(30 * time.Minute).Format(time.RFC3339), true},
		{"beyond the horizon", e.clock.Now().Add(61 * time.Minute).Format(time.RFC3339), false},
	}
	for _, tt := range tests {
		res := e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{
			"content": "hi " + tt.name, "scheduled_at": tt.when, "targets": []map[string]string{{"account_id": acc.ID}},
		})
		expect(t, res, http.StatusCreated)
		var p postOut
		res.decode(t, &p)
		refs := e.queue.take()
		if !tt.want {
			if len(refs) != 0 {
				t.Errorf("%s: enqueued %+v", tt.name, refs)
			}
			continue
		}
		want := rythme.TargetRef{ID: p.Targets[0].ID, Version: 1, Network: "fakenet", ScheduledAt: p.Targets[0].ScheduledAt}
		if len(refs) != 1 || refs[0].ID != want.ID || refs[0].Version != 1 || refs[0].Network != "fakenet" || !refs[0].ScheduledAt.Equal(want.ScheduledAt) {
			t.Errorf("%s: enqueued %+v, want %+v", tt.name, refs, want)
		}
		if tt.when == "now" && !p.ScheduledAt.Equal(e.clock.Now().Truncate(time.Microsecond)) {
			t.Errorf("now: scheduled_at %v, clock %v", p.ScheduledAt, e.clock.Now())
		}
	}
}

func TestFailingQueueDoesNotFailTheRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeFor(t))
	e.queue.fn = func([]rythme.TargetRef) error { return errors.New("redis: connection refused") }
	acc := e.account(e.ws, "alice", rythme.AccountConnected)
	p := e.createPost("now-ish", time.Minute, acc)
	if got := e.getPost(p.ID); got.Status != "scheduled" {
		t.Errorf("post %+v", got)
	}
	if len(e.queue.take()) != 1 {
		t.Error("the queue was not tried")
	}
	if !strings.Contains(e.logs.String(), "enqueue publish failed") {
		t.Error("the enqueue failure was not logged")
	}
}

func TestCreatePostValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeFor(t))
	acc := e.account(e.ws, "alice", rythme.AccountConnected)
	acc2 := e.account(e.ws, "bob", rythme.AccountConnected)
	stale := e.account(e.ws, "carol", rythme.AccountNeedsReconnect)
	other := e.account(e.workspace("Other"), "mallory", rythme.AccountConnected)
	later := e.clock.Now().Add(2 * time.Hour).Format(time.RFC3339)
	target := []map[string]string{{"account_id": acc.ID}}
	base := func(over map[string]any) map[string]any {
		b := map[string]any{"content": "hello", "scheduled_at": later, "targets": target}
		for k, v := range over {
			if v == nil {
				delete(b, k)
			} else {
				b[k] = v
			}
		}
		return b
	}
	many := make([]string, rythme.MaxTags+1)
	for i := range many {
		many[i] = fmt.Sprint("t", i)
	}
	tests := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"empty content", base(map[string]any{"content": ""}), "content"},
		{"blank content", base(map[string]any{"content": "   "}), "content"},
		{"missing content", base(map[string]any{"content": nil}), "content"},
		{"too long for the network", base(map[string]any{"content": strings.Repeat("a", 101)}), "content"},
		{"variant too long", base(map[string]any{"targets": []map[string]string{{"account_id": acc.ID, "content": strings.Repeat("b", 101)}}}), "targets[0].content"},
		{"past", base(map[string]any{"scheduled_at": e.clock.Now().Add(-time.Second).Format(time.RFC3339Nano)}), "scheduled_at"},
		{"missing scheduled_at", base(map[string]any{"scheduled_at": nil}), "scheduled_at"},
		{"no offset", base(map[string]any{"scheduled_at": "2099-01-01T10:00:00"}), "scheduled_at"},
		{"not a time", base(map[string]any{"scheduled_at": "tomorrow"}), "scheduled_at"},
		{"no targets", base(map[string]any{"targets": []map[string]string{}}), "targets"},
		{"missing targets", base(map[string]any{"targets": nil}), "targets"},
		{"missing account id", base(map[string]any{"targets": []map[string]string{{"content": "x"}}}), "targets[0].account_id"},
		{"unknown account", base(map[string]any{"targets": []map[string]string{{"account_id": rythme.NewID(rythme.PrefixAccount)}}}), "targets[0].account_id"},
		{"malformed account id", base(map[string]any{"targets": []map[string]string{{"account_id": "acc_1"}}}), "targets[0].account_id"},
		{"other workspace's account", base(map[string]any{"targets": []map[string]string{{"account_id": other.ID}}}), "targets[0].account_id"},
		{"account not connected", base(map[string]any{"targets": []map[string]string{{"account_id": acc.ID}, {"account_id": stale.ID}}}), "targets[1].account_id"},
		{"account twice", base(map[string]any{"targets": []map[string]string{{"account_id": acc.ID}, {"account_id": acc2.ID}, {"account_id": acc.ID}}}), "targets[2].account_id"},
		{"bad timezone", base(map[string]any{"timezone": "Mars/Olympus"}), "timezone"},
		{"Local timezone", base(map[string]any{"timezone": "Local"}), "timezone"},
		{"too many tags", base(map[string]any{"tags": many}), "tags"},
		{"empty tag", base(map[string]any{"tags": []string{""}}), "tags[0]"},
		{"author too long", base(map[string]any{"author": strings.Repeat("x", rythme.MaxAuthorLength+1)}), "author"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.as(rythme.RoleEditor, "POST", "/v1/posts", tt.body)
			expect(t, res, http.StatusUnprocessableEntity)
			got := res.err(t)
			if got.Error.Code != rythme.EINVALID || !got.hasField(tt.field) {
				t.Errorf("error %+v, want field %s", got.Error, tt.field)
			}
		})
	}
	res := e.as(rythme.RoleViewer, "GET", "/v1/posts", nil)
	var list struct{ Data []postOut }
	res.decode(t, &list)
	if len(list.Data) != 0 {
		t.Errorf("invalid posts were created: %d", len(list.Data))
	}
	if len(e.queue.take()) != 0 {
		t.Error("invalid posts were enqueued")
	}
}

func TestListPosts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeFor(t))
	a1 := e.account(e.ws, "alice", rythme.AccountConnected)
	a2 := e.account(e.ws, "bob", rythme.AccountConnected)
	var ids []string
	for i := range 5 {
		acc := a1
		if i == 3 {
			acc = a2
		}
		ids = append(ids, e.createPost(fmt.Sprint("post ", i), time.Duration(i+2)*time.Hour, acc).ID)
	}
	var seen []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		path := "/v1/posts?limit=2"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		res := e.as(rythme.RoleViewer, "GET", path, nil)
		expect(t, res, http.StatusOK)
		var page struct {
			Data       []postOut `json:"data"`
			NextCursor string    `json:"next_cursor"`
		}
		res.decode(t, &page)
		if len(page.Data) > 2 {
			t.Fatalf("page of %d", len(page.Data))
		}
		for _, p := range page.Data {
			seen = append(seen, p.ID)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if fmt.Sprint(seen) != fmt.Sprint(ids) {
		t.Errorf("pages gave %v, want %v", seen, ids)
	}

	e.as(rythme.RoleEditor, "DELETE", "/v1/posts/"+ids[1], nil)
	from := e.clock.Now().Add(3*time.Hour + 30*time.Minute).Format(time.RFC3339)
	to := e.clock.Now().Add(5*time.Hour + 30*time.Minute).Format(time.RFC3339)
	filters := []struct {
		query string
		want  []string
	}{
		{"status=cancelled", ids[1:2]},
		{"account_id=" + a2.ID, ids[3:4]},
		{"from=" + url.QueryEscape(from) + "&to=" + url.QueryEscape(to), ids[2:4]},
		{"status=published", nil},
	}
	for _, f := range filters {
		res := e.as(rythme.RoleViewer, "GET", "/v1/posts?"+f.query, nil)
		expect(t, res, http.StatusOK)
		var page struct{ Data []postOut }
		res.decode(t, &page)
		var got []string
		for _, p := range page.Data {
			got = append(got, p.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(f.want) {
			t.Errorf("%s: %v, want %v", f.query, got, f.want)
		}
	}

	bad := []struct{ query, field string }{
		{"from=yesterday", "from"},
		{"to=2030-01-01", "to"},
		{"from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z", "to"},
		{"status=lost", "status"},
		{"limit=0", "limit"},
		{"limit=201", "limit"},
		{"limit=ten", "limit"},
		{"account_id=bob", "account_id"},
	}
	for _, b := range bad {
		res := e.as(rythme.RoleViewer, "GET", "/v1/posts?"+b.query, nil)
		expect(t, res, http.StatusUnprocessableEntity)
		if got := res.err(t); !got.hasField(b.field) {
			t.Errorf("%s: error %+v, want field %s", b.query, got.Error, b.field)
		}
	}
}

func TestEditPost(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeFor(t))
	acc := e.account(e.ws, "alice", rythme.AccountConnected)
	acc2 := e.account(e.ws, "bob", rythme.AccountConnected)
	p := e.createPost("first", 3*time.Hour, acc, acc2)

	res := e.as(rythme.RoleEditor, "PATCH", "/v1/posts/"+p.ID, map[string]any{
		"content": "second", "tags": []string{"x"},
		"targets": []map[string]string{{"account_id": acc2.ID, "content": "for bob"}},
	})
	expect(t, res, http.StatusOK)
	var got postOut
	res.decode(t, &got)
	if got.Content != "second" || got.Targets[0].Version != 2 || got.Targets[1].Content != "for bob" || got.Tags[0] != "x" {
		t.Errorf("edited %+v", got)
	}
	if refs := e.queue.take(); len(refs) != 0 {
		t.Errorf("a post due in 3h was enqueued: %+v", refs)
	}

	// Moving it into the horizon enqueues the new versions.
	soon := e.clock.Now().Add(10 * time.Minute)
	res = e.as(rythme.RoleEditor, "PATCH", "/v1/posts/"+p.ID, map[string]any{"scheduled_at": soon.Format(time.RFC3339Nano)})
	expect(t, res, http.StatusOK)
	res.decode(t, &got)
	refs := e.queue.take()
	if len(refs) != 2 || refs[0].Version != 3 || refs[1].Version != 3 || !refs[0].ScheduledAt.Equal(soon.Truncate(time.Microsecond)) {
		t.Errorf("enqueued %+v", refs)
	}
	if !got.Targets[0].ScheduledAt.Equal(soon.Truncate(time.Microsecond)) {
		t.Errorf("target scheduled_at %v", got.Targets[0].ScheduledAt)
	}

	bad := []struct {
		name  string
		body  any
		field string
	}{
		{"too long", map[string]any{"content": strings.Repeat("a", 101)}, "content"},
		{"variant too long", map[string]any{"targets": []map[string]string{{"account_id": acc.ID, "content": strings.Repeat("a", 101)}}}, "targets[0].content"},
		{"empty content", map[string]any{"content": ""}, "content"},
		{"past", map[string]any{"scheduled_at": e.clock.Now().Add(-time.Minute).Format(time.RFC3339)}, "scheduled_at"},
		{"empty scheduled_at", map[string]any{"scheduled_at": ""}, "scheduled_at"},
		{"not a target", map[string]any{"targets": []map[string]string{{"account_id": rythme.NewID(rythme.PrefixAccount), "content": "x"}}}, "targets"},
		{"bad timezone", map[string]any{"timezone": "Nowhere/Land"}, "timezone"},
		{"nothing", map[string]any{}, ""},
	}
	for _, b := range bad {
		res := e.as(rythme.RoleEditor, "PATCH", "/v1/posts/"+p.ID, b.body)
		expect(t, res, http.StatusUnprocessableEntity)
		if b.field != "" && !res.err(t).hasField(b.field) {
			t.Errorf("%s: error %+v, want field %s", b.name, res.err(t).Error, b.field)
		}
	}
	if after := e.getPost(p.ID); after.Content != "second" || after.Targets[0].Version != 3 {
		t.Errorf("a refused edit changed the post: %+v", after)
	}
	expect(t, e.as(rythme.RoleEditor, "PATCH", "/v1/posts/"+rythme.NewID(rythme.PrefixPost), map[string]any{"content": "x"}), http.StatusNotFound)

	// While a target is publishing: 409, and nothing changes.
	if _, err := e.store.ClaimTarget(context.Background(), got.Targets[0].ID, 3, e.clock.Now(), e.clock.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	res = e.as(rythme.RoleEditor, "PATCH", "/v1/posts/"+p.ID, map[string]any{"content": "third"})
	expect(t, res, http.StatusConflict)
	expect(t, e.as(rythme.RoleEditor, "DELETE", "/v1/posts/"+p.ID, nil), http.StatusConflict)
	if after := e.getPost(p.ID); after.Content != "second" || after.Status != "publishing" {
		t.Errorf("post %+v", after)
	}
}

func TestCancelPost(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeFor(t))
	acc := e.account(e.ws, "alice", rythme.AccountConnected)
	p := e.createPost("bye", time.Hour*2, acc)
	res := e.as(rythme.RoleEditor, "DELETE", "/v1/posts/"+p.ID, nil)
	expect(t, res, http.StatusOK)
	var got postOut
	res.decode(t, &got)
	if got.Status != "cancelled" || got.Targets[0].Status != "cancelled" || got.Targets[0].Version != 2 {
		t.Errorf("cancelled %+v", got)
	}
	expect(t, e.as(rythme.RoleEditor, "DELETE", "/v1/posts/"+p.ID, nil), http.StatusConflict)
	expect(t, e.as(rythme.RoleEditor, "PATCH", "/v1/posts/"+p.ID, map[string]any{"content": "again"}), http.StatusConflict)
	expect(t, e.as(rythme.RoleEditor, "DELETE", "/v1/posts/"+rythme.NewID(rythme.PrefixPost), nil), http.StatusNotFound)
}

// finish drives a target through a publish attempt to status.
func (e *env) finish(targetID string, version int, status rythme.TargetStatus) {
	e.t.Helper()
	ctx, now := context.Background(), e.clock.Now()
	if _, err := e.store.ClaimTarget(ctx, targetID, version, now, now.Add(time.Minute)); err != nil {
		e.t.Fatalf("claim: %v", err)
	}
	if _, err := e.store.FinishTarget(ctx, targetID, version, rythme.Outcome{Status: status, Error: "the network timed out", At: now}); err != nil {
		e.t.Fatalf("finish: %v", err)
	}
}

func TestResolveTarget(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeFor(t))
	a1 := e.account(e.ws, "alice", rythme.AccountConnected)
	a2 := e.account(e.ws, "bob", rythme.AccountConnected)
	p := e.createPost("maybe out", time.Minute, a1, a2)
	e.queue.take()
	t1, t2 := p.Targets[0].ID, p.Targets[1].ID
	e.finish(t1, 1, rythme.TargetUnconfirmed)
	e.finish(t2, 1, rythme.TargetFailed)
	path := func(tid string) string { return "/v1/posts/" + p.ID + "/targets/" + tid + "/resolve" }

	bad := []struct {
		name  string
		body  any
		field string
	}{
		{"no outcome", map[string]any{}, "outcome"},
		{"bad outcome", map[string]any{"outcome": "maybe"}, "outcome"},
		{"time without retry", map[string]any{"outcome": "failed", "scheduled_at": "now"}, "scheduled_at"},
		{"past retry", map[string]any{"outcome": "retry", "scheduled_at": "2001-01-01T00:00:00Z"}, "scheduled_at"},
		{"url without published", map[string]any{"outcome": "retry", "url": "https://x.example/1"}, "url"},
		{"bad url", map[string]any{"outcome": "published", "url": "javascript:alert(1)"}, "url"},
	}
	for _, b := range bad {
		res := e.as(rythme.RoleManager, "POST", path(t1), b.body)
		expect(t, res, http.StatusUnprocessableEntity)
		if !res.err(t).hasField(b.field) {
			t.Errorf("%s: %+v, want field %s", b.name, res.err(t).Error, b.field)
		}
	}

	res := e.as(rythme.RoleManager, "POST", path(t1), map[string]any{"outcome": "published", "url": "https://fake.example/@alice/1"})
	expect(t, res, http.StatusOK)
	var got postOut
	res.decode(t, &got)
	if got.Targets[0].Status != "published" {
		t.Errorf("resolved %+v", got.Targets[0])
	}
	// A failed target cannot be marked published; it can be retried.
	expect(t, e.as(rythme.RoleManager, "POST", path(t2), map[string]any{"outcome": "published"}), http.StatusConflict)
	res = e.as(rythme.RoleManager, "POST", path(t2), map[string]any{"outcome": "retry"})
	expect(t, res, http.StatusOK)
	res.decode(t, &got)
	if got.Targets[1].Status != "scheduled" || got.Status != "scheduled" {
		t.Errorf("retried %+v", got)
	}
	refs := e.queue.take()
	if len(refs) != 1 || refs[0].ID != t2 || refs[0].Version != got.Targets[1].Version {
		t.Errorf("retry enqueued %+v, want %s v%d", refs, t2, got.Targets[1].Version)
	}
	// Resolving a scheduled target is a conflict; unknown ids are 404.
	expect(t, e.as(rythme.RoleManager, "POST", path(t2), map[string]any{"outcome": "failed"}), http.StatusConflict)
	expect(t, e.as(rythme.RoleManager, "POST", path(rythme.NewID(rythme.PrefixTarget)), map[string]any{"outcome": "failed"}), http.StatusNotFound)
	expect(t, e.as(rythme.RoleManager, "POST", path("tgt_x"), map[string]any{"outcome": "failed"}), http.StatusNotFound)
}

func TestDisconnectAccountHoldsTargets(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeFor(t))
	acc := e.account(e.ws, "alice", rythme.AccountConnected)
	p := e.createPost("later", 3*time.Hour, acc)
	res := e.as(rythme.RoleManager, "DELETE", "/v1/accounts/"+acc.ID, nil)
	expect(t, res, http.StatusOK)
	var got rythme.Account
	res.decode(t, &got)
	if got.Status != rythme.AccountDisconnected {
		t.Errorf("account %+v", got)
	}
	if post := e.getPost(p.ID); post.Targets[0].Status != "held" {
		t.Errorf("target %+v", post.Targets[0])
	}
	res = e.as(rythme.RoleViewer, "GET", "/v1/accounts", nil)
	var list struct{ Data []rythme.Account }
	res.decode(t, &list)
	if len(list.Data) != 1 || list.Data[0].Status != rythme.AccountDisconnected {
		t.Errorf("accounts %+v", list.Data)
	}
	expect(t, e.as(rythme.RoleManager, "DELETE", "/v1/accounts/"+rythme.NewID(rythme.PrefixAccount), nil), http.StatusNotFound)
	expect(t, e.as(rythme.RoleManager, "DELETE", "/v1/accounts/acc_", nil), http.StatusNotFound)
}

func TestTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeFor(t))
	res := e.as(rythme.RoleAdmin, "POST", "/v1/tokens", map[string]any{"name": "ci", "role": "editor"})
	expect(t, res, http.StatusCreated)
	var created struct {
		ID, Name, Secret string
		Role             rythme.Role
	}
	res.decode(t, &created)
	if !strings.HasPrefix(created.Secret, rythme.TokenSecretPrefix) || len(created.Secret) < 40 || created.Role != rythme.RoleEditor {
		t.Fatalf("created %+v", created)
	}
	e.noLeak(created.Secret) // never again
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Error("the secret's response may be cached")
	}
	expect(t, e.do(req{method: "GET", path: "/v1/posts", secret: created.Secret}), http.StatusOK)
	expect(t, e.do(req{method: "GET", path: "/v1/tokens", secret: created.Secret}), http.StatusForbidden)

	res = e.as(rythme.RoleAdmin, "GET", "/v1/tokens", nil)
	expect(t, res, http.StatusOK)
	if !strings.Contains(string(res.Body), created.ID) {
		t.Error("the new token is not listed")
	}
	expect(t, e.as(rythme.RoleAdmin, "DELETE", "/v1/tokens/"+created.ID, nil), http.StatusNoContent)
	res = e.do(req{method: "GET", path: "/v1/posts", secret: created.Secret})
	expect(t, res, http.StatusUnauthorized)
	if res.Header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}

	bad := []struct {
		body  any
		field string
	}{
		{map[string]any{"name": "", "role": "editor"}, "name"},
		{map[string]any{"name": strings.Repeat("n", 101), "role": "editor"}, "name"},
		{map[string]any{"name": "x", "role": "owner"}, "role"},
		{map[string]any{"name": "x"}, "role"},
	}
	for _, b := range bad {
		res := e.as(rythme.RoleAdmin, "POST", "/v1/tokens", b.body)
		expect(t, res, http.StatusUnprocessableEntity)
		if !res.err(t).hasField(b.field) {
			t.Errorf("%v: %+v, want field %s", b.body, res.err(t).Error, b.field)
		}
	}
	expect(t, e.as(rythme.RoleAdmin, "DELETE", "/v1/tokens/"+rythme.NewID(rythme.PrefixToken), nil), http.StatusNotFound)
}

func TestAccountShowsHowEngagementReadsFare(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeFor(t))
	acc := e.account(e.ws, "alice", rythme.AccountConnected)
	ctx := context.Background()
	read := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	if err := e.store.RecordMetricsRead(ctx, acc.ID, read); err != nil {
		t.Fatal(err)
	}
	if err := e.store.RecordMetricsError(ctx, acc.ID, "HTTP 403: not allowed", read.Add(30*time.Minute), 3); err != nil {
		t.Fatal(err)
	}
	res := e.as(rythme.RoleViewer, "GET", "/v1/accounts/"+acc.ID, nil)
	expect(t, res, http.StatusOK)
	var got rythme.Account
	res.decode(t, &got)
	if got.ID != acc.ID || got.LastMetricsAt == nil || !got.LastMetricsAt.Equal(read) || got.LastMetricsError != "HTTP 403: not allowed" ||
		got.LastMetricsErrorAt == nil || got.MetricsFailures != 3 {
		t.Fatalf("account %+v", got)
	}
	var list struct{ Data []rythme.Account }
	e.as(rythme.RoleViewer, "GET", "/v1/accounts", nil).decode(t, &list)
	if len(list.Data) != 1 || list.Data[0].LastMetricsError != "HTTP 403: not allowed" || list.Data[0].MetricsFailures != 3 {
		t.Fatalf("accounts %+v", list.Data)
	}
	expect(t, e.as(rythme.RoleViewer, "GET", "/v1/accounts/"+rythme.NewID(rythme.PrefixAccount), nil), http.StatusNotFound)
	expect(t, e.as(rythme.RoleViewer, "GET", "/v1/accounts/acc_", nil), http.StatusNotFound)
	other := e.account(e.workspace("Other"), "mallory", rythme.AccountConnected)
	expect(t, e.as(rythme.RoleViewer, "GET", "/v1/accounts/"+other.ID, nil), http.StatusNotFound)
}

// TestCreatePostDryRun checks POST /v1/posts?dry_run=true: the same
// checks as a creation, the same 422 field errors, and nothing stored,
// queued or counted against a posting slot.
func TestCreatePostDryRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeFor(t))
	acc := e.account(e.ws, "alice", rythme.AccountConnected)
	later := e.clock.Now().Add(2 * time.Hour).Format(time.RFC3339)
	body := func(content, variant string) map[string]any {
		return map[string]any{"content": content, "scheduled_at": later,
			"targets": []map[string]string{{"account_id": acc.ID, "content": variant}}}
	}
	res := e.as(rythme.RoleEditor, "POST", "/v1/posts?dry_run=true", body("hello", ""))
	expect(t, res, http.StatusOK)
	var ok struct {
		Valid bool `json:"valid"`
	}
	res.decode(t, &ok)
	if !ok.Valid {
		t.Errorf("dry run of a valid post: %s", res.Body)
	}
	// Too long for the network (the test network allows 100), in the
	// variant only: the field names the target, as a creation's would.
	res = e.as(rythme.RoleEditor, "POST", "/v1/posts?dry_run=true", body("hello", strings.Repeat("b", 101)))
	expect(t, res, http.StatusUnprocessableEntity)
	if got := res.err(t); !got.hasField("targets[0].content") || got.hasField("content") {
		t.Errorf("dry run of a too long variant: %+v", got.Error)
	}
	// A viewer may not even validate: the route is an editor's.
	expect(t, e.as(rythme.RoleViewer, "POST", "/v1/posts?dry_run=true", body("hello", "")), http.StatusForbidden)
	// Anything but "true" creates.
	expect(t, e.as(rythme.RoleEditor, "POST", "/v1/posts?dry_run=no", body("created", "")), http.StatusCreated)

	res = e.as(rythme.RoleViewer, "GET", "/v1/posts", nil)
	var list struct{ Data []postOut }
	res.decode(t, &list)
	if len(list.Data) != 1 || list.Data[0].Content != "created" {
		t.Errorf("posts after the dry runs: %+v", list.Data)
	}
}
