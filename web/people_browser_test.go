package web_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A member signs in with email and password, sees the calendar, switches
// workspace, stays signed in across a reload (the HttpOnly cookie, which
// scripts cannot read), and signs out, which ends the session on the
// server. Screenshots at desktop and mobile width.
func TestMemberSignIn(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)

	tb.do("open", chromedp.Navigate(f.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#email")))
	const shown = `["#app", "#nav", "#signout", "#signin", "#who", "#workspace-switch"].filter((s) => getComputedStyle(document.querySelector(s)).display !== "none")`
	if got := eval[[]string](tb, shown); !slices.Equal(got, []string{"#signin"}) {
		t.Fatalf("before sign-in, the page shows %v", got)
	}
	tb.do("wrong password", chromedp.SendKeys(chromedp.CSS("#email"), f.Member.Email), chromedp.SendKeys(chromedp.CSS("#password"), "not the password"),
		chromedp.Click(chromedp.CSS("#member-form button[type=submit]")))
	tb.waitFor(`!document.querySelector("#member-error").hidden`)
	if msg := eval[string](tb, `document.querySelector("#member-error").textContent`); !strings.Contains(msg, "wrong") {
		t.Errorf("wrong password: %q", msg)
	}
	tb.screenshot("member-signin-error")

	tb.do("sign in", chromedp.Evaluate[chromedp.Void](`document.querySelector("#password").value = ""`),
		chromedp.SendKeys(chromedp.CSS("#password"), f.MemberPassword), chromedp.Click(chromedp.CSS("#member-form button[type=submit]")))
	tb.waitFor(`document.querySelector("#calendar")`)
	if got := eval[[]string](tb, shown); !slices.Equal(got, []string{"#app", "#nav", "#signout", "#who", "#workspace-switch"}) {
		t.Errorf("after sign-in, the page shows %v", got)
	}
	if who := eval[string](tb, `document.querySelector("#who").textContent`); who != "Ada Lovelace" {
		t.Errorf("signed in as %q", who)
	}
	if eval[int](tb, `sessionStorage.length`) != 0 || eval[string](tb, `document.cookie`) != "" || eval[string](tb, `document.querySelector("#password").value`) != "" {
		t.Error("the session is readable by scripts, or the password stays in the form")
	}
	tb.screenshot("member-calendar-desktop")
	tb.do("mobile", chromedp.EmulateViewport(390, 844))
	tb.screenshot("member-calendar-mobile")
	tb.do("desktop", chromedp.EmulateViewport(1280, 900))

	// Two workspaces: the switcher lists both, and the choice is kept by the
	// session.
	if got := eval[[]string](tb, `[...document.querySelectorAll("#workspace-select option")].map((o) => o.textContent)`); !slices.Equal(got, []string{"Empty", "Team"}) {
		t.Errorf("workspaces %v", got)
	}
	if got := eval[string](tb, `document.querySelector("#workspace-select").value`); got != f.EmptyID {
		t.Errorf("the session works in %q, want the first by name, Empty", got)
	}
	tb.do("switch", chromedp.SetValue(chromedp.CSS("#workspace-select"), f.TeamID),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#workspace-select").dispatchEvent(new Event("change"))`))
	tb.waitFor(`document.querySelector("#calendar")`)
	tb.do("reload", chromedp.Reload())
	tb.waitFor(`document.querySelector("#calendar") && !document.querySelector("#app").hidden`)
	if got := eval[string](tb, `document.querySelector("#workspace-select").value`); got != f.TeamID {
		t.Errorf("after a reload the session works in %q, want Team", got)
	}

	tb.click("#signout button")
	tb.waitFor(`!document.querySelector("#signin").hidden`)
	if got := eval[[]string](tb, shown); !slices.Equal(got, []string{"#signin"}) {
		t.Errorf("after sign-out, the page shows %v", got)
	}
	if eval[int](tb, `document.querySelectorAll("#view *").length`) != 0 {
		t.Error("sign-out left the page's data behind")
	}
	// The session ended on the server: a reload does not sign back in.
	tb.do("reload after sign-out", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#email")))
	tb.do("ask the server", chromedp.Evaluate[chromedp.Void](`fetch("/v1/me").then((r) => { window.__me = r.status; })`))
	tb.waitFor(`window.__me`)
	if status := eval[int](tb, `window.__me`); status != 401 {
		t.Errorf("GET /v1/me after sign-out: %d", status)
	}
	if !eval[bool](tb, `document.querySelector("#app").hidden`) {
		t.Error("signed in again after sign-out and reload")
	}
}

// An invitation link opens the join form: the person sets a name and a
// password and lands signed in, in the workspace, with the role invited.
// The link then works no more.
func TestInvitationLink(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)

	req, err := http.NewRequest("POST", f.URL+"/v1/invitations", strings.NewReader(`{"email":"grace@example.com","role":"editor"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+f.Token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var inv struct{ URL string }
	err = json.NewDecoder(res.Body).Decode(&inv)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("create invitation: %d %v", res.StatusCode, err)
	}
	_, secret, _ := strings.Cut(inv.URL, "#invite=")

	tb.do("open the link", chromedp.Navigate(f.URL+"/#invite="+secret), chromedp.WaitVisible(chromedp.CSS("#invite-name")))
	if !eval[bool](tb, `document.querySelector("#signin").hidden && document.querySelector("#app").hidden`) {
		t.Error("the join form shares the page with sign-in or the app")
	}
	tb.do("short password", chromedp.SendKeys(chromedp.CSS("#invite-name"), "Grace Hopper"), chromedp.SendKeys(chromedp.CSS("#invite-password"), "short"),
		chromedp.Click(chromedp.CSS("#invite-form button[type=submit]")))
	tb.waitFor(`document.querySelector("#invite-error .error-box")`)
	if msg := eval[string](tb, `document.querySelector("#invite-error").textContent`); !strings.Contains(msg, "10") {
		t.Errorf("short password: %q", msg)
	}
	tb.screenshot("invitation-error")
	tb.do("join", chromedp.Evaluate[chromedp.Void](`document.querySelector("#invite-password").value = ""`),
		chromedp.SendKeys(chromedp.CSS("#invite-password"), "a long enough password"), chromedp.Click(chromedp.CSS("#invite-form button[type=submit]")))
	tb.waitFor(`document.querySelector("#calendar") && !document.querySelector("#app").hidden`)
	if who := eval[string](tb, `document.querySelector("#who").textContent`); who != "Grace Hopper" {
		t.Errorf("joined as %q", who)
	}
	if h := eval[string](tb, `location.hash`); strings.Contains(h, secret) {
		t.Errorf("the invitation secret stays in the address bar: %q", h)
	}
	tb.screenshot("invitation-joined")

	// Used: opening it again says so.
	tb.click("#signout button")
	tb.waitFor(`!document.querySelector("#signin").hidden`)
	tb.do("open the link again", chromedp.Navigate(f.URL+"/#invite="+secret), chromedp.WaitVisible(chromedp.CSS("#invite-password")),
		chromedp.SendKeys(chromedp.CSS("#invite-name"), "Eve"), chromedp.SendKeys(chromedp.CSS("#invite-password"), "a long enough password"),
		chromedp.Click(chromedp.CSS("#invite-form button[type=submit]")))
	tb.waitFor(`document.querySelector("#invite-error .error-box")`)
	if msg := eval[string](tb, `document.querySelector("#invite-error").textContent`); !strings.Contains(msg, "used, revoked or has expired") {
		t.Errorf("a used invitation: %q", msg)
	}
}
