package slack_test

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
	"github.com/rythmehq/rythme/connectors/slack"
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

// FuzzSlack: whatever Slack answers to identify, the token exchange, a
// token rotation, a message and reactions, the connector returns a
// classified error or a usable result and never panics; a message Slack
// answered ok to is never reported as worth retrying (chat.postMessage
// has no idempotency key). Validate agrees with Length.
func FuzzSlack(f *testing.F) {
	const sep = "\n~~\n"
	f.Add("Hello <team> & co", "#general", 200, "", []byte(`{"ok":true,"url":"https://acme.slack.com","team":"Acme","team_id":"T1","user_id":"U1"}`+sep+
		`{"ok":true,"team":{"name":"Acme","domain":"acme"}}`+sep+`{"ok":true,"channels":[{"id":"C0123ABCDE","name":"general"}],"response_metadata":{"next_cursor":""}}`))
	f.Add("x", "C0123ABCDE", 200, "", []byte(`{"ok":true,"team_id":"T1"}`+sep+`{"ok":false,"error":"missing_scope","needed":"team:read"}`+sep+`{"ok":false,"error":"channel_not_found"}`))
	f.Add("x", "#general", 200, "", []byte(`{"ok":true,"access_token":"xoxe.xoxb-1","refresh_token":"xoxe-1","token_type":"bot","expires_in":43200}`+sep+
		`{"ok":true,"channel":"C0123ABCDE","ts":"1503435956.000247"}`+sep+`{"ok":false,"error":"ratelimited"}`))
	f.Add("x", "#general", 200, "", []byte(`{"ok":true,"channel":"C1","ts":"1.2"}`+sep+`{"ok":true,"permalink":"https://acme.slack.com/archives/C1/p12"}`+sep+
		`{"ok":true,"message":{"reactions":[{"count":2},{"count":-1}],"reply_count":3}}`+sep+`{"ok":false,"error":"message_not_found"}`))
	f.Add("x", "#general", 429, "Retry-After: 30", []byte(`{"ok":false,"error":"ratelimited"}`))
	f.Add("x", "#general", 200, "", []byte(`{"ok":true,"response_metadata":{"next_cursor":"again"}}`))
	f.Add(strings.Repeat("<", 40000), "bad channel!", 500, "", []byte(`oops`))
	srv := newScriptServer(f)
	f.Fuzz(func(t *testing.T, text, channel string, status int, header string, script []byte) {
		c := slack.New(slack.FakenetConfig(srv.URL))
		if msgs := c.Validate(text); (len(msgs) == 0) != (strings.TrimSpace(text) != "" && slack.Length(text) <= slack.MaxText) {
			t.Fatalf("Validate(%q) = %q", text, msgs)
		}
		if ch, err := slack.NormalizeChannel(channel); err == nil {
			if again, err := slack.NormalizeChannel(ch); err != nil || again != ch {
				t.Fatalf("NormalizeChannel(%q) = %q, which normalises to %q, %v", channel, ch, again, err)
			}
		} else if rythme.ErrorCode(err) != rythme.EINVALID {
			t.Fatalf("NormalizeChannel(%q): %v", channel, err)
		}

		ctx := fuzzCtx(t, srv)
		params := connectors.ConnectParams{"channel": channel}
		srv.set(status, header, script)
		if id, err := c.Identify(ctx, params, srv.pinned()); err != nil {
			checkErr(t, "Identify", err)
		} else if id == nil || id.ExternalID == "" {
			t.Fatalf("Identify succeeded with %+v", id) // nil: the API's callback would panic saving it
		}
		if oc, err := c.OAuth2Config(ctx, params, "https://rythme.test/v1/oauth/slack/callback", nil); err == nil {
			srv.set(status, header, script)
			if tok, err := c.Exchange(ctx, oc, "code", "verifier"); err == nil && tok.AccessToken == "" {
				t.Fatalf("Exchange succeeded with no token: %+v", tok)
			}
		}

		acct := &rythme.Account{Network: "slack", Meta: map[string]string{slack.MetaChannelID: "C0123ABCDE", slack.MetaTeamURL: "https://acme.slack.com/"},
			Token: rythme.Token{AccessToken: "xoxe.xoxb-old", RefreshToken: "xoxe-1", TokenType: "bot", Expiry: time.Now().Add(-time.Hour)}}
		sess, err := c.OpenSession(ctx, acct, srv.pinned(), func(context.Context, rythme.Token) error { return nil })
		if err != nil {
			t.Fatalf("OpenSession: %v", err)
		}
		srv.set(status, header, script)
		pub, err := c.Publish(ctx, acct, sess.Client(), connectors.PublishRequest{Text: text})
		if err != nil {
			checkErr(t, "Publish", err)
			for _, a := range srv.answers("/chat.postMessage") {
				if a.status/100 == 2 && bytes.Contains(a.body, []byte(`"ok":true`)) && connectors.KindOf(err) == connectors.Retryable {
					t.Fatalf("Publish: Slack answered %d %q and the error is retryable (a retry posts twice): %v", a.status, a.body, err)
				}
			}
		} else if pub == nil || pub.ExternalID == "" {
			t.Fatalf("Publish succeeded with %+v", pub)
		}

		srv.set(status, header, script)
		ids := []string{"C1:1.2", "C1:1.3", "no-colon", "C1:1.2"}
		if ms, err := c.FetchMetrics(ctx, acct, srv.pinned(), ids); err != nil {
			checkErr(t, "FetchMetrics", err)
		} else if len(ms) != 3 {
			t.Fatalf("FetchMetrics of 3 distinct ids gave %d readings", len(ms))
		}
	})
}
