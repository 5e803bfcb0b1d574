package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
)

// public routes answer without a token.
var public = map[string]bool{
	"GET /healthz":                     true,
	"GET /readyz":                      true,
	"GET /metrics":                     true,
	"GET /openapi.json":                true,
	"GET /":                            true,
	"GET /assets/*filepath":            true,
	"GET /v1/oauth/:network/callback":  true,
	"POST /v1/oauth/:network/callback": true, // the confirmation form: its CSRF cookie only
	"GET /media/:id":                   true, // signed links only: 404 otherwise
	"GET /v1/calendar.ics":             true, // its feed token only: 404 otherwise
	// Their body carries the credential: an email and password, an
	// invitation's or a reset link's token.
	"POST /v1/session":                true,
	"POST /v1/invitations/accept":     true,
	"POST /v1/password-reset":         true,
	"POST /v1/password-reset/confirm": true,
}

// memberOnly routes need a member's session: a token is refused (403).
var memberOnly = map[string]bool{
	"PATCH /v1/session":   true,
	"DELETE /v1/session":  true,
	"DELETE /v1/sessions": true,
	"PUT /v1/password":    true,
	"POST /v1/workspaces": true,
}

// minRole is the least role of each authenticated route. A route missing
// here fails TestAuth, so no new route escapes it.
var minRole = map[string]rythme.Role{
	"GET /v1/posts":        rythme.RoleViewer,
	"POST /v1/posts":       rythme.RoleEditor,
	"GET /v1/posts/:id":    rythme.RoleViewer,
	"PATCH /v1/posts/:id":  rythme.RoleEditor,
	"DELETE /v1/posts/:id": rythme.RoleEditor,
	"POST /v1/posts/:id/targets/:target_id/resolve": rythme.RoleManager,
	"GET /v1/networks":                   rythme.RoleViewer,
	"GET /v1/accounts":                   rythme.RoleViewer,
	"GET /v1/accounts/:id":               rythme.RoleViewer,
	"GET /v1/media":                      rythme.RoleViewer,
	"DELETE /v1/media/:id":               rythme.RoleEditor,
	"DELETE /v1/accounts/:id":            rythme.RoleManager,
	"PUT /v1/accounts/:id/schedule":      rythme.RoleManager,
	"GET /v1/calendar":                   rythme.RoleViewer,
	"GET /v1/calendar/gaps":              rythme.RoleViewer,
	"GET /v1/calendar/feeds":             rythme.RoleManager,
	"POST /v1/calendar/feeds":            rythme.RoleManager,
	"DELETE /v1/calendar/feeds/:id":      rythme.RoleManager,
	"POST /v1/accounts/:network/connect": rythme.RoleManager,
	"POST /v1/accounts/:network/poll":    rythme.RoleEditor,
	"POST /v1/accounts/:network/history": rythme.RoleManager,
	"GET /v1/tokens":                     rythme.RoleAdmin,
	"POST /v1/tokens":                    rythme.RoleAdmin,
	"DELETE /v1/tokens/:id":              rythme.RoleAdmin,
	"POST /v1/media":                     rythme.RoleEditor,
	"POST /v1/posts/import":              rythme.RoleEditor,
	"POST /v1/posts/bulk":                rythme.RoleEditor,
	"PUT /v1/campaigns/:id/utm":          rythme.RoleEditor,
	"POST /v1/posts/:id/submit":          rythme.RoleEditor,
	"POST /v1/posts/:id/approve":         rythme.RoleManager,
	"POST /v1/posts/:id/reject":          rythme.RoleManager,
	"GET /v1/posts/:id/history":          rythme.RoleViewer,
	"GET /v1/posts/:id/metrics":          rythme.RoleViewer,
	"GET /v1/workspace":                  rythme.RoleViewer,
	"GET /v1/reports/compare":            rythme.RoleViewer,
	"GET /v1/reports/campaigns/:id":      rythme.RoleViewer,
	"GET /v1/series":                     rythme.RoleViewer,
	"GET /v1/series/:id":                 rythme.RoleViewer,
	"PATCH /v1/series/:id":               rythme.RoleEditor,
	"DELETE /v1/series/:id":              rythme.RoleEditor,
	"GET /v1/campaigns":                  rythme.RoleViewer,
	"POST /v1/campaigns":                 rythme.RoleEditor,
	"GET /v1/campaigns/:id":              rythme.RoleViewer,
	"DELETE /v1/campaigns/:id":           rythme.RoleEditor,
	"PATCH /v1/campaigns/:id":            rythme.RoleEditor,
	"POST /v1/campaigns/:id/clone":       rythme.RoleEditor,
	"PUT /v1/campaigns/:id/weeks":        rythme.RoleEditor,
	"GET /v1/campaigns/:id/submissions":  rythme.RoleViewer,
	"POST /v1/campaigns/:id/submissions": rythme.RoleEditor,
	"GET /v1/reports/leaderboard":        rythme.RoleViewer,
	"GET /v1/reports/community":          rythme.RoleViewer,
	"GET /v1/reports/best-times":         rythme.RoleViewer,
	"GET /v1/reports/readings":           rythme.RoleViewer,
	"PATCH /v1/workspace":                rythme.RoleAdmin,
	"GET /v1/media/:id":                  rythme.RoleViewer,
	"GET /v1/webhooks":                   rythme.RoleManager,
	"POST /v1/webhooks":                  rythme.RoleManager,
	"DELETE /v1/webhooks/:id":            rythme.RoleManager,
	"GET /v1/inbox":                      rythme.RoleViewer,
	"GET /v1/inbox/:id":                  rythme.RoleViewer,
	"PATCH /v1/inbox/:id":                rythme.RoleEditor,
	"POST /v1/inbox/:id/notes":           rythme.RoleEditor,
	"POST /v1/inbox/:id/reply":           rythme.RoleEditor,
	"POST /v1/inbox/:id/moderation":      rythme.RoleManager,
	"GET /v1/moderation-rules":           rythme.RoleViewer,
	"POST /v1/moderation-rules":          rythme.RoleManager,
	"DELETE /v1/moderation-rules/:id":    rythme.RoleManager,

	"POST /v1/campaigns/:id/submissions/:post_id/pick": rythme.RoleManager,

	"GET /v1/me":                 rythme.RoleViewer,
	"GET /v1/members":            rythme.RoleViewer,
	"PATCH /v1/members/:id":      rythme.RoleAdmin,
	"DELETE /v1/members/:id":     rythme.RoleAdmin,
	"GET /v1/invitations":        rythme.RoleAdmin,
	"POST /v1/invitations":       rythme.RoleAdmin,
	"DELETE /v1/invitations/:id": rythme.RoleAdmin,
}

