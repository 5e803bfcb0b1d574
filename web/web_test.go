package web_test

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path/filepath"
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
		{"GET", "/assets/app.js", 200, "text/javascript", "hashchange"},
		{"GET", "/assets/api.js", 200, "text/javascript", "sessionStorage"},
		{"GET", "/assets/charts.js", 200, "text/javascript", "polyline"},
		{"GET", "/assets/style.css", 200, "text/css", ".badge"},
		{"GET", "/assets/vendor/preact-11.2.0/preact.js", 200, "text/javascript", "Component"},
		{"GET", "/assets/vendor/htm-3.1.1/htm.js", 200, "text/javascript", "export"},
		{"GET", "/assets/vendor/preact-11.2.0/LICENSE", 200, "", "MIT"},
		{"GET", "/assets/vendor/", 404, "", ""},
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

// TestSelfContained checks that no served file loads anything from
// another origin (no CDN, no external font or import) and that none
// renders markup from strings or runs inline script.
func TestSelfContained(t *testing.T) {
	t.Parallel()
	h := web.Handler()
	external := regexp.MustCompile(`(src|href|url)\s*[=(]\s*["']?(https?:)?//|\bimport\b[^;]*["'](https?:)?//`)
	paths := []string{"/"}
	// Every file, the vendored libraries' too (static/assets/vendor).
	err := filepath.WalkDir("static/assets", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			paths = append(paths, "/"+filepath.ToSlash(strings.TrimPrefix(p, "static/")))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 6 {
		t.Fatalf("only %d files served: %v", len(paths), paths)
	}
	for _, p := range paths {
		res, body := get(t, h, "GET", p)
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", p, res.StatusCode)
		}
		if external.MatchString(body) || strings.Contains(body, "@import") {
			t.Errorf("%s loads from another origin", p)
		}
		for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "dangerouslySetInnerHTML"} {
			// Preact implements its dangerouslySetInnerHTML prop with
			// innerHTML; our own files may use neither.
			if strings.HasPrefix(p, "/assets/vendor/") && (bad == "innerHTML" || bad == "dangerouslySetInnerHTML") {
				continue
			}
			if strings.Contains(body, bad) {
				t.Errorf("%s uses %s", p, bad)
			}
		}
		if p == "/" && regexp.MustCompile(`<script(\s+type="module")?>|\son[a-z]+=|style=`).MatchString(body) {
			t.Errorf("/ has inline script, handlers or styles (the CSP forbids them)")
		}
	}
}
