// Package x is fakenet's X.
//
// X (formerly Twitter), following the X API v2 documentation
// (https://docs.x.com/x-api/introduction). The real network splits hosts
// (x.com for the authorization page, api.x.com for the API, the token
// endpoint and media uploads); fakenet serves all of them under /x:
//
//	GET    /x/i/oauth2/authorize            (x.com/i/oauth2/authorize)
//	POST   /x/2/oauth2/token                (api.x.com/2/oauth2/token)
//	POST   /x/2/oauth2/revoke
//	GET    /x/2/users/me
//	POST   /x/2/tweets                      (operation "publish")
//	GET    /x/2/tweets?ids=                 (operation "get_tweets")
//	GET    /x/2/users/:id/tweets            (operation "user_tweets": the user Post timeline)
//	GET    /x/2/users/:id/mentions          (operation "mentions")
//	DELETE /x/2/tweets/:id
//	POST   /x/2/media/upload                (simple image upload; legacy command=INIT|APPEND|FINALIZE)
//	GET    /x/2/media/upload?command=STATUS&media_id=
//	POST   /x/2/media/upload/initialize
//	POST   /x/2/media/upload/:id/append
//	POST   /x/2/media/upload/:id/finalize
//	POST   /x/2/media/metadata
//	POST   /x/fakenet/keys?user=NAME        (fakenet: mint a bot's OAuth 1.0a keys)
//
// The /2/ endpoints take an OAuth 2.0 bearer token or an OAuth 1.0a
// signed "Authorization: OAuth …" header (oauth1.go).
//
// Every /2/ answer carries x-rate-limit-limit, x-rate-limit-remaining and
// x-rate-limit-reset (epoch seconds), per user and endpoint in 15-minute
// windows (https://docs.x.com/x-api/fundamentals/rate-limits).
package x

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rythmehq/rythme/fakenet/sim"
)

const (
	xName = "x"
	// Access tokens live two hours
	// (https://docs.x.com/resources/fundamentals/authentication/oauth-2-0/authorization-code).
	xAccessTTL = 2 * time.Hour
	// Authorization codes are short-lived on X (30 seconds).
	xCodeTTL = 30 * time.Second
	// GET /2/tweets takes at most 100 ids
	// (https://docs.x.com/x-api/posts/post-lookup-by-post-ids).
	xMaxIDs = 100
	// X's rate-limit window (https://docs.x.com/x-api/fundamentals/rate-limits).
	xWindow = 15 * time.Minute
	// Posts are limited to 280 weighted characters
	// (https://docs.x.com/fundamentals/counting-characters).
	xMaxLength = 280
)

// xLimits are the per-user request limits per 15 minutes of the endpoints
// fakenet serves: X's figures for posts, lookups and users/me
// (https://docs.x.com/x-api/fundamentals/rate-limits); the media figures
// vary by plan on X and are fakenet's own choice. Config.RateLimit lowers
// them (a negative value disables them).
var xLimits = map[string]int{
	"publish": 100, "get_tweets": 900, "delete_tweet": 50, "users_me": 75,
	"media_upload": 500, "media_initialize": 500, "media_append": 500, "media_finalize": 500,
	"media_status": 500, "media_metadata": 500,
	// The user Post timeline: 900 per user.
	"user_tweets": 900,
	// The mention timeline: 180 per user (the figure X's tables gave; Basic
	// access is lower, 10).
	"mentions": 180, "hide_reply": 50,
}

type xNet struct {
	s *sim.Server

	mu      sync.Mutex
	clients map[string]string // client_id → secret first seen ("" for a public client)
	codes   map[string]*xCode
	tokens  map[string]*xToken   // access token
	refresh map[string]*xToken   // refresh token → the grant it renews
	bots    map[string]*xBot     // OAuth 1.0a access token → keys
	nonces  map[string]time.Time // OAuth 1.0a nonces seen, when
	pruned  time.Time            // when old nonces were last forgotten
	users   map[string]*xUser
	tweets  map[string]*xTweet
	media   map[string]*xMedia
	nextID  int64
	lims    map[string]*sim.Limiter // by operation
	statusN map[string]int          // STATUS calls per media id
}

type xCode struct {
	clientID, user, redirectURI, challenge, method string
	scopes                                         []string
	expires                                        time.Time
}

