package x

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1" // #nosec G505: HMAC-SHA1 is the signature method of X's OAuth 1.0a
	"encoding/base64"
	"math/big"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// OAuth 1.0a User Context as X implements it
// (https://docs.x.com/fundamentals/authentication/oauth-1-0a/overview,
// https://docs.x.com/fundamentals/authentication/oauth-1-0a/authorizing-a-request,
// https://docs.x.com/fundamentals/authentication/oauth-1-0a/creating-a-signature):
// a request carries "Authorization: OAuth oauth_consumer_key, oauth_nonce,
// oauth_signature, oauth_signature_method=HMAC-SHA1, oauth_timestamp,
// oauth_token, oauth_version=1.0", signed per RFC 5849 §3.4 over the
// method, the base URL and the query and form-body parameters (a JSON or
// multipart body is not signed), keyed with the consumer secret and the
// token secret. X refuses a bad signature, an unknown key, a timestamp too
// far from its clock and a nonce already used, all with its v2 401
// problem ("Unauthorized"; e.g. https://github.com/xdevplatform/xurl/issues/8).
//
// The keys of a bot account (an app's keys plus the access token of the
// account that owns the app) come from the developer portal's "Keys and
// tokens" page; fakenet mints them with BotKeys (fakenet.Server.XBotKeys) or
// POST /x/fakenet/keys?user=NAME. The revoke fault kills them too.

const (
	// xOAuth1Skew is how far oauth_timestamp may be from the wall clock.
	// X documents no figure ("requests created too far in the past" are
	// refused); five minutes is fakenet's choice.
	xOAuth1Skew = 5 * time.Minute
	// xOAuth1Scopes are what a bot's keys may do: the app permission
	// "Read and write" (fakenet grants every endpoint it serves).
	xOAuth1Scopes = "tweet.read tweet.write users.read media.write offline.access like.read like.write follows.read"
)

// xBot is one set of OAuth 1.0a keys.
type xBot struct {
	consumerKey, consumerSecret, token, tokenSecret, user string
}

// XKeys are the OAuth 1.0a keys of a bot account on fakenet's X, named as
// X's portal and rythme's connect parameters name them.
type XKeys struct {
	ConsumerKey       string `json:"consumer_key"`
	ConsumerSecret    string `json:"consumer_secret"`
	AccessToken       string `json:"access_token"`
	AccessTokenSecret string `json:"access_token_secret"`
}

// BotKeys mints OAuth 1.0a keys for user (default alice), as generating
// the app's consumer keys and access token on the developer portal does:
// every call makes a new app with its own consumer key.
func BotKeys(s *sim.Server, user string) XKeys {
	x, ok := s.Network(xName).(*xNet)
	if !ok {
		return XKeys{}
	}
	return x.mintKeys(user)
}

func (x *xNet) mintKeys(user string) XKeys {
	if user == "" {
		user = "alice"
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	u := x.user(user, x.s.Config().Now())
	// X's shapes: a 25-character API key, a 50-character secret, an access
	// token "<user id>-<40 characters>" and a 45-character token secret.
	b := &xBot{consumerKey: xAlnum(25), consumerSecret: xAlnum(50), token: u.id + "-" + xAlnum(40),
		tokenSecret: xAlnum(45), user: user}
	x.bots[b.token] = b
	return XKeys{ConsumerKey: b.consumerKey, ConsumerSecret: b.consumerSecret, AccessToken: b.token, AccessTokenSecret: b.tokenSecret}
}

// createKeys is POST /x/fakenet/keys?user=NAME: the four keys as JSON.
func (x *xNet) createKeys(w http.ResponseWriter, r *http.Request) {
	user := r.URL.Query().Get("user")
	if user != "" && !xUsernameRE.MatchString(user) {
		xInvalid(w, "user must be an X username ([A-Za-z0-9_], at most 15)")
		return
	}
	sim.WriteJSON(w, http.StatusCreated, x.mintKeys(user))
}

func xAlnum(n int) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		v, _ := rand.Int(rand.Reader, big.NewInt(int64(len(chars))))
		b[i] = chars[v.Int64()]
	}
	return string(b)
}

