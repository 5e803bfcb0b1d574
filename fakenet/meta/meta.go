// Package meta holds what fakenet's three Meta networks (fakenet/facebook,
// fakenet/instagram, fakenet/threads) share, as their connectors share
// connectors/meta: a Graph with the Graph API error shape
// (https://developers.facebook.com/docs/graph-api/guides/error-handling),
// tokens and authorization codes with PKCE S256 (which Facebook Login
// documents, https://developers.facebook.com/docs/facebook-login/guides/advanced/oidc-token;
// checked whenever a challenge was sent), the usage headers and throttling
// errors of https://developers.facebook.com/docs/graph-api/overview/rate-limiting/,
// posts and their engagement, and the media containers and 24-hour
// publishing quota of Instagram and Threads.
//
// A Graph is not a network: each network package embeds one and adds its
// own routes (Route), token endpoints and post shapes. Any client id and
// secret are accepted (apps are registered in the App Dashboard); the
// client id is kept with codes and tokens and must match. Like the rest of
// fakenet, it must never hold real credentials.
package meta

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
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

// Token lifetimes and the Graph's own words for its commonest errors.
const (
	ShortTTL = time.Hour           // short-lived user tokens
	LongTTL  = 60 * 24 * time.Hour // long-lived tokens
	// NoObject is the message of code 100 subcode 33 (a format with the id).
	NoObject = "Unsupported get request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
	// BadToken is the message of code 190 for a token nobody issued.
	BadToken = "Invalid OAuth access token - Cannot parse access token"

	codeTTL   = 10 * time.Minute
	minRenew  = 24 * time.Hour // a long-lived token renews once this old
	throttled = "(#4) Application request limit reached"
)

// Token kinds.
const (
	TokenShort = "short" // short-lived user token
	TokenLong  = "long"  // long-lived user token
	TokenPage  = "page"  // Facebook Page token (no expiry)
)

// version is a Graph API version path segment (v25.0).
var version = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

type authCode struct {
	clientID, user, redirectURI, challenge string
	expires                                time.Time
}

// Token is an issued access token.
type Token struct {
	ClientID, User, Kind string
	Page                 string    // the Page of a Page token
	Created, Expires     time.Time // Expires zero: never
}

// User is a simulated person, made on first use.
type User struct {
	ID, Username, Name string
	Created            time.Time
}

// Post is a published post.
type Post struct {
	ID, User, Text, MediaType, MediaURL, Link, ReplyTo string
	Created                                            time.Time
	Deleted                                            bool
	// Poll is the options of the post's poll (Threads' poll_attachment).
	Poll []string
}

// Options says how a Graph differs between the three networks.
type Options struct {
	// Name is the network's name and path prefix ("facebook").
	Name string
	// IDBase is added to every numeric id the Graph makes.
	IDBase int64
	// TokenPrefix starts every access token ("EAA").
	TokenPrefix string
	// BUCType is the type of the network's Business Use Case rate limits
	// ("pages", "instagram"): calls then answer X-Business-Use-Case-Usage
	// and are throttled with ThrottleCode. Empty: platform limits,
	// X-App-Usage and code 4.
	BUCType      string
	ThrottleCode int
	// BUCKinds are the token kinds whose calls count against Business Use
	// Case limits; nil: every kind.
	BUCKinds []string
	// HistoryMediaType is the media type of the earlier posts each user
	// has when made (sim.History, Config.HistoryDays); empty: a user's
	// posts are the network's own business (Facebook's are its Pages').
	HistoryMediaType string
}

// Graph is one simulated Meta network's state and the handlers the three
// share. Its methods named …Locked need the caller to hold Lock.
type Graph struct {
	s   *sim.Server
	o   Options
	lim *sim.Limiter

	mu         sync.Mutex
	codes      map[string]*authCode
	tokens     map[string]*Token
	users      map[string]*User
	posts      map[string]*Post
	containers map[string]*Container
	published  map[string][]time.Time // by user: API publishes, for the 24-hour quota
	nextID     int64
	// Comments (comments.go): the owner's replies to comments, and the
	// comments hidden and deleted, by id.
	replies                         map[string]*Post
	hiddenComments, deletedComments map[string]bool
}

