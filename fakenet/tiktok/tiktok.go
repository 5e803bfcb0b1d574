// Package tiktok is fakenet's TikTok, under the prefix /tiktok.
//
// TikTok's Login Kit for Web and API v2, following
// https://developers.tiktok.com/doc/login-kit-web,
// https://developers.tiktok.com/doc/oauth-user-access-token-management,
// https://developers.tiktok.com/doc/content-posting-api-reference-direct-post,
// https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status,
// https://developers.tiktok.com/doc/tiktok-api-v2-video-query,
// https://developers.tiktok.com/doc/tiktok-api-v2-video-list (with the
// earlier videos every user has, Config.HistoryDays) and
// https://developers.tiktok.com/doc/tiktok-api-v2-error-handling.
// www.tiktok.com (authorize) and open.tiktokapis.com (everything else)
// share the prefix /tiktok. The client is named client_key (not
// client_id); scopes are comma-separated. Every API answer is the
// envelope {"data": {...}, "error": {"code": "ok"|…, "message", "log_id"}}.
// Refresh tokens rotate: a refresh answers a new one and the old one
// stops working. Token lifetimes run on the wall clock, as the client
// that reads expires_in sees them.
package tiktok

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
	tiktokName       = "tiktok"
	tiktokAccessTTL  = 2 * time.Hour        // expires_in 7200
	tiktokRefreshTTL = 180 * 24 * time.Hour // refresh_expires_in
	tiktokCodeTTL    = 5 * time.Minute
	// The caption is at most 2200 UTF-16 units (post_info.title).
	tiktokMaxTitle = 2200
	// /v2/video/query/ takes at most 20 video ids.
	tiktokMaxVideoIDs = 20
)

// Scopes TikTok grants (https://developers.tiktok.com/doc/scopes-overview).
var tiktokScopes = map[string]bool{"user.info.basic": true, "user.info.profile": true, "user.info.stats": true,
	"video.list": true, "video.publish": true, "video.upload": true}

// Per-access-token limits of the Content Posting API, per minute:
// creator_info/query 20, video/init 6, status/fetch 30.
var tiktokOpLimits = map[string]int{"creator_info": 20, "publish": 6, "publish_status": 30}

type tiktok struct {
	s *sim.Server

	mu        sync.Mutex
	clients   map[string]string // client_key → the last client_secret seen
	codes     map[string]*ttCode
	access    map[string]*ttToken
	refresh   map[string]*ttToken
	users     map[string]*ttUser // by username
	publishes map[string]*ttPublish
	videos    map[string]*ttVideo
	limits    bool
	hits      map[string][]time.Time // op + token → request times in the last minute
	next      int64
}

type ttCode struct {
	clientKey, user, redirect, challenge string
	scopes                               []string
	expires                              time.Time
}

type ttToken struct {
	clientKey, user string
	scopes          []string
	expires         time.Time
}

type ttUser struct {
	openID, username, display string
	created                   time.Time
}

type ttPublish struct {
	id, user, videoID, privacy string
	polls                      int
}

type ttVideo struct {
	id, user, title string
	privacy         string // SELF_ONLY videos are not listed
	created         time.Time
	deleted         bool
}

// New builds the simulated TikTok on s.
func New(s *sim.Server) sim.Network { return newTikTok(s) }

func newTikTok(s *sim.Server) *tiktok {
	t := &tiktok{s: s}
	t.Reset()
	return t
}

func (t *tiktok) Name() string { return tiktokName }

func (t *tiktok) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clients = map[string]string{}
	t.codes = map[string]*ttCode{}
	t.access = map[string]*ttToken{}
	t.refresh = map[string]*ttToken{}
	t.users = map[string]*ttUser{}
	t.publishes = map[string]*ttPublish{}
	t.videos = map[string]*ttVideo{}
	t.hits = map[string][]time.Time{}
	t.limits = false
	t.next = 0
}

