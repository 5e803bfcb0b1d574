package fakenet

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The Mastodon instance, following https://docs.joinmastodon.org/methods/.

const (
	mastodonName = "mastodon"
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
	s   *Server
	lim *limiter

	mu       sync.Mutex
	apps     map[string]*mApp   // by client_id
	codes    map[string]*mCode  // by code
	tokens   map[string]*mToken // by access token
	users    map[string]*mUser  // by username
	statuses map[string]*mStatus
	idem     map[string]idemEntry // account id + key
	media    map[string]*mMedia
	nextID   int64
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
}

type idemEntry struct {
	id string
	at time.Time
}

func newMastodon(s *Server) *mastodon {
	m := &mastodon{s: s, lim: newLimiter(s.cfg.RateLimit, s.cfg.RateWindow)}
	m.reset()
	return m
}

func (m *mastodon) name() string { return mastodonName }

func (m *mastodon) reset() {
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
	m.lim.reset()
}

// newID returns the next id, snowflake-sized like Mastodon's. Holds m.mu.
func (m *mastodon) newID() string {
	m.nextID++
	return strconv.FormatInt(113000000000000000+m.nextID, 10)
}

func (m *mastodon) errorBody(msg string) []byte {
	b, _ := json.Marshal(map[string]string{"error": msg})
	return b
}

func (m *mastodon) notFound(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusNotFound, map[string]string{"error": errNotFound})
}

func (m *mastodon) route(method, path string) (op, pattern string, h http.HandlerFunc) {
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
	case "POST /api/v2/media":
		return "upload_media", path, m.api(required, []string{"write", "write:media"}, m.uploadMedia)
	}
	if id, ok := strings.CutPrefix(path, "/api/v1/media/"); ok && id != "" && !strings.Contains(id, "/") && method == http.MethodGet {
		return "get_media", "/api/v1/media/:id", m.api(required, []string{"write", "write:media"}, func(w http.ResponseWriter, r *http.Request, t *mToken) {
			m.getMedia(w, r, t, id)
		})
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
		bearer, hasBearer := bearerToken(r)
		if hasBearer {
			m.mu.Lock()
			if t, ok := m.tokens[bearer]; ok {
				c := *t
				tok = &c
			}
			m.mu.Unlock()
		}
		key := "ip:" + clientIP(r)
		if tok != nil && tok.user != "" {
			key = "account:" + tok.user
		} else if tok != nil {
			key = "app:" + tok.clientID
		}
		limit, remaining, reset, ok := m.lim.take(key, m.s.cfg.Now())
		if limit > 0 {
			w.Header().Set("X-RateLimit-Limit", strconv.Itoa(limit))
			w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
			w.Header().Set("X-RateLimit-Reset", reset.UTC().Format("2006-01-02T15:04:05.000000Z"))
		}
		switch {
		case !ok:
			m.s.rateLimited.Add(1)
			writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": errTooMany})
		case mode == public:
			h(w, r, tok)
		case hasBearer && tok == nil, mode == required && (tok == nil || tok.user == ""):
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": errInvalidToken})
		case tok != nil && scopes != nil && !hasScope(tok.scopes, scopes):
			writeJSON(w, http.StatusForbidden, map[string]string{"error": errScope})
		default:
			h(w, r, tok)
		}
	}
}

func bearerToken(r *http.Request) (string, bool) {
	a := r.Header.Get("Authorization")
	if len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:]), true
	}
	return "", a != ""
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
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

// params reads form (urlencoded or multipart) or JSON parameters; arrays
// keep their "name[]" form.
func params(r *http.Request) (map[string][]string, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		var raw map[string]any
		dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		out := map[string][]string{}
		for k, v := range raw {
			switch v := v.(type) {
			case string:
				out[k] = []string{v}
			case bool, float64:
				out[k] = []string{fmt.Sprint(v)}
			case []any:
				for _, e := range v {
					out[k+"[]"] = append(out[k+"[]"], fmt.Sprint(e))
				}
			}
		}
		return out, nil
	}
	if ct == "multipart/form-data" {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return nil, err
		}
	} else if err := r.ParseForm(); err != nil {
		return nil, err
	}
	return r.Form, nil
}

func first(p map[string][]string, k string) string {
	if v := p[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (m *mastodon) base(r *http.Request) string { return requestBase(r) + "/" + mastodonName }

// revoke deletes every token of user (every user when empty).
func (m *mastodon) revoke(user string) int {
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

func (m *mastodon) deletePost(id string) bool {
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
	if parent, ok := m.statuses[st.replyTo]; ok && parent.replies > 0 {
		parent.replies--
	}
}

// user returns the user called name, created on first use. Holds m.mu.
func (m *mastodon) user(name string, now time.Time) *mUser {
	u, ok := m.users[name]
	if !ok {
		u = &mUser{id: m.newID(), username: name, display: strings.ToUpper(name[:1]) + name[1:], created: now}
		m.users[name] = u
	}
	return u
}
