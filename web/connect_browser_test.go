package web_test

// Connecting accounts from the browser (#/accounts) against fakenet: an
// app password, a webhook URL and an OAuth redirect there and back; the
// accounts' health, posting slots and disconnecting; and what a role
// below manager sees and may do.

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rythmehq/rythme"
)

// liveAccount is an account as GET /v1/accounts answers it.
type liveAccount struct {
	ID       string `json:"id"`
	Network  string `json:"network"`
	Username string `json:"username"`
	Status   string `json:"status"`
	Schedule *struct {
		Timezone string `json:"timezone"`
		Slots    []struct {
			Weekday int    `json:"weekday"`
			Time    string `json:"time"`
		} `json:"slots"`
	} `json:"schedule"`
}

func (l *live) accounts(t *testing.T) []liveAccount {
	t.Helper()
	f := &fixture{URL: l.URL, Token: l.Token}
	var out struct{ Data []liveAccount }
	if code := f.send(t, "GET", "/v1/accounts", nil, &out); code != 200 {
		t.Fatalf("GET /v1/accounts: %d", code)
	}
	return out.Data
}

func (l *live) account(t *testing.T, network string) liveAccount {
	t.Helper()
	for _, a := range l.accounts(t) {
		if a.Network == network {
			return a
		}
	}
	t.Fatalf("no %s account", network)
	return liveAccount{}
}