// RateLimits turns on (or off) the per-access-token limits TikTok
// documents for the Content Posting API: 6 video/init, 20
// creator_info/query and 30 status/fetch requests per minute, on a
// sliding window of Config.Now. They are off by default, because the
// conformance suite publishes 25 posts from one account at one frozen
// instant; a throttled request gets 429 rate_limit_exceeded.
func RateLimits(s *sim.Server, on bool) {
	if t, ok := s.Network(tiktokName).(*tiktok); ok {
		t.mu.Lock()
		t.limits = on
		t.mu.Unlock()
	}
}

// ttOK writes TikTok's envelope with error code "ok".
func ttOK(w http.ResponseWriter, data any) {
	sim.WriteJSON(w, http.StatusOK, map[string]any{"data": data, "error": map[string]string{"code": "ok", "message": "", "log_id": ttLogID()}})
}

// ttError writes TikTok's envelope with an error code.
func ttError(w http.ResponseWriter, status int, code, msg string) {
	sim.WriteJSON(w, status, map[string]any{"data": map[string]any{}, "error": map[string]string{"code": code, "message": msg, "log_id": ttLogID()}})
}

func ttLogID() string {
	return time.Now().UTC().Format("20060102150405") + strings.ToUpper(sim.RandomToken()[:18])
}

func (t *tiktok) ErrorBody(msg string) []byte {
	code := "invalid_params"
	switch msg {
	case http.StatusText(http.StatusTooManyRequests):
		code = "rate_limit_exceeded"
	case http.StatusText(http.StatusUnauthorized):
		code = "access_token_invalid"
	case http.StatusText(http.StatusInternalServerError), http.StatusText(http.StatusBadGateway),
		http.StatusText(http.StatusServiceUnavailable), http.StatusText(http.StatusGatewayTimeout):
		code = "internal_error"
	}
	b, _ := json.Marshal(map[string]any{"data": map[string]any{}, "error": map[string]string{"code": code, "message": msg, "log_id": ttLogID()}})
	return b
}

func (t *tiktok) NotFound(w http.ResponseWriter, r *http.Request) {
	ttError(w, http.StatusNotFound, "not_found", "The requested path "+r.URL.Path+" does not exist.")
}

func (t *tiktok) Route(method, path string) (op, pattern string, h http.HandlerFunc) {
	type e struct {
		method, op string
		scopes     []string
		h          func(http.ResponseWriter, *http.Request, *ttToken, string)
	}
	table := map[string]e{
		"/v2/user/info/":                       {http.MethodGet, "user_info", []string{"user.info.basic"}, t.userInfo},
		"/v2/post/publish/creator_info/query/": {http.MethodPost, "creator_info", []string{"video.publish"}, t.creatorInfo},
		"/v2/post/publish/video/init/":         {http.MethodPost, "publish", []string{"video.publish"}, t.videoInit},
		"/v2/post/publish/status/fetch/":       {http.MethodPost, "publish_status", []string{"video.publish", "video.upload"}, t.statusFetch},
		"/v2/video/query/":                     {http.MethodPost, "video_query", []string{"video.list"}, t.videoQuery},
		"/v2/video/list/":                      {http.MethodPost, "video_list", []string{"video.list"}, t.videoList},
	}
	switch method + " " + path {
	case "GET /v2/auth/authorize/":
		return "authorize", path, t.authorize
	case "POST /v2/oauth/token/":
		return "token", path, t.token
	case "POST /v2/oauth/revoke/":
		return "revoke", path, t.revokeToken
	}
	if x, ok := table[path]; ok && x.method == method {
		return x.op, path, t.api(x.op, x.scopes, x.h)
	}
	return "", "", nil
}

