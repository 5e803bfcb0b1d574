package media_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme/media"
)

// FuzzSniff: any bytes give a bare media type (no parameters), decided by
// the first 512 bytes only, the same every time.
func FuzzSniff(f *testing.F) {
	for _, seed := range [][]byte{
		nil, {}, png,
		[]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
		[]byte("GIF89a\x01\x00\x01\x00"),
		[]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00"),
		[]byte("\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00"),
		[]byte("\x00\x00\x00\x0bftyp"), // too short for the ftyp check
		[]byte("RIFF\x24\x00\x00\x00WEBPVP8 "),
		[]byte("<html><body>hi</body></html>"),
		[]byte("hello, world"),
		[]byte("\xef\xbb\xbfBOM text"),
		bytes.Repeat([]byte{0}, 600),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ct := media.Sniff(b)
		if ct == "" || strings.ContainsAny(ct, "; ") {
			t.Fatalf("Sniff(%q) = %q: want a bare media type", b, ct)
		}
		if _, params, err := mime.ParseMediaType(ct); err != nil || len(params) != 0 {
			t.Fatalf("Sniff(%q) = %q: not a media type: %v", b, ct, err)
		}
		if again := media.Sniff(bytes.Clone(b)); again != ct {
			t.Fatalf("Sniff is not deterministic: %q then %q", ct, again)
		}
		if len(b) > 512 {
			if head := media.Sniff(b[:512]); head != ct {
				t.Fatalf("Sniff reads past 512 bytes: %q on the head, %q on the whole", head, ct)
			}
		}
	})
}

// FuzzSignedURL: the exp and sig of a media URL come from the query
// string. Verify never panics, accepts only the HMAC of the id and the
// expiry it names, and a URL made by URL verifies until it expires.
func FuzzSignedURL(f *testing.F) {
	key := []byte("0123456789abcdef0123456789abcdef")
	now := time.Unix(1_800_000_000, 0)
	f.Add("med_01hzx7q2m4", "1800000600", "00", int64(600))
	f.Add("med_01hzx7q2m4", "+1800000600", strings.Repeat("a", 64), int64(-1))
	f.Add("a/b?c#d%zz", "-1", "", int64(0))
	f.Add("", "99999999999999999999", "zz", int64(1<<62))
	f.Add("med_x", "1800000600\x00", "\xff", int64(60))
	f.Fuzz(func(t *testing.T, id, exp, sig string, ttl int64) {
		s := media.NewSigner(key, []byte("old key"))
		if s.Verify(id, exp, sig, now) {
			e, err := strconv.ParseInt(exp, 10, 64)
			if err != nil || e < now.Unix() {
				t.Fatalf("Verify(%q, %q, %q) accepted an unreadable or past expiry", id, exp, sig)
			}
			if sig != macOf(key, id, e) && sig != macOf([]byte("old key"), id, e) {
				t.Fatalf("Verify(%q, %q, %q) accepted a signature of neither key", id, exp, sig)
			}
		}
		ttl %= 1 << 33 // seconds, about 270 years either way
		at := time.Unix(now.Unix()+ttl, 0)
		raw := s.URL("https://rythme.test/", id, at)
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("URL(%q) = %q does not parse: %v", id, raw, err)
		}
		if got := strings.TrimPrefix(u.Path, "/media/"); got != id {
			t.Fatalf("URL(%q) = %q carries the id %q", id, raw, got)
		}
		q := u.Query()
		if ok := s.Verify(id, q.Get("exp"), q.Get("sig"), now); ok != (ttl >= 0) {
			t.Fatalf("URL(%q, ttl %ds) = %q: Verify says %v", id, ttl, raw, ok)
		}
	})
}

func macOf(key []byte, id string, exp int64) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + strconv.FormatInt(exp, 10)))
	return hex.EncodeToString(m.Sum(nil))
}
