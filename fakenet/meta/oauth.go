package meta

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// Authorize approves at once for fakenet_user (default alice) and
// redirects to redirect_uri with code and state, appending fragment (Meta
// appends "#_=_" or "#_").
func (g *Graph) Authorize(fragment string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		ru, err := url.Parse(q.Get("redirect_uri"))
		if q.Get("client_id") == "" || err != nil || !ru.IsAbs() {
			http.Error(w, "Invalid App ID or redirect_uri: the login dialog needs client_id and an absolute redirect_uri.", http.StatusBadRequest)
			return
		}
		out := ru.Query()
		if q.Get("state") != "" {
			out.Set("state", q.Get("state"))
		}
		ch, method := q.Get("code_challenge"), q.Get("code_challenge_method")
		switch {
		case q.Get("response_type") != "" && q.Get("response_type") != "code":
			out.Set("error", "unsupported_response_type")
		case ch != "" && method != "" && method != "S256":
			out.Set("error", "invalid_request")
			out.Set("error_description", "code_challenge_method must be S256")
		default:
			user := q.Get("fakenet_user")
			if user == "" {
				user = "alice"
			}
			code := sim.RandomToken()
			g.mu.Lock()
			g.codes[code] = &authCode{clientID: q.Get("client_id"), user: user, redirectURI: q.Get("redirect_uri"),
				challenge: ch, expires: g.s.Config().Now().Add(codeTTL)}
			g.mu.Unlock()
			out.Set("code", code)
		}
		ru.RawQuery = out.Encode()
		http.Redirect(w, r, ru.String()+fragment, http.StatusFound)
	}
}

// Redeem uses up an authorization code (single use, even when refused) and
// returns its user, or the Graph error message to answer.
func (g *Graph) Redeem(p url.Values) (user, clientID, msg string) {
	code := p.Get("code")
	g.mu.Lock()
	c, ok := g.codes[code]
	delete(g.codes, code)
	g.mu.Unlock()
	switch {
	case p.Get("client_id") == "" || p.Get("client_secret") == "":
		return "", "", "Missing client_id or client_secret parameter."
	case !ok:
		return "", "", "This authorization code has been used or is not valid."
	case g.s.Config().Now().After(c.expires):
		return "", "", "This authorization code has expired."
	case c.clientID != p.Get("client_id"):
		return "", "", "Error validating client_id: the code was issued to another app."
	case c.redirectURI != p.Get("redirect_uri"):
		return "", "", "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request"
	case c.challenge != "" && !sim.PKCEMatches(p.Get("code_verifier"), c.challenge):
		return "", "", "Invalid code_verifier: it does not match the code_challenge of the authorization request."
	}
	return c.user, c.clientID, ""
}

// Issue makes a token like t (its ClientID, User, Kind and Page), created
// now and expiring after ttl (never when ttl is 0), and returns it.
func (g *Graph) Issue(t Token, ttl time.Duration) string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	s := g.o.TokenPrefix + strings.ToUpper(hex.EncodeToString(b))
	now := g.s.Config().Now()
	t.Created, t.Expires = now, time.Time{}
	if ttl > 0 {
		t.Expires = now.Add(ttl)
	}
	g.mu.Lock()
	g.tokens[s] = &t
	g.mu.Unlock()
	return s
}

// TokenJSON is a token endpoint's answer.
func TokenJSON(tok string, ttl time.Duration) map[string]any {
	out := map[string]any{"access_token": tok, "token_type": "bearer"}
	if ttl > 0 {
		out["expires_in"] = int64(ttl / time.Second)
	}
	return out
}

// Lookup returns (a copy of) the token of a request (Authorization: Bearer
// or OAuth, or the access_token parameter) and its string, or nil and the
// Graph error message when it is missing, unknown or expired.
func (g *Graph) Lookup(r *http.Request) (*Token, string, string) {
	s := ""
	if a := r.Header.Get("Authorization"); a != "" {
		if f := strings.Fields(a); len(f) == 2 && (strings.EqualFold(f[0], "bearer") || strings.EqualFold(f[0], "oauth")) {
			s = f[1]
		}
	}
	if s == "" {
		s = r.URL.Query().Get("access_token")
	}
	if s == "" && r.Method == http.MethodPost {
		_ = r.ParseForm()
		s = r.PostForm.Get("access_token")
	}
	if s == "" {
		return nil, "", "An active access token must be used to query information about the current user."
	}
	g.mu.Lock()
	t, ok := g.tokens[s]
	var c Token
	if ok {
		c = *t
	}
	g.mu.Unlock()
	if !ok {
		return nil, s, BadToken
	}
	if !c.Expires.IsZero() && g.s.Config().Now().After(c.Expires) {
		return nil, s, "Error validating access token: Session has expired on " + c.Expires.UTC().Format(time.RFC1123) + "."
	}
	return &c, s, ""
}

// LongLived is GET /access_token (grant ig_exchange_token or
// th_exchange_token, with client_secret) or GET /refresh_access_token
// (grant ig_refresh_token or th_refresh_token, a long-lived token at least
// a day old), for a token of a kind in from.
func (g *Graph) LongLived(grant string, from []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		t, _, msg := g.Lookup(r)
		now := g.s.Config().Now()
		switch {
		case q.Get("grant_type") != grant:
			WriteError(w, http.StatusBadRequest, 100, 0, "Unsupported grant_type: use "+grant)
		case strings.HasSuffix(grant, "exchange_token") && q.Get("client_secret") == "":
			WriteError(w, http.StatusBadRequest, 101, 0, "Missing client_secret parameter.")
		case t == nil:
			WriteError(w, http.StatusBadRequest, 190, 0, msg)
		case !slices.Contains(from, t.Kind):
			WriteError(w, http.StatusBadRequest, 190, 0, "The access token cannot be used with "+grant+".")
		case strings.HasSuffix(grant, "refresh_token") && now.Sub(t.Created) < minRenew:
			WriteError(w, http.StatusBadRequest, 190, 0, "The access token is less than 24 hours old and cannot be refreshed yet.")
		default:
			tok := g.Issue(Token{User: t.User, ClientID: t.ClientID, Kind: TokenLong}, LongTTL)
			sim.WriteJSON(w, http.StatusOK, TokenJSON(tok, LongTTL))
		}
	}
}

// Revoke deletes every token of user (every user when empty) and says how
// many.
func (g *Graph) Revoke(user string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for k, t := range g.tokens {
		if user == "" || t.User == user {
			delete(g.tokens, k)
			n++
		}
	}
	return n
}

// Owner checks that id is the token's user (or "me") and returns the user;
// otherwise it answers code 100 subcode 33.
func (g *Graph) Owner(w http.ResponseWriter, t *Token, id string) (User, bool) {
	u := g.UserOf(t.User)
	if id != "me" && id != u.ID {
		WriteError(w, http.StatusBadRequest, 100, 33, fmtNoObject(id))
		return User{}, false
	}
	return u, true
}
