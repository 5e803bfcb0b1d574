package connectors

import (
	"net/http"
	"sync/atomic"
)

// DefaultUserAgent is sent until SetUserAgent is called.
const DefaultUserAgent = "rythme/dev (+https://github.com/rythmehq/rythme)"

var userAgent atomic.Value

// SetUserAgent sets what every outbound request to a network says it is:
// "rythme/<version> (+<public URL>)", as networks ask an app to name
// itself. cmd/rythme calls it once at start with the build's version and
// RYTHME_PUBLIC_URL.
func SetUserAgent(version, publicURL string) {
	userAgent.Store("rythme/" + version + " (+" + publicURL + ")")
}

// UserAgent returns the User-Agent outbound requests carry.
func UserAgent() string {
	if ua, ok := userAgent.Load().(string); ok {
		return ua
	}
	return DefaultUserAgent
}

// WithUserAgent wraps rt so that every request without a User-Agent of its
// own gets UserAgent() (Reddit and Discord set the forms they require).
func WithUserAgent(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	if _, ok := rt.(uaTransport); ok {
		return rt
	}
	return uaTransport{rt}
}

type uaTransport struct{ base http.RoundTripper }

func (t uaTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("User-Agent") != "" {
		return t.base.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	r.Header.Set("User-Agent", UserAgent())
	return t.base.RoundTrip(r)
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// wrapped transport.
func (t uaTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
