// Package reddit is fakenet's Reddit.
//
// Reddit, under the prefix /reddit, standing for both www.reddit.com
// (OAuth) and oauth.reddit.com (the API). It follows:
//   - OAuth2 https://github.com/reddit-archive/reddit/wiki/OAuth2: authorize
//     with duration=permanent for a refresh token, token endpoint with HTTP
//     Basic client authentication, access tokens of an hour, errors of the
//     token endpoint as {"error": "invalid_grant"} (with a 200, as Reddit
//     answers). Refresh tokens do not rotate: the single-use refresh tokens
//     announced in 2021 were withdrawn
//     (https://github.com/praw-dev/praw/pull/1767).
//   - the API https://www.reddit.com/dev/api: GET /api/v1/me, POST
//     /api/submit (api_type=json: errors inside a 200), GET /api/info,
//     POST /api/del; the comments under a post and answering them
//     (comments.go).
//   - rate limits (https://support.reddithelp.com/hc/en-us/articles/16160319875092-Reddit-Data-API-Wiki):
//     X-Ratelimit-Used, X-Ratelimit-Remaining and X-Ratelimit-Reset (seconds
//     until the window ends,
//     https://www.reddit.com/r/redditdev/comments/1yxrp7/formal_ratelimiting_headers/) on every API answer, per client and user; the
//     size comes from Config.RateLimit and RateWindow (Reddit's own is 100
//     requests a minute averaged over 10 minutes). Requests with a
//     missing or generic User-Agent are refused, as Reddit's API rules
//     demand a unique, descriptive one.
//
// Any client id and secret are accepted. Subreddits that exist: the
// users' profiles (u_<name>) and the fixed set rdSubreddits.
package reddit

import (
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
	redditName       = "reddit"
	rdAccessTTL      = time.Hour
	rdCodeTTL        = 10 * time.Minute
	rdMaxTitle       = 300
	rdMaxSelfText    = 40000
	rdMaxInfoIDs     = 100
	rdSubmitsPerHour = 30 // the simulated anti-spam limit of one user
)

// rdSubreddits are the communities fakenet knows besides user profiles.
var rdSubreddits = map[string]bool{"test": true, "rythme": true, "fakenet": true, "announcements": true}

// rdScopes are Reddit's OAuth scopes (https://www.reddit.com/api/v1/scopes).
var rdScopes = map[string]bool{}

func init() {
	for _, s := range strings.Fields(`account creddits edit flair history identity livemanage modconfig
		modcontributors modflair modlog modmail modothers modposts modself modwiki mysubreddits
		privatemessages read report save structuredstyles submit subscribe vote wikiedit wikiread *`) {
		rdScopes[s] = true
	}
}

// New builds the simulated Reddit on s.
func New(s *sim.Server) sim.Network {
	r := &reddit{s: s, lim: sim.NewLimiter(s.Config().RateLimit, s.Config().RateWindow)}
	r.Reset()
	return r
}

type reddit struct {
	s   *sim.Server
	lim *sim.Limiter

	mu      sync.Mutex
	codes   map[string]*rdCode
	tokens  map[string]*rdToken // by access token
	refresh map[string]*rdToken // by refresh token
	users   map[string]*rdUser
	posts   map[string]*rdPost // by fullname t3_…
	// comments made through the API (POST /api/comment), by id
	comments map[string]*rdComment
	submits  map[string][]time.Time
	nextID   int64
}

type rdCode struct {
	clientID, user, redirectURI, challenge string
	scopes                                 []string
	permanent                              bool
	expires                                time.Time
}

type rdToken struct {
	clientID, user string
	scopes         []string
	expires        time.Time // access tokens only
}

type rdUser struct {
	id, name string
	created  time.Time
}

type rdPost struct {
	id, sr, title, selftext, url, kind string
	user                               *rdUser
	created                            time.Time
	deleted                            bool
}

func (rd *reddit) Name() string { return redditName }

