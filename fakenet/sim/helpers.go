package sim

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net"
	"net/http"
	"strings"
)

// BearerToken is the bearer token of the Authorization header, and
// whether that header is set at all.
func BearerToken(r *http.Request) (string, bool) {
	a := r.Header.Get("Authorization")
	if len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:]), true
	}
	return "", a != ""
}

// ClientIP is the address the request came from, without its port.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Params reads form (urlencoded or multipart) or JSON parameters; arrays
// keep their "name[]" form, objects their JSON.
func Params(r *http.Request) (map[string][]string, error) {
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
			case map[string]any:
				b, _ := json.Marshal(v) // an object (Discord's poll) stays JSON
				out[k] = []string{string(b)}
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

// First is the first value of p[k], or "".
func First(p map[string][]string, k string) string {
	if v := p[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// RandomToken is 32 random bytes, base64url-encoded.
func RandomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// PKCEMatches checks an RFC 7636 verifier against an S256 challenge.
func PKCEMatches(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}
