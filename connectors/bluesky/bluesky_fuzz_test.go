package bluesky_test

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

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/bluesky"
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

// FuzzBluesky: a PDS is anyone's server. Whatever it answers to signing
// in, refreshing a session, resolving mentions, uploading images,
// creating records and reading posts, the connector returns a classified
// error or a usable result and never panics. Any text gives spans inside
// it and a stable record key.
func FuzzBluesky(f *testing.F) {
	const sep = "\n~~\n"
	jwt := "eyJhbGciOiJIUzI1NiJ9.eyJzY29wZSI6ImNvbS5hdHByb3RvLmFwcFBhc3MiLCJleHAiOjE4MDAwMDAwMDB9.c2ln"
	f.Add("Hi @alice.bsky.social see https://example.com/x?y=1. #launch", 200, "",
		[]byte(`{"accessJwt":"`+jwt+`","refreshJwt":"r","handle":"bob.bsky.social","did":"did:plc:bob","didDoc":{"service":[{"id":"#atproto_pds","serviceEndpoint":"https://pds.example"}]}}`+sep+
			`{"availableUserDomains":[".bsky.social",""]}`+sep+`{"did":"did:plc:alice"}`+sep+`{"blob":{"$type":"blob","ref":{"$link":"b"}}}`+sep+`{"uri":"at://did:plc:bob/app.bsky.feed.post/3k","cid":"c"}`))
	f.Add("thread", 400, "", []byte(`{"error":"ExpiredToken","message":"Token has expired"}`+sep+`200 {"accessJwt":"a.b.c","refreshJwt":"r2"}`+sep+`200 {"uri":"at://x/y/z"}`))
	f.Add("x", 500, "", []byte(`{"error":"InternalServerError","message":"Internal Server Error"}`+sep+`200 {"uri":"at://did:plc:bob/app.bsky.feed.post/3k","cid":"c"}`))
	f.Add("x", 429, "RateLimit-Reset: 1800000300\nRateLimit-Remaining: 0", []byte(`{"error":"RateLimitExceeded"}`))
	f.Add("x", 200, "", []byte(`{"posts":[{"uri":"at://a/app.bsky.feed.post/1","likeCount":2,"replyCount":1,"repostCount":1,"quoteCount":1}]}`+sep+`400 {"error":"RecordNotFound","message":"Could not locate record"}`))
	f.Add("#", 200, "", []byte(`{"uri":""}`+sep+`{"accessJwt":""}`+sep+`[]`+sep+`null`))
	f.Add("@a @b.c (https://x.y) ＃tag", 201, "", []byte(`not json`))
	f.Add(strings.Repeat("é", 301), 200, "", []byte(nil))
	srv := newScriptServer(f)
	f.Fuzz(func(t *testing.T, text string, status int, header string, script []byte) {
		c := bluesky.New(bluesky.Config{ServiceURL: srv.URL, AppURL: "https://bsky.app", HTTPClient: srv.pinned()})
		_ = c.Validate(text)
		last := 0
		for _, sp := range bluesky.DetectSpans(text) {
			if sp.Start < last || sp.End <= sp.Start || sp.End > len(text) || !utf8.ValidString(text[sp.Start:sp.End]) && utf8.ValidString(text) {
				t.Fatalf("DetectSpans(%q): span %+v out of order, empty, outside the text or cutting a character", text, sp)
			}
			last = sp.End
		}
		for i := range 2 {
			k := bluesky.RecordKey(text, i)
			if len(k) != 13 || strings.Trim(k, "234567abcdefghijklmnopqrstuvwxyz") != "" || k != bluesky.RecordKey(text, i) {
				t.Fatalf("RecordKey(%q, %d) = %q: not a stable TID", text, i, k)
			}
		}

		ctx := fuzzCtx(t, srv)
		srv.set(status, header, script)
		id, tok, err := c.Connect(ctx, connectors.ConnectParams{"identifier": "@bob.bsky.social", "app_password": "abcd-efgh", "service_url": srv.URL}, srv.pinned())
		if err != nil {
			checkErr(t, "Connect", err)
		} else if id == nil || id.ExternalID == "" || tok.AccessToken == "" {
			t.Fatalf("Connect succeeded with %+v", id)
		}

		srv.set(status, header, script)
		_, err = c.Identify(ctx, connectors.ConnectParams{"service_url": srv.URL}, srv.pinned())
		checkErr(t, "Identify", err)

		acct := &rythme.Account{Network: "bluesky", InstanceURL: srv.URL, ExternalID: "did:plc:bob", Username: "bob",
			Meta:  map[string]string{bluesky.MetaHandle: "bob.bsky.social"},
			Token: rythme.Token{AccessToken: "expired.jwt.x", RefreshToken: "r", Expiry: time.Now().Add(-time.Minute)}}
		saved := 0
		sess, err := c.OpenSession(ctx, acct, srv.pinned(), func(context.Context, rythme.Token) error { saved++; return nil })
		if err != nil {
			t.Fatalf("OpenSession: %v", err)
		}
		srv.set(status, header, script)
		media := connectors.Media{ID: "med_1", ContentType: "image/png", Size: 3, AltText: "alt",
			Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("png")), nil }}
		pub, err := c.Publish(ctx, acct, sess.Client(), connectors.PublishRequest{Text: text, IdempotencyKey: "tgt_01J5Z3K8M9N0P1Q2R3S4T5V6W7",
			Media: []connectors.Media{media}, Thread: []string{"second @carol.example"}, Options: map[string]string{"langs": "en, fr"}})
		if err != nil {
			checkErr(t, "Publish", err)
		} else if pub == nil || pub.ExternalID == "" {
			t.Fatalf("Publish succeeded with %+v", pub)
		}

		srv.set(status, header, script)
		ids := []string{"at://a/app.bsky.feed.post/1", "at://a/app.bsky.feed.post/2", "not-a-uri", "at://a/app.bsky.feed.post/1"}
		ms, err := c.FetchMetrics(ctx, acct, srv.pinned(), ids)
		if err != nil {
			checkErr(t, "FetchMetrics", err)
		} else if len(ms) != 3 {
			t.Fatalf("FetchMetrics of 3 distinct ids gave %d readings", len(ms))
		}

		srv.set(status, header, script)
		resp := &http.Response{StatusCode: 200 + int(uint(status)%400), Header: http.Header{"Ratelimit-Reset": {header}}, Body: io.NopCloser(bytes.NewReader(script))}
		if e := bluesky.ErrorFrom(resp); e == nil || e.RetryAfter < 0 || e.RetryAfter > time.Hour {
			t.Fatalf("ErrorFrom: %+v", e)
		}
	})
}
