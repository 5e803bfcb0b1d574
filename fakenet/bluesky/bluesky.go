// Package bluesky is fakenet's Bluesky, under the prefix /bluesky.
//
// A Bluesky PDS (personal data server) with the AppView endpoints rythme
// uses, following https://docs.bsky.app/docs/api/ and the lexicons in
// https://github.com/bluesky-social/atproto/tree/main/lexicons. Every
// method is XRPC: /bluesky/xrpc/<nsid>, JSON in and out, errors as
// {"error": Name, "message": text}.
//
// Accounts connect with an app password (there is no OAuth here):
// com.atproto.server.createSession answers an access JWT (2 hours) and a
// refresh JWT (90 days) that com.atproto.server.refreshSession rotates
// (https://github.com/bluesky-social/atproto/pull/624, #657: the used
// refresh token keeps working for a 2-hour grace period). Token lifetimes
// run on the wall clock, as the client that decodes "exp" sees them; the
// Config.Now clock drives created_at, engagement and rate-limit windows.
package bluesky

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rythmehq/rythme/fakenet/sim"
)

const (
	bskyName = "bluesky"
	// bskyUserDomain is the handle suffix of the simulated PDS's users
	// (.test is the TLD atproto reserves for development).
	bskyUserDomain = ".test"
	bskyAccessTTL  = 2 * time.Hour
	bskyRefreshTTL = 90 * 24 * time.Hour
	bskyGrace      = 2 * time.Hour
	// https://docs.bsky.app/docs/advanced-guides/rate-limits: 3000
	// requests per 5 minutes per IP; createSession 30 per 5 minutes per
	// handle.
	bskyGlobalLimit  = 3000
	bskySessionLimit = 30
	bskyWindow       = 5 * time.Minute
)

type bluesky struct {
	s       *sim.Server
	lim     *sim.Limiter // every XRPC call, per IP
	sessLim *sim.Limiter // createSession, per identifier
	secret  []byte
	lastTID atomic.Uint64 // the last TID newTID gave, as a number

	mu       sync.Mutex
	accounts map[string]*bskyAccount // by handle
	byDID    map[string]*bskyAccount
	access   map[string]*bskyToken // by access JWT
	refresh  map[string]*bskyToken // by refresh JWT
	records  map[string]*bskyRecord
	blobs    map[string]bskyBlob // by CID
}

type bskyAccount struct {
	did, handle, password string
	created               time.Time
}

type bskyToken struct {
	did      string
	expires  time.Time // wall clock
	rotated  string    // the refresh JWT that replaced this one
	rotateAt time.Time
}

type bskyRecord struct {
	uri, cid, did, collection, rkey, text string
	value                                 json.RawMessage
	created                               time.Time
	deleted                               bool
	// sim marks a simulated comment; simComments counts those made on
	// this post so far (materialize).
	sim         bool
	simComments int
}

type bskyBlob struct {
	did, mime string
	size      int64
}

// New builds the simulated Bluesky on s.
func New(s *sim.Server) sim.Network { return newBluesky(s) }

func newBluesky(s *sim.Server) *bluesky {
	limit, sessLimit := bskyGlobalLimit, bskySessionLimit
	if s.Config().RateLimit < 0 {
		limit, sessLimit = -1, -1
	}
	b := &bluesky{s: s, lim: sim.NewLimiter(limit, bskyWindow), sessLim: sim.NewLimiter(sessLimit, bskyWindow)}
	b.secret = make([]byte, 32)
	_, _ = rand.Read(b.secret)
	b.Reset()
	return b
}

func (b *bluesky) Name() string { return bskyName }

func (b *bluesky) Reset() {
	b.mu.Lock()
	b.accounts = map[string]*bskyAccount{}
	b.byDID = map[string]*bskyAccount{}
	b.access = map[string]*bskyToken{}
	b.refresh = map[string]*bskyToken{}
	b.records = map[string]*bskyRecord{}
	b.blobs = map[string]bskyBlob{}
	b.mu.Unlock()
	b.lim.Reset()
	b.sessLim.Reset()
}

func (b *bluesky) ErrorBody(msg string) []byte {
	name := strings.ReplaceAll(msg, " ", "")
	body, _ := json.Marshal(map[string]string{"error": name, "message": msg})
	return body
}

func (b *bluesky) NotFound(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/"+bskyName+"/xrpc/") {
		bskyError(w, http.StatusNotImplemented, "MethodNotImplemented", "Method Not Implemented")
		return
	}
	bskyError(w, http.StatusNotFound, "NotFound", "Not Found")
}

