package x_test

import (
	"bytes"
	"context"
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
	"github.com/rythmehq/rythme/connectors/x"
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

// answers returns what the script answered to requests whose path ends
// with suffix.
func (s *scriptServer) answers(suffix string) []served {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []served
	for _, a := range s.served {
		if strings.HasSuffix(a.path, suffix) {
			out = append(out, a)
		}
	}
	return out
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

// FuzzX: whatever X answers to identify (OAuth 2 and OAuth 1.0a), the
// token exchange, a media upload with its processing status, a thread of
// posts and metrics, the connector returns a classified error or a
// usable result and never panics; a post X answered 2xx to is never
// reported as worth retrying (X has no idempotency key).
func FuzzX(f *testing.F) {
	const sep = "\n~~\n"
	f.Add(200, "", []byte(`{"data":{"id":"2244994945","name":"X Dev","username":"XDevelopers"}}`+sep+
		`{"token_type":"bearer","expires_in":7200,"access_token":"at","scope":"tweet.write","refresh_token":"rt"}`))
	f.Add(200, "", []byte(`{"media_id_string":"710511363345354753","expires_after_secs":86400}`+sep+`{"media_id_string":"710511363345354753","processing_info":{"state":"pending","check_after_secs":1}}`+sep+
		`{"processing_info":{"state":"succeeded"}}`+sep+`201 {"data":{"id":"1445880548472328192","text":"x"}}`+sep+`{"data":{"id":"2"}}`))
	f.Add(403, "", []byte(`{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}`))
	f.Add(429, "x-rate-limit-reset: 1800000900\nx-user-limit-24hour-remaining: 0\nx-user-limit-24hour-reset: 1800050000", []byte(`{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`))
	f.Add(400, "", []byte(`{"errors":[{"message":"m1"},{"detail":"d"},{"title":"t"}],"error":"invalid_request","error_description":"Value passed for the authorization code was invalid."}`))
	f.Add(200, "", []byte(`{"data":[{"id":"1","public_metrics":{"like_count":1,"reply_count":2,"retweet_count":3,"quote_count":4,"impression_count":5}}],"errors":[{"resource_id":"2","title":"Not Found Error"}]}`))
	f.Add(201, "", []byte(`{"data":{}}`+sep+`{"data":{"id":""}}`+sep+`[]`))
	f.Add(200, "", []byte(`{"media_id_string":"1"}`+sep+`{"processing_info":{"state":"failed","error":{"message":"InvalidMedia"}}}`))
	srv := newScriptServer(f)
	f.Fuzz(func(t *testing.T, status int, header string, script []byte) {
		cfg := x.FakenetConfig(srv.URL)
		cfg.PollInterval, cfg.MaxProcessingWait = time.Millisecond, 50*time.Millisecond
		c := x.New(cfg)
		_ = x.ErrorMessage(script)
		resp := &http.Response{StatusCode: 429, Header: http.Header{"X-Rate-Limit-Reset": {header}}, Body: io.NopCloser(bytes.NewReader(script))}
		if e := x.FromResponse(resp); e.Kind != connectors.RateLimited || e.RetryAfter < 0 {
			t.Fatalf("fromResponse of a 429: %+v", e)
		}

		ctx := fuzzCtx(t, srv)
		srv.set(status, header, script)
		if id, err := c.Identify(ctx, nil, srv.pinned()); err != nil {
			checkErr(t, "Identify", err)
		} else if id == nil || id.ExternalID == "" {
			t.Fatalf("Identify succeeded with %+v", id)
		}
		srv.set(status, header, script)
		keys := connectors.ConnectParams{x.ParamConsumerKey: "ck", x.ParamConsumerSecret: "cs", x.ParamAccessToken: "at", x.ParamAccessTokenSecret: "ats"}
		if id, tok, err := c.Connect(ctx, keys, srv.pinned()); err != nil {
			checkErr(t, "Connect", err)
		} else if id == nil || id.ExternalID == "" || tok.AccessToken == "" {
			t.Fatalf("Connect succeeded with %+v", id)
		}
		oc, err := c.OAuth2Config(ctx, nil, "https://rythme.test/v1/oauth/x/callback", nil)
		if err != nil {
			t.Fatalf("OAuth2Config: %v", err)
		}
		srv.set(status, header, script)
		_, _ = c.Exchange(ctx, oc, "code", "verifier") // the token answer: no panic

		acct := &rythme.Account{Network: "x", Username: "XDevelopers", ExternalID: "2244994945"}
		srv.set(status, header, script)
		media := connectors.Media{ID: "med_1", ContentType: "video/mp4", Size: 3,
			Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("mp4")), nil }}
		pub, err := c.Publish(ctx, acct, srv.pinned(), connectors.PublishRequest{Text: "hello", Media: []connectors.Media{media}, Thread: []string{"two"}})
		if err != nil {
			checkErr(t, "Publish", err)
			for _, a := range srv.answers("/2/tweets") {
				if a.method == http.MethodPost && a.status/100 == 2 && connectors.KindOf(err) == connectors.Retryable {
					t.Fatalf("Publish: X answered %d %q and the error is retryable (a retry posts twice): %v", a.status, a.body, err)
				}
			}
		} else if pub == nil || pub.ExternalID == "" {
			t.Fatalf("Publish succeeded with %+v", pub)
		}

		srv.set(status, header, script)
		if ms, err := c.FetchMetrics(ctx, acct, srv.pinned(), []string{"1", "2", "1", ""}); err != nil {
			checkErr(t, "FetchMetrics", err)
		} else if len(ms) != 2 {
			t.Fatalf("FetchMetrics of 2 distinct ids gave %d readings", len(ms))
		}
	})
}
