package fakenet_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/rythmehq/rythme/fakenet"
)

// A test starts fakenet on loopback, points a Mastodon client at
// MastodonURL, and reads back what it received.
func ExampleServer() {
	srv := fakenet.New(fakenet.Config{Seed: 1})
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	defer srv.Close()

	base := srv.MastodonURL(hs.URL) // http://127.0.0.1:port/mastodon
	resp, _ := http.PostForm(base+"/api/v1/apps", url.Values{"client_name": {"example"}, "redirect_uris": {"urn:ietf:wg:oauth:2.0:oob"}})
	resp.Body.Close()
	fmt.Println("register app:", resp.StatusCode)

	_ = srv.InjectFault(fakenet.Fault{Network: "mastodon", Match: "instance", Kind: fakenet.FaultStatus, Status: 503, Count: 1})
	resp, _ = http.Get(base + "/api/v2/instance")
	resp.Body.Close()
	fmt.Println("instance, faulted:", resp.StatusCode)
	resp, _ = http.Get(base + "/api/v2/instance")
	resp.Body.Close()
	fmt.Println("instance, then:", resp.StatusCode, strings.HasPrefix(resp.Header.Get("X-RateLimit-Limit"), "3"))
	fmt.Println("posts recorded:", len(srv.Posts()))
	// Output:
	// register app: 200
	// instance, faulted: 503
	// instance, then: 200 true
	// posts recorded: 0
}
