package reddit_test

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
	"github.com/rythmehq/rythme/connectors/reddit"
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

// FuzzReddit: whatever Reddit answers to identify, the token exchange,
// a submission and a listing, the connector returns a classified error or
// a usable result and never panics; a submission Reddit answered 200 to
// is never reported as worth retrying (Reddit has no idempotency key).
// Any text splits into a title Reddit takes and a body.
func FuzzReddit(f *testing.F) {
	const sep = "\n~~\n"
	f.Add("Title line\nBody **markdown**", "", 200, "", []byte(`{"id":"abc","name":"alice"}`+sep+
		`{"access_token":"at","refresh_token":"rt","token_type":"bearer","expires_in":3600}`+sep+
		`{"json":{"errors":[],"data":{"id":"xyz","name":"t3_xyz","url":"https://reddit.example/r/x/comments/xyz/"}}}`+sep+
		`{"data":{"children":[{"kind":"t3","data":{"name":"t3_a","score":5,"num_comments":2,"author":"alice"}},{"kind":"t3","data":{"name":"t3_b","author":"[deleted]","removed_by_category":"moderator"}}]}}`))
	f.Add("x", "my title", 200, "", []byte(`{"json":{"errors":[["RATELIMIT","you are doing that too much. try again in 9 minutes.","ratelimit"]]}}`))
	f.Add("x", "", 200, "", []byte(`{"json":{"errors":[["SUBREDDIT_NOEXIST"],[1,null],[]]}}`))
	f.Add(strings.Repeat("word ", 80), "", 429, "X-Ratelimit-Reset: 12.5\nX-Ratelimit-Remaining: 0", []byte(`{"message":"Too Many Requests","error":429}`))
	f.Add("\n\n  \t", "", 200, "", []byte(`{"json":{"data":{}}}`))
	f.Add("x", "", 200, "", []byte(`{"json":{"errors":"not a list"}}`))
	f.Add("x", "", 403, "", []byte(`{"message":"Forbidden","reason":"private"}`))
	f.Add("x", "", 200, "", []byte(`<html>`))
	srv := newScriptServer(f)
	f.Fuzz(func(t *testing.T, text, title string, status int, header string, script []byte) {
		cfg := reddit.FakenetConfig(srv.URL)
		c := reddit.New(cfg)
		if msgs := c.Validate(text); (len(msgs) == 0) != (strings.TrimSpace(text) != "" && reddit.Length(text) <= reddit.MaxSelfText) {
			t.Fatalf("Validate(%q) = %q", text, msgs)
		}
		tt, _ := reddit.TitleAndBody(title, text)
		if reddit.Length(tt) > reddit.MaxTitle && strings.TrimSpace(title) == "" {
			t.Fatalf("TitleAndBody(%q, %q) gives a title of %d characters", title, text, reddit.Length(tt))
		}
		if d := reddit.ResetWait(header); d < 0 || d > time.Hour {
			t.Fatalf("ResetWait(%q) = %v", header, d)
		}

		ctx := fuzzCtx(t, srv)
		srv.set(status, header, script)
		if id, err := c.Identify(ctx, nil, srv.pinned()); err != nil {
			checkErr(t, "Identify", err)
		} else if id.ExternalID == "" || id.Username == "" {
			t.Fatalf("Identify succeeded with %+v", id)
		}
		srv.set(status, header, script)
		oc, err := c.OAuth2Config(ctx, nil, "https://rythme.test/v1/oauth/reddit/callback", nil)
		if err != nil {
			t.Fatalf("OAuth2Config: %v", err)
		}
		_, _ = oc.Exchange(ctx, "code", oauth2.VerifierOption("verifier")) // the token answer: no panic

		acct := &rythme.Account{Network: "reddit", Username: "alice", ExternalID: "t2_abc"}
		srv.set(status, header, script)
		pub, err := c.Publish(ctx, acct, srv.pinned(), connectors.PublishRequest{Text: text, Title: title,
			Options: map[string]string{"subreddit": "/r/golang/", "nsfw": "true", "flair_id": "f"}})
		if err != nil {
			checkErr(t, "Publish", err)
			for _, a := range srv.answers("/api/submit") {
				if a.status/100 == 2 && connectors.KindOf(err) == connectors.Retryable {
					t.Fatalf("Publish: Reddit answered %d %q and the error is retryable (a retry posts twice): %v", a.status, a.body, err)
				}
			}
		} else if pub == nil || pub.ExternalID == "" {
			t.Fatalf("Publish succeeded with %+v", pub)
		}

		srv.set(status, header, script)
		ms, err := c.FetchMetrics(ctx, acct, srv.pinned(), []string{"t3_a", "t3_b", "t3_a", ""})
		if err != nil {
			checkErr(t, "FetchMetrics", err)
		} else if len(ms) != 2 {
			t.Fatalf("FetchMetrics of 2 distinct ids gave %d readings", len(ms))
		}
	})
}
