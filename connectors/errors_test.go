package connectors_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		header map[string]string
		want   time.Duration
	}{
		{"seconds", map[string]string{"Retry-After": "7"}, 7 * time.Second},
		{"http date", map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, 90 * time.Second},
		{"x epoch", map[string]string{"X-Rate-Limit-Reset": "1763726460"}, time.Unix(1763726460, 0).Sub(now)},
		{"mastodon iso", map[string]string{"X-Ratelimit-Reset": now.Add(3 * time.Minute).Format(time.RFC3339Nano)}, 3 * time.Minute},
		{"retry-after wins", map[string]string{"Retry-After": "2", "X-Ratelimit-Reset": now.Add(time.Minute).Format(time.RFC3339)}, 2 * time.Second},
		{"past", map[string]string{"X-Ratelimit-Reset": now.Add(-time.Minute).Format(time.RFC3339)}, 0},
		{"capped", map[string]string{"Retry-After": "86400"}, time.Hour},
		{"huge", map[string]string{"Retry-After": "1e30"}, time.Hour},
		{"infinite", map[string]string{"Retry-After": "+Inf"}, time.Hour},
		{"nan", map[string]string{"Retry-After": "NaN"}, 0},
		{"garbage", map[string]string{"Retry-After": "soon"}, 0},
		{"none", nil, 0},
	}
	for _, c := range cases {
		h := http.Header{}
		for k, v := range c.header {
			h.Set(k, v)
		}
		want := c.want
		if want < 0 {
			want = 0
		} else if want > time.Hour {
			want = time.Hour
		}
		if got := connectors.RetryAfter(h, now); got != want {
			t.Errorf("%s: RetryAfter = %s, want %s", c.name, got, want)
		}
	}
}

func TestFromResponseKinds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status int
		header map[string]string
		body   string
		kind   connectors.Kind
		msg    string
	}{
		{429, map[string]string{"Retry-After": "7"}, `{"error":"Too many requests"}`, connectors.RateLimited, "Too many requests"},
		{401, nil, `{"error":"The access token is invalid"}`, connectors.Auth, "The access token is invalid"},
		{422, nil, `{"error":"Validation failed: Text can't be blank"}`, connectors.Permanent, "Text can't be blank"},
		{403, nil, `{"error":"This action is not allowed"}`, connectors.Permanent, "not allowed"},
		{500, nil, `oops`, connectors.Retryable, "oops"},
		{503, map[string]string{"Retry-After": "30"}, ``, connectors.Retryable, "Service Unavailable"},
		{408, nil, ``, connectors.Retryable, "Request Timeout"},
	}
	extract := func(b []byte) string {
		if i := strings.Index(string(b), `"error":"`); i >= 0 {
			s := string(b)[i+9:]
			return s[:strings.Index(s, `"`)]
		}
		return ""
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		for k, v := range c.header {
			rec.Header().Set(k, v)
		}
		rec.WriteHeader(c.status)
		io.WriteString(rec, c.body)
		e := connectors.FromResponse(rec.Result(), extract)
		if e.Kind != c.kind || e.Status != c.status || !strings.Contains(e.Message, c.msg) {
			t.Errorf("%d: got %v (%q), want kind %v with %q", c.status, e.Kind, e.Message, c.kind, c.msg)
		}
		if c.status == 429 && e.RetryAfter != 7*time.Second {
			t.Errorf("429: RetryAfter = %s", e.RetryAfter)
		}
		if c.status == 503 && e.RetryAfter != 30*time.Second {
			t.Errorf("503: RetryAfter = %s", e.RetryAfter)
		}
	}
	// A long body is cut, so that an HTML error page does not become the
	// message shown to a person.
	rec := httptest.NewRecorder()
	rec.WriteHeader(400)
	io.WriteString(rec, strings.Repeat("x", 5000))
	if e := connectors.FromResponse(rec.Result(), nil); len(e.Message) > 400 {
		t.Errorf("message of %d bytes", len(e.Message))
	}
}

func TestDoClassifiesTransportFailures(t *testing.T) {
	t.Parallel()
	// Connection refused: the request never left.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/statuses", strings.NewReader("status=hi"))
	_, err := connectors.Do(http.DefaultClient, req)
	if k := connectors.KindOf(err); k != connectors.Retryable {
		t.Fatalf("refused connection: kind %v (%v), want retryable", k, err)
	}

	// The server reads the request, acts, and never answers: unknown.
	release := make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer once.Do(func() { close(release) })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, strings.NewReader("status=hi"))
	_, err = connectors.Do(http.DefaultClient, req)
	if k := connectors.KindOf(err); k != connectors.Unknown {
		t.Fatalf("timeout after sending: kind %v (%v), want unknown outcome", k, err)
	}

	// An *Error from the token source keeps its kind.
	client := &http.Client{Transport: &oauth2.Transport{Source: failingSource{}, Base: http.DefaultTransport}}
	req, _ = http.NewRequest(http.MethodGet, srv.URL, nil)
	_, err = connectors.Do(client, req)
	if k := connectors.KindOf(err); k != connectors.Auth {
		t.Fatalf("token source refusal: kind %v (%v), want auth", k, err)
	}
}

type failingSource struct{}

func (failingSource) Token() (*oauth2.Token, error) {
	return nil, &connectors.Error{Kind: connectors.Auth, Message: "refresh refused"}
}

