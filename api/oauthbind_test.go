package api_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// An authorize URL made in one workspace and approved by someone else's
// browser does not silently land their account there: a JSON client
// without the binding gets 403, a browser without the cookie a page that
// names the workspace and connects only once the person confirms.
func TestOAuthCallbackBoundToTheBrowser(t *testing.T) {
	t.Parallel()
	p := newProvider(t)
	e := newEnv(t, storetest.SQLite(t), func(c *api.Config) { c.HTTPClient = p.srv.Client() })
	e.wire(p)
	accounts := func() string { return string(e.as(rythme.RoleViewer, "GET", "/v1/accounts", nil).Body) }

	// The victim's API client, without the binding.
	code, state := p.approve(t, e.connect(p))
	res := e.do(req{method: "GET", path: callbackPath(code, state), noCookies: true})
	expect(t, res, http.StatusForbidden)
	if !strings.Contains(res.err(t).Error.Message, api.BindingHeader) {
		t.Errorf("403 does not say what to send: %s", res.Body)
	}
	if strings.Contains(accounts(), "alice") {
		t.Fatal("an unbound callback connected the account")
	}

	// The victim's browser, without the cookie: a confirmation page.
	html := map[string]string{"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
	res = e.do(req{method: "GET", path: callbackPath(code, state), noCookies: true, header: html})
	expect(t, res, http.StatusOK)
	page := string(res.Body)
	if !strings.Contains(page, "“Team”") || !strings.Contains(page, `method="post"`) {
		t.Fatalf("the confirmation page does not name the workspace: %s", page)
	}
	for h, want := range map[string]string{"Content-Security-Policy": "frame-ancestors 'none'", "X-Frame-Options": "DENY",
		"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"} {
		if !strings.Contains(res.Header.Get(h), want) {
			t.Errorf("callback page header %s = %q, want %q", h, res.Header.Get(h), want)
		}
	}
	if strings.Contains(accounts(), "alice") {
		t.Fatal("showing the confirmation page connected the account")
	}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	var confirmCookie *http.Cookie
	for _, ck := range (&http.Response{Header: res.Header}).Cookies() {
		if ck.Name == "rythme_oauth_confirm" {
			confirmCookie = ck
		}
	}
	if csrf == nil || confirmCookie == nil || confirmCookie.SameSite != http.SameSiteStrictMode || !confirmCookie.HttpOnly {
		t.Fatalf("confirmation without a CSRF token and its strict cookie: %v %+v", csrf, confirmCookie)
	}
	form := url.Values{"state": {state}, "code": {code}, "csrf": {csrf[1]}}.Encode()
	formHeader := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept": html["Accept"]}
	// A forged POST (no cookie) is refused.
	res = e.do(req{method: "POST", path: "/v1/oauth/fakenet/callback", body: form, noCookies: true, header: formHeader})
	expect(t, res, http.StatusBadRequest)
	formHeader["Cookie"] = "rythme_oauth_confirm=" + confirmCookie.Value
	res = e.do(req{method: "POST", path: "/v1/oauth/fakenet/callback", body: form, noCookies: true, header: formHeader})
	expect(t, res, http.StatusOK)
	if !strings.Contains(string(res.Body), "Connected @alice") || !strings.Contains(accounts(), "alice") {
		t.Fatalf("confirmed connection: %s", res.Body)
	}

	// An API client that sends the binding goes straight through.
	res = e.as(rythme.RoleManager, "POST", "/v1/accounts/fakenet/connect", map[string]string{"instance_url": p.srv.URL})
	expect(t, res, http.StatusOK)
	var out struct {
		AuthorizeURL string `json:"authorize_url"`
		Binding      string `json:"binding"`
	}
	res.decode(t, &out)
	code, state = p.approve(t, out.AuthorizeURL)
	res = e.do(req{method: "GET", path: callbackPath(code, state), noCookies: true, header: map[string]string{api.BindingHeader: "wrong"}})
	expect(t, res, http.StatusForbidden)
	res = e.do(req{method: "GET", path: callbackPath(code, state), noCookies: true, header: map[string]string{api.BindingHeader: out.Binding}})
	expect(t, res, http.StatusOK)
}

// Open authorizations are capped per workspace (1,000 connects left 1,002
// rows): the 101st answers 429 with Retry-After.
func TestOAuthStatesCapped(t *testing.T) {
	t.Parallel()
	p := newProvider(t)
	e := newEnv(t, storetest.SQLite(t), func(c *api.Config) { c.HTTPClient = p.srv.Client() })
	e.wire(p)
	for range 100 {
		e.connect(p)
	}
	res := e.as(rythme.RoleManager, "POST", "/v1/accounts/fakenet/connect", map[string]string{"instance_url": p.srv.URL})
	expect(t, res, http.StatusTooManyRequests)
	if res.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	n, err := e.store.OpenOAuthStates(t.Context(), e.ws, e.clock.Now())
	if err != nil || n != 100 {
		t.Fatalf("open states = %d, %v", n, err)
	}
}