// NewGraph returns the Graph of one network on s.
func NewGraph(s *sim.Server, o Options) *Graph {
	g := &Graph{s: s, o: o, lim: sim.NewLimiter(s.Config().RateLimit, s.Config().RateWindow)}
	g.Reset()
	return g
}

// Name is the network's name and path prefix.
func (g *Graph) Name() string { return g.o.Name }

// Reset forgets every code, token, user, post and container.
func (g *Graph) Reset() {
	g.mu.Lock()
	g.codes = map[string]*authCode{}
	g.tokens = map[string]*Token{}
	g.users = map[string]*User{}
	g.posts = map[string]*Post{}
	g.containers = map[string]*Container{}
	g.published = map[string][]time.Time{}
	g.replies = map[string]*Post{}
	g.hiddenComments, g.deletedComments = map[string]bool{}, map[string]bool{}
	g.nextID = 0
	g.mu.Unlock()
	g.lim.Reset()
}

// Lock and Unlock guard the Graph's state for the …Locked methods, and the
// state a network keeps beside it (Facebook's Pages).
func (g *Graph) Lock()   { g.mu.Lock() }
func (g *Graph) Unlock() { g.mu.Unlock() }

// NewIDLocked returns the next numeric id.
func (g *Graph) NewIDLocked() string {
	g.nextID++
	return strconv.FormatInt(g.o.IDBase+g.nextID, 10)
}

// UserLocked returns the user called name, created on first use.
func (g *Graph) UserLocked(name string, now time.Time) *User {
	u, ok := g.users[name]
	if !ok {
		u = &User{ID: g.NewIDLocked(), Username: name, Name: strings.ToUpper(name[:1]) + name[1:], Created: now}
		g.users[name] = u
		if g.o.HistoryMediaType != "" {
			// Its earlier posts (Config.HistoryDays), oldest first, served by
			// GET /{ig-user-id}/media and GET /{threads-user-id}/threads.
			for _, p := range sim.History(g.s.Config().Seed, g.o.Name, name, g.s.Config().HistoryDays) {
				id := g.NewIDLocked()
				g.posts[id] = &Post{ID: id, User: name, Text: p.Text, MediaType: g.o.HistoryMediaType, Created: now.Add(-p.Age)}
			}
		}
	}
	return u
}

// UserOf returns (a copy of) the user called name, created on first use.
func (g *Graph) UserOf(name string) User {
	g.mu.Lock()
	defer g.mu.Unlock()
	return *g.UserLocked(name, g.s.Config().Now())
}

// PostsLocked returns the posts by id.
func (g *Graph) PostsLocked() map[string]*Post { return g.posts }

// WriteError writes the Graph API error object.
func WriteError(w http.ResponseWriter, status, code, subcode int, msg string) {
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
	sim.WriteJSON(w, status, map[string]any{"error": e})
}

func oauthErrKind(code int) string {
	if code == 190 {
		return "invalid_token"
	}
	return "invalid_request"
}

// ErrorBody is the Graph error a status fault answers with.
func (g *Graph) ErrorBody(msg string) []byte {
	code, text := 100, msg
	switch msg {
	case http.StatusText(http.StatusTooManyRequests):
		code, text = 4, throttled
	case http.StatusText(http.StatusInternalServerError):
		code, text = 1, "An unknown error has occurred."
	case http.StatusText(http.StatusServiceUnavailable), http.StatusText(http.StatusBadGateway), http.StatusText(http.StatusGatewayTimeout):
		code, text = 2, "An unexpected error has occurred. Please retry your request later."
	case http.StatusText(http.StatusUnauthorized):
		code, text = 190, BadToken
	}
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"message": text, "type": "OAuthException", "code": code, "fbtrace_id": "fakenet"}})
	return b
}

