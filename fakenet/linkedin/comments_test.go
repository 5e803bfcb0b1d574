package linkedin_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/fakenet/internal/fntest"
)

// liCall sends a versioned /rest/ request with a JSON body (nil: none)
// and decodes the answer.
func liCall(t *testing.T, e *fntest.Env, token, method, path string, body any) (*http.Response, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, e.HTTP.URL+"/linkedin"+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	for k, v := range liHeaders {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &out)
	return resp, out
}

// TestLinkedInNestedComments: a nested comment is created under a
// top-level comment with object the post's activity and parentComment the
// comment of the path (201, its URN in x-restli-id); it is listed under
// the comment and, with parentComment, in the post's list. A wrong
// parentComment or object, an unknown comment and a comment under a
// nested one are refused.
func TestLinkedInNestedComments(t *testing.T) {
	t.Parallel()
	e := fntest.Start(t, fakenet.Config{})
	tok := liConnect(t, e, "app", "alice", "openid profile w_member_social r_member_social")["access_token"].(string)
	me := liUserURN(t, e, tok)
	resp, _ := liPost(t, e, tok, map[string]any{"author": me, "commentary": "Ask us", "visibility": "PUBLIC",
		"distribution": map[string]any{"feedDistribution": "MAIN_FEED"}, "lifecycleState": "PUBLISHED"}, liHeaders)
	post := resp.Header.Get("X-RestLi-Id")
	if resp.StatusCode != http.StatusCreated || post == "" {
		t.Fatalf("post: %d %q", resp.StatusCode, post)
	}
	e.Clock.Advance(24 * time.Hour)
	comments := "/rest/socialActions/" + url.PathEscape(post) + "/comments"
	_, list := liCall(t, e, tok, http.MethodGet, comments+"?count=100", nil)
	els, _ := list["elements"].([]any)
	if len(els) == 0 {
		t.Fatalf("no comment on the post: %v", list)
	}
	first := els[0].(map[string]any)
	parent, activity := first["commentUrn"].(string), first["object"].(string)
	under := "/rest/socialActions/" + url.PathEscape(parent) + "/comments"
	body := func(object, parentComment string) map[string]any {
		return map[string]any{"actor": me, "object": object, "message": map[string]string{"text": "thanks"}, "parentComment": parentComment}
	}
	for _, c := range []struct {
		name, path string
		body       map[string]any
		want       int
	}{
		{"another parentComment", under, body(activity, "urn:li:comment:("+activity+",1)"), http.StatusUnprocessableEntity},
		{"another object", under, body("urn:li:activity:1", parent), http.StatusUnprocessableEntity},
		{"an unknown comment", "/rest/socialActions/" + url.PathEscape("urn:li:comment:("+activity+",1)") + "/comments", body(activity, "urn:li:comment:("+activity+",1)"), http.StatusNotFound},
	} {
		if resp, out := liCall(t, e, tok, http.MethodPost, c.path, c.body); resp.StatusCode != c.want {
			t.Errorf("%s: %d %v, want %d", c.name, resp.StatusCode, out, c.want)
		}
	}
	resp, out := liCall(t, e, tok, http.MethodPost, under, body(activity, parent))
	nested := resp.Header.Get("X-RestLi-Id")
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(nested, "urn:li:comment:("+activity+",") || out["parentComment"] != parent {
		t.Fatalf("nested comment: %d %q %v", resp.StatusCode, nested, out)
	}
	_, list = liCall(t, e, tok, http.MethodGet, under, nil)
	if els, _ := list["elements"].([]any); len(els) != 1 || els[0].(map[string]any)["commentUrn"] != nested {
		t.Fatalf("the comment's nested comments: %v, want %s only", list, nested)
	}
	_, list = liCall(t, e, tok, http.MethodGet, comments+"?count=100", nil)
	found := false
	for _, el := range list["elements"].([]any) {
		if m := el.(map[string]any); m["commentUrn"] == nested {
			found = m["parentComment"] == parent && m["actor"] == me
		}
	}
	if !found {
		t.Fatalf("the post's list has no nested comment %s under %s: %v", nested, parent, list)
	}
	deeper := "/rest/socialActions/" + url.PathEscape(nested) + "/comments"
	if resp, out := liCall(t, e, tok, http.MethodPost, deeper, body(activity, nested)); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a comment under a nested one: %d %v, want 422", resp.StatusCode, out)
	}
}
