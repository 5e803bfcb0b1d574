package mastodon

import (
	"crypto/subtle"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// OAuth 2 as Mastodon implements it with Doorkeeper
// (https://docs.joinmastodon.org/methods/oauth/,
// https://docs.joinmastodon.org/spec/oauth/): apps registered per
// instance, authorization code with optional PKCE (S256 only), client
// authentication by form parameters or HTTP Basic, no refresh tokens.

const oobRedirect = "urn:ietf:wg:oauth:2.0:oob"

// Scopes Mastodon knows (https://docs.joinmastodon.org/api/oauth-scopes/).
var mastScopes = map[string]bool{}

func init() {
	for _, s := range strings.Fields(`read write follow push profile
		read:accounts read:blocks read:bookmarks read:favourites read:filters read:follows read:lists
		read:mutes read:notifications read:search read:statuses
		write:accounts write:blocks write:bookmarks write:conversations write:favourites write:filters
		write:follows write:lists write:media write:mutes write:notifications write:reports write:statuses`) {
		mastScopes[s] = true
	}
}

// Mastodon's USERNAME_RE (app/models/account.rb).
var mastUsernameRE = regexp.MustCompile(`^[a-z0-9_]+([.-]+[a-z0-9_]+)*$`)

// RFC 6749 §5.2 error descriptions, as Doorkeeper words them.
var oauthErrors = map[string]string{
	"invalid_request":           "The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.",
	"invalid_client":            "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
	"invalid_grant":             "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
	"unsupported_grant_type":    "The authorization grant type is not supported by the authorization server.",
	"invalid_scope":             "The requested scope is invalid, unknown, or malformed.",
	"unsupported_response_type": "The authorization server does not support this response type.",
	"unauthorized_client":       "You are not authorized to revoke this token",
	"invalid_redirect_uri":      "The requested redirect uri is malformed or doesn't match client redirect URI.",
}

func oauthError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	sim.WriteJSON(w, status, map[string]string{"error": code, "error_description": oauthErrors[code]})
}

func parseScopes(s string) []string {
	f := strings.Fields(strings.ReplaceAll(s, "+", " "))
	if len(f) == 0 {
		return []string{"read"}
	}
	return f
}

// registerApp is POST /api/v1/apps
// (https://docs.joinmastodon.org/methods/apps/#create).
func (m *mastodon) registerApp(w http.ResponseWriter, r *http.Request, _ *mToken) {
	p, err := sim.Params(r)
	if err != nil {
		sim.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "Error occurred while parsing request parameters"})
		return
	}
	name := sim.First(p, "client_name")
	var uris []string
	for _, v := range append(p["redirect_uris"], p["redirect_uris[]"]...) {
		uris = append(uris, strings.Fields(v)...)
	}
	scopes := parseScopes(sim.First(p, "scopes"))
	fail := func(msg string) {
		sim.WriteJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "Validation failed: " + msg})
	}
	if strings.TrimSpace(name) == "" {
		fail("Application name can't be blank")
		return
	}
	if len(uris) == 0 {
		fail("Redirect URI can't be blank")
		return
	}
	for _, u := range uris {
		if pu, err := url.Parse(u); u != oobRedirect && (err != nil || !pu.IsAbs() || pu.Fragment != "") {
			fail("Redirect URI must be an absolute URI.")
			return
		}
	}
	for _, s := range scopes {
		if !mastScopes[s] {
			fail("Scopes doesn't match configured on the server.")
			return
		}
	}
	a := &mApp{name: name, website: sim.First(p, "website"), clientID: sim.RandomToken(), secret: sim.RandomToken(),
		redirectURIs: uris, scopes: scopes}
	m.mu.Lock()
	a.id = m.newID()
	m.apps[a.clientID] = a
	m.mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, map[string]any{
		"id": a.id, "name": a.name, "website": nilIfEmpty(a.website), "scopes": a.scopes,
		"redirect_uri": strings.Join(uris, "\n"), "redirect_uris": uris,
		"client_id": a.clientID, "client_secret": a.secret, "client_secret_expires_at": 0,
		"vapid_key": "BCk-QqERU0q-CfYZjcuB6lnyyOYfJ2AifKqfeGIm7Z-HiTU5T9eTG5GxVA0_OH5mMlI4UkkDTpaZwozy0TzdZ2M=",
	})
}

// authorize is GET /oauth/authorize
// (https://docs.joinmastodon.org/methods/oauth/#authorize). It approves
// at once for the user named by fakenet_user (default alice).
func (m *mastodon) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	m.mu.Lock()
	app := m.apps[q.Get("client_id")]
	m.mu.Unlock()
	if app == nil {
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	redirect := q.Get("redirect_uri")
	if !slices.Contains(app.redirectURIs, redirect) {
		oauthError(w, http.StatusBadRequest, "invalid_redirect_uri")
		return
	}
	back := func(v url.Values) {
		if st := q.Get("state"); st != "" {
			v.Set("state", st)
		}
		if redirect == oobRedirect {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = fmt.Fprintf(w, "<!doctype html><title>Authorization code</title><p>Copy this code: <code>%s</code></p>",
				html.EscapeString(v.Get("code")+v.Get("error")))
			return
		}
		u, _ := url.Parse(redirect)
		qs := u.Query()
		for k, vs := range v {
			qs[k] = vs
		}
		u.RawQuery = qs.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
	deny := func(code string) { back(url.Values{"error": {code}, "error_description": {oauthErrors[code]}}) }
	if q.Get("response_type") != "code" {
		deny("unsupported_response_type")
		return
	}
	scopes := parseScopes(q.Get("scope"))
	for _, s := range scopes {
		if !slices.Contains(app.scopes, s) {
			deny("invalid_scope")
			return
		}
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if (challenge != "" || method != "") && (method != "S256" || len(challenge) != 43) {
		// Mastodon supports S256 only.
		deny("invalid_request")
		return
	}
	user := q.Get("fakenet_user")
	if user == "" {
		user = "alice"
	}
	if len(user) > 30 || !mastUsernameRE.MatchString(user) {
		sim.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "fakenet_user must be a Mastodon username ([a-z0-9_], at most 30)"})
		return
	}
	now := m.s.Config().Now()
	code := sim.RandomToken()
	m.mu.Lock()
	m.user(user, now)
	m.codes[code] = &mCode{clientID: app.clientID, user: user, redirectURI: redirect, challenge: challenge,
		scopes: scopes, expires: now.Add(codeTTL)}
	m.mu.Unlock()
	back(url.Values{"code": {code}})
}