// xOAuthHeader parses an "Authorization: OAuth …" header (RFC 5849
// §3.5.1): comma-separated name="value" pairs, percent-encoded. ok is
// false when it is not one, or is malformed.
func xOAuthHeader(h string) (map[string]string, bool) {
	if len(h) < 6 || !strings.EqualFold(h[:6], "oauth ") {
		return nil, false
	}
	out := map[string]string{}
	for _, part := range strings.Split(h[6:], ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, val, found := strings.Cut(part, "=")
		if !found || len(val) < 2 || val[0] != '"' || val[len(val)-1] != '"' {
			return nil, false
		}
		n, err1 := url.PathUnescape(strings.TrimSpace(name))
		v, err2 := url.PathUnescape(val[1 : len(val)-1])
		if err1 != nil || err2 != nil {
			return nil, false
		}
		if _, dup := out[n]; dup {
			return nil, false
		}
		out[n] = v
	}
	return out, true
}

// oauth1 authenticates a request signed with OAuth 1.0a and returns the
// token it stands for, or nil when X would refuse it. It records the
// nonce. It takes x.mu.
func (x *xNet) oauth1(r *http.Request) *xToken {
	p, ok := xOAuthHeader(r.Header.Get("Authorization"))
	if !ok || p["oauth_signature_method"] != "HMAC-SHA1" || (p["oauth_version"] != "" && p["oauth_version"] != "1.0") ||
		p["oauth_nonce"] == "" || p["oauth_signature"] == "" {
		return nil
	}
	ts, err := strconv.ParseInt(p["oauth_timestamp"], 10, 64)
	now := time.Now() // the client signs with its wall clock, as on X
	if err != nil || time.Unix(ts, 0).Before(now.Add(-xOAuth1Skew)) || time.Unix(ts, 0).After(now.Add(xOAuth1Skew)) {
		return nil
	}
	params := url.Values{}
	for k, vs := range r.URL.Query() {
		params[k] = append(params[k], vs...)
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" && r.Body != nil {
		// ParseForm keeps the parsed body for the handler.
		if r.ParseForm() != nil {
			return nil
		}
		for k, vs := range r.PostForm {
			params[k] = append(params[k], vs...)
		}
	}
	for k, v := range p {
		if k != "oauth_signature" && k != "realm" {
			params[k] = append(params[k], v)
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	b := x.bots[p["oauth_token"]]
	if b == nil || b.consumerKey != p["oauth_consumer_key"] {
		return nil
	}
	base := xBaseString(r, params)
	mac := hmac.New(sha1.New, []byte(xPercent(b.consumerSecret)+"&"+xPercent(b.tokenSecret)))
	mac.Write([]byte(base))
	got, err := base64.StdEncoding.DecodeString(p["oauth_signature"])
	if err != nil || !hmac.Equal(got, mac.Sum(nil)) {
		return nil
	}
	// A nonce is single use (within the timestamp window it is kept for).
	key := b.consumerKey + "\x00" + b.token + "\x00" + p["oauth_nonce"]
	if _, seen := x.nonces[key]; seen {
		return nil
	}
	if now.Sub(x.pruned) > time.Minute {
		// Past twice the skew, a replay's timestamp is refused anyway.
		x.pruned = now
		for k, at := range x.nonces {
			if now.Sub(at) > 2*xOAuth1Skew {
				delete(x.nonces, k)
			}
		}
	}
	x.nonces[key] = now
	return &xToken{clientID: b.consumerKey, user: b.user, scopes: strings.Fields(xOAuth1Scopes), expires: now.Add(time.Hour)}
}

// xBaseString is RFC 5849 §3.4.1 for the request as received: the base
// URL fakenet is reached at (scheme and host lower-cased, default port
// dropped) and the whole path, prefix included, as the client signed it.
func xBaseString(r *http.Request, params url.Values) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := strings.ToLower(r.Host)
	host = strings.TrimSuffix(host, map[string]string{"http": ":80", "https": ":443"}[scheme])
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	var pairs [][2]string
	for k, vs := range params {
		for _, v := range vs {
			pairs = append(pairs, [2]string{xPercent(k), xPercent(v)})
		}
	}
	// By encoded name, then encoded value (§3.4.1.3.2).
	sort.Slice(pairs, func(i, j int) bool {
		return pairs[i][0] < pairs[j][0] || (pairs[i][0] == pairs[j][0] && pairs[i][1] < pairs[j][1])
	})
	joined := make([]string, len(pairs))
	for i, p := range pairs {
		joined[i] = p[0] + "=" + p[1]
	}
	return r.Method + "&" + xPercent(scheme+"://"+host+path) + "&" + xPercent(strings.Join(joined, "&"))
}

// xPercent is RFC 5849 §3.6 percent-encoding.
func xPercent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(strconv.FormatUint(uint64(c)>>4, 16)+strconv.FormatUint(uint64(c)&15, 16)))
		}
	}
	return b.String()
}
