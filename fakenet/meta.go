package fakenet

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// What the three simulated Meta networks (facebook.go, instagram.go,
// threads.go) share: the Graph API error shape
// (https://developers.facebook.com/docs/graph-api/guides/error-handling),
// tokens, authorization codes with PKCE S256 (which Facebook Login
// documents, https://developers.facebook.com/docs/facebook-login/guides/advanced/oidc-token;
// checked here whenever a challenge was sent), the usage headers and
// throttling errors of
// https://developers.facebook.com/docs/graph-api/overview/rate-limiting/,
// and engagement.
//
// Any client id and secret are accepted (apps are registered in the App
// Dashboard); the client id is kept with codes and tokens and must match.

const (
	metaCodeTTL   = 10 * time.Minute
	metaShortTTL  = time.Hour           // short-lived user tokens
	metaLongTTL   = 60 * 24 * time.Hour // long-lived tokens
	metaMinRenew  = 24 * time.Hour      // a long-lived token renews once this old
	metaNoObject  = "Unsupported get request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
	metaBadToken  = "Invalid OAuth access token - Cannot parse access token"
	metaThrottled = "(#4) Application request limit reached"
)

// metaVersion is a Graph API version path segment (v25.0).
var metaVersion = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

type metaCode struct {
	clientID, user, redirectURI, challenge string
	expires                                time.Time
}

// metaToken kinds.
const (
	tokShort = "short" // short-lived user token
	tokLong  = "long"  // long-lived user token
	tokPage  = "page"  // Facebook Page token (no expiry)
)

type metaToken struct {
	clientID, user, kind string
	page                 string    // the Page of a Page token
	created, expires     time.Time // expires zero: never
}

type metaUser struct {
	id, username, name string
	created            time.Time
}

type metaPost struct {
	id, user, text, mediaType, mediaURL, link, replyTo string
	created                                            time.Time
	deleted                                            bool
}

// metaContainer is an Instagram or Threads media container.
type metaContainer struct {
	id, user, text, mediaType, mediaURL, replyTo, published string
	created                                                 time.Time
	polls                                                   int
	failed                                                  string // ERROR status message
}

// metaGraph is one simulated Meta network's state and shared handlers.
type metaGraph struct {
	s           *Server
	net         string
	lim         *limiter
	idBase      int64
	tokenPrefix string
	// buc: answer Business Use Case headers and throttle with code
	// throttleCode (80001 Pages, 80002 Instagram); else X-App-Usage and
	// code 4.
	buc          bool
	throttleCode int

	mu         sync.Mutex
	codes      map[string]*metaCode
	tokens     map[string]*metaToken
	users      map[string]*metaUser
	posts      map[string]*metaPost
	containers map[string]*metaContainer
	published  map[string][]time.Time // by user: API publishes, for the 24-hour quota
	nextID     int64
}

func newMetaGraph(s *Server, net string, idBase int64, tokenPrefix string, buc bool, throttleCode int) *metaGraph {
	g := &metaGraph{s: s, net: net, lim: newLimiter(s.cfg.RateLimit, s.cfg.RateWindow), idBase: idBase,
		tokenPrefix: tokenPrefix, buc: buc, throttleCode: throttleCode}
	g.reset()
	return g
}

func (g *metaGraph) name() string { return g.net }

func (g *metaGraph) reset() {
	g.mu.Lock()
	g.codes = map[string]*metaCode{}
	g.tokens = map[string]*metaToken{}
	g.users = map[string]*metaUser{}
	g.posts = map[string]*metaPost{}
	g.containers = map[string]*metaContainer{}
	g.published = map[string][]time.Time{}
	g.nextID = 0
	g.mu.Unlock()
	g.lim.reset()
}

// newID returns the next numeric id. Holds g.mu.
func (g *metaGraph) newID() string {
	g.nextID++
	return strconv.FormatInt(g.idBase+g.nextID, 10)
}

// user returns the user called name, created on first use. Holds g.mu.
func (g *metaGraph) user(name string, now time.Time) *metaUser {
	u, ok := g.users[name]
	if !ok {
		u = &metaUser{id: g.newID(), username: name, name: strings.ToUpper(name[:1]) + name[1:], created: now}
		g.users[name] = u
	}
	return u
}

// graphError writes the Graph API error object.
func graphError(w http.ResponseWriter, status, code, subcode int, msg string) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	e := map[string]any{"message": msg, "type": "OAuthException", "code": code, "fbtrace_id": base64.RawURLEncoding.EncodeToString(b)}
	if subcode != 0 {
		e["error_subcode"] = subcode
	}
	if code == 1 || code == 2 {
		e["is_transient"] = true
	}
	w.Header().Set("WWW-Authenticate", `OAuth "Facebook Platform" "`+oauthErrKind(code)+`" "`+strings.ReplaceAll(msg, `"`, `'`)+`"`)
	writeJSON(w, status, map[string]any{"error": e})
}

func oauthErrKind(code int) string {
	if code == 190 {
		return "invalid_token"
	}
	return "invalid_request"
}