func bskyError(w http.ResponseWriter, status int, name, msg string) {
	sim.WriteJSON(w, status, map[string]string{"error": name, "message": msg})
}

// bskyAuth is how an XRPC method treats the Authorization header.
type bskyAuth int

const (
	bskyPublic  bskyAuth = iota // no token needed
	bskyAccess                  // an access JWT
	bskyRefresh                 // a refresh JWT (refreshSession)
)

func (b *bluesky) Route(method, path string) (op, pattern string, h http.HandlerFunc) {
	if path == "/_fakenet/app-password" && method == http.MethodPost {
		return "app_password", path, b.appPasswordHTTP
	}
	nsid, ok := strings.CutPrefix(path, "/xrpc/")
	if !ok {
		return "", "", nil
	}
	type m struct {
		method, op string
		auth       bskyAuth
		h          func(http.ResponseWriter, *http.Request, *bskyAccount)
	}
	table := map[string]m{
		"com.atproto.server.createSession":        {http.MethodPost, "create_session", bskyPublic, b.createSession},
		"com.atproto.server.refreshSession":       {http.MethodPost, "refresh_session", bskyRefresh, b.refreshSession},
		"com.atproto.server.getSession":           {http.MethodGet, "get_session", bskyAccess, b.getSession},
		"com.atproto.server.deleteSession":        {http.MethodPost, "delete_session", bskyRefresh, b.deleteSession},
		"com.atproto.server.describeServer":       {http.MethodGet, "describe_server", bskyPublic, b.describeServer},
		"com.atproto.identity.resolveHandle":      {http.MethodGet, "resolve_handle", bskyPublic, b.resolveHandle},
		"com.atproto.repo.createRecord":           {http.MethodPost, "publish", bskyAccess, b.createRecord},
		"com.atproto.repo.getRecord":              {http.MethodGet, "get_record", bskyPublic, b.getRecord},
		"com.atproto.repo.deleteRecord":           {http.MethodPost, "delete_record", bskyAccess, b.deleteRecord},
		"com.atproto.repo.putRecord":              {http.MethodPost, "put_record", bskyAccess, b.putRecord},
		"com.atproto.repo.uploadBlob":             {http.MethodPost, "upload_blob", bskyAccess, b.uploadBlob},
		"app.bsky.feed.getPosts":                  {http.MethodGet, "get_posts", bskyAccess, b.getPosts},
		"app.bsky.feed.getAuthorFeed":             {http.MethodGet, "get_author_feed", bskyAccess, b.getAuthorFeed},
		"app.bsky.actor.getProfile":               {http.MethodGet, "get_profile", bskyAccess, b.getProfile},
		"app.bsky.feed.getPostThread":             {http.MethodGet, "get_post_thread", bskyAccess, b.getPostThread},
		"app.bsky.notification.listNotifications": {http.MethodGet, "list_notifications", bskyAccess, b.listNotifications},
	}
	e, ok := table[nsid]
	if !ok {
		return "", "", nil
	}
	if method != e.method {
		return e.op, path, func(w http.ResponseWriter, _ *http.Request) {
			bskyError(w, http.StatusMethodNotAllowed, "InvalidRequest", "Incorrect HTTP method ("+method+") expected "+e.method)
		}
	}
	return e.op, path, b.xrpc(e.auth, e.h)
}

// xrpc wraps a method: the per-IP rate limit with its RateLimit-* headers
// (epoch-seconds reset, as @atproto/xrpc-server sends them), then the
// token.
func (b *bluesky) xrpc(mode bskyAuth, h func(http.ResponseWriter, *http.Request, *bskyAccount)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !b.limit(w, b.lim, "ip:"+sim.ClientIP(r), bskyGlobalLimit) {
			return
		}
		if mode == bskyPublic {
			h(w, r, nil)
			return
		}
		acct, status, name, msg := b.authenticate(r, mode)
		if acct == nil {
			bskyError(w, status, name, msg)
			return
		}
		h(w, r, acct)
	}
}

