package api

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connecting"
	"github.com/rythmehq/rythme/web"
)

// An authorization is bound to whoever started it. The connect call sets a
// short-lived cookie holding a random nonce (HttpOnly, SameSite=Lax, Secure
// behind TLS) and answers the same nonce as "binding"; the state keeps its
// hash. The callback goes on only when the browser's cookie or the
// X-Rythme-OAuth-Binding header holds it. A browser without it (a link
// someone else started) is shown a page naming the workspace the account
// would join, and goes on only if the person confirms (a POST carrying a
// CSRF token that a SameSite=Strict cookie doubles); a JSON client without
// it gets 403.

// BindingHeader carries the binding of an authorization for API clients.
const BindingHeader = "X-Rythme-OAuth-Binding"

const confirmCookie = "rythme_oauth_confirm"

// confirmedKey marks a callback the person confirmed on the page.
const confirmedKey = "rythme.oauth.confirmed"

// randomToken returns 32 random bytes, base64url.
func randomToken() (string, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw[:]), nil
}

// bindingCookie names the cookie of one authorization (several may run at
// once in one browser).
func bindingCookie(state string) string {
	h := sha256.Sum256([]byte("cookie:" + state))
	return "rythme_oauth_" + hex.EncodeToString(h[:8])
}

func (s *server) setCookie(c *gin.Context, name, value string, sameSite http.SameSite) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: value, Path: "/v1/oauth/", MaxAge: int(connecting.StateTTL.Seconds()),
		HttpOnly: true, SameSite: sameSite, Secure: strings.HasPrefix(s.cfg.PublicURL, "https://"),
	})
}

// bound reports whether the request carries the binding whose hash the
// state holds (states made before the binding existed hold none).
func bound(c *gin.Context, st *rythme.OAuthState, state string) bool {
	if st.BindingHash == nil {
		return true
	}
	presented := c.GetHeader(BindingHeader)
	if presented == "" {
		if ck, err := c.Cookie(bindingCookie(state)); err == nil {
			presented = ck
		}
	}
	h := sha256.Sum256([]byte(presented))
	return presented != "" && subtle.ConstantTimeCompare(h[:], st.BindingHash) == 1
}

// checkBinding lets a callback go on when it is bound to the one who
// started it, or the person confirmed; otherwise it answers the
// confirmation page (a browser) or 403 (an API client) and returns false.
// An unknown state goes on, for the callback to refuse as it does.
func (s *server) checkBinding(c *gin.Context, network, state string) bool {
	if _, ok := c.Get(confirmedKey); ok {
		return true
	}
	hash := sha256.Sum256([]byte(state))
	st, err := s.store.OAuthStateByHash(c.Request.Context(), hash[:], s.now())
	if err != nil || st.Network != network || bound(c, st, state) {
		return true
	}
	if !s.wantsHTML(c) {
		s.fail(c, rythme.Errorf(rythme.EFORBIDDEN, "this authorization was started by another browser or client: "+
			"send the binding the connect call answered, in the %s header", BindingHeader))
		return false
	}
	wsName := "another workspace"
	if ws, err := s.store.GetWorkspace(c.Request.Context(), st.WorkspaceID); err == nil {
		wsName = ws.Name
	}
	csrf, err := randomToken()
	if err != nil {
		s.callbackFail(c, err)
		return false
	}
	s.setCookie(c, confirmCookie, csrf, http.SameSiteStrictMode)
	title := network
	if conn, err := s.cfg.Connectors.Get(network); err == nil {
		title = conn.Info().Title
	}
	c.Status(http.StatusOK)
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Header("Cache-Control", "no-store")
	_ = confirmPage.Execute(c.Writer, confirmData{Network: title, Workspace: wsName,
		Action: "/v1/oauth/" + url.PathEscape(network) + "/callback", State: state, Code: c.Query("code"), CSRF: csrf})
	c.Abort()
	return false
}

// oauthConfirm is the confirmation page's POST: with its CSRF token
// matching the cookie, the callback goes on as confirmed.
func (s *server) oauthConfirm(c *gin.Context) {
	web.SecurityHeaders(c.Writer.Header())
	ck, err := c.Cookie(confirmCookie)
	form := c.PostForm("csrf")
	if err != nil || ck == "" || subtle.ConstantTimeCompare([]byte(ck), []byte(form)) != 1 {
		s.callbackFail(c, rythme.Errorf(rythme.EBADREQUEST, "this confirmation did not come from the page rythme showed: start connecting the account again"))
		return
	}
	s.setCookie(c, confirmCookie, "", http.SameSiteStrictMode)
	c.Request.URL.RawQuery = url.Values{"state": {c.PostForm("state")}, "code": {c.PostForm("code")}}.Encode()
	c.Set(confirmedKey, true)
	s.oauthCallback(c)
}

type confirmData struct{ Network, Workspace, Action, State, Code, CSRF string }

var confirmPage = template.Must(template.New("confirm").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Connect an account? · rythme</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/assets/style.css">
</head><body><main class="callback"><h1>Connect your {{.Network}} account to the workspace “{{.Workspace}}”?</h1>
<p>This connection was not started from this browser. Continue only if you started it yourself and
“{{.Workspace}}” is your team's workspace: its members will publish on your account.</p>
<form method="post" action="{{.Action}}"><input type="hidden" name="state" value="{{.State}}">
<input type="hidden" name="code" value="{{.Code}}"><input type="hidden" name="csrf" value="{{.CSRF}}">
<button type="submit">Connect to “{{.Workspace}}”</button> <a href="/">Cancel</a></form></main></body></html>
`))
