package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/rythmehq/rythme/web"
)

func get(t *testing.T, h http.Handler, method, path string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func TestHandler(t *testing.T) {
	t.Parallel()
	h := web.Handler()
	tests := []struct {
		method, path string
		status       int
		ctype        string
		contains     string
	}{
		{"GET", "/", 200, "text/html", `<input id="token"`},
		{"GET", "/index.html", 200, "text/html", "<title>rythme</title>"},
		{"GET", "/assets/app.js", 200, "text/javascript", "sessionStorage"},
		{"GET", "/assets/style.css", 200, "text/css", ".badge"},
		{"HEAD", "/assets/app.js", 200, "text/javascript", ""},
		{"GET", "/assets/", 404, "", ""},
		{"GET", "/assets", 404, "", ""},
		{"GET", "/assets/nope.js", 404, "", ""},
		{"GET", "/assets/../web.go", 404, "", ""},
		{"GET", "/web.go", 404, "", ""},
		{"POST", "/", 405, "", ""},
	}
	for _, tt := range tests {
		res, body := get(t, h, tt.method, tt.path)
		if res.StatusCode != tt.status {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, res.StatusCode, tt.status)
			continue
		}
		if tt.ctype != "" && !strings.HasPrefix(res.Header.Get("Content-Type"), tt.ctype) {
			t.Errorf("%s %s: content type %q, want %q", tt.method, tt.path, res.Header.Get("Content-Type"), tt.ctype)
		}
		if !strings.Contains(body, tt.contains) {
			t.Errorf("%s %s: body lacks %q", tt.method, tt.path, tt.contains)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("%s %s: CSP %q", tt.method, tt.path, csp)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s: no nosniff", tt.method, tt.path)
		}
	}
}

// TestSelfContained checks that the page loads nothing from another
// origin (no CDN) and never renders with innerHTML.
func TestSelfContained(t *testing.T) {
	t.Parallel()
	h := web.Handler()
	external := regexp.MustCompile(`(src|href)\s*=\s*["']?(https?:)?//`)
	for _, p := range []string{"/", "/assets/app.js", "/assets/style.css"} {
		_, body := get(t, h, "GET", p)
		if external.MatchString(body) || strings.Contains(body, "@import") {
			t.Errorf("%s loads from another origin", p)
		}
		if strings.Contains(body, "innerHTML") || strings.Contains(body, "document.write") {
			t.Errorf("%s renders markup from strings", p)
		}
	}
}