var roles = []rythme.Role{rythme.RoleViewer, rythme.RoleEditor, rythme.RoleManager, rythme.RoleAdmin}

// concrete fills a route's parameters with well-formed ids of nothing.
func concrete(path string) string {
	r := strings.NewReplacer(
		":id/targets", rythme.NewID(rythme.PrefixPost)+"/targets",
		":target_id", rythme.NewID(rythme.PrefixTarget),
		":post_id", rythme.NewID(rythme.PrefixPost),
		":network", "fakenet",
		"*filepath", "app.js",
	)
	p := r.Replace(path)
	switch {
	case strings.HasPrefix(p, "/v1/posts/:id"):
		p = strings.Replace(p, ":id", rythme.NewID(rythme.PrefixPost), 1)
	case strings.HasPrefix(p, "/v1/accounts/:id"):
		p = strings.Replace(p, ":id", rythme.NewID(rythme.PrefixAccount), 1)
	case strings.HasPrefix(p, "/v1/tokens/:id"):
		p = strings.Replace(p, ":id", rythme.NewID(rythme.PrefixToken), 1)
	case strings.HasPrefix(p, "/v1/campaigns/:id"), strings.HasPrefix(p, "/v1/reports/campaigns/:id"):
		p = strings.Replace(p, ":id", rythme.NewID(rythme.PrefixCampaign), 1)
	case strings.HasPrefix(p, "/v1/calendar/feeds/:id"):
		p = strings.Replace(p, ":id", rythme.NewID(rythme.PrefixFeed), 1)
	case strings.HasPrefix(p, "/media/:id"):
		p = strings.Replace(p, ":id", rythme.NewID(rythme.PrefixMedia), 1)
	case strings.HasPrefix(p, "/v1/media/:id"):
		p = strings.Replace(p, ":id", rythme.NewID(rythme.PrefixMedia), 1)
	case strings.HasPrefix(p, "/v1/webhooks/:id"):
		p = strings.Replace(p, ":id", rythme.NewID(rythme.PrefixWebhook), 1)
	case strings.HasPrefix(p, "/v1/moderation-rules/:id"):
		p = strings.Replace(p, ":id", rythme.NewID(rythme.PrefixInboxRule), 1)
	case strings.HasPrefix(p, "/v1/inbox/:id"):
		p = strings.Replace(p, ":id", rythme.NewID(rythme.PrefixInboxItem), 1)
	case strings.HasPrefix(p, "/v1/members/:id"):
		p = strings.Replace(p, ":id", rythme.NewID(rythme.PrefixMember), 1)
	case strings.HasPrefix(p, "/v1/invitations/:id"):
		p = strings.Replace(p, ":id", rythme.NewID(rythme.PrefixInvitation), 1)
	}
	return p
}