func (rd *reddit) Reset() {
	rd.mu.Lock()
	rd.codes = map[string]*rdCode{}
	rd.tokens = map[string]*rdToken{}
	rd.refresh = map[string]*rdToken{}
	rd.users = map[string]*rdUser{}
	rd.posts = map[string]*rdPost{}
	rd.comments = map[string]*rdComment{}
	rd.submits = map[string][]time.Time{}
	rd.nextID = 0
	rd.mu.Unlock()
	rd.lim.Reset()
}

// newID returns the next base-36 id, as Reddit's. Holds rd.mu.
func (rd *reddit) newID() string {
	rd.nextID++
	return strconv.FormatInt(2800000000+rd.nextID, 36)
}

// rdFail is Reddit's error body for HTTP errors: {"message", "error"}.
func rdFail(w http.ResponseWriter, status int, msg string) {
	sim.WriteJSON(w, status, map[string]any{"message": msg, "error": status})
}

func (rd *reddit) ErrorBody(msg string) []byte {
	b, _ := json.Marshal(map[string]any{"message": msg})
	return b
}

func (rd *reddit) NotFound(w http.ResponseWriter, _ *http.Request) {
	rdFail(w, http.StatusNotFound, "Not Found")
}

func (rd *reddit) Route(method, path string) (op, pattern string, h http.HandlerFunc) {
	switch method + " " + strings.TrimSuffix(path, ".json") {
	case "GET /api/v1/authorize", "GET /api/v1/authorize.compact":
		return "authorize", path, rd.authorize
	case "POST /api/v1/access_token":
		return "token", path, rd.token
	case "POST /api/v1/revoke_token":
		return "revoke", path, rd.revokeToken
	case "GET /api/v1/me":
		return "me", path, rd.api("identity", rd.me)
	case "POST /api/submit":
		return "publish", path, rd.api("submit", rd.submit)
	case "POST /api/comment":
		return "comment", path, rd.api("submit", rd.comment)
	case "GET /api/info":
		return "info", path, rd.api("read", rd.info)
	case "POST /api/del":
		return "delete", path, rd.api("edit", rd.del)
	}
	if article, ok := strings.CutPrefix(strings.TrimSuffix(path, ".json"), "/comments/"); ok && method == http.MethodGet &&
		article != "" && !strings.Contains(article, "/") {
		return "comments", "/comments/:article", rd.api("read", func(w http.ResponseWriter, r *http.Request, t *rdToken) { rd.commentTree(w, r, t, article) })
	}
	if rest, ok := strings.CutPrefix(strings.TrimSuffix(path, ".json"), "/user/"); ok && method == http.MethodGet {
		if name, ok := strings.CutSuffix(rest, "/submitted"); ok && name != "" && !strings.Contains(name, "/") {
			return "submitted", "/user/:name/submitted", rd.api("history", func(w http.ResponseWriter, r *http.Request, t *rdToken) { rd.submitted(w, r, t, name) })
		}
	}
	return "", "", nil
}

// rdGenericUA matches User-Agents that say nothing of the app.
var rdGenericUA = regexp.MustCompile(`(?i)^(go-http-client|curl|python-requests|java|okhttp|wget)\b`)

