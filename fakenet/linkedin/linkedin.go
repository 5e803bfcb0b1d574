// Package linkedin is fakenet's LinkedIn.
//
// LinkedIn, under the prefix /linkedin, standing for both of LinkedIn's
// hosts: www.linkedin.com (OAuth) and api.linkedin.com (/v2/userinfo,
// /rest/…). It follows Microsoft Learn's LinkedIn documentation:
//   - OAuth 2 authorization code flow
//     https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow
//   - programmatic refresh tokens (approved partners only; the refresh
//     token's TTL is not extended by a refresh)
//     https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens
//   - Sign In with LinkedIn using OpenID Connect (GET /v2/userinfo)
//     https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2
//   - Posts API (POST /rest/posts, the URN in x-restli-id)
//     https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
//   - little text format (commentary escaping)
//     https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format
//   - Images API (initializeUpload, then PUT the bytes)
//     https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api
//   - Find Posts by Authors (GET /rest/posts?q=author, scope r_member_social),
//     with the earlier posts every member has (Config.HistoryDays)
//     https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api#find-posts-by-authors
//   - Member post statistics (memberCreatorPostAnalytics)
//     https://learn.microsoft.com/en-us/linkedin/marketing/community-management/members/post-statistics
//   - Member follower statistics (memberFollowersCount?q=me, lifetime)
//     https://learn.microsoft.com/en-us/linkedin/marketing/community-management/members/follower-statistics
//   - error shape {"status","serviceErrorCode","code","message"}
//     https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling
//   - Comments API (comments.go)
//     https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/comments-api
//   - rate limits: daily, reset at midnight UTC, answered 429, no headers
//     https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits
//
// Any client id and secret are accepted (apps are registered in the
// developer portal); a client id that starts with "norefresh" stands for an
// app not approved for programmatic refresh tokens, which gets none.
package linkedin

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rythmehq/rythme/fakenet/sim"
)

const (
	linkedinName = "linkedin"
	// Access tokens live 60 days, refresh tokens a year; codes 30 minutes.
	liAccessTTL  = 60 * 24 * time.Hour
	liRefreshTTL = 365 * 24 * time.Hour
	liCodeTTL    = 30 * time.Minute
	// liMaxCommentary is the commentary limit, counted in UTF-16 code units
	// (LinkedIn's Java backend; the documented limit is 3000 characters).
	liMaxCommentary = 3000
	// liDailyPosts is the member's daily limit on POST /rest/posts.
	liDailyPosts = 150
	// liDuplicateWindow is how long an identical commentary of the same
	// author counts as a duplicate (LinkedIn does not document it).
	liDuplicateWindow = 24 * time.Hour
)

// liScopes are the scopes an app can be granted.
var liScopes = map[string]bool{"openid": true, "profile": true, "email": true, "w_member_social": true,
	"r_member_social": true, "r_member_postAnalytics": true, "r_member_profileAnalytics": true, "w_organization_social": true,
	"r_organization_social": true, "rw_organization_admin": true}

type linkedin struct {
	s *sim.Server

	mu      sync.Mutex
	codes   map[string]*liCode
	tokens  map[string]*liToken   // by access token
	refresh map[string]*liRefresh // by refresh token
	members map[string]*liMember  // by username
	posts   map[string]*liPost    // by URN
	// comments members made through the API, by post URN
	comments map[string][]liComment
	images   map[string]*liImage // by URN
	uploads  map[string]string   // upload token → image URN
	daily    map[string]int      // member + UTC day → posts created
	nextID   int64
}

type liCode struct {
	clientID, user, redirectURI, challenge string
	scopes                                 []string
	expires                                time.Time
}

type liToken struct {
	clientID, user string
	scopes         []string
	expires        time.Time
	revoked        bool
}

type liRefresh struct {
	clientID, user string
	scopes         []string
	expires        time.Time
}

type liMember struct {
	sub, username string
	created       time.Time
}

