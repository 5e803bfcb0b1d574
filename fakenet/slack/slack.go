// Package slack is fakenet's Slack.
//
// Slack, under the prefix /slack, following https://docs.slack.dev:
// OAuth v2 (GET /oauth/v2/authorize, POST /api/oauth.v2.access with
// client auth by HTTP Basic or form, PKCE S256, token rotation),
// https://docs.slack.dev/reference/methods/ (auth.test, team.info,
// conversations.info, conversations.list, chat.postMessage,
// chat.getPermalink, reactions.get, conversations.replies) and
// https://docs.slack.dev/apis/web-api/rate-limits (per method and
// workspace, per minute; HTTP 429 with Retry-After). Methods answer HTTP
// 200 with {"ok":false,"error":"…"} for every failure but rate limits.
//
// Each fakenet user is a workspace of its own (domain = the user name)
// with the public channels #general and #random and the private channel
// #leads. Every app is installed with token rotation on: access tokens
// (xoxe.xoxb-…) live 12 hours and each refresh rotates the refresh token
// (https://docs.slack.dev/authentication/using-token-rotation).
//
// One deliberate difference: chat.postMessage answers msg_too_long for
// text over 40,000 characters, where Slack posts it truncated with the
// warning message_truncated
// (https://api.slack.com/changelog/2018-04-truncating-really-long-messages),
// so that tests can see a refusal; rythme validates the limit first.
package slack

