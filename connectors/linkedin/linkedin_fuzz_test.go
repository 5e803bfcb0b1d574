package linkedin_test

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
	"unicode/utf16"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/linkedin"
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

// FuzzLinkedIn: whatever LinkedIn answers to identify, the token
// exchange, an image upload (to the URL it names), a post and metrics,
// the connector returns a classified error or a usable result and never
// panics; a post LinkedIn answered 2xx to is never reported as worth
// retrying (it takes no idempotency key). Length counts UTF-16 units.
func FuzzLinkedIn(f *testing.F) {
	const sep = "\n~~\n"
	f.Add("Hello (world) | #tag @mention", 200, "", []byte(`{"sub":"abc","name":"Ada Lovelace","given_name":"Ada"}`+sep+
		`{"access_token":"AQ","expires_in":5184000,"refresh_token":"AQR","refresh_token_expires_in":31536000,"scope":"openid,profile,w_member_social"}`))
	f.Add("x", 200, "X-RestLi-Id: urn:li:share:1", []byte(`{"value":{"uploadUrl":"http://upload.linkedin.example/u/1","image":"urn:li:image:1"}}`+sep+`201 `+sep+`201 {}`))
	f.Add("x", 201, "", []byte(`{"value":{"uploadUrl":"ftp://x","image":"urn:li:image:1"}}`))
	f.Add("x", 429, "", []byte(`{"status":429,"serviceErrorCode":101,"code":"TOO_MANY_REQUESTS","message":"Resource level throttle APPLICATION DAY limit for calls to this resource is reached."}`))
	f.Add("x", 422, "", []byte(`{"status":422,"message":"ERROR :: /commentary :: is too long","errorDetails":{"inputErrors":[{"code":"TOO_LONG","description":"d"}]}}`))
	f.Add("x", 200, "", []byte(`{"elements":[{"totalShareStatistics":{"likeCount":3,"commentCount":1,"shareCount":2,"impressionCount":100}}]}`+sep+`404 {}`))
	f.Add(strings.Repeat("𝕏", 1501), 401, "", []byte(`{"serviceErrorCode":65601,"code":"REVOKED_ACCESS_TOKEN","message":"The token used in the request has been revoked by the user"}`))
	f.Add("x", 200, "", []byte(`[]`+sep+`"s"`+sep+`{"value":null}`))
	srv := newScriptServer(f)
	f.Fuzz(func(t *testing.T, text string, status int, header string, script []byte) {
		c := linkedin.New(linkedin.FakenetConfig(srv.URL))
		n := linkedin.Length(text)
		if n != len(utf16.Encode([]rune(text))) {
			t.Fatalf("Length(%q) = %d", text, n)
		}
		if msgs := c.Validate(text); (len(msgs) == 0) != (strings.TrimSpace(text) != "" && n <= linkedin.MaxCommentary) {
			t.Fatalf("Validate(%q) = %q", text, msgs)
		}
		_ = linkedin.Escape(text)

		ctx := fuzzCtx(t, srv)
		srv.set(status, header, script)
		if id, err := c.Identify(ctx, nil, srv.pinned()); err != nil {
			checkErr(t, "Identify", err)
		} else if id == nil || id.ExternalID == "" {
			t.Fatalf("Identify succeeded with %+v", id)
		}
		oc, err := c.OAuth2Config(ctx, nil, "https://rythme.test/v1/oauth/linkedin/callback", nil)
		if err != nil {
			t.Fatalf("OAuth2Config: %v", err)
		}
		srv.set(status, header, script)
		_, _ = oc.Exchange(ctx, "code", oauth2.VerifierOption("verifier")) // the token answer: no panic

		acct := &rythme.Account{Network: "linkedin", ExternalID: "urn:li:person:abc", Username: "ada"}
		srv.set(status, header, script)
		media := connectors.Media{ID: "med_1", ContentType: "image/png", Size: 3, AltText: "alt",
			Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("png")), nil }}
		pub, err := c.Publish(ctx, acct, srv.pinned(), connectors.PublishRequest{Text: text, Media: []connectors.Media{media},
			Options: map[string]string{"visibility": "connections"}})
		if err != nil {
			checkErr(t, "Publish", err)
			for _, a := range srv.answers("/rest/posts") {
				if a.status/100 == 2 && connectors.KindOf(err) == connectors.Retryable {
					t.Fatalf("Publish: LinkedIn answered %d and the error is retryable (a retry posts twice): %v", a.status, err)
				}
			}
		} else if pub == nil || pub.ExternalID == "" {
			t.Fatalf("Publish succeeded with %+v", pub)
		}

		srv.set(status, header, script)
		if ms, err := c.FetchMetrics(ctx, acct, srv.pinned(), []string{"urn:li:share:1", "urn:li:ugcPost:2", "urn:li:share:1", ""}); err != nil {
			checkErr(t, "FetchMetrics", err)
		} else if len(ms) > 3 {
			t.Fatalf("FetchMetrics of 2 distinct ids gave %d readings", len(ms))
		}
	})
}