type xToken struct {
	clientID, user string
	scopes         []string
	expires        time.Time
}

type xUser struct {
	id, username, name string
	created            time.Time
}

type xTweet struct {
	id, text, replyTo string
	author            *xUser
	media             []string
	created           time.Time
	deleted           bool
	// sim marks a simulated reply; simComments counts those made on this
	// post so far (materialize).
	sim         bool
	simComments int
	hidden      bool // a reply its conversation's author hid
	// pollID, pollOptions and pollMinutes are the post's poll (pollID ""
	// for none).
	pollID      string
	pollOptions []string
	pollMinutes int
}

type xMedia struct {
	id, owner, mediaType, category, altText string
	total, size                             int64
	segments                                map[int]int64
	finalized, processing                   bool
	created                                 time.Time
}

// New builds the simulated X on s.
func New(s *sim.Server) sim.Network { return newX(s) }

func newX(s *sim.Server) *xNet {
	x := &xNet{s: s}
	x.Reset()
	return x
}

func (x *xNet) Name() string { return xName }

func (x *xNet) Reset() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.clients = map[string]string{}
	x.codes = map[string]*xCode{}
	x.tokens = map[string]*xToken{}
	x.refresh = map[string]*xToken{}
	x.bots = map[string]*xBot{}
	x.nonces = map[string]time.Time{}
	x.users = map[string]*xUser{}
	x.tweets = map[string]*xTweet{}
	x.media = map[string]*xMedia{}
	x.statusN = map[string]int{}
	x.nextID = 0
	x.lims = map[string]*sim.Limiter{}
	for op, n := range xLimits {
		if lim := x.s.Config().RateLimit; lim >= 0 && lim < n {
			n = lim
		} else if lim < 0 {
			n = -1
		}
		x.lims[op] = sim.NewLimiter(n, xWindow)
	}
}

// newID returns a snowflake-sized id. Holds x.mu.
func (x *xNet) newID() string {
	x.nextID++
	return strconv.FormatInt(1860000000000000000+x.nextID, 10)
}