func bodyFor(method string) any {
	if method == "POST" || method == "PATCH" {
		return map[string]any{}
	}
	return nil
}

func TestAuth(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b.open(t))
			revoked, revokedTok := e.token(e.ws, rythme.RoleAdmin)
			if err := e.store.RevokeAPIToken(context.Background(), e.ws, revokedTok.ID, time.Now()); err != nil {
				t.Fatal(err)
			}
			for _, r := range routes(t, e.h) {
				key := r.Method + " " + r.Path
				path := concrete(r.Path)
				if public[key] {
					res := e.do(req{method: r.Method, path: path})
					if res.Status == http.StatusUnauthorized || res.Status == http.StatusForbidden {
						t.Errorf("%s is public but answered %d", key, res.Status)
					}
					continue
				}
				if memberOnly[key] {
					for _, secret := range []string{"", e.secrets[rythme.RoleAdmin]} {
						res := e.do(req{method: r.Method, path: path, secret: secret, body: bodyFor(r.Method)})
						if res.Status != http.StatusUnauthorized && res.Status != http.StatusForbidden {
							t.Errorf("%s is for members only but answered %d to a token", key, res.Status)
						}
					}
					continue
				}
				min, ok := minRole[key]
				if !ok {
					t.Errorf("route %s is in neither public nor minRole: add it to the auth test", key)
					continue
				}
				for name, secret := range map[string]string{
					"no token": "", "unknown token": rythme.TokenSecretPrefix + "nope", "revoked token": revoked,
				} {
					res := e.do(req{method: r.Method, path: path, secret: secret, body: bodyFor(r.Method)})
					if res.Status != http.StatusUnauthorized || res.err(t).Error.Code != rythme.EUNAUTHORIZED {
						t.Errorf("%s with %s: %d %s", key, name, res.Status, res.Body)
					}
				}
				// Other schemes and malformed headers are refused too.
				for _, h := range []string{"Basic " + e.secrets[rythme.RoleAdmin], "Bearer", e.secrets[rythme.RoleAdmin]} {
					res := e.do(req{method: r.Method, path: path, header: map[string]string{"Authorization": h}, body: bodyFor(r.Method)})
					expect(t, res, http.StatusUnauthorized)
				}
				for _, role := range roles {
					res := e.as(role, r.Method, path, bodyFor(r.Method))
					if role.AtLeast(min) {
						if res.Status == http.StatusUnauthorized || res.Status == http.StatusForbidden {
							t.Errorf("%s as %s: %d %s", key, role, res.Status, res.Body)
						}
					} else if res.Status != http.StatusForbidden || res.err(t).Error.Code != rythme.EFORBIDDEN {
						t.Errorf("%s as %s: %d %s, want 403", key, role, res.Status, res.Body)
					}
				}
			}
			for key := range minRole {
				found := false
				for _, r := range routes(t, e.h) {
					found = found || r.Method+" "+r.Path == key
				}
				if !found {
					t.Errorf("minRole lists %s, which is not a route", key)
				}
			}
		})
	}
}