import (
	"encoding/json"
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

const (
	slackName       = "slack"
	slackMaxText    = 40000
	slackTokenTTL   = 12 * time.Hour
	slackCodeTTL    = 10 * time.Minute
	slackRateWindow = time.Minute
)

// slackTiers are the per-minute limits of the Web API's tiers; "post" is
// chat.postMessage's special limit, about one message per second per
// channel with bursts.
var slackTiers = map[string]int{"t1": 1, "t2": 20, "t3": 50, "t4": 100, "special": 100, "post": 60}

// slackScopes are the bot scopes the simulator knows.
var slackScopes = map[string]bool{}

func init() {
	for _, s := range strings.Fields(`chat:write chat:write.public chat:write.customize channels:read channels:history
		groups:read groups:history reactions:read team:read users:read incoming-webhook commands files:write`) {
		slackScopes[s] = true
	}
}

// New builds the simulated Slack on s.
func New(s *sim.Server) sim.Network {
	k := &slack{s: s, lims: map[string]*sim.Limiter{}}
	for tier, n := range slackTiers {
		if s.Config().RateLimit < 0 {
			n = -1
		}
		k.lims[tier] = sim.NewLimiter(n, slackRateWindow)
	}
	k.Reset()
	return k
}

type slack struct {
	s    *sim.Server
	lims map[string]*sim.Limiter

	mu       sync.Mutex
	apps     map[string]string // client_id → client_secret (first seen)
	teams    map[string]*sTeam // by user (domain)
	codes    map[string]*sCode
	tokens   map[string]*sToken // by access token
	refresh  map[string]*sToken // by refresh token
	revoked  map[string]bool    // access tokens revoked
	messages map[string]*sMessage
	seq      int64
}

type sTeam struct {
	id, name, domain string
	channels         []*sChannel
}

type sChannel struct {
	id, name string
	private  bool
}

type sCode struct {
	clientID, user, redirectURI, challenge string
	scopes                                 []string
	expires                                time.Time
}

type sToken struct {
	access, refresh, clientID string
	team                      *sTeam
	scopes                    []string
	expires                   time.Time
}

type sMessage struct {
	channel, ts, text string
	// threadTS is the thread_ts it was posted with (a reply), "" for a
	// message of the channel.
	threadTS string
	team     *sTeam
	created  time.Time
	deleted  bool
}

func (k *slack) Name() string { return slackName }

func (k *slack) Reset() {
	k.mu.Lock()
	k.apps = map[string]string{}
	k.teams = map[string]*sTeam{}
	k.codes = map[string]*sCode{}
	k.tokens = map[string]*sToken{}
	k.refresh = map[string]*sToken{}
	k.revoked = map[string]bool{}
	k.messages = map[string]*sMessage{}
	k.seq = 0
	k.mu.Unlock()
	for _, l := range k.lims {
		l.Reset()
	}
}

func (k *slack) ErrorBody(msg string) []byte {
	b, _ := json.Marshal(map[string]any{"ok": false, "error": msg})
	return b
}

// slackStatusErrors are the error codes Slack answers with these HTTP
// statuses (https://docs.slack.dev/apis/web-api/rate-limits, and the
// errors every method lists).
var slackStatusErrors = map[int]string{
	http.StatusTooManyRequests: "ratelimited", http.StatusInternalServerError: "internal_error",
	http.StatusServiceUnavailable: "service_unavailable", http.StatusGatewayTimeout: "request_timeout",
	http.StatusRequestTimeout: "request_timeout", http.StatusUnauthorized: "invalid_auth",
	http.StatusForbidden: "no_permission",
}

// faultBody is an injected status's answer: Slack's code for it
// ("ratelimited" for 429), never the HTTP status text.
func (k *slack) FaultBody(f sim.Fault) []byte {
	code, ok := slackStatusErrors[f.Status]
	if !ok {
		code = "fatal_error"
	}
	return k.ErrorBody(code)
}

func (k *slack) NotFound(w http.ResponseWriter, _ *http.Request) {
	sim.WriteJSON(w, http.StatusNotFound, map[string]any{"ok": false, "error": "unknown_method"})
}

// slackFail answers a method failure: HTTP 200, ok false.
func slackFail(w http.ResponseWriter, code string, extra ...any) {
	out := map[string]any{"ok": false, "error": code}
	for i := 0; i+1 < len(extra); i += 2 {
		out[extra[i].(string)] = extra[i+1]
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

// slackMethod describes one Web API method: its operation name, tier and
// the scope it needs ("" for none).
type slackMethod struct {
	op, tier, scope string
	h               func(http.ResponseWriter, *http.Request, map[string][]string, *sToken)
}

func (k *slack) methods() map[string]slackMethod {
	return map[string]slackMethod{
		"auth.test":             {"auth_test", "special", "", k.authTest},
		"team.info":             {"team_info", "t3", "team:read", k.teamInfo},
		"conversations.info":    {"conversations_info", "t3", "channels:read", k.conversationsInfo},
		"conversations.list":    {"conversations_list", "t2", "channels:read", k.conversationsList},
		"chat.postMessage":      {"publish", "post", "chat:write", k.postMessage},
		"chat.getPermalink":     {"get_permalink", "special", "", k.getPermalink},
		"reactions.get":         {"reactions_get", "t3", "reactions:read", k.reactionsGet},
		"conversations.replies": {"conversations_replies", "t1", "channels:history", k.conversationsReplies},
	}
}

func (k *slack) Route(method, path string) (op, pattern string, h http.HandlerFunc) {
	switch {
	case path == "/oauth/v2/authorize" && method == http.MethodGet:
		return "authorize", path, k.authorize
	case path == "/api/oauth.v2.access" && method == http.MethodPost:
		return "token", path, k.token
	}
	name, ok := strings.CutPrefix(path, "/api/")
	if !ok || (method != http.MethodGet && method != http.MethodPost) {
		return "", "", nil
	}
	m, ok := k.methods()[name]
	if !ok {
		return "", "", nil
	}
	return m.op, path, k.api(m)
}

// slackParams reads form or JSON arguments plus the query string.
func slackParams(r *http.Request) (map[string][]string, error) {
	p, err := sim.Params(r)
	if err != nil {
		return nil, err
	}
	for key, v := range r.URL.Query() {
		if _, ok := p[key]; !ok {
			p[key] = v
		}
	}
	return p, nil
}

// api authenticates a method call (Authorization: Bearer, or a token
// argument), checks the scope and the method's rate limit.
func (k *slack) api(m slackMethod) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := slackParams(r)
		if err != nil {
			slackFail(w, "invalid_form_data")
			return
		}
		token, has := sim.BearerToken(r)
		if !has {
			token = sim.First(p, "token")
		}
		if token == "" {
			slackFail(w, "not_authed")
			return
		}
		now := k.s.Config().Now()
		k.mu.Lock()
		t, ok := k.tokens[token]
		revoked := k.revoked[token]
		var tok sToken
		if ok {
			tok = *t
		}
		k.mu.Unlock()
		switch {
		case revoked:
			slackFail(w, "token_revoked")
			return
		case !ok:
			slackFail(w, "invalid_auth")
			return
		case !tok.expires.IsZero() && !time.Now().Before(tok.expires):
			slackFail(w, "token_expired")
			return
		case m.scope != "" && !slices.Contains(tok.scopes, m.scope):
			slackFail(w, "missing_scope", "needed", m.scope, "provided", strings.Join(tok.scopes, ","))
			return
		}
		key := tok.team.id + ":" + m.op
		if m.tier == "post" {
			key += ":" + sim.First(p, "channel")
		}
		if _, _, reset, ok := k.lims[m.tier].Take(key, now); !ok {
			k.s.CountRateLimited()
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(reset.Sub(now).Seconds()))))
			sim.WriteJSON(w, http.StatusTooManyRequests, map[string]any{"ok": false, "error": "ratelimited"})
			return
		}
		m.h(w, r, p, &tok)
	}
}

