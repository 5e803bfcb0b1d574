package api_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/bluesky"
	"github.com/rythmehq/rythme/connectors/mastodon"
	"github.com/rythmehq/rythme/netguard"
)

// internalService stands for a service on rythme's own network: it counts
// what reaches it and answers a body that must never be shown to a user.
func internalService(t *testing.T, addr string, status int) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"error":"internal-admin-secret"}`))
	}))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &hits
}

func portOf(u string) string { return u[strings.LastIndex(u, ":")+1:] }

// guardedEnv is the API as cmd/rythme wires it: Mastodon and Bluesky on the
// guarded client, with policy's allowed networks.
func guardedEnv(t *testing.T, policy netguard.Policy, opts ...envOption) *env {
	client := connectors.NewGuardedHTTPClient(policy)
	return newEnv(t, storeFor(t), append([]envOption{func(c *api.Config) {
		c.Connectors = connectors.NewRegistry(mastodon.New(mastodon.WithHTTPClient(client)),
			bluesky.New(bluesky.Config{HTTPClient: client}))
		c.HTTPClient = client
	}}, opts...)...)
}

// TestConnectRefusesInternalHosts: issue 12's SSRF. An instance_url or a
// service_url that is, resolves to, embeds or redirects to a loopback or
// link-local address gets 422 and no request reaches it.
func TestConnectRefusesInternalHosts(t *testing.T) {
	t.Parallel()
	internal, hits := internalService(t, "127.0.0.1:0", http.StatusForbidden)
	port := portOf(internal.URL)
	// A server the policy allows (standing for a public one) that redirects
	// every request to the internal service.
	redirector := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, internal.URL+"/admin", http.StatusTemporaryRedirect)
	}))
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	redirector.Listener = ln
	redirector.Start()
	t.Cleanup(redirector.Close)
	e := guardedEnv(t, netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}})

	for _, u := range []string{
		internal.URL + "/admin",
		"http://localhost:" + port + "/admin",
		"http://[::ffff:127.0.0.1]:" + port,
		"https://[64:ff9b::a9fe:a9fe]:" + port,
		redirector.URL,
	} {
		res := e.as(rythme.RoleManager, "POST", "/v1/accounts/mastodon/connect", map[string]string{"instance_url": u})
		expect(t, res, http.StatusUnprocessableEntity)
		if ae := res.err(t); !ae.hasField("instance_url") || strings.Contains(string(res.Body), "internal-admin-secret") {
			t.Errorf("instance_url %s: %s", u, res.Body)
		}
		res = e.as(rythme.RoleManager, "POST", "/v1/accounts/bluesky/connect",
			map[string]string{"identifier": "alice.test", "app_password": "aaaa-bbbb-cccc-dddd", "service_url": u})
		expect(t, res, http.StatusUnprocessableEntity)
		if strings.Contains(string(res.Body), "internal-admin-secret") || strings.Contains(string(res.Body), "database") {
			t.Errorf("service_url %s: %s", u, res.Body)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("%d requests reached the internal service", n)
	}
}

// TestConnectErrorsNameTheInstance: an internal service the operator
// allowed still has its body kept from the user, and an unreachable
// instance is a 422 naming it — never "the database is unavailable".
func TestConnectErrorsNameTheInstance(t *testing.T) {
	t.Parallel()
	internal, hits := internalService(t, "127.0.0.1:0", http.StatusForbidden)
	e := guardedEnv(t, netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	res := e.as(rythme.RoleManager, "POST", "/v1/accounts/mastodon/connect", map[string]string{"instance_url": internal.URL + "/admin"})
	expect(t, res, http.StatusUnprocessableEntity)
	if body := string(res.Body); strings.Contains(body, "internal-admin-secret") || !strings.Contains(body, "refused to register rythme (HTTP 403)") {
		t.Errorf("a 403 from the instance: %s", body)
	}
	if hits.Load() != 1 {
		t.Errorf("hits = %d, want the one allowed request", hits.Load())
	}

	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := "http://" + closed.Addr().String()
	closed.Close()
	res = e.as(rythme.RoleManager, "POST", "/v1/accounts/mastodon/connect", map[string]string{"instance_url": gone})
	expect(t, res, http.StatusUnprocessableEntity)
	if ae := res.err(t); !ae.hasField("instance_url") || !strings.Contains(ae.Error.Message, "could not reach "+gone+": connection refused") {
		t.Errorf("an unreachable instance: %s", res.Body)
	}
}

type hostsResolver map[string]netip.Addr

func (r hostsResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return []netip.Addr{a}, nil
	}
	return nil, errors.New("no such host")
}

// TestWebhookURLMustBePublic: a webhook URL whose host is, or resolves to,
// a non-public address is refused at creation, unless
// AllowPrivateWebhooks.
func TestWebhookURLMustBePublic(t *testing.T) {
	t.Parallel()
	r := hostsResolver{"hooks.public.test": netip.MustParseAddr("93.184.216.34"), "metadata.internal.test": netip.MustParseAddr("169.254.169.254"),
		"localhost": netip.MustParseAddr("127.0.0.1")}
	e := newEnv(t, storeFor(t), func(c *api.Config) { c.Resolver = r })
	for _, u := range []string{"http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://[::ffff:127.0.0.1]/hook",
		"http://[64:ff9b::a9fe:a9fe]/latest", "https://metadata.internal.test/latest", "http://10.0.0.1/x", "http://[fe80::1]/x"} {
		res := e.as(rythme.RoleManager, "POST", "/v1/webhooks", map[string]any{"url": u, "events": []string{"post.published"}})
		expect(t, res, http.StatusUnprocessableEntity)
		if !res.err(t).hasField("url") {
			t.Errorf("%s: %s", u, res.Body)
		}
	}
	res := e.as(rythme.RoleManager, "POST", "/v1/webhooks", map[string]any{"url": "https://hooks.public.test/x", "events": []string{"post.published"}})
	expect(t, res, http.StatusCreated)

	dev := newEnv(t, storeFor(t), func(c *api.Config) { c.Resolver = r; c.AllowPrivateWebhooks = true })
	res = dev.as(rythme.RoleManager, "POST", "/v1/webhooks", map[string]any{"url": "http://localhost:9/hook", "events": []string{"post.published"}})
	expect(t, res, http.StatusCreated)
}
