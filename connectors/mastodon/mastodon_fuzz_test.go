package mastodon_test

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
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/mastodon"
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

// FuzzMastodon: a Mastodon server is anyone's server. Whatever it answers
// to identify, app registration, publishing (with media and a thread) and
// metrics, the connector returns a classified error or a usable result,
// and never panics; Validate agrees with Length on any text.
func FuzzMastodon(f *testing.F) {
	const sep = "\n~~\n"
	f.Add("Hello https://example.com/a?b=c @alice@example.social", 200, "",
		[]byte(`{"id":"1","username":"alice","url":"https://m.example/@alice"}`+sep+`{"version":"4.3.0","source_url":"https://github.com/mastodon/mastodon","configuration":{"statuses":{"max_characters":500}}}`))
	f.Add("Thread start", 200, "X-RateLimit-Remaining: 0\nX-RateLimit-Reset: 2030-01-01T00:00:00Z",
		[]byte(`{"id":"m1"}`+sep+`202 {"id":"m1","url":null}`+sep+`{"id":"m1","url":"https://m.example/m1"}`+sep+`{"id":"s1","url":"https://m.example/@a/s1"}`+sep+`{"id":"s2","uri":"https://m.example/s2"}`))
	f.Add("👍🏽 café", 422, "", []byte(`{"error":"Validation failed: Text too long","error_description":"x"}`))
	f.Add("", 429, "Retry-After: 30", []byte(`{"error":"Too many requests"}`))
	f.Add("x", 200, "", []byte(`[{"id":"1","replies_count":1,"reblogs_count":-2,"favourites_count":3},{"id":"9"}]`+sep+`404 {"error":"Record not found"}`+sep+`{"id":"3"}`))
	f.Add("x", 200, "", []byte(`404 {}`+sep+`{"version":"2.7.0 (compatible; Pleroma 2.5)"}`+sep+`{"client_id":"c","client_secret":"s"}`))
	f.Add(strings.Repeat("a", 501), 200, "", []byte(`not json`))
	f.Add("@user@ http://localhost:3000/x.", 201, "", []byte(`{"id":""}`+sep+`null`+sep+`[]`))
	f.Add("\xff", 500, "Retry-After: -1", []byte(nil))
	mastodon.SetMediaPoll(time.Millisecond)
	srv := newScriptServer(f)
	f.Fuzz(func(t *testing.T, text string, status int, header string, script []byte) {
		c := mastodon.New(mastodon.WithHTTPClient(srv.pinned()))
		n := mastodon.Length(text)
		if msgs := c.Validate(text); (len(msgs) == 0) != (strings.TrimSpace(text) != "" && n <= mastodon.MaxCharacters) {
			t.Fatalf("Validate(%q) = %q but Length = %d", text, msgs, n)
		}
		if n < 0 || (strings.TrimSpace(text) == "" && n != 0) {
			t.Fatalf("Length(%q) = %d", text, n)
		}
		if g := uniseg.GraphemeClusterCount(text); utf8.ValidString(text) && !strings.ContainsAny(text, ":@") && strings.TrimSpace(text) != "" && n != g {
			t.Fatalf("Length(%q) = %d, want its %d graphemes", text, n, g)
		}
		_ = mastodon.ErrorMessage(script)

		ctx := fuzzCtx(t, srv)
		params := connectors.ConnectParams{"instance_url": srv.URL}
		acct := &rythme.Account{Network: "mastodon", InstanceURL: srv.URL, Meta: map[string]string{}}

		srv.set(status, header, script)
		if id, err := c.Identify(ctx, params, srv.pinned()); err != nil {
			checkErr(t, "Identify", err)
		} else if id == nil || id.ExternalID == "" || id.Username == "" || id.InstanceURL == "" {
			t.Fatalf("Identify succeeded with %+v", id)
		}

		srv.set(status, header, script)
		if cfg, err := c.OAuth2Config(ctx, params, "https://rythme.test/v1/oauth/mastodon/callback", nil); err != nil {
			checkErr(t, "OAuth2Config", err)
		} else if cfg == nil || cfg.ClientID == "" || cfg.Endpoint.TokenURL == "" {
			t.Fatalf("OAuth2Config succeeded with %+v", cfg)
		}

		srv.set(status, header, script)
		media := connectors.Media{ID: "med_1", ContentType: "image/png", Size: 3, AltText: "alt",
			Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("png")), nil }}
		pub, err := c.Publish(ctx, acct, srv.pinned(), connectors.PublishRequest{Text: text, IdempotencyKey: "tgt_1",
			Media: []connectors.Media{media}, Thread: []string{"second"}})
		if err != nil {
			checkErr(t, "Publish", err)
		} else if pub == nil || pub.ExternalID == "" {
			t.Fatalf("Publish succeeded with %+v", pub)
		}

		for _, batch := range []string{"", "false"} {
			acct.Meta[mastodon.MetaStatusesBatch] = batch
			srv.set(status, header, script)
			ms, err := c.FetchMetrics(ctx, acct, srv.pinned(), []string{"1", "2", "3", "1", ""})
			if err != nil {
				checkErr(t, "FetchMetrics", err)
				continue
			}
			if len(ms) != 3 {
				t.Fatalf("FetchMetrics of 3 distinct ids gave %d readings", len(ms))
			}
			for _, m := range ms {
				if m.ExternalID != "1" && m.ExternalID != "2" && m.ExternalID != "3" {
					t.Fatalf("FetchMetrics answered for %q, not asked", m.ExternalID)
				}
			}
		}
	})
}