// clientAuth reads client credentials from HTTP Basic (RFC 6749 §2.3.1,
// form-encoded id and secret) or the form, and returns the app they name.
func (m *mastodon) clientAuth(r *http.Request, p map[string][]string) *mApp {
	id, secret, ok := r.BasicAuth()
	if ok {
		if u, err := url.QueryUnescape(id); err == nil {
			id = u
		}
		if u, err := url.QueryUnescape(secret); err == nil {
			secret = u
		}
	} else {
		id, secret = sim.First(p, "client_id"), sim.First(p, "client_secret")
	}
	m.mu.Lock()
	app := m.apps[id]
	m.mu.Unlock()
	if app == nil || subtle.ConstantTimeCompare([]byte(app.secret), []byte(secret)) != 1 {
		return nil
	}
	return app
}

// token is POST /oauth/token
// (https://docs.joinmastodon.org/methods/oauth/#token).
func (m *mastodon) token(w http.ResponseWriter, r *http.Request) {
	p, err := sim.Params(r)
	if err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	app := m.clientAuth(r, p)
	if app == nil {
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	now := m.s.Config().Now()
	var t *mToken
	switch sim.First(p, "grant_type") {
	case "authorization_code":
		m.mu.Lock()
		c := m.codes[sim.First(p, "code")]
		switch {
		case c == nil, now.After(c.expires), c.clientID != app.clientID, c.redirectURI != sim.First(p, "redirect_uri"):
			m.mu.Unlock()
			oauthError(w, http.StatusBadRequest, "invalid_grant")
			return
		case c.challenge != "" && !sim.PKCEMatches(sim.First(p, "code_verifier"), c.challenge):
			m.mu.Unlock()
			oauthError(w, http.StatusBadRequest, "invalid_grant")
			return
		}
		delete(m.codes, sim.First(p, "code"))
		t = &mToken{clientID: app.clientID, user: c.user, scopes: c.scopes, created: now}
		m.mu.Unlock()
	case "client_credentials":
		scopes := parseScopes(sim.First(p, "scope"))
		for _, s := range scopes {
			if !slices.Contains(app.scopes, s) {
				oauthError(w, http.StatusBadRequest, "invalid_scope")
				return
			}
		}
		t = &mToken{clientID: app.clientID, scopes: scopes, created: now}
	case "":
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	default:
		// refresh_token included: Mastodon does not enable it.
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	access := sim.RandomToken()
	m.mu.Lock()
	m.tokens[access] = t
	m.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	sim.WriteJSON(w, http.StatusOK, map[string]any{
		"access_token": access, "token_type": "Bearer", "scope": strings.Join(t.scopes, " "),
		"created_at": now.Unix(),
	})
}

// revokeToken is POST /oauth/revoke
// (https://docs.joinmastodon.org/methods/oauth/#revoke, RFC 7009).
func (m *mastodon) revokeToken(w http.ResponseWriter, r *http.Request) {
	p, err := sim.Params(r)
	if err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	app := m.clientAuth(r, p)
	if app == nil {
		oauthError(w, http.StatusForbidden, "unauthorized_client")
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if t, ok := m.tokens[sim.First(p, "token")]; ok {
		if t.clientID != app.clientID {
			oauthError(w, http.StatusForbidden, "unauthorized_client")
			return
		}
		delete(m.tokens, sim.First(p, "token"))
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{})
}

// oauthMetadata is GET /.well-known/oauth-authorization-server (RFC 8414,
// Mastodon 4.3+).
func (m *mastodon) oauthMetadata(w http.ResponseWriter, r *http.Request) {
	base := m.base(r)
	scopes := make([]string, 0, len(mastScopes))
	for s := range mastScopes {
		scopes = append(scopes, s)
	}
	slices.Sort(scopes)
	sim.WriteJSON(w, http.StatusOK, map[string]any{
		"issuer": base + "/", "service_documentation": "https://docs.joinmastodon.org/",
		"authorization_endpoint": base + "/oauth/authorize", "token_endpoint": base + "/oauth/token",
		"app_registration_endpoint": base + "/api/v1/apps", "revocation_endpoint": base + "/oauth/revoke",
		"scopes_supported": scopes, "response_types_supported": []string{"code"},
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"code_challenge_methods_supported":      []string{"S256"},
		"grant_types_supported":                 []string{"authorization_code", "client_credentials"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}
