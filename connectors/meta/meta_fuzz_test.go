package meta_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/meta"
)

// scriptServer is a network that says whatever the fuzzer wants: the
// i-th request gets the i-th part of the script (parts separated by
// "\n~~\n", the last one repeating), each part optionally opening with a
// three-digit status and a space; headers go on every answer. After
// maxScriptRequests it answers 400, so that no loop runs forever.
type scriptServer struct {
	*httptest.Server
	mu     sync.Mutex
	status int
	header http.Header
	parts  [][]byte
	n      int
	served []served
	client *http.Client
}

// served is one answer the script gave.
type served struct {
	method, path string
	status       int
	body         []byte
}

const maxScriptRequests = 40

func newScriptServer(tb testing.TB) *scriptServer {
	s := &scriptServer{parts: [][]byte{nil}}
	s.Server = httptest.NewServer(s)
	addr := s.Listener.Addr().String()
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		},
	}
	s.client = &http.Client{Timeout: 5 * time.Second, Transport: tr}
	tb.Cleanup(func() { tr.CloseIdleConnections(); s.Close() })
	return s
}

// pinned returns a client that sends every request to the script server,
// whatever host its URL names (a fuzzed answer can name any host: no
// request may leave this machine), and never resolves a name.
func (s *scriptServer) pinned() *http.Client { return s.client }

// set loads the script of one fuzz input.
func (s *scriptServer) set(status int, header string, script []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if status < 200 || status > 599 {
		status = 200 + int(uint(status)%400)
	}
	s.status = status
	s.header = http.Header{}
	for _, line := range strings.Split(header, "\n") {
		name, value, ok := strings.Cut(line, ":")
		if ok && name != "" && strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == "" {
			s.header.Add(name, strings.TrimSpace(value))
		}
	}
	s.parts = bytes.Split(script, []byte("\n~~\n"))
	s.n, s.served = 0, nil
}

func (s *scriptServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	s.mu.Lock()
	part, status, n := s.parts[min(s.n, len(s.parts)-1)], s.status, s.n
	s.n++
	w.Header().Set("Content-Type", "application/json; charset=utf-8") // unless the script says otherwise
	for k, v := range s.header {
		w.Header()[k] = v
	}
	if n >= maxScriptRequests {
		status, part = http.StatusBadRequest, nil
	} else if len(part) >= 4 && part[3] == ' ' {
		if code, err := strconv.Atoi(string(part[:3])); err == nil && code >= 200 {
			status, part = code, part[4:]
		}
	}
	s.served = append(s.served, served{method: r.Method, path: r.URL.Path, status: status, body: part})
	s.mu.Unlock()
	w.WriteHeader(status)
	_, _ = w.Write(part)
}

// checkErr fails unless err is nil, a connector error with a kind, or a
// domain error that is not internal.
func checkErr(t *testing.T, op string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if e, ok := connectors.AsError(err); ok {
		if e.Kind < connectors.Retryable || e.Kind > connectors.Unknown || e.Error() == "" {
			t.Fatalf("%s: error %#v has no valid kind or text", op, e)
		}
		return
	}
	if rythme.ErrorCode(err) == rythme.EINTERNAL {
		t.Fatalf("%s: %v (%T) is neither a connector error nor a domain error", op, err, err)
	}
}

// fuzzCtx bounds one fuzz input's calls and gives oauth2 the pinned
// client.
func fuzzCtx(t *testing.T, srv *scriptServer) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return context.WithValue(ctx, oauth2.HTTPClient, srv.pinned())
}