func TestTokenSourceRefreshesSavesAndRotates(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	grants := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		mu.Lock()
		grants++
		n := grants
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Form.Get("refresh_token") == "revoked" {
			w.WriteHeader(400)
			io.WriteString(w, `{"error":"invalid_grant"}`)
			return
		}
		io.WriteString(w, `{"access_token":"at-`+string(rune('0'+n))+`","refresh_token":"rt-`+string(rune('0'+n))+`","token_type":"bearer","expires_in":7200}`)
	}))
	defer ts.Close()
	cfg := &oauth2.Config{ClientID: "c", ClientSecret: "s", Endpoint: oauth2.Endpoint{TokenURL: ts.URL}}

	var saved []rythme.Token
	save := func(_ context.Context, tok rythme.Token) error { saved = append(saved, tok); return nil }
	expired := rythme.Token{AccessToken: "old", RefreshToken: "rt-0", Expiry: time.Now().Add(-time.Minute)}
	src := connectors.NewTokenSource(context.Background(), cfg, expired, save)
	tok, err := src.Token()
	if err != nil || tok.AccessToken != "at-1" {
		t.Fatalf("Token() = %v, %v; want a refreshed token", tok, err)
	}
	if len(saved) != 1 || saved[0].RefreshToken != "rt-1" {
		t.Fatalf("saved %+v; want the rotated refresh token saved", saved)
	}
	// Valid now: no new grant.
	if tok, _ := src.Token(); tok.AccessToken != "at-1" || grants != 1 {
		t.Fatalf("a valid token was refreshed again (%d grants)", grants)
	}
	// A 401 invalidates it: the next call refreshes once more.
	if !src.Invalidate() {
		t.Fatal("Invalidate says no refresh is possible with a refresh token")
	}
	if tok, _ := src.Token(); tok.AccessToken != "at-2" || len(saved) != 2 {
		t.Fatalf("after Invalidate: %v, %d saves", tok, len(saved))
	}

	// A refused refresh is Auth.
	bad := connectors.NewTokenSource(context.Background(), cfg, rythme.Token{AccessToken: "x", RefreshToken: "revoked", Expiry: time.Now().Add(-time.Minute)}, save)
	if _, err := bad.Token(); connectors.KindOf(err) != connectors.Auth {
		t.Fatalf("refused refresh: %v, want auth", err)
	}
	// No refresh token and refused: Auth, no call.
	none := connectors.NewTokenSource(context.Background(), cfg, rythme.Token{AccessToken: "x"}, save)
	if tok, err := none.Token(); err != nil || tok.AccessToken != "x" {
		t.Fatalf("a non-expiring token: %v %v", tok, err)
	}
	if none.Invalidate() {
		t.Fatal("Invalidate without a refresh token says a refresh is possible")
	}
	if _, err := none.Token(); connectors.KindOf(err) != connectors.Auth {
		t.Fatalf("invalidated without refresh: %v, want auth", err)
	}
	var ce *connectors.Error
	if _, err := none.Token(); !errors.As(err, &ce) {
		t.Fatal("not a *connectors.Error")
	}
}

func TestRegistry(t *testing.T) {
	t.Parallel()
	r := connectors.NewRegistry()
	if _, err := r.Get("myspace"); rythme.ErrorCode(err) != rythme.ENOTFOUND {
		t.Fatalf("unknown network: %v", err)
	}
	if len(r.All()) != 0 {
		t.Fatal("empty registry lists connectors")
	}
}

func TestQuotaExhausted(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	h := http.Header{}
	h.Set("X-RateLimit-Remaining", "3")
	h.Set("X-RateLimit-Reset", now.Add(4*time.Minute).Format(time.RFC3339))
	if got := connectors.QuotaExhausted(h, now); !got.IsZero() {
		t.Fatalf("quota left: %s, want zero", got)
	}
	h.Set("X-RateLimit-Remaining", "0")
	if got := connectors.QuotaExhausted(h, now); !got.Equal(now.Add(4 * time.Minute)) {
		t.Fatalf("quota used up: %s, want the reset time", got)
	}
	bsky := http.Header{}
	bsky.Set("RateLimit-Remaining", "0")
	bsky.Set("RateLimit-Reset", strconv.FormatInt(now.Add(90*time.Second).Unix(), 10))
	if got := connectors.QuotaExhausted(bsky, now); !got.Equal(now.Add(90 * time.Second)) {
		t.Fatalf("RateLimit-Reset: %s", got)
	}
}

func TestKindOfNilIsNoKind(t *testing.T) {
	t.Parallel()
	// A nil error is not a retryable one: code that asks "retryable?" about
	// a success must not take it for a failure.
	if k := connectors.KindOf(nil); k == connectors.Retryable || k != 0 {
		t.Fatalf("KindOf(nil) = %v, want no kind", k)
	}
}

// A POST carrying an Idempotency-Key whose reused connection is cut after
// the server read it is not replayed by Go's transport: the server may
// have acted (and may ignore keys, as GoToSocial does), so the caller gets
// Unknown and decides.
func TestNewHTTPClientDoesNotReplayAPostTheServerMayHaveActedOn(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	posts := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusOK)
			return
		}
		_, _ = io.ReadAll(r.Body)
		mu.Lock()
		posts++
		mu.Unlock()
		panic(http.ErrAbortHandler) // acted on, then the connection is cut
	}))
	defer srv.Close()
	client := connectors.NewHTTPClient()
	// Warm a keep-alive connection, so that the POST goes on a reused one.
	warm, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	resp, err := connectors.Do(client, warm)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("status=once"))
	req.Header.Set("Idempotency-Key", "k")
	_, err = connectors.Do(client, req)
	if connectors.KindOf(err) != connectors.Unknown {
		t.Errorf("got %v, want an unknown outcome", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if posts != 1 {
		t.Errorf("the server received the POST %d times, want once", posts)
	}
}
