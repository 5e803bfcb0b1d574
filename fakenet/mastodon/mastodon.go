// Package mastodon is fakenet's Mastodon instance, under the prefix
// /mastodon. It follows https://docs.joinmastodon.org/methods/ (the
// routes are listed in fakenet's package comment), with the rate limits
// of https://docs.joinmastodon.org/api/rate-limits/ and, with
// Config.GoToSocial, GoToSocial's differences.
package mastodon

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
	Name = "mastodon"
	// Idempotency keys are stored for up to 1 hour
	// (https://docs.joinmastodon.org/methods/statuses/#create).
	idempotencyTTL = time.Hour
	// GET /api/v1/statuses refuses more ids than DEFAULT_STATUSES_LIMIT
	// (Api::V1::StatusesController#check_statuses_limit).
	maxStatusIDs = 20
	// Mastodon's access tokens do not expire and it issues no refresh
	// token (config/initializers/doorkeeper.rb: access_token_expires_in
	// nil, use_refresh_token off); codes live 10 minutes (Doorkeeper).
	codeTTL = 10 * time.Minute
)

// Error messages as Mastodon words them.
const (
	errInvalidToken = "The access token is invalid"
	errNotFound     = "Record not found"
	errScope        = "This action is outside the authorized scopes"
	errTooMany      = "Too many requests"
	errBlank        = "Validation failed: Text can't be blank"
)

type mastodon struct {
	s   *sim.Server
	lim *sim.Limiter

	mu       sync.Mutex
	apps     map[string]*mApp   // by client_id
	codes    map[string]*mCode  // by code
	tokens   map[string]*mToken // by access token
	users    map[string]*mUser  // by username
	statuses map[string]*mStatus
	idem     map[string]idemEntry // account id + key
	media    map[string]*mMedia
	nextID   int64
	// subs are the open streams, by username (stream.go); Reset keeps
	// them: a client's connection outlives the simulated state.
	subs map[string]map[*subscriber]struct{}
}

type mApp struct {
	id, name, website, clientID, secret string
	redirectURIs, scopes                []string
}

type mCode struct {
	clientID, user, redirectURI, challenge string
	scopes                                 []string
	expires                                time.Time
}

type mToken struct {
	clientID string
	user     string // empty for an app token
	scopes   []string
	created  time.Time
}

type mUser struct {
	id, username, display string
	created, lastStatus   time.Time
	statuses              int
	sim                   bool // a simulated commenter
	// roots are the statuses that start a conversation (those that get
	// simulated comments), oldest first; mentions the replies of others
	// to the user's statuses, as they were made (announce).
	roots, mentions []*mStatus
}

type mStatus struct {
	id, text, spoiler, visibility, language string
	sensitive, deleted                      bool
	user                                    *mUser
	app                                     *mApp
	created                                 time.Time
	media                                   []*mMedia
	replyTo                                 string
	// replies counts the live statuses that reply to this one: Mastodon's
	// replies_count includes them (a thread's own next part too).
	replies int64
	// sim marks a simulated comment; simComments counts those made on
	// this status so far (materialize).
	sim         bool
	simComments int
	// poll is the status's poll, or nil.
	poll *mPoll
}

// mPoll is a status's poll: its options, when it closes, whether a voter
// may choose several, and the votes cast through the API (on top of the
// simulated ones) with who cast them.
type mPoll struct {
	id       string
	options  []string
	expires  time.Time
	multiple bool
	cast     []int64
	voters   map[string]bool
}

type idemEntry struct {
	id string
	at time.Time
}

// New builds the simulated Mastodon on s.
func New(s *sim.Server) sim.Network { return newMastodon(s) }

func newMastodon(s *sim.Server) *mastodon {
	m := &mastodon{s: s, lim: sim.NewLimiter(s.Config().RateLimit, s.Config().RateWindow), subs: map[string]map[*subscriber]struct{}{}}
	m.Reset()
	return m
}

func (m *mastodon) Name() string { return Name }

func (m *mastodon) Reset() {
	m.mu.Lock()
	m.apps = map[string]*mApp{}
	m.codes = map[string]*mCode{}
	m.tokens = map[string]*mToken{}
	m.users = map[string]*mUser{}
	m.statuses = map[string]*mStatus{}
	m.idem = map[string]idemEntry{}
	m.media = map[string]*mMedia{}
	m.nextID = 0
	m.mu.Unlock()
	m.lim.Reset()
}