// errorBody is the Graph error a status fault answers with.
func (g *metaGraph) errorBody(msg string) []byte {
	code, text := 100, msg
	switch msg {
	case http.StatusText(http.StatusTooManyRequests):
		code, text = 4, metaThrottled
	case http.StatusText(http.StatusInternalServerError):
		code, text = 1, "An unknown error has occurred."
	case http.StatusText(http.StatusServiceUnavailable), http.StatusText(http.StatusBadGateway), http.StatusText(http.StatusGatewayTimeout):
		code, text = 2, "An unexpected error has occurred. Please retry your request later."
	case http.StatusText(http.StatusUnauthorized):
		code, text = 190, metaBadToken
	}
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"message": text, "type": "OAuthException", "code": code, "fbtrace_id": "fakenet"}})
	return b
}

func (g *metaGraph) notFound(w http.ResponseWriter, r *http.Request) {
	graphError(w, http.StatusBadRequest, 2500, 0, "Unknown path components: "+r.URL.Path)
}

// graphSegments splits a Graph path after prefix ("/graph"), dropping an
// optional version: "/graph/v25.0/123/feed" gives ["123", "feed"].
func graphSegments(path, prefix string) ([]string, bool) {
	rest, ok := strings.CutPrefix(path, prefix)
	if !ok || (rest != "" && rest[0] != '/') {
		return nil, false
	}
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	if len(segs) > 0 && metaVersion.MatchString(segs[0]) {
		segs = segs[1:]
	}
	if len(segs) == 1 && segs[0] == "" {
		segs = nil
	}
	return segs, true
}

// authorize approves at once for fakenet_user (default alice) and
// redirects to redirect_uri with code and state, appending fragment (Meta
// appends "#_=_" or "#_").
func (g *metaGraph) authorize(fragment string) http.HandlerFunc {
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
			code := randomToken()
			g.mu.Lock()
			g.codes[code] = &metaCode{clientID: q.Get("client_id"), user: user, redirectURI: q.Get("redirect_uri"),
				challenge: ch, expires: g.s.cfg.Now().Add(metaCodeTTL)}
			g.mu.Unlock()
			out.Set("code", code)
		}
		ru.RawQuery = out.Encode()
		http.Redirect(w, r, ru.String()+fragment, http.StatusFound)
	}
}

// redeem uses up an authorization code (single use, even when refused) and
// returns its user, or the Graph error message to answer.
func (g *metaGraph) redeem(p url.Values) (user, clientID, msg string) {
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
	case g.s.cfg.Now().After(c.expires):
		return "", "", "This authorization code has expired."
	case c.clientID != p.Get("client_id"):
		return "", "", "Error validating client_id: the code was issued to another app."
	case c.redirectURI != p.Get("redirect_uri"):
		return "", "", "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request"
	case c.challenge != "" && !pkceMatches(p.Get("code_verifier"), c.challenge):
		return "", "", "Invalid code_verifier: it does not match the code_challenge of the authorization request."
	}
	return c.user, c.clientID, ""
}

// issue makes a token for user. Holds no lock.
func (g *metaGraph) issue(user, clientID, kind string, ttl time.Duration) (string, *metaToken) {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	s := g.tokenPrefix + strings.ToUpper(hex.EncodeToString(b))
	now := g.s.cfg.Now()
	t := &metaToken{clientID: clientID, user: user, kind: kind, created: now}
	if ttl > 0 {
		t.expires = now.Add(ttl)
	}
	g.mu.Lock()
	g.tokens[s] = t
	g.mu.Unlock()
	return s, t
}

// tokenJSON is a token endpoint's answer.
func tokenJSON(tok string, ttl time.Duration) map[string]any {
	out := map[string]any{"access_token": tok, "token_type": "bearer"}
	if ttl > 0 {
		out["expires_in"] = int64(ttl / time.Second)
	}
	return out
}

// lookup returns the token of a request (Authorization: Bearer or OAuth,
// or the access_token parameter) and its string.
func (g *metaGraph) lookup(r *http.Request) (*metaToken, string, string) {
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
	var c metaToken
	if ok {
		c = *t
	}
	g.mu.Unlock()
	if !ok {
		return nil, s, metaBadToken
	}
	if !c.expires.IsZero() && g.s.cfg.Now().After(c.expires) {
		return nil, s, "Error validating access token: Session has expired on " + c.expires.UTC().Format(time.RFC1123) + "."
	}
	return &c, s, ""
}

