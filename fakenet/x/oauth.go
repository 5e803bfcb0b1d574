package x

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// OAuth 2.0 as X implements it
// (https://docs.x.com/resources/fundamentals/authentication/oauth-2-0/authorization-code,
// https://docs.x.com/resources/fundamentals/authentication/oauth-2-0/user-access-token):
// authorization code with PKCE (required; S256 or plain), confidential
// clients authenticating with HTTP Basic, public clients naming client_id
// in the form; access tokens valid two hours; a refresh token only with
// the offline.access scope, rotated on every refresh (the old one stops
// working). Apps are registered on the developer portal, so any client id
// is accepted; the secret first seen for an id is kept and must match
// afterwards.
//
// X words its token-endpoint refusals as invalid_request with a
// description, also where RFC 6749 would say invalid_grant (observed
// answers, e.g. https://github.com/xdevplatform/twitter-api-typescript-sdk/issues/26).

// xScopes are the scopes X knows
// (https://docs.x.com/resources/fundamentals/authentication/oauth-2-0/authorization-code#scopes).
var xScopes = map[string]bool{}

func init() {
	for _, s := range strings.Fields(`tweet.read tweet.write tweet.moderate.write users.email users.read
		follows.read follows.write offline.access space.read mute.read mute.write like.read like.write
		list.read list.write block.read block.write bookmark.read bookmark.write dm.read dm.write media.write`) {
		xScopes[s] = true
	}
}

var xUsernameRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,15}$`)

func xOAuthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	sim.WriteJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// authorize is GET https://x.com/i/oauth2/authorize. It approves at once
// for the user named by fakenet_user (default alice).
func (x *xNet) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect := q.Get("redirect_uri")
	ru, err := url.Parse(redirect)
	if q.Get("client_id") == "" || err != nil || !ru.IsAbs() {
		// X shows an error page instead of redirecting.
		http.Error(w, "Something went wrong: you weren't able to give access to the App. Go back and try logging in again.", http.StatusBadRequest)
		return
	}
	back := func(v url.Values) {
		if st := q.Get("state"); st != "" {
			v.Set("state", st)
		}
		qs := ru.Query()
		for k, vs := range v {
			qs[k] = vs
		}
		ru.RawQuery = qs.Encode()
		http.Redirect(w, r, ru.String(), http.StatusFound)
	}
	deny := func(code, desc string) { back(url.Values{"error": {code}, "error_description": {desc}}) }
	if q.Get("response_type") != "code" {
		deny("unsupported_response_type", "The response type is not supported.")
		return
	}
	scopes := strings.Fields(q.Get("scope"))
	if len(scopes) == 0 {
		deny("invalid_request", "Missing required parameter [scope].")
		return
	}
	for _, s := range scopes {
		if !xScopes[s] {
			deny("invalid_scope", "The requested scope is invalid: "+s)
			return
		}
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if method == "" {
		method = "plain"
	}
	if challenge == "" || (method != "S256" && method != "plain") || q.Get("state") == "" {
		deny("invalid_request", "Missing required parameter [code_challenge] or [state].")
		return
	}
	user := q.Get("fakenet_user")
	if user == "" {
		user = "alice"
	}
	if !xUsernameRE.MatchString(user) {
		http.Error(w, "fakenet_user must be an X username ([A-Za-z0-9_], at most 15)", http.StatusBadRequest)
		return
	}
	now := time.Now() // lifetimes run on the wall clock (see api)
	code := sim.RandomToken()
	x.mu.Lock()
	x.user(user, x.s.Config().Now())
	x.codes[code] = &xCode{clientID: q.Get("client_id"), user: user, redirectURI: redirect, challenge: challenge,
		method: method, scopes: scopes, expires: now.Add(xCodeTTL)}
	x.mu.Unlock()
	back(url.Values{"code": {code}})
}

// client authenticates the token request: HTTP Basic for a confidential
// client, client_id in the form for a public one. ok is false when the
// secret differs from the one first seen for the id.
func (x *xNet) client(r *http.Request) (id string, ok bool) {
	id, secret, basic := r.BasicAuth()
	if basic {
		if u, err := url.QueryUnescape(id); err == nil {
			id = u
		}
		if u, err := url.QueryUnescape(secret); err == nil {
			secret = u
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), ""
	}
	if id == "" {
		return "", false
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	known, seen := x.clients[id]
	if !seen {
		x.clients[id] = secret
		return id, true
	}
	return id, subtle.ConstantTimeCompare([]byte(known), []byte(secret)) == 1
}

// token is POST https://api.x.com/2/oauth2/token.
func (x *xNet) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		xOAuthError(w, http.StatusBadRequest, "invalid_request", "Malformed request body.")
		return
	}
	clientID, ok := x.client(r)
	if !ok {
		xOAuthError(w, http.StatusUnauthorized, "unauthorized_client", "Missing valid authorization header")
		return
	}
	p := r.PostForm
	now := time.Now() // lifetimes run on the wall clock (see api)
	var grant *xToken
	switch p.Get("grant_type") {
	case "authorization_code":
		if p.Get("code_verifier") == "" {
			xOAuthError(w, http.StatusBadRequest, "invalid_request", "Missing required parameter [code_verifier].")
			return
		}
		x.mu.Lock()
		c := x.codes[p.Get("code")]
		if c == nil || now.After(c.expires) || c.clientID != clientID || c.redirectURI != p.Get("redirect_uri") {
			x.mu.Unlock()
			xOAuthError(w, http.StatusBadRequest, "invalid_request", "Value passed for the authorization code was invalid.")
			return
		}
		if !xVerifierMatches(p.Get("code_verifier"), c.challenge, c.method) {
			// The code stays usable, as on X.
			x.mu.Unlock()
			xOAuthError(w, http.StatusBadRequest, "invalid_request", "Value passed for the code verifier did not match the code challenge.")
			return
		}
		delete(x.codes, p.Get("code"))
		x.mu.Unlock()
		grant = &xToken{clientID: clientID, user: c.user, scopes: c.scopes}
	case "refresh_token":
		x.mu.Lock()
		old := x.refresh[p.Get("refresh_token")]
		if old == nil || old.clientID != clientID {
			x.mu.Unlock()
			xOAuthError(w, http.StatusBadRequest, "invalid_request", "Value passed for the token was invalid.")
			return
		}
		// Rotation: the refresh token is single use.
		delete(x.refresh, p.Get("refresh_token"))
		x.mu.Unlock()
		grant = &xToken{clientID: clientID, user: old.user, scopes: old.scopes}
	case "":
		xOAuthError(w, http.StatusBadRequest, "invalid_request", "Missing required parameter [grant_type].")
		return
	default:
		xOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "The grant type is not supported.")
		return
	}
	grant.expires = now.Add(xAccessTTL)
	access := sim.RandomToken()
	out := map[string]any{"token_type": "bearer", "expires_in": int(xAccessTTL.Seconds()), "access_token": access,
		"scope": strings.Join(grant.scopes, " ")}
	x.mu.Lock()
	x.tokens[access] = grant
	for _, s := range grant.scopes {
		if s == "offline.access" {
			rt := sim.RandomToken()
			x.refresh[rt] = grant
			out["refresh_token"] = rt
		}
	}
	x.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	sim.WriteJSON(w, http.StatusOK, out)
}

// xVerifierMatches checks an RFC 7636 verifier (S256 or plain).
func xVerifierMatches(verifier, challenge, method string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	if method == "plain" {
		return subtle.ConstantTimeCompare([]byte(verifier), []byte(challenge)) == 1
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}

// revokeToken is POST https://api.x.com/2/oauth2/revoke (access or refresh
// token).
func (x *xNet) revokeToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		xOAuthError(w, http.StatusBadRequest, "invalid_request", "Malformed request body.")
		return
	}
	if _, ok := x.client(r); !ok {
		xOAuthError(w, http.StatusUnauthorized, "unauthorized_client", "Missing valid authorization header")
		return
	}
	tok := r.PostForm.Get("token")
	x.mu.Lock()
	delete(x.tokens, tok)
	delete(x.refresh, tok)
	x.mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, map[string]bool{"revoked": true})
}
