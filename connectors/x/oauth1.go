package x

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1" // #nosec G505: HMAC-SHA1 is the signature method X's OAuth 1.0a requires
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// OAuth 1.0a User Context (https://docs.x.com/fundamentals/authentication/oauth-1-0a/overview):
// an X app's "Keys and tokens" page gives its API key and secret (the
// consumer key and secret) and, for the account that owns the app, an
// access token and secret. Every request then carries an
// "Authorization: OAuth …" header signed with HMAC-SHA1 as RFC 5849
// §3.4 defines it and X's guides follow
// (https://docs.x.com/fundamentals/authentication/oauth-1-0a/authorizing-a-request,
// https://docs.x.com/fundamentals/authentication/oauth-1-0a/creating-a-signature).
// The keys never expire; they stop working when regenerated or when the
// app loses access.

// OAuth1Keys are the four OAuth 1.0a credentials of a bot account. Never
// log them: String hides the secrets.
type OAuth1Keys struct {
	ConsumerKey       string `json:"consumer_key"`
	ConsumerSecret    string `json:"consumer_secret"`
	AccessToken       string `json:"access_token"`
	AccessTokenSecret string `json:"access_token_secret"`
}

// String describes k without its secrets.
func (k OAuth1Keys) String() string {
	return "x.OAuth1Keys{ConsumerKey: " + k.ConsumerKey + ", ConsumerSecret: ***, AccessToken: ***, AccessTokenSecret: ***}"
}

// GoString hides the secrets from %#v too.
func (k OAuth1Keys) GoString() string { return k.String() }

// complete reports whether every key is set.
func (k OAuth1Keys) complete() bool {
	return k.ConsumerKey != "" && k.ConsumerSecret != "" && k.AccessToken != "" && k.AccessTokenSecret != ""
}

// encodeKeys is how the keys are kept in rythme.Token.AccessToken (sealed
// at rest like any token).
func encodeKeys(k OAuth1Keys) string {
	b, _ := json.Marshal(k) // a struct of strings always marshals
	return string(b)
}

// decodeKeys reads what encodeKeys wrote. Its error never quotes the input.
func decodeKeys(s string) (OAuth1Keys, error) {
	var k OAuth1Keys
	if err := json.Unmarshal([]byte(s), &k); err != nil || !k.complete() {
		return OAuth1Keys{}, errors.New("the stored OAuth 1.0a keys are incomplete or not in the expected form")
	}
	return k, nil
}

// Sign adds an OAuth 1.0a HMAC-SHA1 Authorization header to req, with the
// given nonce and timestamp (RFC 5849 §3.1). The signed parameters are the
// query's and, only when the body is application/x-www-form-urlencoded,
// the body's (§3.4.1.3.1): a JSON or multipart body is not signed. A form
// body is read through req.GetBody, or read and replaced.
func (k OAuth1Keys) Sign(req *http.Request, nonce string, at time.Time) error {
	params := url.Values{}
	for name, vs := range req.URL.Query() {
		params[name] = append(params[name], vs...)
	}
	if isFormBody(req) {
		form, err := readForm(req)
		if err != nil {
			return err
		}
		for name, vs := range form {
			params[name] = append(params[name], vs...)
		}
	}
	oauth := [][2]string{
		{"oauth_consumer_key", k.ConsumerKey},
		{"oauth_nonce", nonce},
		{"oauth_signature_method", "HMAC-SHA1"},
		{"oauth_timestamp", strconv.FormatInt(at.Unix(), 10)},
		{"oauth_token", k.AccessToken},
		{"oauth_version", "1.0"},
	}
	for _, p := range oauth {
		params[p[0]] = append(params[p[0]], p[1])
	}
	sig := Signature(SignatureBaseString(req.Method, req.URL, params), k.ConsumerSecret, k.AccessTokenSecret)
	// The header (§3.5.1): names and values percent-encoded, values quoted,
	// comma-separated, in X's documented order.
	oauth = append(oauth, [2]string{"oauth_signature", sig})
	sort.Slice(oauth, func(i, j int) bool { return oauth[i][0] < oauth[j][0] })
	var b strings.Builder
	b.WriteString("OAuth ")
	for i, p := range oauth {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(PercentEncode(p[0]) + `="` + PercentEncode(p[1]) + `"`)
	}
	req.Header.Set("Authorization", b.String())
	return nil
}