// api wraps an oauth.reddit.com handler: User-Agent, bearer token, rate
// limit headers on every answer, then the scope.
func (rd *reddit) api(scope string, h func(http.ResponseWriter, *http.Request, *rdToken)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ua := r.UserAgent(); ua == "" || rdGenericUA.MatchString(ua) {
			sim.WriteJSON(w, http.StatusForbidden, map[string]any{"message": "Forbidden", "error": 403,
				"reason": "a unique and descriptive User-Agent is required"})
			return
		}
		now := rd.s.Config().Now()
		bearer, _ := sim.BearerToken(r)
		// Expiry is judged on the wall clock, as the client's own
		// (now + expires_in) is: advancing Config.Now to grow engagement
		// does not expire hour-long tokens under the client's feet.
		wall := time.Now()
		rd.mu.Lock()
		t, ok := rd.tokens[bearer]
		var tok rdToken
		if ok {
			tok = *t
		}
		rd.mu.Unlock()
		if !ok || !wall.Before(tok.expires) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="reddit", error="invalid_token"`)
			rdFail(w, http.StatusUnauthorized, "Unauthorized")
			return
		}
		limit, remaining, reset, allowed := rd.lim.Take("user:"+tok.clientID+":"+tok.user, now)
		if limit > 0 {
			secs := int(reset.Sub(now).Seconds())
			w.Header().Set("X-Ratelimit-Used", strconv.Itoa(limit-remaining))
			w.Header().Set("X-Ratelimit-Remaining", strconv.Itoa(remaining)+".0")
			w.Header().Set("X-Ratelimit-Reset", strconv.Itoa(secs))
		}
		if !allowed {
			rd.s.CountRateLimited()
			rdFail(w, http.StatusTooManyRequests, "Too Many Requests")
			return
		}
		if !slices.Contains(tok.scopes, scope) && !slices.Contains(tok.scopes, "*") {
			w.Header().Set("WWW-Authenticate", `Bearer realm="reddit", error="insufficient_scope"`)
			rdFail(w, http.StatusForbidden, "Forbidden")
			return
		}
		h(w, r, &tok)
	}
}

// user returns the user called name, created on first use. Holds rd.mu.
func (rd *reddit) user(name string, now time.Time) *rdUser {
	u, ok := rd.users[name]
	if !ok {
		u = &rdUser{id: rd.newID(), name: name, created: now}
		rd.users[name] = u
		// Its earlier posts (Config.HistoryDays), oldest first, self posts
		// on its profile, served by GET /user/{name}/submitted.
		for _, h := range sim.History(rd.s.Config().Seed, redditName, name, rd.s.Config().HistoryDays) {
			p := &rdPost{id: rd.newID(), sr: "u_" + name, title: h.Text, kind: "self", user: u, created: now.Add(-h.Age)}
			rd.posts[p.id] = p
		}
	}
	return u
}

// revoke deletes every token of user (every user when empty), refresh
// tokens included: the user revoked the app in their preferences.
func (rd *reddit) Revoke(user string) int {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	n := 0
	for k, t := range rd.tokens {
		if user == "" || t.user == user {
			delete(rd.tokens, k)
			n++
		}
	}
	for k, t := range rd.refresh {
		if user == "" || t.user == user {
			delete(rd.refresh, k)
		}
	}
	return n
}

func (rd *reddit) DeletePost(id string) bool {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	p, ok := rd.posts[id]
	if !ok || p.deleted {
		return false
	}
	p.deleted = true
	return true
}

var rdUsernameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{3,20}$`)

// authorize is GET /api/v1/authorize: approves at once for fakenet_user
// (default alice) and redirects with code and state.
func (rd *reddit) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect := q.Get("redirect_uri")
	ru, err := url.Parse(redirect)
	if q.Get("client_id") == "" || err != nil || !ru.IsAbs() {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("<!doctype html><title>reddit</title><p>bad request (reddit.com): invalid client id or redirect_uri</p>"))
		return
	}
	back := func(v url.Values) {
		v.Set("state", q.Get("state"))
		qs := ru.Query()
		for k, vs := range v {
			qs[k] = vs
		}
		ru.RawQuery = qs.Encode()
		http.Redirect(w, r, ru.String(), http.StatusFound)
	}
	switch {
	case q.Get("response_type") != "code":
		back(url.Values{"error": {"unsupported_response_type"}})
		return
	case q.Get("state") == "":
		back(url.Values{"error": {"invalid_request"}})
		return
	case q.Get("duration") != "" && q.Get("duration") != "temporary" && q.Get("duration") != "permanent":
		back(url.Values{"error": {"invalid_request"}})
		return
	}
	scopes := strings.FieldsFunc(q.Get("scope"), func(r rune) bool { return r == ' ' || r == ',' })
	if len(scopes) == 0 {
		back(url.Values{"error": {"invalid_scope"}})
		return
	}
	for _, s := range scopes {
		if !rdScopes[s] {
			back(url.Values{"error": {"invalid_scope"}})
			return
		}
	}
	if c := q.Get("code_challenge"); c != "" && q.Get("code_challenge_method") != "S256" {
		back(url.Values{"error": {"invalid_request"}})
		return
	}
	user := q.Get("fakenet_user")
	if user == "" {
		user = "alice"
	}
	if !rdUsernameRE.MatchString(user) {
		rdFail(w, http.StatusBadRequest, "fakenet_user must be a Reddit username (3-20 of A-Z a-z 0-9 _ -)")
		return
	}
	now := rd.s.Config().Now()
	code := sim.RandomToken()
	rd.mu.Lock()
	rd.user(user, now)
	rd.codes[code] = &rdCode{clientID: q.Get("client_id"), user: user, redirectURI: redirect, challenge: q.Get("code_challenge"),
		scopes: scopes, permanent: q.Get("duration") == "permanent", expires: now.Add(rdCodeTTL)}
	rd.mu.Unlock()
	back(url.Values{"code": {code}})
}