// limit takes one request from lim for key and writes the headers; it
// answers 429 and reports false when the limit is reached.
func (b *bluesky) limit(w http.ResponseWriter, lim *sim.Limiter, key string, policy int) bool {
	limit, remaining, reset, ok := lim.Take(key, b.s.Config().Now())
	if limit > 0 {
		w.Header().Set("RateLimit-Limit", strconv.Itoa(limit))
		w.Header().Set("RateLimit-Remaining", strconv.Itoa(remaining))
		w.Header().Set("RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		w.Header().Set("RateLimit-Policy", strconv.Itoa(policy)+";w="+strconv.Itoa(int(bskyWindow.Seconds())))
	}
	if !ok {
		b.s.CountRateLimited()
		bskyError(w, http.StatusTooManyRequests, "RateLimitExceeded", "Rate Limit Exceeded")
	}
	return ok
}

// authenticate checks the bearer JWT the way the reference PDS does: no
// header is 401 AuthMissing, a bad signature or the wrong kind of token
// 401 InvalidToken, an expired or revoked one 400 ExpiredToken.
func (b *bluesky) authenticate(r *http.Request, mode bskyAuth) (acct *bskyAccount, status int, name, msg string) {
	tok, ok := sim.BearerToken(r)
	if !ok || tok == "" {
		return nil, http.StatusUnauthorized, "AuthMissing", "Authentication Required"
	}
	claims, ok := b.verifyJWT(tok)
	wantScope := "com.atproto.appPass"
	if mode == bskyRefresh {
		wantScope = "com.atproto.refresh"
	}
	if !ok || claims.Scope != wantScope {
		return nil, http.StatusUnauthorized, "InvalidToken", "Token could not be verified"
	}
	now := time.Now()
	if now.Unix() >= claims.Exp {
		return nil, http.StatusBadRequest, "ExpiredToken", "Token has expired"
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	store := b.access
	if mode == bskyRefresh {
		store = b.refresh
	}
	t, ok := store[tok]
	if !ok || now.After(t.expires) {
		return nil, http.StatusBadRequest, "ExpiredToken", "Token has been revoked"
	}
	a := b.byDID[t.did]
	if a == nil {
		return nil, http.StatusBadRequest, "ExpiredToken", "Token has been revoked"
	}
	c := *a
	return &c, 0, "", ""
}

type bskyClaims struct {
	Scope string `json:"scope"`
	Sub   string `json:"sub"`
	Aud   string `json:"aud"`
	JTI   string `json:"jti,omitempty"`
	Iat   int64  `json:"iat"`
	Exp   int64  `json:"exp"`
}

// signJWT returns an HS256 JWT of c (the reference PDS signs app-password
// sessions with a server secret too).
func (b *bluesky) signJWT(typ string, c bskyClaims) string {
	head, _ := json.Marshal(map[string]string{"typ": typ, "alg": "HS256"})
	body, _ := json.Marshal(c)
	enc := base64.RawURLEncoding
	s := enc.EncodeToString(head) + "." + enc.EncodeToString(body)
	mac := hmac.New(sha256.New, b.secret)
	mac.Write([]byte(s))
	return s + "." + enc.EncodeToString(mac.Sum(nil))
}

func (b *bluesky) verifyJWT(tok string) (bskyClaims, bool) {
	var c bskyClaims
	i := strings.LastIndexByte(tok, '.')
	if i < 0 || strings.Count(tok, ".") != 2 {
		return c, false
	}
	sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
	if err != nil {
		return c, false
	}
	mac := hmac.New(sha256.New, b.secret)
	mac.Write([]byte(tok[:i]))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return c, false
	}
	parts := strings.Split(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(raw, &c) != nil {
		return c, false
	}
	return c, true
}

// newSession issues a token pair for a. Holds b.mu.
func (b *bluesky) newSession(r *http.Request, a *bskyAccount) (access, refresh string) {
	now := time.Now()
	aud := "did:web:" + r.Host
	access = b.signJWT("at+jwt", bskyClaims{Scope: "com.atproto.appPass", Sub: a.did, Aud: aud, JTI: sim.RandomToken()[:16], Iat: now.Unix(),
		Exp: now.Add(bskyAccessTTL).Unix()})
	refresh = b.signJWT("refresh+jwt", bskyClaims{Scope: "com.atproto.refresh", Sub: a.did, Aud: aud, JTI: sim.RandomToken(),
		Iat: now.Unix(), Exp: now.Add(bskyRefreshTTL).Unix()})
	b.access[access] = &bskyToken{did: a.did, expires: now.Add(bskyAccessTTL)}
	b.refresh[refresh] = &bskyToken{did: a.did, expires: now.Add(bskyRefreshTTL)}
	return access, refresh
}

var bskyUserRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,16}[a-z0-9])?$`)

// account returns user's account, created on first use with a fresh app
// password. Holds b.mu.
func (b *bluesky) account(user string) *bskyAccount {
	handle := user + bskyUserDomain
	a, ok := b.accounts[handle]
	if !ok {
		// did:plc identifiers are 24 base32 characters.
		h := [2]uint64{sim.Mix(b.s.Config().Seed, bskyName, user), sim.Mix(b.s.Config().Seed, bskyName, user, "did")}
		const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
		var did [24]byte
		for i := range did {
			did[i] = alphabet[(h[i/12]>>(5*(i%12)))&31]
		}
		a = &bskyAccount{did: "did:plc:" + string(did[:]), handle: handle, created: b.s.Config().Now()}
		b.accounts[handle] = a
		b.byDID[a.did] = a
		b.addHistory(a, user)
	}
	if a.password == "" {
		a.password = bskyAppPassword()
	}
	return a
}

// bskyAppPassword returns a password shaped like Bluesky's app passwords
// (xxxx-xxxx-xxxx-xxxx).
func bskyAppPassword() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	raw := make([]byte, 16)
	_, _ = rand.Read(raw)
	var sb strings.Builder
	for i, c := range raw {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return sb.String()
}

// AppPassword returns the handle and an app password of user's
// account on the simulated Bluesky PDS, creating the account on first use
// (user: lower-case letters, digits and dashes). After a revoke fault the
// old app password is refused and this issues a new one. The PDS's
// service URL is base + "/bluesky".
func AppPassword(s *sim.Server, user string) (identifier, appPassword string, ok bool) {
	b, _ := s.Network(bskyName).(*bluesky)
	if b == nil || !bskyUserRE.MatchString(user) {
		return "", "", false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	a := b.account(user)
	return a.handle, a.password, true
}

// appPasswordHTTP is POST /bluesky/_fakenet/app-password?user=alice, the
// HTTP form of AppPassword for the README walkthrough.
func (b *bluesky) appPasswordHTTP(w http.ResponseWriter, r *http.Request) {
	user := r.URL.Query().Get("user")
	if user == "" {
		user = "alice"
	}
	id, pw, ok := AppPassword(b.s, user)
	if !ok {
		bskyError(w, http.StatusBadRequest, "InvalidRequest", "user must be 1-18 lower-case letters, digits or dashes")
		return
	}
	sim.WriteJSON(w, http.StatusOK, map[string]string{"identifier": id, "app_password": pw,
		"service_url": sim.RequestBase(r) + "/" + bskyName})
}

// revoke acts like the user revoking the app password: its sessions end
// and the password is refused.
func (b *bluesky) Revoke(user string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	dids := map[string]bool{}
	for _, a := range b.accounts {
		if user == "" || a.handle == user+bskyUserDomain {
			dids[a.did] = true
			a.password = ""
		}
	}
	n := 0
	for _, store := range []map[string]*bskyToken{b.access, b.refresh} {
		for k, t := range store {
			if dids[t.did] {
				delete(store, k)
				n++
			}
		}
	}
	return n
}

func (b *bluesky) DeletePost(id string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	rec, ok := b.records[id]
	if !ok || rec.deleted {
		return false
	}
	rec.deleted = true
	return true
}

// createSession is com.atproto.server.createSession
// (https://docs.bsky.app/docs/api/com-atproto-server-create-session).
func (b *bluesky) createSession(w http.ResponseWriter, r *http.Request, _ *bskyAccount) {
	var in struct {
		Identifier string `json:"identifier"`
		Password   string `json:"password"`
	}
	if !bskyDecode(w, r, &in) {
		return
	}
	if in.Identifier == "" || in.Password == "" {
		bskyError(w, http.StatusBadRequest, "InvalidRequest", "Input must have the properties \"identifier\", \"password\"")
		return
	}
	id := strings.ToLower(strings.TrimPrefix(in.Identifier, "@"))
	if !b.limit(w, b.sessLim, "id:"+id, bskySessionLimit) {
		return
	}
	b.mu.Lock()
	a := b.accounts[id]
	if a == nil {
		a = b.byDID[id]
	}
	if a == nil || a.password == "" || !hmac.Equal([]byte(a.password), []byte(in.Password)) {
		b.mu.Unlock()
		bskyError(w, http.StatusUnauthorized, "AuthenticationRequired", "Invalid identifier or password")
		return
	}
	access, refresh := b.newSession(r, a)
	out := b.sessionJSON(r, a, access, refresh)
	b.mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, out)
}

// sessionJSON is the session answer, with the DID document naming this
// PDS. Holds b.mu.
func (b *bluesky) sessionJSON(r *http.Request, a *bskyAccount, access, refresh string) map[string]any {
	out := map[string]any{"did": a.did, "handle": a.handle, "active": true, "emailConfirmed": true,
		"email": strings.TrimSuffix(a.handle, bskyUserDomain) + "@example.com",
		"didDoc": map[string]any{
			"@context":    []string{"https://www.w3.org/ns/did/v1"},
			"id":          a.did,
			"alsoKnownAs": []string{"at://" + a.handle},
			"service": []map[string]string{{"id": "#atproto_pds", "type": "AtprotoPersonalDataServer",
				"serviceEndpoint": sim.RequestBase(r) + "/" + bskyName}},
		}}
	if access != "" {
		out["accessJwt"], out["refreshJwt"] = access, refresh
	}
	return out
}

// refreshSession is com.atproto.server.refreshSession
// (https://docs.bsky.app/docs/api/com-atproto-server-refresh-session):
// the refresh JWT is rotated; the old one answers the same successor for
// a grace period, then is revoked.
func (b *bluesky) refreshSession(w http.ResponseWriter, r *http.Request, a *bskyAccount) {
	old, _ := sim.BearerToken(r)
	now := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.refresh[old]
	var access, refresh string
	if t != nil && t.rotated != "" && b.refresh[t.rotated] != nil {
		// Within the grace period: the same successor, a new access token.
		refresh = t.rotated
		access, _ = b.newSession(r, a)
	} else {
		access, refresh = b.newSession(r, a)
		if t != nil {
			t.rotated, t.rotateAt = refresh, now
			t.expires = now.Add(bskyGrace)
		}
	}
	sim.WriteJSON(w, http.StatusOK, b.sessionJSON(r, a, access, refresh))
}

// getSession is com.atproto.server.getSession.
func (b *bluesky) getSession(w http.ResponseWriter, r *http.Request, a *bskyAccount) {
	b.mu.Lock()
	out := b.sessionJSON(r, a, "", "")
	b.mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, out)
}

// getProfile is app.bsky.actor.getProfile?actor=<did or handle>: the
// profile with its followersCount, growing from the seed
// (https://docs.bsky.app/docs/api/app-bsky-actor-get-profile).
func (b *bluesky) getProfile(w http.ResponseWriter, r *http.Request, _ *bskyAccount) {
	actor := r.URL.Query().Get("actor")
	if actor == "" {
		bskyError(w, http.StatusBadRequest, "InvalidRequest", `Error: Params must have the property "actor"`)
		return
	}
	now := b.s.Config().Now()
	b.mu.Lock()
	a := b.byDID[actor]
	if a == nil {
		a = b.accounts[actor]
	}
	var out map[string]any
	if a != nil {
		posts := 0
		for _, rec := range b.records {
			if rec.did == a.did && !rec.deleted && rec.collection == bskyPostCollection {
				posts++
			}
		}
		out = map[string]any{"did": a.did, "handle": a.handle, "displayName": strings.TrimSuffix(a.handle, bskyUserDomain),
			"followersCount": sim.FollowersAt(b.s.Config().Seed, bskyName, a.handle, now.Sub(a.created)), "followsCount": 42,
			"postsCount": posts, "labels": []any{}}
	}
	b.mu.Unlock()
	if out == nil {
		bskyError(w, http.StatusBadRequest, "InvalidRequest", "Profile not found")
		return
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

// deleteSession is com.atproto.server.deleteSession (logout).
func (b *bluesky) deleteSession(w http.ResponseWriter, r *http.Request, _ *bskyAccount) {
	tok, _ := sim.BearerToken(r)
	b.mu.Lock()
	delete(b.refresh, tok)
	b.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// describeServer is com.atproto.server.describeServer.
func (b *bluesky) describeServer(w http.ResponseWriter, r *http.Request, _ *bskyAccount) {
	sim.WriteJSON(w, http.StatusOK, map[string]any{"did": "did:web:" + r.Host, "availableUserDomains": []string{bskyUserDomain},
		"inviteCodeRequired": false, "phoneVerificationRequired": false, "links": map[string]any{}})
}

// resolveHandle is com.atproto.identity.resolveHandle.
func (b *bluesky) resolveHandle(w http.ResponseWriter, r *http.Request, _ *bskyAccount) {
	h := strings.ToLower(r.URL.Query().Get("handle"))
	b.mu.Lock()
	a := b.accounts[h]
	b.mu.Unlock()
	if a == nil {
		bskyError(w, http.StatusBadRequest, "InvalidRequest", "Unable to resolve handle")
		return
	}
	sim.WriteJSON(w, http.StatusOK, map[string]string{"did": a.did})
}

// bskyDecode reads a JSON body into v, answering 400 InvalidRequest when
// it is not JSON.
func bskyDecode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v); err != nil {
		bskyError(w, http.StatusBadRequest, "InvalidRequest", "Request body is not valid JSON")
		return false
	}
	return true
}