// TestWorkspaceScoping checks that a token never reaches another
// workspace's data: its ids answer 404 and lists never show it.
func TestWorkspaceScoping(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b.open(t))
			// Workspace B, with its own token, account, post and a target
			// that needs resolving.
			wsB := e.workspace("B")
			secretB, tokB := e.token(wsB, rythme.RoleAdmin)
			accB := e.account(wsB, "bea", rythme.AccountConnected)
			res := e.do(req{method: "POST", path: "/v1/posts", secret: secretB, body: map[string]any{
				"content": "B's secret plans", "scheduled_at": "now", "targets": []map[string]string{{"account_id": accB.ID}},
			}})
			expect(t, res, http.StatusCreated)
			var postB postOut
			res.decode(t, &postB)
			e.finish(postB.Targets[0].ID, 1, rythme.TargetFailed)

			// B's recurring post, themed week and weekly challenge.
			createB := func(path string, body map[string]any) string {
				res := e.do(req{method: "POST", path: path, secret: secretB, body: body})
				expect(t, res, http.StatusCreated)
				var out struct{ ID string }
				res.decode(t, &out)
				return out.ID
			}
			soon := e.clock.Now().Add(24 * time.Hour)
			seriesB := createB("/v1/posts", map[string]any{"content": "B's weekly secret", "scheduled_at": soon.Format(time.RFC3339),
				"recurrence": "FREQ=WEEKLY;COUNT=3", "targets": []map[string]string{{"account_id": accB.ID}}})
			weekB := createB("/v1/campaigns", map[string]any{"name": "B's week", "first_day": soon.Format("2006-01-02"),
				"days": []map[string]any{{"offset": 1, "items": []map[string]any{{"time": "10:00", "content": "B's day", "targets": []string{accB.ID}}}}}})
			thisWeek := calendars.ISOWeekOf(e.clock.Now(), time.UTC)
			challengeB := createB("/v1/campaigns", map[string]any{"kind": "weekly_challenge", "name": "B's challenge", "targets": []string{accB.ID},
				"weeks": []map[string]string{{"week": thisWeek.String(), "theme": "B's theme"}}})
			submissionB := createB("/v1/campaigns/"+challengeB+"/submissions", map[string]any{"content": "B's entry"})

			// Workspace A sees none of it.
			accA := e.account(e.ws, "ann", rythme.AccountConnected)
			e.createPost("A's post", time.Hour, accA)
			idsOfB := []string{wsB, tokB.ID, accB.ID, postB.ID, postB.Targets[0].ID, "B's secret plans", seriesB, weekB, challengeB, submissionB}
			for _, path := range []string{"/v1/posts", "/v1/posts?account_id=" + accB.ID, "/v1/posts?status=failed", "/v1/accounts", "/v1/tokens",
				"/v1/series", "/v1/campaigns", "/v1/calendar?from=" + e.clock.Now().Format("2006-01-02") + "&to=" + e.clock.Now().AddDate(0, 0, 30).Format("2006-01-02")} {
				res := e.as(rythme.RoleAdmin, "GET", path, nil)
				expect(t, res, http.StatusOK)
				for _, id := range idsOfB {
					if strings.Contains(string(res.Body), id) {
						t.Errorf("GET %s shows %s of another workspace", path, id)
					}
				}
			}
			resolve := "/v1/posts/" + postB.ID + "/targets/" + postB.Targets[0].ID + "/resolve"
			for _, r := range []struct {
				method, path string
				body         any
			}{
				{"GET", "/v1/posts/" + postB.ID, nil},
				{"GET", "/v1/posts/" + postB.ID + "/metrics", nil},
				{"PATCH", "/v1/posts/" + postB.ID, map[string]any{"content": "hijacked"}},
				{"DELETE", "/v1/posts/" + postB.ID, nil},
				{"POST", resolve, map[string]any{"outcome": "retry"}},
				{"DELETE", "/v1/accounts/" + accB.ID, nil},
				{"DELETE", "/v1/tokens/" + tokB.ID, nil},
				{"GET", "/v1/series/" + seriesB, nil},
				{"PATCH", "/v1/series/" + seriesB, map[string]any{"content": "hijacked"}},
				{"DELETE", "/v1/series/" + seriesB, nil},
				{"GET", "/v1/campaigns/" + weekB, nil},
				{"PATCH", "/v1/campaigns/" + weekB, map[string]any{"theme": "hijacked"}},
				{"DELETE", "/v1/campaigns/" + weekB, nil},
				{"POST", "/v1/campaigns/" + weekB + "/clone", map[string]any{"first_day": soon.AddDate(0, 0, 14).Format("2006-01-02")}},
				{"GET", "/v1/reports/campaigns/" + weekB, nil},
				{"GET", "/v1/campaigns/" + challengeB + "/submissions", nil},
				{"POST", "/v1/campaigns/" + challengeB + "/submissions", map[string]any{"content": "hijacked"}},
				{"POST", "/v1/campaigns/" + challengeB + "/submissions/" + submissionB + "/pick", map[string]any{"scheduled_at": "now"}},
				{"PUT", "/v1/campaigns/" + challengeB + "/weeks", map[string]any{"weeks": []map[string]string{{"week": thisWeek.String(), "theme": "x"}}}},
				{"GET", "/v1/reports/leaderboard?campaign=" + challengeB, nil},
			} {
				res := e.as(rythme.RoleAdmin, r.method, r.path, r.body)
				if res.Status != http.StatusNotFound {
					t.Errorf("%s %s from another workspace: %d %s", r.method, r.path, res.Status, res.Body)
				}
			}
			// Scheduling on B's account is refused as an unknown account.
			res = e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{
				"content": "x", "scheduled_at": "now", "targets": []map[string]string{{"account_id": accB.ID}},
			})
			expect(t, res, http.StatusUnprocessableEntity)
			if !res.err(t).hasField("targets[0].account_id") {
				t.Errorf("error %+v", res.err(t).Error)
			}

			// B's things are untouched.
			res = e.do(req{method: "GET", path: "/v1/posts/" + postB.ID, secret: secretB})
			expect(t, res, http.StatusOK)
			var after postOut
			res.decode(t, &after)
			if after.Content != "B's secret plans" || after.Targets[0].Status != "failed" {
				t.Errorf("B's post changed: %+v", after)
			}
			expect(t, e.do(req{method: "GET", path: "/v1/tokens", secret: secretB}), http.StatusOK)
			for path, want := range map[string]string{"/v1/series/" + seriesB: `"status":"finished"`, "/v1/campaigns/" + weekB: `"theme":""`,
				"/v1/campaigns/" + challengeB + "/submissions": `"status":"pending_review"`} {
				res := e.do(req{method: "GET", path: path, secret: secretB})
				expect(t, res, http.StatusOK)
				if !strings.Contains(string(res.Body), want) || strings.Contains(string(res.Body), "hijacked") {
					t.Errorf("B's %s changed: %s", path, res.Body)
				}
			}
			res = e.do(req{method: "GET", path: "/v1/accounts", secret: secretB})
			if !strings.Contains(string(res.Body), `"connected"`) {
				t.Errorf("B's account changed: %s", res.Body)
			}
		})
	}
}