type liPost struct {
	urn, author, commentary, visibility, user string
	images                                    []string
	created                                   time.Time
	deleted                                   bool
}

type liImage struct {
	urn, owner string
	uploaded   bool
}

// New builds the simulated LinkedIn on s.
func New(s *sim.Server) sim.Network {
	l := &linkedin{s: s}
	l.Reset()
	return l
}

func (l *linkedin) Name() string { return linkedinName }

func (l *linkedin) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.codes = map[string]*liCode{}
	l.tokens = map[string]*liToken{}
	l.refresh = map[string]*liRefresh{}
	l.members = map[string]*liMember{}
	l.posts = map[string]*liPost{}
	l.comments = map[string][]liComment{}
	l.images = map[string]*liImage{}
	l.uploads = map[string]string{}
	l.daily = map[string]int{}
	l.nextID = 0
}

// newID returns the next id, the size of LinkedIn's activity ids. Holds l.mu.
func (l *linkedin) newID() string {
	l.nextID++
	return strconv.FormatInt(7300000000000000000+l.nextID, 10)
}

// liError is LinkedIn's error body.
type liError struct {
	Status           int    `json:"status"`
	ServiceErrorCode int    `json:"serviceErrorCode,omitempty"`
	Code             string `json:"code,omitempty"`
	Message          string `json:"message"`
}

func liFail(w http.ResponseWriter, status, serviceCode int, code, msg string) {
	sim.WriteJSON(w, status, liError{Status: status, ServiceErrorCode: serviceCode, Code: code, Message: msg})
}

func (l *linkedin) ErrorBody(msg string) []byte {
	b, _ := json.Marshal(liError{Status: 0, Message: msg})
	return b
}

func (l *linkedin) NotFound(w http.ResponseWriter, r *http.Request) {
	liFail(w, http.StatusNotFound, 0, "RESOURCE_NOT_FOUND", "No virtual resource found")
}

func (l *linkedin) Route(method, path string) (op, pattern string, h http.HandlerFunc) {
	switch method + " " + path {
	case "GET /oauth/v2/authorization":
		return "authorize", path, l.authorize
	case "POST /oauth/v2/accessToken":
		return "token", path, l.token
	case "GET /v2/userinfo":
		return "userinfo", path, l.api(false, []string{"openid"}, l.userinfo)
	case "POST /rest/posts":
		return "publish", path, l.api(true, nil, l.publish)
	case "GET /rest/posts":
		return "find_posts", path, l.api(true, []string{"r_member_social", "r_organization_social"}, l.findPosts)
	case "GET /rest/memberCreatorPostAnalytics":
		return "post_analytics", path, l.api(true, []string{"r_member_postAnalytics"}, l.analytics)
	case "GET /rest/memberFollowersCount":
		return "followers_count", path, l.api(true, []string{"r_member_profileAnalytics"}, l.followersCount)
	case "POST /rest/images":
		return "initialize_upload", path, l.api(true, []string{"w_member_social", "w_organization_social"}, l.initializeUpload)
	}
	if rest, ok := strings.CutPrefix(path, "/rest/posts/"); ok && rest != "" && !strings.Contains(rest, "/") {
		urn, _ := url.PathUnescape(rest)
		switch method {
		case http.MethodGet:
			return "get_post", "/rest/posts/:urn", l.api(true, []string{"r_member_social", "r_organization_social", "w_member_social"},
				func(w http.ResponseWriter, r *http.Request, t *liToken) { l.getPost(w, r, t, urn) })
		case http.MethodDelete:
			return "delete_post", "/rest/posts/:urn", l.api(true, []string{"w_member_social", "w_organization_social"},
				func(w http.ResponseWriter, r *http.Request, t *liToken) { l.deletePostAPI(w, r, t, urn) })
		}
	}
	if rest, ok := strings.CutPrefix(path, "/rest/socialActions/"); ok {
		if enc, ok := strings.CutSuffix(rest, "/comments"); ok && enc != "" && !strings.Contains(enc, "/") {
			urn, _ := url.PathUnescape(enc)
			switch method {
			case http.MethodGet:
				return "comments", "/rest/socialActions/:urn/comments", l.api(true, []string{"r_member_social", "r_organization_social"},
					func(w http.ResponseWriter, r *http.Request, t *liToken) { l.listComments(w, r, t, urn) })
			case http.MethodPost:
				return "comment", "/rest/socialActions/:urn/comments", l.api(true, []string{"w_member_social", "w_organization_social"},
					func(w http.ResponseWriter, r *http.Request, t *liToken) { l.comment(w, r, t, urn) })
			}
		}
	}
	if rest, ok := strings.CutPrefix(path, "/rest/images/"); ok && method == http.MethodGet && rest != "" {
		urn, _ := url.PathUnescape(rest)
		return "get_image", "/rest/images/:urn", l.api(true, nil, func(w http.ResponseWriter, r *http.Request, t *liToken) { l.getImage(w, r, t, urn) })
	}
	if tok, ok := strings.CutPrefix(path, "/dms-uploads/"); ok && method == http.MethodPut && tok != "" {
		return "upload", "/dms-uploads/:token", l.api(false, nil, func(w http.ResponseWriter, r *http.Request, t *liToken) { l.upload(w, r, t, tok) })
	}
	return "", "", nil
}

