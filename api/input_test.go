package api_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// A JSON operation reads only a body declared as JSON: text/plain, a form,
// another charset or no Content-Type at all answer 415, in the one error
// shape the OpenAPI document lists (issue 12).
func TestJSONBodyNeedsJSONContentType(t *testing.T) {
	t.Parallel()
	withDir, _ := withMedia(t, 1<<20)
	e := newEnv(t, storetest.SQLite(t), withDir)
	acc := e.account(e.ws, "alice", rythme.AccountConnected)
	body := fmt.Sprintf(`{"content": "hello", "scheduled_at": %q, "targets": [{"account_id": %q}]}`,
		e.clock.Now().Add(3*time.Hour).Format(time.RFC3339), acc.ID)
	post := func(ct string) *response {
		h := map[string]string{"Content-Type": ct}
		if ct == "" {
			h = map[string]string{"Content-Type": ""} // the helper's default removed
		}
		return e.do(req{method: "POST", path: "/v1/posts", secret: e.secrets[rythme.RoleEditor], body: body, header: h})
	}
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1",
		"application/xml", "", "not a media type"} {
		res := post(ct)
		if res.Status != http.StatusUnsupportedMediaType || res.err(t).Error.Code != rythme.EUNSUPPORTED {
			t.Errorf("Content-Type %q: %d %s, want 415 %s", ct, res.Status, res.Body, rythme.EUNSUPPORTED)
		}
	}
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON; charset=UTF-8"} {
		expect(t, post(ct), http.StatusCreated)
	}
	if posts := e.as(rythme.RoleViewer, "GET", "/v1/posts", nil); !bytes.Contains(posts.Body, []byte(`"hello"`)) {
		t.Fatalf("posts made with JSON bodies are missing: %s", posts.Body)
	}
	// An empty body without a Content-Type is still "the body is empty".
	if res := e.do(req{method: "PATCH", path: "/v1/workspace", secret: e.secrets[rythme.RoleAdmin]}); res.Status != http.StatusBadRequest {
		t.Errorf("empty body: %d %s, want 400", res.Status, res.Body)
	}
	// The import and the upload read their own formats, and say 415 too.
	if res := e.do(req{method: "POST", path: "/v1/posts/import", secret: e.secrets[rythme.RoleEditor], body: "x",
		header: map[string]string{"Content-Type": "text/plain"}}); res.Status != http.StatusUnsupportedMediaType {
		t.Errorf("import as text/plain: %d %s", res.Status, res.Body)
	}
	if res := e.do(req{method: "POST", path: "/v1/media", secret: e.secrets[rythme.RoleEditor], body: `{"file": "x"}`}); res.Status != http.StatusUnsupportedMediaType {
		t.Errorf("media as JSON: %d %s", res.Status, res.Body)
	}
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.Close()
	if res := e.do(req{method: "POST", path: "/v1/media", secret: e.secrets[rythme.RoleEditor], body: mp.Bytes(),
		header: map[string]string{"Content-Type": "multipart/form-data"}}); res.Status != http.StatusBadRequest {
		t.Errorf("multipart without a boundary: %d %s, want 400", res.Status, res.Body)
	}
}

// Every post status the API shows can be listed by: draft,
// pending_review and rejected included (pending_review answered 422).
func TestListPostsByEveryPostStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	expect(t, e.as(rythme.RoleAdmin, "PATCH", "/v1/workspace", map[string]any{"approval_required": true}), http.StatusOK)
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	create := func(content string) string {
		res := e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": content,
			"scheduled_at": e.clock.Now().Add(time.Hour).Format(time.RFC3339), "targets": []map[string]string{{"account_id": acc.ID}}})
		expect(t, res, http.StatusCreated)
		var p reviewedPost
		res.decode(t, &p)
		return p.ID
	}
	draft, pending, rejected := create("draft"), create("pending"), create("rejected")
	expect(t, e.as(rythme.RoleEditor, "POST", "/v1/posts/"+pending+"/submit", nil), http.StatusOK)
	expect(t, e.as(rythme.RoleEditor, "POST", "/v1/posts/"+rejected+"/submit", nil), http.StatusOK)
	expect(t, e.as(rythme.RoleManager, "POST", "/v1/posts/"+rejected+"/reject", map[string]string{"comment": "no"}), http.StatusOK)
	for status, want := range map[string][]string{"pending_review": {pending}, "rejected": {rejected},
		"draft": {draft, pending, rejected}, "scheduled": nil} {
		res := e.as(rythme.RoleViewer, "GET", "/v1/posts?status="+status, nil)
		expect(t, res, http.StatusOK)
		var page struct{ Data []reviewedPost }
		res.decode(t, &page)
		var got []string
		for _, p := range page.Data {
			got = append(got, p.ID)
			if status != "draft" && p.Status != status {
				t.Errorf("status=%s listed a post whose status is %s", status, p.Status)
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("status=%s: %v, want %v", status, got, want)
		}
	}
	day := e.clock.Now().UTC()
	res := e.as(rythme.RoleViewer, "GET", "/v1/calendar?from="+day.Format("2006-01-02")+"&to="+day.AddDate(0, 0, 2).Format("2006-01-02")+
		"&status=pending_review", nil)
	expect(t, res, http.StatusOK)
	if !bytes.Contains(res.Body, []byte(pending)) || bytes.Contains(res.Body, []byte(draft)) || bytes.Contains(res.Body, []byte(rejected)) {
		t.Errorf("calendar status=pending_review: %s", res.Body)
	}
	if res := e.as(rythme.RoleViewer, "GET", "/v1/posts?status=lost", nil); res.Status != http.StatusUnprocessableEntity || !res.err(t).hasField("status") {
		t.Errorf("status=lost: %d %s", res.Status, res.Body)
	}
}

// The OpenAPI document lists the same post statuses as the domain, in the
// post and in the filters that take one.
func TestOpenAPIPostStatusesMatchDomain(t *testing.T) {
	doc := loadDoc(t).doc
	enum := func(v any) []string {
		var out []string
		for _, s := range v.(map[string]any)["enum"].([]any) {
			out = append(out, s.(string))
		}
		slices.Sort(out)
		return out
	}
	want := slices.Clone(rythme.PostStatuses)
	slices.Sort(want)
	post := doc["components"].(map[string]any)["schemas"].(map[string]any)["Post"].(map[string]any)["properties"].(map[string]any)["status"]
	if got := enum(post); !slices.Equal(got, want) {
		t.Errorf("Post.status enum %v, want %v", got, want)
	}
	for _, path := range []string{"/v1/posts", "/v1/calendar"} {
		op := doc["paths"].(map[string]any)[path].(map[string]any)["get"].(map[string]any)
		found := false
		for _, p := range op["parameters"].([]any) {
			if p := p.(map[string]any); p["name"] == "status" {
				found = true
				if got := enum(p["schema"]); !slices.Equal(got, want) {
					t.Errorf("GET %s status enum %v, want %v", path, got, want)
				}
			}
		}
		if !found {
			t.Errorf("GET %s documents no status filter", path)
		}
	}
}

// The body limit holds on every route, the unauthenticated ones included,
// and the document says so (each operation has its 4xx).
func TestOpsRoutesRefuseOversizedBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	big := bytes.Repeat([]byte("x"), 2<<20)
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/openapi.json", "/"} {
		if res := e.do(req{method: "GET", path: path, body: big}); res.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("GET %s with a 2 MiB body: %d, want 413", path, res.Status)
		}
	}
}