// newID returns the next id, snowflake-sized like Mastodon's. Holds m.mu.
func (m *mastodon) newID() string {
	m.nextID++
	return strconv.FormatInt(113000000000000000+m.nextID, 10)
}

func (m *mastodon) ErrorBody(msg string) []byte {
	b, _ := json.Marshal(map[string]string{"error": msg})
	return b
}

func (m *mastodon) NotFound(w http.ResponseWriter, _ *http.Request) {
	sim.WriteJSON(w, http.StatusNotFound, map[string]string{"error": errNotFound})
}

func (m *mastodon) Route(method, path string) (op, pattern string, h http.HandlerFunc) {
	switch method + " " + path {
	case "POST /api/v1/apps":
		return "register_app", path, m.api(public, nil, m.registerApp)
	case "GET /oauth/authorize":
		return "authorize", path, m.authorize
	case "POST /oauth/token":
		return "token", path, m.token
	case "POST /oauth/revoke":
		return "revoke", path, m.revokeToken
	case "GET /.well-known/oauth-authorization-server":
		return "oauth_metadata", path, m.oauthMetadata
	case "GET /api/v1/accounts/verify_credentials":
		return "verify_credentials", path, m.api(required, []string{"read", "read:accounts", "profile"}, m.verifyCredentials)
	case "GET /api/v1/instance":
		return "instance", path, m.api(public, nil, m.instanceV1)
	case "GET /api/v2/instance":
		return "instance", path, m.api(public, nil, m.instanceV2)
	case "POST /api/v1/statuses":
		return "publish", path, m.api(required, []string{"write", "write:statuses"}, m.publish)
	case "GET /api/v1/statuses":
		return "get_statuses", path, m.api(optional, []string{"read", "read:statuses"}, m.getStatuses)
	case "GET /api/v1/streaming":
		return "streaming", path, m.api(required, []string{"read", "read:notifications"}, m.stream)
	case "GET /api/v1/notifications":
		return "notifications", path, m.api(required, []string{"read", "read:notifications"}, m.notifications)
	case "POST /api/v2/media":
		return "upload_media", path, m.api(required, []string{"write", "write:media"}, m.uploadMedia)
	}
	if id, ok := strings.CutPrefix(path, "/api/v1/polls/"); ok && method == http.MethodPost {
		if id, ok := strings.CutSuffix(id, "/votes"); ok && id != "" && !strings.Contains(id, "/") {
			return "vote", "/api/v1/polls/:id/votes", m.api(required, []string{"write", "write:statuses"},
				func(w http.ResponseWriter, r *http.Request, t *mToken) { m.vote(w, r, t, id) })
		}
	}
	if id, ok := strings.CutPrefix(path, "/api/v1/media/"); ok && id != "" && !strings.Contains(id, "/") && method == http.MethodGet {
		return "get_media", "/api/v1/media/:id", m.api(required, []string{"write", "write:media"}, func(w http.ResponseWriter, r *http.Request, t *mToken) {
			m.getMedia(w, r, t, id)
		})
	}
	if rest, ok := strings.CutPrefix(path, "/api/v1/accounts/"); ok && method == http.MethodGet {
		if id, ok := strings.CutSuffix(rest, "/statuses"); ok && id != "" && !strings.Contains(id, "/") {
			return "account_statuses", "/api/v1/accounts/:id/statuses", m.api(optional, []string{"read", "read:statuses"},
				func(w http.ResponseWriter, r *http.Request, t *mToken) { m.accountStatuses(w, r, t, id) })
		}
	}
	if id, ok := strings.CutPrefix(path, "/api/v1/statuses/"); ok && strings.HasSuffix(id, "/context") && method == http.MethodGet {
		id = strings.TrimSuffix(id, "/context")
		if id != "" && !strings.Contains(id, "/") {
			return "context", "/api/v1/statuses/:id/context", m.api(optional, []string{"read", "read:statuses"}, func(w http.ResponseWriter, r *http.Request, t *mToken) {
				m.context(w, r, t, id)
			})
		}
	}
	if id, ok := strings.CutPrefix(path, "/api/v1/statuses/"); ok && id != "" && !strings.Contains(id, "/") {
		const p = "/api/v1/statuses/:id"
		switch method {
		case http.MethodGet:
			return "get_status", p, m.api(optional, []string{"read", "read:statuses"}, func(w http.ResponseWriter, r *http.Request, t *mToken) {
				m.getStatus(w, r, t, id)
			})
		case http.MethodDelete:
			return "delete_status", p, m.api(required, []string{"write", "write:statuses"}, func(w http.ResponseWriter, r *http.Request, t *mToken) {
				m.deleteStatus(w, r, t, id)
			})
		}
	}
	return "", "", nil
}

