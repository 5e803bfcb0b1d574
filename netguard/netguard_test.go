package netguard_test

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
	"time"

	"github.com/rythmehq/rythme/netguard"
)

func TestPublic(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ip     string
		public bool
	}{
		{"93.184.216.34", true}, {"1.1.1.1", true}, {"2606:4700:4700::1111", true},
		{"127.0.0.1", false}, {"127.5.6.7", false}, {"::1", false}, {"0.0.0.0", false}, {"::", false},
		{"10.1.2.3", false}, {"172.16.0.1", false}, {"192.168.1.1", false}, {"fd00::1", false},
		{"169.254.169.254", false}, {"fe80::1", false}, {"100.64.0.1", false}, {"100.127.255.254", false},
		{"224.0.0.1", false}, {"ff02::1", false}, {"255.255.255.255", false}, {"240.0.0.1", false},
		{"192.0.2.1", false}, {"198.18.0.1", false}, {"2001:db8::1", false}, {"fec0::1", false},
		{"::ffff:127.0.0.1", false}, {"::ffff:169.254.169.254", false}, {"::ffff:8.8.8.8", true},
		{"::127.0.0.1", false}, {"::8.8.8.8", true},
		{"64:ff9b::a9fe:a9fe", false}, {"64:ff9b::7f00:1", false}, {"64:ff9b::808:808", true}, {"64:ff9b:1::1", false},
		{"2002:7f00:1::", false}, {"2002:a9fe:a9fe::1", false}, {"2002:808:808::1", true},
		{"2001:0:4136:e378:8000:63bf:80ff:fffe", false}, // Teredo client 127.0.0.1
	} {
		if got := netguard.Public(netip.MustParseAddr(tc.ip)); got != tc.public {
			t.Errorf("Public(%s) = %v, want %v", tc.ip, got, tc.public)
		}
	}
}

func TestParseAllow(t *testing.T) {
	t.Parallel()
	got, err := netguard.ParseAllow(" 127.0.0.0/8, ::1 ,10.0.0.5")
	if err != nil || len(got) != 3 || got[1].String() != "::1/128" || got[2].String() != "10.0.0.5/32" {
		t.Fatalf("ParseAllow = %v, %v", got, err)
	}
	if _, err := netguard.ParseAllow("127.0.0.0/8,nope"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("a bad entry: %v", err)
	}
	p := netguard.Policy{Allow: got}
	if !p.Permitted(netip.MustParseAddr("127.9.9.9")) || !p.Permitted(netip.MustParseAddr("::ffff:127.0.0.1")) || p.Permitted(netip.MustParseAddr("10.0.0.6")) {
		t.Error("Permitted does not follow Allow")
	}
}

// counter is an HTTP server that counts the requests that reach it.
func counter(t *testing.T, addr string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte("internal secret"))
	}))
	if addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Skipf("cannot listen on %s: %v", addr, err)
		}
		srv.Listener = ln
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestClientRefusesInternalAddresses(t *testing.T) {
	t.Parallel()
	srv, hits := counter(t, "")
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	client := netguard.Policy{}.Client(nil, 5*time.Second)
	for _, u := range []string{
		srv.URL + "/admin",
		"http://localhost:" + port + "/admin",
		"http://[::ffff:127.0.0.1]:" + port + "/admin",
		"http://[64:ff9b::a9fe:a9fe]:" + port + "/latest/meta-data",
		"http://169.254.169.254/latest/meta-data",
	} {
		resp, err := client.Post(u, "application/json", strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
			t.Errorf("POST %s answered %d; want a refusal", u, resp.StatusCode)
			continue
		}
		if !netguard.IsRefused(err) {
			t.Errorf("POST %s: %v; want a RefusedError", u, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d requests reached the internal server", n)
	}

	// Allowed explicitly, it is reached.
	allowed := netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}.Client(nil, 5*time.Second)
	resp, err := allowed.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if hits.Load() != 1 {
		t.Errorf("hits = %d after an allowed request, want 1", hits.Load())
	}
}

func TestClientRedirects(t *testing.T) {
	t.Parallel()
	internal, hits := counter(t, "127.0.0.1:0")
	// The "public" server lives on 127.0.0.2, which the policy allows; it
	// redirects to the internal one on 127.0.0.1, which it does not.
	var target string
	pub := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ok" {
			_, _ = w.Write([]byte("ok"))
			return
		}
		if r.URL.Path == "/local" {
			http.Redirect(w, r, "/ok", http.StatusTemporaryRedirect)
			return
		}
		http.Redirect(w, r, target, http.StatusTemporaryRedirect)
	}))
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	pub.Listener = ln
	pub.Start()
	t.Cleanup(pub.Close)
	port := internal.URL[strings.LastIndex(internal.URL, ":")+1:]
	client := netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}}.Client(nil, 5*time.Second)

	for _, to := range []string{internal.URL + "/admin", "http://localhost:" + port + "/admin"} {
		target = to
		if resp, err := client.Get(pub.URL + "/go"); err == nil {
			resp.Body.Close()
			t.Errorf("GET redirected to %s answered %d; want a refusal", to, resp.StatusCode)
		} else if !netguard.IsRefused(err) {
			t.Errorf("GET redirected to %s: %v", to, err)
		}
		// A POST is never followed: the 307 itself comes back.
		resp, err := client.Post(pub.URL+"/go", "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusTemporaryRedirect {
			t.Errorf("POST answered %d, want the 307 itself", resp.StatusCode)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d requests reached the internal server", n)
	}
	// A GET redirected within the permitted server is followed.
	resp, err := client.Get(pub.URL + "/local")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /local: %v", err)
	}
	resp.Body.Close()
}

type fakeResolver map[string][]netip.Addr

func (r fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return a, nil
	}
	return nil, errors.New("no such host")
}

func TestCheckURL(t *testing.T) {
	t.Parallel()
	r := fakeResolver{
		"hooks.example.com":  {netip.MustParseAddr("93.184.216.34")},
		"internal.corp":      {netip.MustParseAddr("10.0.0.8")},
		"sneaky.example.com": {netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("127.0.0.1")},
	}
	ctx := context.Background()
	if err := (netguard.Policy{}).CheckURL(ctx, "https://hooks.example.com/x", r); err != nil {
		t.Errorf("a public host: %v", err)
	}
	for _, u := range []string{"https://internal.corp/x", "https://sneaky.example.com/", "http://127.0.0.1:8080/", "http://[64:ff9b::a9fe:a9fe]/", "http://[::ffff:127.0.0.1]/"} {
		if err := (netguard.Policy{}).CheckURL(ctx, u, r); !netguard.IsRefused(err) {
			t.Errorf("CheckURL(%s) = %v, want a refusal", u, err)
		}
	}
	if err := (netguard.Policy{}).CheckURL(ctx, "https://nowhere.invalid/", r); err == nil || netguard.IsRefused(err) {
		t.Errorf("an unresolvable host: %v", err)
	}
	if err := netguard.AllowAll.CheckURL(ctx, "https://internal.corp/x", r); err != nil {
		t.Errorf("AllowAll: %v", err)
	}
}