// liVersionRE is the LinkedIn-Version header's YYYYMM (or YYYYMM.RR).
var liVersionRE = regexp.MustCompile(`^(\d{4})(\d{2})(\.\d{2})?$`)

// api wraps an API handler: the bearer token (401 in LinkedIn's words for
// a missing, unknown, revoked or expired one), the scopes (any of them),
// and for /rest/ the LinkedIn-Version header, which must name a version
// that is still served (LinkedIn serves each for at least a year; older
// ones get 426), and X-Restli-Protocol-Version 2.0.0.
func (l *linkedin) api(versioned bool, scopes []string, h func(http.ResponseWriter, *http.Request, *liToken)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		now := l.s.Config().Now()
		bearer, ok := sim.BearerToken(r)
		if !ok || bearer == "" {
			liFail(w, http.StatusUnauthorized, 65604, "EMPTY_ACCESS_TOKEN", "Empty oauth2_access_token")
			return
		}
		l.mu.Lock()
		t, found := l.tokens[bearer]
		var tok liToken
		if found {
			tok = *t
		}
		l.mu.Unlock()
		switch {
		case !found:
			liFail(w, http.StatusUnauthorized, 65600, "INVALID_ACCESS_TOKEN", "Invalid access token")
			return
		case tok.revoked:
			liFail(w, http.StatusUnauthorized, 65601, "REVOKED_ACCESS_TOKEN", "The token used in the request has been revoked by the user")
			return
		case !now.Before(tok.expires):
			liFail(w, http.StatusUnauthorized, 65602, "EXPIRED_ACCESS_TOKEN", "The token used in the request has expired")
			return
		}
		if versioned {
			v := r.Header.Get("Linkedin-Version")
			m := liVersionRE.FindStringSubmatch(v)
			if v == "" {
				liFail(w, http.StatusBadRequest, 0, "VERSION_MISSING", "A version must be present. Please specify a version by adding the LinkedIn-Version header.")
				return
			}
			if m == nil {
				liFail(w, http.StatusBadRequest, 0, "INVALID_VERSION", "Invalid version: "+v)
				return
			}
			y, _ := strconv.Atoi(m[1])
			mo, _ := strconv.Atoi(m[2])
			cur := now.UTC()
			if mo < 1 || mo > 12 || (y*12+mo) < (cur.Year()*12+int(cur.Month()))-12 {
				liFail(w, 426, 0, "NONEXISTENT_VERSION", "Requested version "+v+" is not active")
				return
			}
			if r.Header.Get("X-Restli-Protocol-Version") != "2.0.0" {
				liFail(w, http.StatusBadRequest, 0, "ILLEGAL_ARGUMENT", "X-Restli-Protocol-Version 2.0.0 is required")
				return
			}
		}
		if scopes != nil && !slices.ContainsFunc(scopes, func(s string) bool { return slices.Contains(tok.scopes, s) }) {
			liFail(w, http.StatusForbidden, 100, "ACCESS_DENIED", "Not enough permissions to access: "+r.Method+" "+r.URL.Path)
			return
		}
		h(w, r, &tok)
	}
}

