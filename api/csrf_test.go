package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rythmehq/rythme"
)

// Every write the router serves with a member's session is refused from
// another site (CSRF), whatever the route: the walk covers routes added
// later too. The check comes before anything else (no 404 for the made-up
// ids, no 422 for the empty bodies), and the session still works from the
// dashboard's own origin afterwards.
func TestCSRFRefusedOnEveryCookieWrite(t *testing.T) {
	t.Parallel()
	e := newEnv(t, backends[0].open(t))
	e.newMember("ada@example.com", "Ada", "analytical engine", e.ws, rythme.RoleAdmin)
	br := e.browser()
	br.signIn("ada@example.com", "analytical engine")
	forged := []map[string]string{
		{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
		{"Sec-Fetch-Site": "same-site", "Origin": "https://sub.rythme.test"},
		{"Origin": "https://evil.example"}, // an older browser: no fetch metadata
	}
	n := 0
	for _, r := range routes(t, e.h) {
		key := r.Method + " " + r.Path
		if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions || public[key] {
			continue
		}
		n++
		path := concrete(r.Path)
		for _, h := range forged {
			res := br.do(r.Method, path, bodyFor(r.Method), h)
			if res.Status != http.StatusForbidden || !strings.Contains(string(res.Body), "cross-origin") {
				t.Errorf("%s from %s with the session cookie: %d %s, want 403 cross-origin", key, h["Origin"], res.Status, res.Body)
			}
		}
	}
	if n < 30 {
		t.Fatalf("only %d cookie-authenticated write routes walked", n)
	}
	// Still signed in, and the dashboard's own writes go through.
	expect(t, br.do("GET", "/v1/me", nil, nil), http.StatusOK)
	expect(t, br.do("POST", "/v1/calendar/feeds", map[string]string{"name": "ours"}, map[string]string{"Sec-Fetch-Site": "same-origin"}), http.StatusCreated)
}

// A viewer writes nothing through any write route of the router (the
// calls the dashboard makes and every other): 403, except signing itself
// out, choosing its workspace and changing its password, which are its own.
func TestViewerWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, backends[0].open(t))
	e.newMember("vic@example.com", "Vic", "only looking here", e.ws, rythme.RoleViewer)
	br := e.browser()
	br.signIn("vic@example.com", "only looking here")
	own := map[string]bool{"PATCH /v1/session": true, "DELETE /v1/session": true, "DELETE /v1/sessions": true, "PUT /v1/password": true}
	n := 0
	for _, r := range routes(t, e.h) {
		key := r.Method + " " + r.Path
		if r.Method == http.MethodGet || r.Method == http.MethodHead || public[key] || own[key] {
			continue
		}
		n++
		res := br.do(r.Method, concrete(r.Path), bodyFor(r.Method), nil)
		if res.Status != http.StatusForbidden || res.err(t).Error.Code != rythme.EFORBIDDEN {
			t.Errorf("%s as a viewer: %d %s, want 403", key, res.Status, res.Body)
		}
	}
	if n < 30 {
		t.Fatalf("only %d write routes walked", n)
	}
}