// api checks the bearer token and its scopes, then the per-token limit.
func (t *tiktok) api(op string, scopes []string, h func(http.ResponseWriter, *http.Request, *ttToken, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		bearer, _ := sim.BearerToken(r)
		now := t.s.Config().Now()
		t.mu.Lock()
		tok := t.access[bearer]
		if tok != nil && time.Now().After(tok.expires) {
			tok = nil
		}
		var c ttToken
		if tok != nil {
			c = *tok
		}
		limited := false
		if n, ok := tiktokOpLimits[op]; ok && t.limits && tok != nil {
			key := op + " " + bearer
			recent := t.hits[key][:0]
			for _, at := range t.hits[key] {
				if now.Sub(at) < time.Minute {
					recent = append(recent, at)
				}
			}
			if limited = len(recent) >= n; !limited {
				recent = append(recent, now)
			}
			t.hits[key] = recent
		}
		t.mu.Unlock()
		switch {
		case tok == nil:
			ttError(w, http.StatusUnauthorized, "access_token_invalid", "The access token is invalid or not found in the request.")
		case !slices.ContainsFunc(scopes, func(s string) bool { return slices.Contains(c.scopes, s) }):
			ttError(w, http.StatusUnauthorized, "scope_not_authorized", "The user did not authorize the scope required for completing this request.")
		case limited:
			t.s.CountRateLimited()
			ttError(w, http.StatusTooManyRequests, "rate_limit_exceeded", "The API rate limit was exceeded. Please try again later.")
		default:
			h(w, r, &c, bearer)
		}
	}
}

var tiktokUserRE = regexp.MustCompile(`^[a-z0-9_.]{2,24}$`)

// user returns the user called name, created on first use. Holds t.mu.
func (t *tiktok) user(name string, now time.Time) *ttUser {
	u, ok := t.users[name]
	if !ok {
		u = &ttUser{openID: "-000" + strconv.FormatUint(sim.Mix(t.s.Config().Seed, tiktokName, name)>>8, 36) + "-" + name,
			username: name, display: strings.ToUpper(name[:1]) + name[1:], created: now}
		t.users[name] = u
		t.seedHistory(u, now)
	}
	return u
}

// ttOAuthError is the Login Kit error shape
// (https://developers.tiktok.com/doc/oauth-error-handling).
func ttOAuthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	sim.WriteJSON(w, status, map[string]string{"error": code, "error_description": desc, "log_id": ttLogID()})
}

// authorize is GET https://www.tiktok.com/v2/auth/authorize/: it approves
// at once for the user named by fakenet_user (default alice) and
// redirects with code, scopes and state.
func (t *tiktok) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	key, redirect := q.Get("client_key"), q.Get("redirect_uri")
	if key == "" {
		ttOAuthError(w, http.StatusBadRequest, "invalid_client", "client_key is required.")
		return
	}
	u, err := url.Parse(redirect)
	if err != nil || !u.IsAbs() || u.Fragment != "" {
		ttOAuthError(w, http.StatusBadRequest, "invalid_request", "redirect_uri must be an absolute URI registered for the app.")
		return
	}
	back := func(v url.Values) {
		if st := q.Get("state"); st != "" {
			v.Set("state", st)
		}
		qs := u.Query()
		for k, vs := range v {
			qs[k] = vs
		}
		u.RawQuery = qs.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
	deny := func(code, desc string) { back(url.Values{"error": {code}, "error_description": {desc}}) }
	if q.Get("response_type") != "code" {
		deny("unsupported_response_type", "response_type must be code.")
		return
	}
	var scopes []string
	for _, s := range strings.Split(q.Get("scope"), ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		} else if !tiktokScopes[s] {
			deny("invalid_scope", "The scope "+s+" is invalid.")
			return
		}
		scopes = append(scopes, s)
	}
	if len(scopes) == 0 {
		deny("invalid_scope", "scope is required.")
		return
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if (challenge != "" || method != "") && (method != "S256" || challenge == "") {
		deny("invalid_request", "code_challenge_method must be S256.")
		return
	}
	user := q.Get("fakenet_user")
	if user == "" {
		user = "alice"
	}
	if !tiktokUserRE.MatchString(user) {
		ttOAuthError(w, http.StatusBadRequest, "invalid_request", "fakenet_user must be a TikTok username ([a-z0-9_.], 2-24)")
		return
	}
	now := t.s.Config().Now()
	code := sim.RandomToken()
	t.mu.Lock()
	t.user(user, now)
	t.codes[code] = &ttCode{clientKey: key, user: user, redirect: redirect, challenge: challenge, scopes: scopes,
		expires: time.Now().Add(tiktokCodeTTL)}
	t.mu.Unlock()
	back(url.Values{"code": {code}, "scopes": {strings.Join(scopes, ",")}})
}