// token is POST /api/v1/access_token with HTTP Basic client credentials.
func (rd *reddit) token(w http.ResponseWriter, r *http.Request) {
	clientID, secret, ok := r.BasicAuth()
	if !ok || clientID == "" {
		rdFail(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	_ = secret // any secret is accepted; installed apps send an empty one
	if err := r.ParseForm(); err != nil {
		sim.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	p := r.PostForm
	now := rd.s.Config().Now()
	// Reddit answers a refused grant with a 200 and {"error": …}.
	refuse := func(code string) { sim.WriteJSON(w, http.StatusOK, map[string]string{"error": code}) }
	rd.mu.Lock()
	defer rd.mu.Unlock()
	var user, refresh string
	var scopes []string
	switch p.Get("grant_type") {
	case "authorization_code":
		c := rd.codes[p.Get("code")]
		if c == nil || now.After(c.expires) || c.clientID != clientID || c.redirectURI != p.Get("redirect_uri") ||
			(c.challenge != "" && !sim.PKCEMatches(p.Get("code_verifier"), c.challenge)) {
			refuse("invalid_grant")
			return
		}
		delete(rd.codes, p.Get("code"))
		user, scopes = c.user, c.scopes
		if c.permanent {
			refresh = sim.RandomToken()
			rd.refresh[refresh] = &rdToken{clientID: clientID, user: user, scopes: scopes}
		}
	case "refresh_token":
		t := rd.refresh[p.Get("refresh_token")]
		if t == nil || t.clientID != clientID {
			refuse("invalid_grant")
			return
		}
		user, scopes, refresh = t.user, t.scopes, p.Get("refresh_token")
	default:
		refuse("unsupported_grant_type")
		return
	}
	access := sim.RandomToken()
	rd.tokens[access] = &rdToken{clientID: clientID, user: user, scopes: scopes, expires: time.Now().Add(rdAccessTTL)}
	out := map[string]any{"access_token": access, "token_type": "bearer", "expires_in": int(rdAccessTTL / time.Second),
		"scope": strings.Join(scopes, " ")}
	if refresh != "" {
		out["refresh_token"] = refresh
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

// revokeToken is POST /api/v1/revoke_token: 204 whatever the token.
func (rd *reddit) revokeToken(w http.ResponseWriter, r *http.Request) {
	clientID, _, ok := r.BasicAuth()
	if !ok || clientID == "" {
		rdFail(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	_ = r.ParseForm()
	tok := r.PostForm.Get("token")
	rd.mu.Lock()
	if t, ok := rd.refresh[tok]; ok && t.clientID == clientID {
		delete(rd.refresh, tok)
		for k, a := range rd.tokens {
			if a.clientID == clientID && a.user == t.user {
				delete(rd.tokens, k)
			}
		}
	}
	if t, ok := rd.tokens[tok]; ok && t.clientID == clientID {
		delete(rd.tokens, tok)
	}
	rd.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}