// authMode is how an endpoint treats the bearer token.
type authMode int

const (
	public   authMode = iota // a token is not checked (instance, apps)
	optional                 // a token given must be valid (authorize_if_got_token!)
	required                 // a user token is needed (doorkeeper_authorize!)
)

// api wraps an /api/ handler: bearer token, scopes (checked when a token
// is given), and the rate limit with its headers on every answer
// (https://docs.joinmastodon.org/api/rate-limits/: per account when
// authenticated, per IP otherwise).
func (m *mastodon) api(mode authMode, scopes []string, h func(http.ResponseWriter, *http.Request, *mToken)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var tok *mToken
		bearer, hasBearer := sim.BearerToken(r)
		if hasBearer {
			m.mu.Lock()
			if t, ok := m.tokens[bearer]; ok {
				c := *t
				tok = &c
			}
			m.mu.Unlock()
		}
		key := "ip:" + sim.ClientIP(r)
		if tok != nil && tok.user != "" {
			key = "account:" + tok.user
		} else if tok != nil {
			key = "app:" + tok.clientID
		}
		limit, remaining, reset, ok := m.lim.Take(key, m.s.Config().Now())
		if limit > 0 {
			w.Header().Set("X-RateLimit-Limit", strconv.Itoa(limit))
			w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
			w.Header().Set("X-RateLimit-Reset", reset.UTC().Format("2006-01-02T15:04:05.000000Z"))
		}
		switch {
		case !ok:
			m.s.CountRateLimited()
			sim.WriteJSON(w, http.StatusTooManyRequests, map[string]string{"error": errTooMany})
		case mode == public:
			h(w, r, tok)
		case hasBearer && tok == nil, mode == required && (tok == nil || tok.user == ""):
			sim.WriteJSON(w, http.StatusUnauthorized, map[string]string{"error": errInvalidToken})
		case tok != nil && scopes != nil && !hasScope(tok.scopes, scopes):
			sim.WriteJSON(w, http.StatusForbidden, map[string]string{"error": errScope})
		default:
			h(w, r, tok)
		}
	}
}

// hasScope reports whether granted covers one of want; "read" and
// "write" cover their read:… and write:… scopes.
func hasScope(granted, want []string) bool {
	for _, g := range granted {
		for _, w := range want {
			if g == w || strings.HasPrefix(w, g+":") {
				return true
			}
		}
	}
	return false
}

func (m *mastodon) base(r *http.Request) string { return sim.RequestBase(r) + "/" + Name }

// revoke deletes every token of user (every user when empty).
func (m *mastodon) Revoke(user string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for k, t := range m.tokens {
		if t.user != "" && (user == "" || t.user == user) {
			delete(m.tokens, k)
			n++
		}
	}
	return n
}

func (m *mastodon) DeletePost(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.statuses[id]
	if !ok || st.deleted {
		return false
	}
	m.markDeleted(st)
	return true
}

// markDeleted deletes st: its author has one status less, its parent one
// reply less. Holds m.mu.
func (m *mastodon) markDeleted(st *mStatus) {
	st.deleted = true
	st.user.statuses--
	if parent, ok := m.statuses[st.replyTo]; ok && parent.replies > 0 && !st.sim {
		parent.replies--
	}
}

// user returns the user called name, created on first use. Holds m.mu.
func (m *mastodon) user(name string, now time.Time) *mUser {
	u, ok := m.users[name]
	if !ok {
		u = &mUser{id: m.newID(), username: name, display: strings.ToUpper(name[:1]) + name[1:], created: now}
		m.users[name] = u
		// Its earlier posts (Config.HistoryDays), oldest first: ids grow
		// with time, as Mastodon's snowflakes do.
		for _, p := range sim.History(m.s.Config().Seed, Name, name, m.s.Config().HistoryDays) {
			st := &mStatus{id: m.newID(), text: p.Text, visibility: "public", language: "en", user: u, created: now.Add(-p.Age)}
			m.statuses[st.id] = st
			u.roots = append(u.roots, st)
			u.statuses++
			u.lastStatus = st.created
		}
	}
	return u
}