// problem is X's error shape for API v2 (RFC 7807 problem details,
// https://docs.x.com/x-api/fundamentals/response-codes-and-errors).
func xProblem(w http.ResponseWriter, status int, title, detail, typ string) {
	if typ == "" {
		typ = "about:blank"
	}
	w.Header().Set("Content-Type", "application/problem+json")
	b, _ := json.Marshal(map[string]any{"title": title, "detail": detail, "type": typ, "status": status})
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// xInvalid answers 400 with X's invalid-request shape: an errors array of
// messages plus the problem fields.
func xInvalid(w http.ResponseWriter, msgs ...string) {
	errs := make([]map[string]any, 0, len(msgs))
	for _, m := range msgs {
		errs = append(errs, map[string]any{"message": m})
	}
	b, _ := json.Marshal(map[string]any{"errors": errs, "title": "Invalid Request",
		"detail": "One or more parameters to your request was invalid.",
		"type":   "https://api.x.com/2/problems/invalid-request"})
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write(b)
}

// errorContentType is the type of X's error answers, faults' included:
// problem details, as the spec documents them.
func (x *xNet) ErrorContentType() string { return "application/problem+json" }

func (x *xNet) ErrorBody(msg string) []byte {
	status := http.StatusBadRequest
	for code := 100; code < 600; code++ {
		if http.StatusText(code) == msg {
			status = code
			break
		}
	}
	b, _ := json.Marshal(map[string]any{"title": msg, "detail": msg, "type": "about:blank", "status": status})
	return b
}

func (x *xNet) NotFound(w http.ResponseWriter, r *http.Request) {
	xProblem(w, http.StatusNotFound, "Not Found Error", "Sorry, that page does not exist: "+r.URL.Path,
		"https://api.x.com/2/problems/resource-not-found")
}

func (x *xNet) Route(method, path string) (op, pattern string, h http.HandlerFunc) {
	switch method + " " + path {
	case "GET /i/oauth2/authorize":
		return "authorize", path, x.authorize
	case "POST /2/oauth2/token":
		return "token", path, x.token
	case "POST /2/oauth2/revoke":
		return "revoke", path, x.revokeToken
	case "GET /2/users/me":
		return "users_me", path, x.api("users_me", []string{"users.read", "tweet.read"}, x.usersMe)
	case "POST /2/tweets":
		return "publish", path, x.api("publish", []string{"tweet.write", "tweet.read", "users.read"}, x.publish)
	case "GET /2/tweets":
		return "get_tweets", path, x.api("get_tweets", []string{"tweet.read", "users.read"}, x.getTweets)
	case "POST /2/media/upload":
		return "media_upload", path, x.api("media_upload", []string{"media.write"}, x.mediaUpload)
	case "GET /2/media/upload":
		return "media_status", path, x.api("media_status", []string{"media.write"}, x.mediaStatus)
	case "POST /2/media/upload/initialize":
		return "media_initialize", path, x.api("media_initialize", []string{"media.write"}, x.mediaInitialize)
	case "POST /2/media/metadata":
		return "media_metadata", path, x.api("media_metadata", []string{"media.write"}, x.mediaMetadata)
	case "POST /fakenet/keys":
		return "create_keys", path, x.createKeys
	}
	if rest, ok := strings.CutPrefix(path, "/2/media/upload/"); ok && method == http.MethodPost {
		id, cmd, _ := strings.Cut(rest, "/")
		switch cmd {
		case "append":
			return "media_append", "/2/media/upload/:id/append", x.api("media_append", []string{"media.write"},
				func(w http.ResponseWriter, r *http.Request, t *xToken) { x.mediaAppend(w, r, t, id) })
		case "finalize":
			return "media_finalize", "/2/media/upload/:id/finalize", x.api("media_finalize", []string{"media.write"},
				func(w http.ResponseWriter, r *http.Request, t *xToken) { x.mediaFinalize(w, r, t, id) })
		}
	}
	if rest, ok := strings.CutPrefix(path, "/2/users/"); ok && strings.HasSuffix(rest, "/tweets") && method == http.MethodGet {
		id := strings.TrimSuffix(rest, "/tweets")
		return "user_tweets", "/2/users/:id/tweets", x.api("user_tweets", []string{"tweet.read", "users.read"},
			func(w http.ResponseWriter, r *http.Request, t *xToken) { x.userTweets(w, r, t, id) })
	}
	if rest, ok := strings.CutPrefix(path, "/2/users/"); ok && strings.HasSuffix(rest, "/mentions") && method == http.MethodGet {
		id := strings.TrimSuffix(rest, "/mentions")
		return "mentions", "/2/users/:id/mentions", x.api("mentions", []string{"tweet.read", "users.read"},
			func(w http.ResponseWriter, r *http.Request, t *xToken) { x.mentions(w, r, t, id) })
	}
	if rest, ok := strings.CutPrefix(path, "/2/tweets/"); ok && strings.HasSuffix(rest, "/hidden") && method == http.MethodPut {
		id := strings.TrimSuffix(rest, "/hidden")
		return "hide_reply", "/2/tweets/:id/hidden", x.api("hide_reply", []string{"tweet.moderate.write", "tweet.read", "users.read"},
			func(w http.ResponseWriter, r *http.Request, t *xToken) { x.hideReply(w, r, t, id) })
	}
	if id, ok := strings.CutPrefix(path, "/2/tweets/"); ok && id != "" && !strings.Contains(id, "/") && method == http.MethodDelete {
		return "delete_tweet", "/2/tweets/:id", x.api("delete_tweet", []string{"tweet.write", "tweet.read", "users.read"},
			func(w http.ResponseWriter, r *http.Request, t *xToken) { x.deleteTweet(w, r, t, id) })
	}
	return "", "", nil
}

// api wraps a /2/ handler: the credentials (an OAuth 2.0 bearer token,
// or an OAuth 1.0a signature; 401 when missing, unknown, expired, revoked
// or badly signed), the per-user rate limit with X's headers on every
// answer, and the scopes the endpoint needs (403 without them).
func (x *xNet) api(op string, scopes []string, h func(http.ResponseWriter, *http.Request, *xToken)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		now := x.s.Config().Now()
		var tok *xToken
		if _, ok := xOAuthHeader(r.Header.Get("Authorization")); ok {
			tok = x.oauth1(r)
		} else {
			bearer, _ := sim.BearerToken(r)
			x.mu.Lock()
			// Token lifetimes run on the wall clock, as the client's OAuth
			// library computes them from expires_in (Config.Now drives
			// engagement and rate-limit windows only).
			if t, ok := x.tokens[bearer]; ok && bearer != "" && time.Now().Before(t.expires) {
				c := *t
				tok = &c
			}
			x.mu.Unlock()
		}
		x.mu.Lock()
		lim := x.lims[op]
		x.mu.Unlock()
		key := "ip:" + sim.ClientIP(r)
		if tok != nil {
			key = "user:" + tok.user
		}
		limit, remaining, reset, ok := lim.Take(key, now)
		if limit > 0 {
			w.Header().Set("x-rate-limit-limit", strconv.Itoa(limit))
			w.Header().Set("x-rate-limit-remaining", strconv.Itoa(remaining))
			w.Header().Set("x-rate-limit-reset", strconv.FormatInt(reset.Unix(), 10))
		}
		switch {
		case !ok:
			x.s.CountRateLimited()
			xProblem(w, http.StatusTooManyRequests, "Too Many Requests", "Too Many Requests", "")
		case tok == nil:
			xProblem(w, http.StatusUnauthorized, "Unauthorized", "Unauthorized", "")
		case !xHasScopes(tok.scopes, scopes):
			xProblem(w, http.StatusForbidden, "Forbidden", "You are not permitted to perform this action: the token lacks the scope "+
				strings.Join(scopes, ", ")+".", "")
		default:
			h(w, r, tok)
		}
	}
}