// token is POST https://open.tiktokapis.com/v2/oauth/token/: form
// parameters client_key, client_secret, grant_type and either code,
// redirect_uri (and code_verifier with PKCE) or refresh_token. Any client
// key and secret are accepted (apps are registered on TikTok's site) and
// remembered; client_key may also come in the query.
func (t *tiktok) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		ttOAuthError(w, http.StatusBadRequest, "invalid_request", "The request parameters are malformed.")
		return
	}
	key, secret := r.Form.Get("client_key"), r.PostForm.Get("client_secret")
	if key == "" || secret == "" {
		ttOAuthError(w, http.StatusUnauthorized, "invalid_client", "Client key or secret is missing.")
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clients[key] = secret
	var tok *ttToken
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		code := r.PostForm.Get("code")
		c := t.codes[code]
		switch {
		case c == nil, time.Now().After(c.expires), c.clientKey != key, c.redirect != r.PostForm.Get("redirect_uri"):
			ttOAuthError(w, http.StatusBadRequest, "invalid_grant", "Authorization code is expired or invalid.")
			return
		case c.challenge != "" && !sim.PKCEMatches(r.PostForm.Get("code_verifier"), c.challenge):
			ttOAuthError(w, http.StatusBadRequest, "invalid_grant", "Code verifier or code challenge is invalid.")
			return
		}
		delete(t.codes, code)
		tok = &ttToken{clientKey: key, user: c.user, scopes: c.scopes}
	case "refresh_token":
		old := r.PostForm.Get("refresh_token")
		rt := t.refresh[old]
		if rt == nil || time.Now().After(rt.expires) || subtle.ConstantTimeCompare([]byte(rt.clientKey), []byte(key)) != 1 {
			ttOAuthError(w, http.StatusBadRequest, "invalid_grant", "Refresh token is invalid or expired.")
			return
		}
		delete(t.refresh, old) // rotated: the old one stops working
		tok = &ttToken{clientKey: key, user: rt.user, scopes: rt.scopes}
	default:
		ttOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "The grant type is not supported.")
		return
	}
	now := time.Now()
	access, refresh := "act."+sim.RandomToken(), "rft."+sim.RandomToken()
	t.access[access] = &ttToken{clientKey: key, user: tok.user, scopes: tok.scopes, expires: now.Add(tiktokAccessTTL)}
	t.refresh[refresh] = &ttToken{clientKey: key, user: tok.user, scopes: tok.scopes, expires: now.Add(tiktokRefreshTTL)}
	w.Header().Set("Cache-Control", "no-store")
	sim.WriteJSON(w, http.StatusOK, map[string]any{"access_token": access, "expires_in": int(tiktokAccessTTL.Seconds()),
		"open_id": t.user(tok.user, t.s.Config().Now()).openID, "refresh_token": refresh,
		"refresh_expires_in": int(tiktokRefreshTTL.Seconds()), "scope": strings.Join(tok.scopes, ","), "token_type": "Bearer"})
}

// revokeToken is POST /v2/oauth/revoke/ (client_key, client_secret,
// token): the user's authorization of the app ends.
func (t *tiktok) revokeToken(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	t.mu.Lock()
	if tok := t.access[r.PostForm.Get("token")]; tok != nil {
		t.mu.Unlock()
		t.Revoke(tok.user)
	} else {
		t.mu.Unlock()
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{})
}

// revoke ends every token of user (every user when empty), as when the
// user removes the app in TikTok's settings.
func (t *tiktok) Revoke(user string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, store := range []map[string]*ttToken{t.access, t.refresh} {
		for k, tok := range store {
			if user == "" || tok.user == user {
				delete(store, k)
				n++
			}
		}
	}
	return n
}

func (t *tiktok) DeletePost(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	v, ok := t.videos[id]
	if !ok || v.deleted {
		return false
	}
	v.deleted = true
	return true
}
