package x_test

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rythmehq/rythme/connectors/x"
)

// FuzzWeightedLength: any text has a length X counts that is never
// negative, equals the byte count for ASCII text with no URL (every
// ASCII character weighs 1), agrees with Validate, and is never more than
// twice the characters plus a URL's weight per URL.
func FuzzWeightedLength(f *testing.F) {
	for _, s := range []string{
		"", "hello", "Hello https://example.com/a?b=c and www.example.org.", "👨‍👩‍👧‍👦🇫🇷1️⃣", "日本語のテキスト",
		"café́", "\ufeff\ufffe\uffff", strings.Repeat("a", 281), strings.Repeat("😀", 141), "#️⃣ *", "\xff\xfe",
		"http://a.co http://a.co", "t.co/x", "(https://en.wikipedia.org/wiki/Go_(language))",
	} {
		f.Add(s)
	}
	c := x.New(x.Config{})
	f.Fuzz(func(t *testing.T, text string) {
		p := x.Parse(text)
		n := p.WeightedLength
		if n < 0 || n != x.WeightedLength(text) {
			t.Fatalf("WeightedLength(%q) = %d (Parse says %d)", text, x.WeightedLength(text), n)
		}
		if p.Valid != (!p.InvalidCharacters && n > 0 && n <= x.MaxWeightedLength) || p.Permillage != n*1000/x.MaxWeightedLength {
			t.Fatalf("Parse(%q) = %+v is not self-consistent", text, p)
		}
		ascii := true
		for i := 0; i < len(text); i++ {
			ascii = ascii && text[i] < utf8.RuneSelf
		}
		if ascii && !strings.ContainsAny(text, ".:/") && n != len(text) {
			t.Fatalf("WeightedLength(%q) = %d, want %d for ASCII without URLs", text, n, len(text))
		}
		urls := len(x.ExtractURLs(text))
		if max := 2*utf8.RuneCountInString(text) + x.URLWeight*urls; n > max {
			t.Fatalf("WeightedLength(%q) = %d, over %d", text, n, max)
		}
		msgs := c.Validate(text)
		if strings.TrimSpace(text) != "" && (len(msgs) == 0) != (n <= x.MaxWeightedLength && !p.InvalidCharacters) {
			t.Fatalf("Validate(%q) = %q for %+v", text, msgs, p)
		}
	})
}

// FuzzOAuth1: X's OAuth 1.0a signing on any method, URL, form body and
// keys: the Authorization header parses back (names and values
// percent-encoded, quoted, comma-separated), its signature is the one
// the RFC 5849 base string gives, and the form body is still there to
// send. PercentEncode round-trips and leaves only unreserved characters.
func FuzzOAuth1(f *testing.F) {
	f.Add("POST", "/2/tweets?a=1&a=2&b=%20x", "status=Hello%20Ladies%20%2B%20Gentlemen%2C%20a%20signed%20OAuth%20request%21&include_entities=true",
		"xvz1evFS4wEEPTGEFPHBog", "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw", "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE", "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", int64(1318622958))
	f.Add("GET", "/2/users/me?user.fields=created_at", "", "k", "s", "t", "ts", "n", int64(0))
	f.Add("post", "/a b/%zz?=&&=x", "a=%zz&=", "k=", "s&", "t\"", "t,s", "", int64(-1))
	f.Add("PUT", "/", "\xff\x00=\xfe", "ключ", "секрет", "🔑", "☃", "nonce nonce", int64(1<<40))
	f.Fuzz(func(t *testing.T, method, target, form, ck, cs, at, ats, nonce string, unix int64) {
		for _, s := range []string{ck, cs, at, ats} {
			if !utf8.ValidString(s) {
				return
			}
		}
		enc := x.PercentEncode(ck + cs)
		if dec, err := url.PathUnescape(enc); err != nil || dec != ck+cs || strings.Trim(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%") != "" {
			t.Fatalf("PercentEncode(%q) = %q", ck+cs, enc)
		}
		req, err := http.NewRequest(method, "https://api.x.com"+target, strings.NewReader(form))
		if err != nil || !strings.HasPrefix(target, "/") {
			return
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		keys := x.OAuth1Keys{ConsumerKey: ck, ConsumerSecret: cs, AccessToken: at, AccessTokenSecret: ats}
		if err := keys.Sign(req, nonce, time.Unix(unix, 0)); err != nil {
			return
		}
		auth, ok := strings.CutPrefix(req.Header.Get("Authorization"), "OAuth ")
		if !ok {
			t.Fatalf("Authorization %q is not OAuth", req.Header.Get("Authorization"))
		}
		got := map[string]string{}
		for _, part := range strings.Split(auth, ", ") {
			name, quoted, ok := strings.Cut(part, "=")
			v, err := strconv.Unquote(quoted)
			dn, err2 := url.PathUnescape(name)
			dv, err3 := url.PathUnescape(v)
			if !ok || err != nil || err2 != nil || err3 != nil {
				t.Fatalf("Authorization %q: part %q does not parse", auth, part)
			}
			got[dn] = dv
		}
		if got["oauth_consumer_key"] != ck || got["oauth_token"] != at || got["oauth_nonce"] != nonce ||
			got["oauth_timestamp"] != strconv.FormatInt(unix, 10) || got["oauth_signature_method"] != "HMAC-SHA1" {
			t.Fatalf("Authorization %q does not carry the keys", auth)
		}
		params := req.URL.Query()
		body, _ := io.ReadAll(req.Body)
		if string(body) != form {
			t.Fatalf("the body is %q after signing, was %q", body, form)
		}
		if fv, err := url.ParseQuery(form); err == nil {
			for k, vs := range fv {
				params[k] = append(params[k], vs...)
			}
		}
		for k, v := range got {
			if k != "oauth_signature" {
				params[k] = append(params[k], v)
			}
		}
		// req.Method, not method: net/http reads "" as GET, and so must the signer.
		if want := x.Signature(x.SignatureBaseString(req.Method, req.URL, params), cs, ats); got["oauth_signature"] != want {
			t.Fatalf("signature %q, the base string gives %q", got["oauth_signature"], want)
		}
		if _, err := x.DecodeKeys(ck); err != nil && len(ck) > 3 && strings.Contains(err.Error(), ck) {
			t.Fatalf("DecodeKeys quotes its input: %v", err)
		}
	})
}