// FuzzMeta: the Graph API helpers that Facebook, Instagram and Threads
// share read every answer of those networks. Whatever the status,
// headers (X-App-Usage, X-Business-Use-Case-Usage) and body, errors are
// classified with a bounded wait, token answers decode, container waits
// and quota reads end, and nothing panics.
func FuzzMeta(f *testing.F) {
	const sep = "\n~~\n"
	usage := `X-App-Usage: {"call_count":100,"total_cputime":5,"total_time":5}`
	f.Add(400, "", []byte(`{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"A"}}`))
	f.Add(400, usage, []byte(`{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","code":4,"is_transient":true}}`))
	f.Add(403, `X-Business-Use-Case-Usage: {"123":[{"type":"instagram","call_count":100,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":1e300}]}`,
		[]byte(`{"error":{"message":"rate","code":80002}}`))
	f.Add(400, "", []byte(`{"error_type":"OAuthException","code":400,"error_message":"Matching code was not found or was already used"}`))
	f.Add(400, "", []byte(`{"error":"invalid_grant","error_description":"bad code"}`))
	f.Add(200, "", []byte(`{"access_token":"EAAB","token_type":"bearer","expires_in":"5183944","user_id":17841400000000000,"permissions":["a","b"]}`))
	f.Add(200, "", []byte(`{"data":[{"access_token":"IGQV","user_id":"1","expires_in":9223372036854775807}]}`))
	f.Add(200, "", []byte(`{"status_code":"IN_PROGRESS"}`+sep+`{"status":"IN_PROGRESS"}`+sep+`{"status_code":"FINISHED"}`))
	f.Add(200, "", []byte(`{"status_code":"ERROR","status":"Error: 2207026","error_message":"unsupported video"}`))
	f.Add(200, "", []byte(`{"data":[{"quota_usage":25,"config":{"quota_total":25,"quota_duration":86400}}]}`+sep+
		`{"data":[{"timestamp":"2027-01-15T08:00:00+0000"},{"timestamp":"garbage"}]}`))
	f.Add(200, "", []byte(`{"data":[{"config":{"quota_total":1,"quota_duration":9223372036}}]}`+sep+`{"data":[{"timestamp":"2027-01-15T08:00:00+0000"}]}`))
	f.Add(500, "Retry-After: 7", []byte(`<html>`))
	srv := newScriptServer(f)
	now := func() time.Time { return time.Date(2027, 1, 15, 9, 0, 0, 0, time.UTC) }
	f.Fuzz(func(t *testing.T, status int, header string, script []byte) {
		srv.set(status, header, script)
		body := bytes.Split(script, []byte("\n~~\n"))[0]
		if e := meta.ParseError(body); e != nil {
			_ = e.Error()
			_ = e.Text()
		}
		h := http.Header{}
		for _, line := range strings.Split(header, "\n") {
			if name, value, ok := strings.Cut(line, ":"); ok && name != "" {
				h.Add(name, strings.TrimSpace(value))
			}
		}
		if wait, throttled := meta.UsageWait(h, now()); wait < 0 || wait > 24*time.Hour || (throttled && wait == 0) {
			t.Fatalf("UsageWait(%q) = %v, %v", header, wait, throttled)
		}
		code := 200 + int(uint(status)%400)
		e := meta.FromResponse(&http.Response{StatusCode: code, Header: h, Body: io.NopCloser(bytes.NewReader(body))}, now())
		checkErr(t, "FromResponse", e)
		if e.RetryAfter < 0 || e.RetryAfter > 24*time.Hour {
			t.Fatalf("FromResponse(%d, %q, %q) waits %v", code, header, body, e.RetryAfter)
		}
		var tr meta.TokenResponse
		if json.Unmarshal(body, &tr) == nil {
			if tok := tr.Token(now()); tok == nil || tok.TokenType != "Bearer" {
				t.Fatalf("Token of %q = %+v", body, tok)
			}
		}
		_ = meta.InsightValues(nil)

		ctx := fuzzCtx(t, srv)
		var out map[string]any
		checkErr(t, "Get", meta.Get(ctx, srv.pinned(), srv.URL+"/v21.0/me", url.Values{"fields": {"id"}}, now, &out))
		srv.set(status, header, script)
		if _, err := meta.TokenCall(ctx, srv.pinned(), srv.URL+"/oauth/access_token", url.Values{"code": {"c"}}, true, now()); err != nil {
			checkErr(t, "TokenCall", err)
		}
		srv.set(status, header, script)
		w := meta.Waiter{Client: srv.pinned(), Now: now, MaxWait: time.Hour, Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }}
		checkErr(t, "Wait", w.Wait(ctx, srv.URL+"/v21.0/178", "status_code,status"))
		srv.set(status, header, script)
		if d := meta.QuotaWait(ctx, srv.pinned(), srv.URL+"/v21.0/1/content_publishing_limit", srv.URL+"/v21.0/1/media", 25, now); d <= 0 {
			t.Fatalf("QuotaWait = %v", d)
		}
	})
}