// api wraps a Graph handler: the token (code 190 when missing, expired or
// revoked, subcode 463 when expired), the rate limit per user with its
// usage header on every answer, and the throttling error past it.
func (g *metaGraph) api(kinds []string, h func(http.ResponseWriter, *http.Request, *metaToken)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, _, msg := g.lookup(r)
		if tok == nil {
			sub := 0
			if strings.HasPrefix(msg, "Error validating access token: Session has expired") {
				sub = 463
			}
			graphError(w, http.StatusBadRequest, 190, sub, msg)
			return
		}
		now := g.s.cfg.Now()
		limit, remaining, reset, ok := g.lim.take(g.net+":"+tok.user, now)
		if limit > 0 {
			pct := int(math.Ceil(float64(limit-remaining) * 100 / float64(limit)))
			regain := 0
			if !ok {
				pct, regain = 100, int(math.Ceil(reset.Sub(now).Minutes()))
			}
			g.usageHeader(w, tok, pct, regain)
		}
		if !ok {
			g.s.rateLimited.Add(1)
			code, msg := 4, metaThrottled
			if g.bucFor(tok) {
				code, msg = g.throttleCode, fmt.Sprintf("(#%d) There have been too many calls from this account. Wait a bit and try again.", g.throttleCode)
			}
			graphError(w, http.StatusBadRequest, code, 0, msg)
			return
		}
		if kinds != nil && !contains(kinds, tok.kind) {
			graphError(w, http.StatusBadRequest, 190, 0, "This endpoint requires a different kind of access token (a "+strings.Join(kinds, " or ")+" token).")
			return
		}
		h(w, r, tok)
	}
}

// usageHeader sets X-Business-Use-Case-Usage or X-App-Usage.
func (g *metaGraph) usageHeader(w http.ResponseWriter, tok *metaToken, pct, regain int) {
	u := map[string]any{"call_count": pct, "total_cputime": pct / 2, "total_time": pct / 2}
	if !g.bucFor(tok) {
		b, _ := json.Marshal(u)
		w.Header().Set("X-App-Usage", string(b))
		return
	}
	u["type"] = map[string]string{"facebook": "pages", "instagram": "instagram"}[g.net]
	u["estimated_time_to_regain_access"] = regain
	g.mu.Lock()
	id := g.user(tok.user, g.s.cfg.Now()).id
	g.mu.Unlock()
	b, _ := json.Marshal(map[string]any{id: []any{u}})
	w.Header().Set("X-Business-Use-Case-Usage", string(b))
}

// bucFor reports whether tok's calls count against Business Use Case limits:
// Page tokens and Instagram's, not Facebook user tokens.
func (g *metaGraph) bucFor(tok *metaToken) bool {
	return g.buc && (g.net != facebookName || tok.kind == tokPage)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// form reads a request's parameters: the query, then the form body.
func form(r *http.Request) url.Values {
	_ = r.ParseForm()
	return r.Form
}

// revoke deletes every token of user (every user when empty).
func (g *metaGraph) revoke(user string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for k, t := range g.tokens {
		if user == "" || t.user == user {
			delete(g.tokens, k)
			n++
		}
	}
	return n
}

func (g *metaGraph) deletePost(id string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	p, ok := g.posts[id]
	if !ok || p.deleted {
		return false
	}
	p.deleted = true
	return true
}

// post returns a live post of user, or answers code 100 subcode 33.
func (g *metaGraph) post(w http.ResponseWriter, id, user string) (metaPost, bool) {
	g.mu.Lock()
	p, ok := g.posts[id]
	var c metaPost
	if ok {
		c = *p
	}
	g.mu.Unlock()
	if !ok || c.deleted || c.user != user {
		graphError(w, http.StatusBadRequest, 100, 33, fmt.Sprintf(metaNoObject, id))
		return metaPost{}, false
	}
	return c, true
}

// quota counts user's API publishes in the 24 hours before now and returns
// when the oldest of them leaves the window. Holds g.mu.
func (g *metaGraph) quota(user string, now time.Time) (used int, frees time.Time) {
	kept := g.published[user][:0]
	for _, t := range g.published[user] {
		if now.Sub(t) < 24*time.Hour {
			kept = append(kept, t)
		}
	}
	g.published[user] = kept
	if len(kept) > 0 {
		frees = kept[0].Add(24 * time.Hour)
	}
	return len(kept), frees
}

// metaStats is a post's engagement at now, the Meta way: likes, comments
// and shares from EngagementAt, and views, reach, saves, clicks and quotes
// drawn from them, so that every number grows with the post's age.
type metaStats struct {
	likes, comments, shares, views, reach, saves, clicks, quotes int64
}

func (g *metaGraph) stats(p metaPost, now time.Time) metaStats {
	e := EngagementAt(g.s.cfg.Seed, g.net, p.id, now.Sub(p.created))
	reach := e.Favourites*9 + e.Replies*3
	return metaStats{likes: e.Favourites, comments: e.Replies, shares: e.Reblogs,
		views: reach + reach/3 + e.Reblogs*5, reach: reach, saves: e.Favourites / 4, clicks: e.Favourites / 2, quotes: e.Reblogs / 3}
}

// insightsJSON is an /insights answer for the metrics asked.
func insightsJSON(id string, metrics []string, values map[string]int64) (map[string]any, string) {
	var data []any
	for _, m := range metrics {
		v, ok := values[m]
		if !ok {
			return nil, m
		}
		data = append(data, map[string]any{"name": m, "period": "lifetime", "values": []any{map[string]any{"value": v}},
			"title": m, "id": id + "/insights/" + m + "/lifetime"})
	}
	return map[string]any{"data": data}, ""
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