// NotFound answers an unknown path with code 2500.
func (g *Graph) NotFound(w http.ResponseWriter, r *http.Request) {
	WriteError(w, http.StatusBadRequest, 2500, 0, "Unknown path components: "+r.URL.Path)
}

// Segments splits a Graph path after prefix ("/graph"), dropping an
// optional version: "/graph/v25.0/123/feed" gives ["123", "feed"].
func Segments(path, prefix string) ([]string, bool) {
	rest, ok := strings.CutPrefix(path, prefix)
	if !ok || (rest != "" && rest[0] != '/') {
		return nil, false
	}
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	if len(segs) > 0 && version.MatchString(segs[0]) {
		segs = segs[1:]
	}
	if len(segs) == 1 && segs[0] == "" {
		segs = nil
	}
	return segs, true
}

// API wraps a Graph handler: the token (code 190 when missing, expired or
// revoked, subcode 463 when expired), the rate limit per user with its
// usage header on every answer, the throttling error past it, and the
// token kinds the route takes (nil: any).
func (g *Graph) API(kinds []string, h func(http.ResponseWriter, *http.Request, *Token)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, _, msg := g.Lookup(r)
		if tok == nil {
			sub := 0
			if strings.HasPrefix(msg, "Error validating access token: Session has expired") {
				sub = 463
			}
			WriteError(w, http.StatusBadRequest, 190, sub, msg)
			return
		}
		now := g.s.Config().Now()
		limit, remaining, reset, ok := g.lim.Take(g.o.Name+":"+tok.User, now)
		if limit > 0 {
			pct := int(math.Ceil(float64(limit-remaining) * 100 / float64(limit)))
			regain := 0
			if !ok {
				pct, regain = 100, int(math.Ceil(reset.Sub(now).Minutes()))
			}
			g.usageHeader(w, tok, pct, regain)
		}
		if !ok {
			g.s.CountRateLimited()
			code, msg := 4, throttled
			if g.bucFor(tok) {
				code, msg = g.o.ThrottleCode, fmt.Sprintf("(#%d) There have been too many calls from this account. Wait a bit and try again.", g.o.ThrottleCode)
			}
			WriteError(w, http.StatusBadRequest, code, 0, msg)
			return
		}
		if kinds != nil && !slices.Contains(kinds, tok.Kind) {
			WriteError(w, http.StatusBadRequest, 190, 0, "This endpoint requires a different kind of access token (a "+strings.Join(kinds, " or ")+" token).")
			return
		}
		h(w, r, tok)
	}
}

// usageHeader sets X-Business-Use-Case-Usage or X-App-Usage.
func (g *Graph) usageHeader(w http.ResponseWriter, tok *Token, pct, regain int) {
	u := map[string]any{"call_count": pct, "total_cputime": pct / 2, "total_time": pct / 2}
	if !g.bucFor(tok) {
		b, _ := json.Marshal(u)
		w.Header().Set("X-App-Usage", string(b))
		return
	}
	u["type"] = g.o.BUCType
	u["estimated_time_to_regain_access"] = regain
	id := g.UserOf(tok.User).ID
	b, _ := json.Marshal(map[string]any{id: []any{u}})
	w.Header().Set("X-Business-Use-Case-Usage", string(b))
}

// bucFor reports whether tok's calls count against Business Use Case limits.
func (g *Graph) bucFor(tok *Token) bool {
	return g.o.BUCType != "" && (g.o.BUCKinds == nil || slices.Contains(g.o.BUCKinds, tok.Kind))
}

// Form reads a request's parameters: the query, then the form body.
func Form(r *http.Request) url.Values {
	_ = r.ParseForm()
	return r.Form
}

// SplitList splits a comma-separated list, dropping empty items.
func SplitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// SplitFields splits a Graph fields list on the commas outside
// parentheses and braces.
func SplitFields(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '(', '{':
			depth++
		case ')', '}':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	if rest := strings.TrimSpace(s[start:]); rest != "" {
		out = append(out, rest)
	}
	return out
}