// member returns the member called name, created on first use. Holds l.mu.
func (l *linkedin) member(name string, now time.Time) *liMember {
	m, ok := l.members[name]
	if !ok {
		// OpenID's sub is an opaque, stable id per member and app.
		m = &liMember{sub: "fk" + strconv.FormatUint(sim.Mix(l.s.Config().Seed, linkedinName, name)%1e10, 36) + name, username: name, created: now}
		l.members[name] = m
		l.seedHistory(m, now)
	}
	return m
}

// revoke revokes every access token of user (every user when empty): the
// member removed the app, so later calls get REVOKED_ACCESS_TOKEN and the
// refresh tokens stop working.
func (l *linkedin) Revoke(user string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, t := range l.tokens {
		if !t.revoked && (user == "" || t.user == user) {
			t.revoked = true
			n++
		}
	}
	for k, rt := range l.refresh {
		if user == "" || rt.user == user {
			delete(l.refresh, k)
		}
	}
	return n
}

func (l *linkedin) DeletePost(id string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.posts[id]
	if !ok || p.deleted {
		return false
	}
	p.deleted = true
	return true
}

// authorize is GET /oauth/v2/authorization: it approves at once for
// fakenet_user (default alice) and redirects with code and state, or with
// error and error_description as LinkedIn does.
func (l *linkedin) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect := q.Get("redirect_uri")
	ru, err := url.Parse(redirect)
	if q.Get("client_id") == "" || redirect == "" || err != nil || !ru.IsAbs() {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("<!doctype html><title>LinkedIn</title><p>Bummer, something went wrong. The redirect_uri does not match the registered value</p>"))
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
	if q.Get("response_type") != "code" {
		back(url.Values{"error": {"invalid_request"}, "error_description": {"Invalid response_type"}})
		return
	}
	scopes := strings.Fields(strings.ReplaceAll(q.Get("scope"), ",", " "))
	for _, s := range scopes {
		if !liScopes[s] {
			back(url.Values{"error": {"unauthorized_scope_error"}, "error_description": {`Scope "` + s + `" is not authorized for your application`}})
			return
		}
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if challenge != "" && method != "S256" {
		back(url.Values{"error": {"invalid_request"}, "error_description": {"Only S256 code challenges are supported"}})
		return
	}
	user := q.Get("fakenet_user")
	if user == "" {
		user = "alice"
	}
	now := l.s.Config().Now()
	code := sim.RandomToken()
	l.mu.Lock()
	l.member(user, now)
	l.codes[code] = &liCode{clientID: q.Get("client_id"), user: user, redirectURI: redirect, challenge: challenge,
		scopes: scopes, expires: now.Add(liCodeTTL)}
	l.mu.Unlock()
	back(url.Values{"code": {code}})
}

func liOAuthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	sim.WriteJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// token is POST /oauth/v2/accessToken: client_id and client_secret as form
// parameters; grant types authorization_code and refresh_token.
func (l *linkedin) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		liOAuthError(w, http.StatusBadRequest, "invalid_request", "Unable to parse the request")
		return
	}
	p := r.PostForm
	clientID, secret := p.Get("client_id"), p.Get("client_secret")
	if clientID == "" || secret == "" {
		liOAuthError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed")
		return
	}
	now := l.s.Config().Now()
	out := map[string]any{}
	l.mu.Lock()
	defer l.mu.Unlock()
	var user string
	var scopes []string
	refreshToken, refreshExpires := "", time.Time{}
	switch p.Get("grant_type") {
	case "authorization_code":
		c := l.codes[p.Get("code")]
		if c == nil || now.After(c.expires) || c.clientID != clientID || c.redirectURI != p.Get("redirect_uri") ||
			(c.challenge != "" && !sim.PKCEMatches(p.Get("code_verifier"), c.challenge)) {
			// LinkedIn's own words; rythme's suite expects the RFC 6749 code.
			liOAuthError(w, http.StatusBadRequest, "invalid_grant", "Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. Or authorization code expired.")
			return
		}
		delete(l.codes, p.Get("code"))
		user, scopes = c.user, c.scopes
		if !strings.HasPrefix(clientID, "norefresh") {
			refreshToken, refreshExpires = sim.RandomToken(), now.Add(liRefreshTTL)
			l.refresh[refreshToken] = &liRefresh{clientID: clientID, user: user, scopes: scopes, expires: refreshExpires}
		}
	case "refresh_token":
		rt := l.refresh[p.Get("refresh_token")]
		if rt == nil || !now.Before(rt.expires) || subtle.ConstantTimeCompare([]byte(rt.clientID), []byte(clientID)) != 1 {
			liOAuthError(w, http.StatusBadRequest, "invalid_request", "The provided authorization grant or refresh token is invalid, expired or revoked")
			return
		}
		// The same refresh token comes back; its TTL is not extended.
		user, scopes = rt.user, rt.scopes
		refreshToken, refreshExpires = p.Get("refresh_token"), rt.expires
	default:
		liOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant_type")
		return
	}
	access := sim.RandomToken()
	l.tokens[access] = &liToken{clientID: clientID, user: user, scopes: scopes, expires: now.Add(liAccessTTL)}
	out["access_token"] = access
	out["expires_in"] = int64(liAccessTTL / time.Second)
	out["scope"] = strings.Join(scopes, ",")
	if slices.Contains(scopes, "openid") {
		out["id_token"] = "fakenet.id." + sim.RandomToken()
		out["token_type"] = "Bearer"
	}
	if refreshToken != "" {
		out["refresh_token"] = refreshToken
		out["refresh_token_expires_in"] = int64(refreshExpires.Sub(now) / time.Second)
	}
	w.Header().Set("Cache-Control", "no-store")
	sim.WriteJSON(w, http.StatusOK, out)
}

// userinfo is GET /v2/userinfo (OpenID Connect): sub, name, picture…
// followersCount is GET /rest/memberFollowersCount?q=me: the member's
// lifetime followers, growing from the seed. The dateRange finder is not
// simulated.
func (l *linkedin) followersCount(w http.ResponseWriter, r *http.Request, t *liToken) {
	if r.URL.Query().Get("q") != "me" {
		liFail(w, http.StatusBadRequest, 0, "ILLEGAL_ARGUMENT", "fakenet supports the me finder only")
		return
	}
	now := l.s.Config().Now()
	l.mu.Lock()
	m := l.member(t.user, now)
	l.mu.Unlock()
	n := sim.FollowersAt(l.s.Config().Seed, linkedinName, m.username, now.Sub(m.created))
	sim.WriteJSON(w, http.StatusOK, map[string]any{"elements": []any{map[string]int64{"memberFollowersCount": n}},
		"paging": map[string]any{"count": 10, "start": 0, "links": []any{}}})
}

func (l *linkedin) userinfo(w http.ResponseWriter, _ *http.Request, t *liToken) {
	l.mu.Lock()
	m := l.member(t.user, l.s.Config().Now())
	l.mu.Unlock()
	out := map[string]any{"sub": m.sub, "name": m.username, "given_name": m.username, "family_name": "",
		"picture": "https://media.licdn.com/dms/image/fakenet/" + m.username, "locale": map[string]string{"country": "US", "language": "en"}}
	if slices.Contains(t.scopes, "email") {
		out["email"], out["email_verified"] = m.username+"@fakenet.example", true
	}
	sim.WriteJSON(w, http.StatusOK, out)
}