// team returns the workspace of user, made on first use. Holds k.mu.
func (k *slack) team(user string) *sTeam {
	t, ok := k.teams[user]
	if !ok {
		id := func(prefix, part string) string {
			return prefix + strings.ToUpper(strconv.FormatUint(sim.Mix(k.s.Config().Seed, slackName, user, part), 36))[:10]
		}
		t = &sTeam{id: id("T", "team"), name: strings.ToUpper(user[:1]) + user[1:] + "'s workspace", domain: user,
			channels: []*sChannel{{id: id("C", "general"), name: "general"}, {id: id("C", "random"), name: "random"},
				{id: id("C", "leads"), name: "leads", private: true}}}
		k.teams[user] = t
	}
	return t
}

// channel finds a channel by id or name (#name or name). Holds k.mu.
func (t *sTeam) channel(ref string) *sChannel {
	ref = strings.TrimPrefix(ref, "#")
	for _, c := range t.channels {
		if c.id == ref || c.name == ref {
			return c
		}
	}
	return nil
}

func (k *slack) base(r *http.Request) string { return sim.RequestBase(r) + "/" + slackName }

// teamURL is the workspace's URL as auth.test gives it.
func (k *slack) teamURL(r *http.Request, t *sTeam) string {
	return k.base(r) + "/workspaces/" + t.domain + "/"
}

var slackUserRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,20}$`)

// authorize is GET /oauth/v2/authorize: it approves at once for
// fakenet_user (default alice) and redirects with code and state.
func (k *slack) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	clientID, redirect := q.Get("client_id"), q.Get("redirect_uri")
	ru, err := url.Parse(redirect)
	if clientID == "" || err != nil || !ru.IsAbs() {
		sim.WriteJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error": "invalid_client_id or bad_redirect_uri"})
		return
	}
	back := func(v url.Values) {
		if st := q.Get("state"); st != "" {
			v.Set("state", st)
		}
		qs := ru.Query()
		for key, vs := range v {
			qs[key] = vs
		}
		ru.RawQuery = qs.Encode()
		http.Redirect(w, r, ru.String(), http.StatusFound)
	}
	scopes := strings.FieldsFunc(q.Get("scope"), func(c rune) bool { return c == ',' || c == ' ' })
	if len(scopes) == 0 {
		back(url.Values{"error": {"no_scopes"}})
		return
	}
	for _, s := range scopes {
		if !slackScopes[s] {
			back(url.Values{"error": {"invalid_scope"}})
			return
		}
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if (challenge != "" || method != "") && (method != "S256" || len(challenge) != 43) {
		back(url.Values{"error": {"invalid_code_challenge"}})
		return
	}
	user := q.Get("fakenet_user")
	if user == "" {
		user = "alice"
	}
	if !slackUserRE.MatchString(user) {
		sim.WriteJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error": "fakenet_user must match [a-z0-9-]{1,21}"})
		return
	}
	code := strconv.FormatInt(k.s.Config().Now().Unix(), 10) + "." + sim.RandomToken()
	k.mu.Lock()
	k.team(user)
	k.codes[code] = &sCode{clientID: clientID, user: user, redirectURI: redirect, challenge: challenge, scopes: scopes,
		expires: k.s.Config().Now().Add(slackCodeTTL)}
	k.mu.Unlock()
	back(url.Values{"code": {code}})
}

// token is POST /api/oauth.v2.access: grant_type authorization_code
// (code, redirect_uri, code_verifier) or refresh_token, the client
// authenticated by HTTP Basic or client_id and client_secret.
func (k *slack) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		slackFail(w, "invalid_form_data")
		return
	}
	p := r.Form
	id, secret, basic := r.BasicAuth()
	if basic {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = p.Get("client_id"), p.Get("client_secret")
	}
	now := k.s.Config().Now()
	k.mu.Lock()
	defer k.mu.Unlock()
	if id == "" {
		slackFail(w, "invalid_client_id")
		return
	}
	if known, ok := k.apps[id]; ok && known != secret || secret == "" {
		slackFail(w, "bad_client_secret")
		return
	}
	k.apps[id] = secret
	var team *sTeam
	var scopes []string
	switch p.Get("grant_type") {
	case "", "authorization_code":
		c, ok := k.codes[p.Get("code")]
		delete(k.codes, p.Get("code"))
		switch {
		case !ok || c.clientID != id || !now.Before(c.expires):
			slackFail(w, "invalid_code")
			return
		case c.redirectURI != p.Get("redirect_uri"):
			slackFail(w, "bad_redirect_uri")
			return
		case c.challenge != "" && !sim.PKCEMatches(p.Get("code_verifier"), c.challenge):
			slackFail(w, "invalid_code")
			return
		}
		team, scopes = k.team(c.user), c.scopes
	case "refresh_token":
		old, ok := k.refresh[p.Get("refresh_token")]
		if !ok || old.clientID != id {
			slackFail(w, "invalid_refresh_token")
			return
		}
		delete(k.refresh, old.refresh) // rotated: the old refresh token is spent
		team, scopes = old.team, old.scopes
	default:
		slackFail(w, "invalid_grant_type")
		return
	}
	// Token lifetimes follow the wall clock, as the client's token source
	// does: advancing Config.Now to grow engagement expires no token.
	t := &sToken{access: "xoxe.xoxb-1-" + sim.RandomToken(), refresh: "xoxe-1-" + sim.RandomToken(), clientID: id, team: team,
		scopes: scopes, expires: time.Now().Add(slackTokenTTL)}
	k.tokens[t.access], k.refresh[t.refresh] = t, t
	w.Header().Set("Cache-Control", "no-store")
	sim.WriteJSON(w, http.StatusOK, map[string]any{
		"ok": true, "access_token": t.access, "token_type": "bot", "scope": strings.Join(scopes, ","),
		"bot_user_id": "U" + team.id[1:], "app_id": "A" + strings.ToUpper(strconv.FormatUint(sim.Mix(0, id)%1e10, 36)),
		"expires_in": int(slackTokenTTL.Seconds()), "refresh_token": t.refresh,
		"team": map[string]any{"id": team.id, "name": team.name}, "enterprise": nil, "is_enterprise_install": false,
		"authed_user": map[string]any{"id": "U" + strings.ToUpper(team.domain)},
	})
}

// revoke revokes every token of user's workspace (every workspace when
// empty), as uninstalling the app does: calls get token_revoked and
// refreshes invalid_refresh_token.
func (k *slack) Revoke(user string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	n := 0
	for a, t := range k.tokens {
		if user == "" || t.team.domain == user {
			delete(k.tokens, a)
			delete(k.refresh, t.refresh)
			k.revoked[a] = true
			n++
		}
	}
	return n
}

func (k *slack) DeletePost(id string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	m, ok := k.messages[id]
	if !ok || m.deleted {
		return false
	}
	m.deleted = true
	return true
}
