package connectors_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/netguard"
)

// TestEveryRequestSaysWhoItIs: the base clients, the guarded client, an
// OAuth 2 token refresh (oauth2's own requests) and an authorised client
// all send User-Agent: rythme/<version> (+<public URL>); a User-Agent a
// connector sets itself (Reddit's, Discord's required forms) is kept.
func TestEveryRequestSaysWhoItIs(t *testing.T) {
	connectors.SetUserAgent("1.2.3", "https://rythme.example")
	const want = "rythme/1.2.3 (+https://rythme.example)"
	var mu sync.Mutex
	seen := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Path] = r.UserAgent()
		mu.Unlock()
		if r.URL.Path == "/token" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"new","token_type":"Bearer","expires_in":3600}`))
		}
	}))
	defer srv.Close()

	get := func(c *http.Client, path string, header ...string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if len(header) == 1 {
			req.Header.Set("User-Agent", header[0])
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		resp.Body.Close()
	}
	base := connectors.NewHTTPClient()
	get(base, "/base")
	get(base, "/own", "server:rythme:v1 (by rythme)")
	guarded := connectors.NewGuardedHTTPClient(netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	get(guarded, "/guarded")

	cfg := &oauth2.Config{ClientID: "id", ClientSecret: "s", Endpoint: oauth2.Endpoint{TokenURL: srv.URL + "/token"}}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, base)
	ts := connectors.NewTokenSource(ctx, cfg, rythme.Token{AccessToken: "old", RefreshToken: "r", Expiry: time.Unix(1, 0)}, nil)
	get(connectors.AuthorizedClient(guarded, ts), "/authorized") // refreshes first

	for path, ua := range map[string]string{"/base": want, "/own": "server:rythme:v1 (by rythme)", "/guarded": want, "/token": want, "/authorized": want} {
		if seen[path] != ua {
			t.Errorf("%s: User-Agent %q, want %q", path, seen[path], ua)
		}
	}
}
