// Package web is rythme's dashboard: a page served by rythme itself (plain
// HTML, CSS and JavaScript modules embedded in the binary; no CDN, no
// external font, no build step) that signs a member in (email and
// password; the session is an HttpOnly cookie) or takes an API token, and
// shows,
// through the public /v1 API only: the editorial calendar (month and week
// views, each target's status), the campaigns, the comparison of two
// cohorts (a table and SVG charts), the leaderboard, the best times to post
// and the connected accounts. Reports download as CSV. It also writes:
// compose and edit a post (#/compose), the approval queue (#/review), and
// rescheduling on the calendar by drag and drop or keyboard. The pages that
// write use Preact with htm, vendored unmodified from npm under
// static/assets/vendor (see its README).
//
// It serves static files only: it never reads the store, never sees a
// token on the server side (the page keeps an API token in the browser's
// sessionStorage; a session cookie is the API's business) and never loads
// anything from another origin. The page
// must never render API data as markup (no innerHTML: DOM nodes and
// textContent only) nor need inline script or style, so that the
// Content-Security-Policy set here holds.
package web

import (
	"bytes"
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// SecurityHeaders sets the headers of every page rythme serves (the
// dashboard, the OAuth callback's pages): a Content-Security-Policy that
// allows only rythme's own files and no framing, nosniff, no referrer.
func SecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

// Handler serves the page at / and its files at /assets/…; anything else
// (including directory listings) is 404.
func Handler() http.Handler {
	root, err := fs.Sub(static, "static")
	if err != nil {
		panic("web: embedded files missing: " + err.Error()) // cannot happen: go:embed checked it
	}
	index, err := fs.ReadFile(root, "index.html")
	if err != nil {
		panic("web: embedded index.html missing: " + err.Error())
	}
	files := http.FileServerFS(root)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		SecurityHeaders(h)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := path.Clean("/" + r.URL.Path)
		switch {
		case p == "/" || p == "/index.html":
			h.Set("Cache-Control", "no-cache")
			http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(index))
		case strings.HasPrefix(p, "/assets/") && !strings.HasSuffix(r.URL.Path, "/"):
			h.Set("Cache-Control", "no-cache")
			r2 := r.Clone(r.Context())
			r2.URL.Path = p
			files.ServeHTTP(w, r2)
		default:
			http.NotFound(w, r)
		}
	})
}