// choose picks a value in a <select> as a person does (a change event).
func (tb *tab) choose(sel, value string) {
	tb.t.Helper()
	tb.do("choose "+value+" in "+sel, chromedp.SetValue(chromedp.CSS(sel), value),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).dispatchEvent(new Event("change", {bubbles: true}))`, sel)))
}

// waitAcross waits until the expression is true, through page loads
// (an evaluation cut by a navigation is tried again).
func (tb *tab) waitAcross(js string) {
	tb.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.t.Fatalf("waiting for %s: (page shows: %q)", js, tb.visibleText())
}

// connectOAuth connects fakenet's Mastodon through the authorize page and
// back, and returns the account's id the dashboard came back with.
func (tb *tab) connectOAuth(l *live) string {
	tb.t.Helper()
	tb.waitFor(`document.querySelector("#connect-network")`)
	tb.choose("#connect-network", "mastodon")
	tb.waitFor(`document.querySelector("#connect-instance_url")`)
	tb.typeInto("#connect-instance_url", l.FakenetURL+"/mastodon")
	if got := eval[string](tb, `document.querySelector("#connect-submit").textContent`); got != "Continue to Mastodon" {
		tb.t.Errorf("the OAuth button says %q", got)
	}
	tb.click("#connect-submit")
	// fakenet's authorize page approves at once and sends the browser to
	// the callback, which says what happened and links back.
	tb.waitAcross(`location.pathname === "/v1/oauth/mastodon/callback" && !!document.querySelector("#back")`)
	if h := eval[string](tb, `document.querySelector("h1").textContent`); h != "Account connected" {
		tb.t.Fatalf("the callback page says %q: %s", h, tb.visibleText())
	}
	tb.click("#back")
	tb.waitAcross(`!!document.querySelector("#connected-note")`)
	return eval[string](tb, `new URLSearchParams(location.hash.split("?")[1]).get("connected")`)
}

func TestConnectAccounts(t *testing.T) {
	tb := newTab(t)
	l := newLive(t)
	f := &fixture{URL: l.URL, Token: l.Token}
	tb.signInMember(l.URL, "", l.Manager.Email, l.Password)
	tb.click(`#nav a[data-route="accounts"]`)
	tb.waitFor(`document.querySelector("#no-accounts") && document.querySelector("#connect-network")`)
	nets := eval[[]string](tb, `[...document.querySelectorAll("#connect-network option")].map((o) => o.textContent)`)
	if !slices.Equal(nets, []string{"Choose a network…", "Bluesky", "Discord", "Mastodon"}) {
		t.Errorf("networks offered %v", nets)
	}

	// Bluesky: a wrong app password is refused with the network's reason,
	// the right one connects at once.
	ident, pw, ok := l.Fakenet.BlueskyAppPassword("studio")
	if !ok {
		t.Fatal("fakenet made no app password")
	}
	tb.choose("#connect-network", "bluesky")
	tb.waitFor(`document.querySelector("#connect-identifier") && document.querySelector("#connect-app_password")`)
	if got := eval[[]string](tb, `[...document.querySelectorAll("#connect-form label")].map((l) => l.textContent)`); !slices.Equal(got, []string{"Network", "Handle", "App password", "Service address (optional)"}) {
		t.Errorf("the Bluesky form asks for %v", got)
	}
	tb.typeInto("#connect-identifier", ident)
	tb.typeInto("#connect-app_password", "wrong-wrong-wrong-wrong")
	tb.click("#connect-submit")
	tb.waitFor(`document.querySelector("#connect-form .error")`)
	if len(l.accounts(t)) != 0 {
		t.Fatal("a wrong app password connected an account")
	}
	tb.screenshot("connect-refused")
	tb.typeInto("#connect-app_password", pw)
	tb.click("#connect-submit")
	tb.waitFor(`document.querySelector('#accounts tr[data-network="bluesky"]')`)
	if note := eval[string](tb, `document.querySelector("#accounts-note").textContent`); !strings.HasPrefix(note, "Connected @") || !strings.Contains(note, "Bluesky") {
		t.Errorf("after connecting Bluesky the page says %q", note)
	}

	// Discord: a webhook URL.
	tb.choose("#connect-network", "discord")
	tb.waitFor(`document.querySelector("#connect-webhook_url")`)
	tb.typeInto("#connect-webhook_url", l.Fakenet.DiscordWebhook(l.FakenetURL, "studio"))
	tb.click("#connect-submit")
	tb.waitFor(`document.querySelector('#accounts tr[data-network="discord"]')`)

	// Mastodon: OAuth, through fakenet's authorize page and back.
	id := tb.connectOAuth(l)
	mast := l.account(t, "mastodon")
	if id != mast.ID || mast.Status != "connected" {
		t.Fatalf("came back with %q; the API has %+v", id, mast)
	}
	if note := eval[string](tb, `document.querySelector("#connected-note").textContent`); note != "Connected @"+mast.Username+" on Mastodon: it posts from now on." {
		t.Errorf("the dashboard says %q", note)
	}
	health := eval[[]string](tb, `[...document.querySelectorAll("#accounts .health")].map((h) => h.textContent)`)
	if len(health) != 3 || !slices.ContainsFunc(health, func(h string) bool { return strings.Contains(h, "Healthy") }) {
		t.Errorf("health %v", health)
	}

	// Posting slots for Mastodon: Tuesday 09:30 and Thursday 16:00.
	row := fmt.Sprintf(`#accounts tr[data-account-id="%s"]`, mast.ID)
	tb.click(row + " .slots-open")
	tb.waitFor(`document.querySelector("` + strings.ReplaceAll(row, `"`, `\"`) + ` form.slots")`)
	tb.typeInto(row+" input[name=timezone]", "Europe/Paris")
	for i, s := range []struct{ day, time string }{{"2", "09:30"}, {"4", "16:00"}} {
		tb.click(row + " .add-slot")
		tb.choose(fmt.Sprintf("#wd-%s-%d", mast.ID, i), s.day)
		tb.do("time", chromedp.SetValue(chromedp.CSS(fmt.Sprintf("#tm-%s-%d", mast.ID, i)), s.time),
			chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector("#tm-%s-%d").dispatchEvent(new Event("input", {bubbles: true}))`, mast.ID, i)))
	}
	tb.screenshot("connect-slots")
	tb.click(row + " .save-slots")
	tb.waitFor(`document.querySelector("` + strings.ReplaceAll(row, `"`, `\"`) + ` .ok-note")`)
	got := l.account(t, "mastodon").Schedule
	if got == nil || got.Timezone != "Europe/Paris" || len(got.Slots) != 2 || got.Slots[0].Weekday != 2 || got.Slots[0].Time != "09:30" || got.Slots[1].Time != "16:00" {
		t.Errorf("slots saved: %+v", got)
	}

	// Disconnecting asks first; then the account is disconnected and its
	// scheduled post held, which its health says.
	disc := l.account(t, "discord")
	var held apiPost
	if code := f.send(t, "POST", "/v1/posts", map[string]any{"content": "Waits for Discord", "scheduled_at": time.Now().Add(48 * time.Hour).Format(time.RFC3339),
		"targets": []map[string]string{{"account_id": disc.ID}}}, &held); code != 201 {
		t.Fatalf("post on Discord: %d", code)
	}
	drow := fmt.Sprintf(`#accounts tr[data-account-id="%s"]`, disc.ID)
	tb.click(drow + " .disconnect")
	tb.waitFor(`document.querySelector("` + strings.ReplaceAll(drow, `"`, `\"`) + ` .confirm-disconnect")`)
	if l.account(t, "discord").Status != "connected" {
		t.Fatal("disconnected before the confirmation")
	}
	tb.screenshot("connect-confirm-disconnect")
	tb.click(drow + " .confirm-disconnect")
	tb.waitFor(`document.querySelector("#accounts-note")?.textContent.startsWith("Disconnected")`)
	if st := l.account(t, "discord").Status; st == "connected" {
		t.Errorf("after disconnecting, Discord is %s", st)
	}
	tb.waitFor(`document.querySelector('#accounts tr[data-network="discord"] .health .bad')`)
	if got := eval[[]string](tb, `[...document.querySelectorAll('#accounts tr[data-network="discord"] .health li')].map((li) => li.textContent)`); !slices.Equal(got, []string{
		"Not posting: disconnected by a person; connect it again to post.", "1 post is held until the account is connected again."}) {
		t.Errorf("the disconnected account's health says %q", got)
	}

	// A sign-in that expires without renewing itself is announced ahead.
	must(t, l.Store.UpdateAccountToken(t.Context(), mast.ID, rythme.Token{AccessToken: "short-lived", Expiry: time.Now().Add(50 * time.Hour)}))
	tb.do("reload", chromedp.Reload())
	tb.waitAcross(`!!document.querySelector('#accounts tr[data-network="mastodon"] .health .bad')`)
	if got := eval[string](tb, `document.querySelector('#accounts tr[data-network="mastodon"] .health .bad').textContent`); got != "Its sign-in expires in 2 days: connect it again before then." {
		t.Errorf("an expiring sign-in reads %q", got)
	}

	for _, w := range []int{1280, 390} {
		tb.setWidth(w)
		tb.axeCheck(fmt.Sprintf("accounts-manager-%d", w))
		if w == 390 {
			tb.noSidewaysScroll("accounts-manager")
		}
		tb.screenshot(fmt.Sprintf("accounts-manager-%d", w))
	}
	tb.setWidth(1280)
}

// An editor sees the accounts and their health but no control to connect,
// disconnect or set slots; the API refuses them the calls all the same.
func TestConnectNeedsManager(t *testing.T) {
	tb := newTab(t)
	l := newLive(t)
	f := &fixture{URL: l.URL, Token: l.Token}
	var res struct{ Account liveAccount }
	webhook := l.Fakenet.DiscordWebhook(l.FakenetURL, "studio")
	if code := f.send(t, "POST", "/v1/accounts/discord/connect", map[string]string{"webhook_url": webhook}, &res); code != 201 {
		t.Fatalf("connect discord: %d", code)
	}
	ed := &rythme.Member{ID: rythme.NewID(rythme.PrefixMember), Email: "eddie@example.com", Name: "Eddie", PasswordHash: l.Manager.PasswordHash}
	ed.CreatedAt = l.Manager.CreatedAt
	must(t, l.Store.CreateMember(t.Context(), ed))
	must(t, l.Store.AddMembership(t.Context(), &rythme.Membership{WorkspaceID: l.WorkspaceID, MemberID: ed.ID, Role: rythme.RoleEditor, CreatedAt: ed.CreatedAt}))

	tb.signInMember(l.URL, "", ed.Email, l.Password)
	tb.click(`#nav a[data-route="accounts"]`)
	tb.waitFor(`document.querySelector("#accounts") && document.querySelector("#connect-role")`)
	if n := eval[int](tb, `document.querySelectorAll("#connect-form, .disconnect, .slots-open").length`); n != 0 {
		t.Errorf("an editor sees %d account controls", n)
	}
	// The calls the controls would make, from the editor's page: 403.
	calls := [][3]string{
		{"POST", "/v1/accounts/discord/connect", `{"webhook_url":"` + webhook + `"}`},
		{"DELETE", "/v1/accounts/" + res.Account.ID, ""},
		{"PUT", "/v1/accounts/" + res.Account.ID + "/schedule", `{"timezone":"UTC","slots":[]}`},
	}
	for _, c := range calls {
		js := fmt.Sprintf(`fetch(%q, {method: %q, headers: {"Content-Type": "application/json"}, body: %s}).then((r) => r.status)`,
			c[1], c[0], map[bool]string{true: "undefined", false: fmt.Sprintf("%q", c[2])}[c[2] == ""])
		status, err := chromedp.Run(tb.ctx, chromedp.Evaluate[int](js, chromedp.EvalAwaitPromise))
		if err != nil || status != 403 {
			t.Errorf("%s %s as an editor: %d %v, want 403", c[0], c[1], status, err)
		}
	}
	if a := l.account(t, "discord"); a.Status != "connected" || a.Schedule != nil {
		raw, _ := json.Marshal(a)
		t.Errorf("the editor changed the account: %s", raw)
	}
}

// The keyboard alone connects an account and disconnects it: the network
// chosen with the arrow keys, Tab to the field, Enter to send; Enter on
// Disconnect, Tab to the confirmation, Enter.
func TestConnectByKeyboard(t *testing.T) {
	tb := newTab(t)
	l := newLive(t)
	tb.signInMember(l.URL, "", l.Manager.Email, l.Password)
	tb.do("accounts", chromedp.Evaluate[chromedp.Void](`location.hash = "#/accounts"`))
	tb.waitFor(`document.querySelector("#connect-network")`)
	tb.do("choose Discord", chromedp.Focus(chromedp.CSS("#connect-network")),
		chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown))
	tb.waitFor(`document.querySelector("#connect-webhook_url")`)
	tb.do("type the webhook", chromedp.KeyEvent(kb.Tab))
	if id := eval[string](tb, `document.activeElement.id`); id != "connect-webhook_url" {
		t.Fatalf("Tab from the network goes to %q", id)
	}
	tb.do("send", chromedp.KeyEvent(l.Fakenet.DiscordWebhook(l.FakenetURL, "keys")), chromedp.KeyEvent(kb.Enter))
	tb.waitFor(`document.querySelector('#accounts tr[data-network="discord"] .disconnect')`)
	tb.do("disconnect", chromedp.Focus(chromedp.CSS(`#accounts tr[data-network="discord"] .disconnect`)), chromedp.KeyEvent(kb.Enter))
	tb.waitFor(`document.querySelector(".confirm-disconnect")`)
	tb.do("to the confirmation", chromedp.KeyEvent(kb.Tab))
	if cls := eval[string](tb, `document.activeElement.className`); !strings.Contains(cls, "confirm-disconnect") {
		t.Fatalf("Tab from Disconnect goes to %q", cls)
	}
	tb.do("confirm", chromedp.KeyEvent(kb.Enter))
	tb.waitFor(`document.querySelector("#accounts-note")?.textContent.startsWith("Disconnected")`)
	if st := l.account(t, "discord").Status; st == "connected" {
		t.Errorf("Discord is %s after the keyboard's disconnect", st)
	}
}
