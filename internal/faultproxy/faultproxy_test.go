package faultproxy_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rythmehq/rythme/internal/faultproxy"
)

// upstream counts the POSTs it acted on, and signals the first on acted.
func upstream(t *testing.T) (*httptest.Server, *atomic.Int64, chan struct{}) {
	var created atomic.Int64
	acted := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			created.Add(1)
			select {
			case acted <- struct{}{}:
			default:
			}
		}
		io.WriteString(w, `{"id":"1"}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &created, acted
}

func proxy(t *testing.T, up *httptest.Server, rules ...faultproxy.Rule) (*faultproxy.Proxy, string) {
	u, _ := url.Parse(up.URL)
	p := faultproxy.New(u)
	for _, r := range rules {
		p.Add(r)
	}
	srv := httptest.NewServer(p)
	t.Cleanup(func() { p.Close(); srv.Close() })
	return p, srv.URL
}

func post(c *http.Client, u string) (*http.Response, error) {
	return c.Post(u+"/api/v1/statuses?x=1", "application/x-www-form-urlencoded", strings.NewReader("status=hi"))
}

func TestStatusIsAnsweredWithoutForwarding(t *testing.T) {
	up, created, _ := upstream(t)
	p, u := proxy(t, up, faultproxy.Rule{Method: "POST", Path: "/api/v1/statuses", N: 2, Kind: faultproxy.Status, Status: 429, RetryAfter: 3})
	var codes []int
	for range 3 {
		resp, err := post(http.DefaultClient, u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
		if resp.StatusCode == 429 && resp.Header.Get("Retry-After") != "3" {
			t.Errorf("Retry-After = %q, want 3", resp.Header.Get("Retry-After"))
		}
	}
	if codes[0] != 200 || codes[1] != 429 || codes[2] != 200 {
		t.Fatalf("statuses %v, want the 2nd request alone broken", codes)
	}
	if created.Load() != 2 {
		t.Errorf("upstream acted on %d requests, want 2 (the broken one is not forwarded)", created.Load())
	}
	if p.Count("POST", "/api/v1/statuses") != 3 || len(p.Broken()) != 1 {
		t.Errorf("count %d, broken %v", p.Count("POST", "/api/v1/statuses"), p.Broken())
	}
	// Another path or method is not counted with it.
	resp, err := http.Get(u + "/api/v1/statuses")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET: %v %v", resp, err)
	}
	resp.Body.Close()
	p.Reset()
	if p.Count("POST", "/api/v1/statuses") != 0 || len(p.Broken()) != 0 {
		t.Error("Reset kept counters")
	}
}

func TestAfterSentFaultsReachTheServerButNotTheClient(t *testing.T) {
	for _, kind := range []faultproxy.Kind{faultproxy.ResetAfterSent, faultproxy.TimeoutAfterSent} {
		t.Run(kind.String(), func(t *testing.T) {
			up, created, acted := upstream(t)
			_, u := proxy(t, up, faultproxy.Rule{Method: "POST", Path: "/api/v1/statuses", N: 1, Kind: kind})
			c := &http.Client{Timeout: 300 * time.Millisecond}
			resp, err := post(c, u)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("the client got an answer (%d), want none", resp.StatusCode)
			}
			var ne interface{ Timeout() bool }
			timedOut := errors.As(err, &ne) && ne.Timeout()
			if timedOut != (kind == faultproxy.TimeoutAfterSent) {
				t.Errorf("error %v: timeout = %v", err, timedOut)
			}
			select {
			case <-acted:
			case <-time.After(10 * time.Second):
				t.Fatal("the request never reached the server")
			}
			if created.Load() != 1 {
				t.Errorf("upstream acted on %d requests, want 1", created.Load())
			}
			resp, err = post(c, u)
			if err != nil {
				t.Fatalf("the next request: %v", err)
			}
			resp.Body.Close()
		})
	}
}
