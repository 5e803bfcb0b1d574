package web_test

// The settings page (#/settings): an admin manages members, invitations,
// tokens, feeds, webhooks, the approval rule and workspaces; a viewer sees
// only what it may read, and the API refuses the rest from its page.

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rythmehq/rythme"
)

// fetchStatus makes a same-origin call from the page (with its session
// cookie) and returns the status.
func (tb *tab) fetchStatus(method, path, body string) int {
	tb.t.Helper()
	b := "undefined"
	if body != "" {
		b = fmt.Sprintf("%q", body)
	}
	js := fmt.Sprintf(`fetch(%q, {method: %q, headers: {"Content-Type": "application/json"}, body: %s}).then((r) => r.status)`, path, method, b)
	status, err := chromedp.Run(tb.ctx, chromedp.Evaluate[int](js, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("%s %s from the page: %v", method, path, err)
	}
	return status
}

func (l *live) addMember(t *testing.T, email, name string, role rythme.Role) *rythme.Member {
	t.Helper()
	m := &rythme.Member{ID: rythme.NewID(rythme.PrefixMember), Email: email, Name: name, PasswordHash: l.Manager.PasswordHash, CreatedAt: l.Manager.CreatedAt}
	must(t, l.Store.CreateMember(t.Context(), m))
	must(t, l.Store.AddMembership(t.Context(), &rythme.Membership{WorkspaceID: l.WorkspaceID, MemberID: m.ID, Role: role, CreatedAt: m.CreatedAt}))
	return m
}

func TestSettings(t *testing.T) {
	tb := newTab(t)
	l := newLive(t)
	f := &fixture{URL: l.URL, Token: l.Token}
	bo := l.addMember(t, "bo@example.com", "Bo Editor", rythme.RoleEditor)
	tb.signInMember(l.URL, "", l.Admin.Email, l.Password)
	tb.click(`#nav a[data-route="settings"]`)
	tb.waitFor(`document.querySelector("#members tbody tr") && document.querySelector("#approval-required") && document.querySelector("#tokens")`)
	sections := eval[[]string](tb, `[...document.querySelectorAll("#settings section h3")].map((h) => h.textContent)`)
	if !slices.Equal(sections, []string{"Members", "Invitations", "Approval", "API tokens", "Calendar feeds", "Webhooks", "Workspaces"}) {
		t.Errorf("an admin sees %v", sections)
	}

	// Members: Maya becomes an editor; Bo is removed, after a confirmation.
	var members struct {
		Data []struct {
			ID   string `json:"id"`
			Role string `json:"role"`
		}
	}
	role := func(id string) string {
		f.send(t, "GET", "/v1/members", nil, &members)
		for _, m := range members.Data {
			if m.ID == id {
				return m.Role
			}
		}
		return ""
	}
	tb.choose("#role-"+l.Manager.ID, "editor")
	tb.waitFor(`document.querySelector("#role-` + l.Manager.ID + `").value === "editor"`)
	waitUntil(t, func() bool { return role(l.Manager.ID) == "editor" })
	tb.click(fmt.Sprintf(`tr[data-member-id="%s"] .remove-member`, bo.ID))
	tb.waitFor(`document.querySelector(".confirm-remove")`)
	if role(bo.ID) != "editor" {
		t.Fatal("removed before the confirmation")
	}
	tb.click(".confirm-remove")
	tb.waitFor(fmt.Sprintf(`!document.querySelector('tr[data-member-id="%s"]')`, bo.ID))
	if role(bo.ID) != "" {
		t.Error("Bo is still a member")
	}

	// Invitations: a link with its role, shown once; one revoked.
	tb.typeInto("#invite-email", "cat@example.com")
	tb.choose("#invite-role", "manager")
	tb.click("#invite-create button[type=submit]")
	tb.waitFor(`document.querySelector("#invite-link")?.value`)
	link := eval[string](tb, `document.querySelector("#invite-link").value`)
	if !strings.HasPrefix(link, l.URL+"/#invite=") {
		t.Errorf("invitation link %q", link)
	}
	tb.waitFor(`document.querySelectorAll("#invitations li").length === 1`)
	if got := eval[string](tb, `document.querySelector("#invitations li").textContent`); !strings.Contains(got, "cat@example.com") || !strings.Contains(got, "Manager") {
		t.Errorf("invitation listed as %q", got)
	}
	tb.screenshot("settings-invitation")
	tb.click("#invitations .revoke-invitation")
	tb.waitFor(`document.querySelector("#no-invitations")`)

	// API tokens: the secret shows once and works; revoked, it does not.
	tb.typeInto("#token-name", "Zapier")
	tb.choose("#token-role", "viewer")
	tb.click("#token-create button[type=submit]")
	tb.waitFor(`document.querySelector("#token-secret")?.value`)
	secret := eval[string](tb, `document.querySelector("#token-secret").value`)
	if code := f.sendAs(t, secret, "GET", "/v1/posts", nil, nil); code != http.StatusOK {
		t.Errorf("the new token: %d", code)
	}
	if code := f.sendAs(t, secret, "POST", "/v1/calendar/feeds", map[string]string{"name": "x"}, nil); code != http.StatusForbidden {
		t.Errorf("the new viewer token writes: %d", code)
	}
	tb.click("#settings-tokens .secret .linkish")
	tb.waitFor(`!document.querySelector("#token-secret")`)
	tb.click(`#tokens li:last-child .revoke-token`)
	tb.click(`#tokens .confirm-revoke`)
	tb.waitFor(`![...document.querySelectorAll("#tokens li")].some((li) => li.textContent.includes("Zapier"))`)
	if code := f.sendAs(t, secret, "GET", "/v1/posts", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("the revoked token: %d", code)
	}

	// A calendar feed and a webhook, each with its secret once.
	tb.typeInto("#feed-name", "Team calendar")
	tb.click("#feed-create button[type=submit]")
	tb.waitFor(`document.querySelector("#feed-url")?.value.includes("/v1/calendar.ics")`)
	tb.waitFor(`document.querySelectorAll("#feeds li").length === 1`)
	tb.typeInto("#webhook-url", l.FakenetURL+"/hooks/rythme")
	tb.click("#webhook-create button[type=submit]")
	tb.waitFor(`document.querySelector("#webhook-secret")?.value && document.querySelectorAll("#webhooks li").length === 1`)
	var hooks struct {
		Data []struct {
			URL    string   `json:"url"`
			Events []string `json:"events"`
		}
	}
	f.send(t, "GET", "/v1/webhooks", nil, &hooks)
	if len(hooks.Data) != 1 || !slices.Equal(hooks.Data[0].Events, []string{"post.published", "post.failed"}) {
		t.Errorf("webhooks %+v", hooks.Data)
	}

	// The approval rule.
	tb.click("#approval-required")
	tb.waitFor(`document.querySelector("#settings-approval .ok-note")`)
	var ws struct {
		ApprovalRequired bool `json:"approval_required"`
	}
	f.send(t, "GET", "/v1/workspace", nil, &ws)
	if !ws.ApprovalRequired {
		t.Error("the approval rule was not set")
	}

	for _, w := range []int{1280, 390} {
		tb.setWidth(w)
		tb.axeCheck(fmt.Sprintf("settings-admin-%d", w))
		if w == 390 {
			tb.noSidewaysScroll("settings-admin")
		}
		tb.screenshot(fmt.Sprintf("settings-admin-%d", w))
	}
	tb.setWidth(1280)

	// Workspaces: the instance administrator makes one and switches to it.
	tb.typeInto("#workspace-name", "Client B")
	tb.click("#workspace-create button[type=submit]")
	tb.waitFor(`[...document.querySelectorAll("#workspaces li")].some((li) => li.textContent.includes("Client B"))`)
	tb.click(`#workspaces li:not(:has(.badge)) .use-workspace`)
	tb.waitAcross(`!!document.querySelector("#settings h2") && document.querySelector("#settings h2").textContent.includes("Client B")`)
	if got := eval[string](tb, `document.querySelector("#workspace-select").selectedOptions[0].textContent`); got != "Client B" {
		t.Errorf("the header's workspace is %q after switching", got)
	}
}

// A viewer sees the members and the approval rule, not the admin's or
// manager's parts; the API refuses those calls from its page too.
func TestSettingsViewer(t *testing.T) {
	tb := newTab(t)
	l := newLive(t)
	v := l.addMember(t, "vic@example.com", "Vic Viewer", rythme.RoleViewer)
	tb.signInMember(l.URL, "", v.Email, l.Password)
	tb.click(`#nav a[data-route="settings"]`)
	tb.waitFor(`document.querySelector("#members tbody tr") && document.querySelector("#approval-required")`)
	sections := eval[[]string](tb, `[...document.querySelectorAll("#settings section h3")].map((h) => h.textContent)`)
	if !slices.Equal(sections, []string{"Members", "Approval", "Workspaces"}) {
		t.Errorf("a viewer sees %v", sections)
	}
	if n := eval[int](tb, `document.querySelectorAll("#members select, #members button, #workspace-create").length`); n != 0 {
		t.Errorf("a viewer has %d member controls", n)
	}
	if !eval[bool](tb, `document.querySelector("#approval-required").disabled`) {
		t.Error("a viewer may tick the approval rule")
	}
	for _, c := range [][3]string{
		{"POST", "/v1/invitations", `{"email":"eve@example.com","role":"admin"}`},
		{"POST", "/v1/tokens", `{"name":"mine","role":"admin"}`},
		{"PATCH", "/v1/workspace", `{"approval_required":true}`},
		{"PATCH", "/v1/members/" + l.Admin.ID, `{"role":"viewer"}`},
		{"DELETE", "/v1/members/" + l.Admin.ID, ""},
		{"POST", "/v1/calendar/feeds", `{"name":"mine"}`},
		{"POST", "/v1/webhooks", `{"url":"https://example.com/h","events":["post.published"]}`},
		{"POST", "/v1/workspaces", `{"name":"Mine"}`},
	} {
		if got := tb.fetchStatus(c[0], c[1], c[2]); got != http.StatusForbidden {
			t.Errorf("%s %s as a viewer: %d, want 403", c[0], c[1], got)
		}
	}
	tb.setWidth(390)
	tb.axeCheck("settings-viewer-390")
	tb.noSidewaysScroll("settings-viewer")
	tb.screenshot("settings-viewer-390")
	tb.setWidth(1280)

	// A manager also has the feeds and webhooks, still not the admin's
	// parts, which the API refuses it.
	tb.click("#signout button")
	tb.waitFor(`!document.querySelector("#signin").hidden`)
	tb.signInMember(l.URL, "", l.Manager.Email, l.Password)
	tb.do("settings", chromedp.Evaluate[chromedp.Void](`location.hash = "#/settings"`))
	tb.waitFor(`document.querySelector("#members tbody tr") && document.querySelector("#feed-create")`)
	sections = eval[[]string](tb, `[...document.querySelectorAll("#settings section h3")].map((h) => h.textContent)`)
	if !slices.Equal(sections, []string{"Members", "Approval", "Calendar feeds", "Webhooks", "Workspaces"}) {
		t.Errorf("a manager sees %v", sections)
	}
	for _, c := range [][3]string{
		{"POST", "/v1/invitations", `{"email":"eve@example.com","role":"admin"}`},
		{"POST", "/v1/tokens", `{"name":"mine","role":"admin"}`},
		{"PATCH", "/v1/workspace", `{"approval_required":true}`},
		{"DELETE", "/v1/members/" + l.Admin.ID, ""},
	} {
		if got := tb.fetchStatus(c[0], c[1], c[2]); got != http.StatusForbidden {
			t.Errorf("%s %s as a manager: %d, want 403", c[0], c[1], got)
		}
	}
	if got := tb.fetchStatus("POST", "/v1/calendar/feeds", `{"name":"the manager's"}`); got != http.StatusCreated {
		t.Errorf("a manager's feed: %d, want 201", got)
	}
}