// isFormBody reports whether req's body is one RFC 5849 §3.4.1.3.1 signs:
// single-part application/x-www-form-urlencoded with that Content-Type.
func isFormBody(req *http.Request) bool {
	if req.Body == nil || req.Body == http.NoBody {
		return false
	}
	mt, _, err := mime.ParseMediaType(req.Header.Get("Content-Type"))
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// readForm parses req's form body, leaving req able to send it.
func readForm(req *http.Request) (url.Values, error) {
	var b []byte
	var err error
	if req.GetBody != nil {
		var rc io.ReadCloser
		if rc, err = req.GetBody(); err == nil {
			b, err = io.ReadAll(io.LimitReader(rc, 10<<20))
			rc.Close()
		}
	} else {
		b, err = io.ReadAll(io.LimitReader(req.Body, 10<<20))
		req.Body.Close()
		body := b
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	if err != nil {
		return nil, fmt.Errorf("x: read the form body to sign it: %w", err)
	}
	form, err := url.ParseQuery(string(b))
	if err != nil {
		return nil, fmt.Errorf("x: parse the form body to sign it: %w", err)
	}
	return form, nil
}

// SignatureBaseString is RFC 5849 §3.4.1: the method in upper case, the
// base string URI (§3.4.1.2: scheme and host in lower case, default port
// dropped, no query) and the normalised parameters (§3.4.1.3.2: every
// name and value percent-encoded, sorted by name then value, joined with
// "=" and "&"), each percent-encoded and joined with "&". params holds
// every parameter to sign (query, form body, oauth_* but not
// oauth_signature nor realm).
func SignatureBaseString(method string, u *url.URL, params url.Values) string {
	pairs := make([][2]string, 0, len(params))
	for name, vs := range params {
		for _, v := range vs {
			pairs = append(pairs, [2]string{PercentEncode(name), PercentEncode(v)})
		}
	}
	// By encoded name, then encoded value (not "name=value" as one string:
	// "a3=x" would sort before "a=y").
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i][0] != pairs[j][0] {
			return pairs[i][0] < pairs[j][0]
		}
		return pairs[i][1] < pairs[j][1]
	})
	joined := make([]string, len(pairs))
	for i, p := range pairs {
		joined[i] = p[0] + "=" + p[1]
	}
	return strings.ToUpper(method) + "&" + PercentEncode(baseStringURI(u)) + "&" + PercentEncode(strings.Join(joined, "&"))
}

// baseStringURI is RFC 5849 §3.4.1.2.
func baseStringURI(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6
	}
	if port := u.Port(); port != "" && !(scheme == "http" && port == "80") && !(scheme == "https" && port == "443") {
		host += ":" + port
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path
}

// Signature is HMAC-SHA1 of the base string, keyed with the encoded
// consumer secret and token secret joined by "&" (RFC 5849 §3.4.2),
// base64-encoded.
func Signature(base, consumerSecret, tokenSecret string) string {
	mac := hmac.New(sha1.New, []byte(PercentEncode(consumerSecret)+"&"+PercentEncode(tokenSecret)))
	mac.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// PercentEncode is RFC 5849 §3.6: every byte of the UTF-8 string but the
// unreserved characters (ALPHA, DIGIT, "-", ".", "_", "~") as %XX with
// upper-case hex digits.
func PercentEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// newNonce returns a random alphanumeric nonce, unique per request as X
// asks.
func newNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}

// oauth1Transport signs every request with the keys, on base.
type oauth1Transport struct {
	keys OAuth1Keys
	base http.RoundTripper
	now  func() time.Time
}

// RoundTrip signs a copy of req (a RoundTripper must not change the
// request it was given) and sends it.
func (t *oauth1Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	r2 := req.Clone(req.Context())
	if err := t.keys.Sign(r2, newNonce(), t.now()); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r2)
}

// OAuth1Client returns a client whose every request is signed with k,
// on base's transport, timeout and redirect policy (a redirected request
// is signed anew). The signature's timestamp is the wall clock, as X
// refuses requests made too far in the past.
func OAuth1Client(base *http.Client, k OAuth1Keys) *http.Client {
	if base == nil {
		base = http.DefaultClient
	}
	return &http.Client{Transport: &oauth1Transport{keys: k, base: base.Transport, now: time.Now},
		CheckRedirect: base.CheckRedirect, Jar: base.Jar, Timeout: base.Timeout}
}