func xHasScopes(granted, want []string) bool {
	for _, w := range want {
		found := false
		for _, g := range granted {
			found = found || g == w
		}
		if !found {
			return false
		}
	}
	return true
}

// revoke ends every access and refresh token and every OAuth 1.0a key of
// user (every user when empty), as revoking the app's access on x.com
// does.
func (x *xNet) Revoke(user string) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	n := 0
	for k, t := range x.tokens {
		if user == "" || t.user == user {
			delete(x.tokens, k)
			n++
		}
	}
	for k, t := range x.refresh {
		if user == "" || t.user == user {
			delete(x.refresh, k)
		}
	}
	for k, b := range x.bots {
		if user == "" || b.user == user {
			delete(x.bots, k)
			n++
		}
	}
	return n
}

func (x *xNet) DeletePost(id string) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	t, ok := x.tweets[id]
	if !ok || t.deleted {
		return false
	}
	t.deleted = true
	return true
}

// user returns the user called name, created on first use with its
// earlier posts (Config.HistoryDays). Holds x.mu.
func (x *xNet) user(name string, now time.Time) *xUser {
	u, ok := x.users[name]
	if !ok {
		u = x.newUser(name, now)
		x.seedHistory(u, now)
	}
	return u
}

// newUser makes the user called name, without earlier posts (a simulated
// replier). Holds x.mu.
func (x *xNet) newUser(name string, now time.Time) *xUser {
	if u, ok := x.users[name]; ok {
		return u
	}
	u := &xUser{id: strconv.FormatInt(1500000000+int64(len(x.users))*7919, 10), username: name,
		name: strings.ToUpper(name[:1]) + name[1:], created: now}
	x.users[name] = u
	return u
}

// XTweet is what fakenet's X holds of a post, for tests.
type XTweet struct {
	ID, Text, Author string
	// InReplyTo is the post this one replies to (a thread), if any.
	InReplyTo string
	// Media are the attached media: id, MIME type and alt text.
	Media   []XMedia
	Deleted bool
}

// XMedia is an uploaded media file as fakenet's X holds it.
type XMedia struct {
	ID, Type, Category, AltText string
	Size                        int64
	// Chunked is true when it came through INIT/APPEND/FINALIZE.
	Chunked bool
}

// Tweet returns the X post with the given id, for tests and the README.
func Tweet(s *sim.Server, id string) (XTweet, bool) {
	x, ok := s.Network(xName).(*xNet)
	if !ok {
		return XTweet{}, false
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	t, ok := x.tweets[id]
	if !ok {
		return XTweet{}, false
	}
	out := XTweet{ID: t.id, Text: t.text, Author: t.author.username, InReplyTo: t.replyTo, Deleted: t.deleted}
	for _, mid := range t.media {
		if m := x.media[mid]; m != nil {
			out.Media = append(out.Media, XMedia{ID: m.id, Type: m.mediaType, Category: m.category, AltText: m.altText,
				Size: m.size, Chunked: m.segments != nil})
		}
	}
	return out, true
}
