package tiktok_test

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
	"github.com/rythmehq/rythme/connectors/tiktok"
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

// FuzzTikTok: whatever TikTok answers (errors come inside HTTP 200
// envelopes too) to identify, the token exchange and refresh, a video
// post with its status polling and metrics, the connector returns a
// classified error or a usable result and never panics; once TikTok
// accepted a post (a publish_id), Publish does not fail but on FAILED.
func FuzzTikTok(f *testing.F) {
	const sep = "\n~~\n"
	ok := `"error":{"code":"ok","message":"","log_id":"l"}`
	f.Add("Caption #fyp", 200, "", []byte(`{"data":{"user":{"open_id":"o1","display_name":"A","username":"a"}},`+ok+`}`+sep+
		`{"access_token":"act.1","refresh_token":"rft.1","open_id":"o1","expires_in":86400,"refresh_expires_in":31536000,"token_type":"Bearer","scope":"user.info.basic,video.publish"}`))
	f.Add("x", 200, "", []byte(`{"data":{"privacy_level_options":["PUBLIC_TO_EVERYONE","SELF_ONLY"]},`+ok+`}`+sep+`{"data":{"publish_id":"v_pub_1"},`+ok+`}`+sep+
		`{"data":{"status":"PROCESSING_DOWNLOAD"},`+ok+`}`+sep+`{"data":{"status":"PUBLISH_COMPLETE","publicaly_available_post_id":[7300000000000000001]},`+ok+`}`))
	f.Add("x", 200, "", []byte(`{"data":{"privacy_level_options":["SELF_ONLY"]},`+ok+`}`+sep+`{"error":{"code":"privacy_level_option_mismatch","message":"m"}}`))
	f.Add("x", 200, "", []byte(`{"data":{"publish_id":"v_pub_1"},`+ok+`}`+sep+`{"data":{"status":"FAILED","fail_reason":"file_format_check_failed"},`+ok+`}`))
	f.Add("x", 429, "Retry-After: 10", []byte(`{"error":{"code":"rate_limit_exceeded","message":"slow down"}}`))
	f.Add("x", 200, "", []byte(`{"error":{"code":"access_token_invalid"}}`))
	f.Add("x", 200, "", []byte(`{"data":{"videos":[{"id":"7300000000000000001","like_count":3,"comment_count":1,"share_count":2,"view_count":9}],"cursor":0,"has_more":false},`+ok+`}`))
	f.Add("x", 200, "", []byte(`{"data":[],"error":{}}`+sep+`null`))
	f.Add(strings.Repeat("😀", 1101), 503, "", []byte(`upstream`))
	srv := newScriptServer(f)
	f.Fuzz(func(t *testing.T, text string, status int, header string, script []byte) {
		cfg := tiktok.FakenetConfig(srv.URL)
		cfg.HTTPClient, cfg.PollInterval, cfg.PollFor = srv.pinned(), time.Millisecond, 50*time.Millisecond
		c := tiktok.New(cfg)
		_ = c.Validate(text)

		ctx := fuzzCtx(t, srv)
		srv.set(status, header, script)
		if id, err := c.Identify(ctx, nil, srv.pinned()); err != nil {
			checkErr(t, "Identify", err)
		} else if id == nil || id.ExternalID == "" {
			t.Fatalf("Identify succeeded with %+v", id)
		}
		oc, err := c.OAuth2Config(ctx, nil, "https://rythme.test/v1/oauth/tiktok/callback", nil)
		if err != nil {
			t.Fatalf("OAuth2Config: %v", err)
		}
		srv.set(status, header, script)
		if tok, err := c.Exchange(ctx, oc, "code", "verifier"); err == nil && (tok == nil || tok.AccessToken == "") {
			t.Fatalf("Exchange succeeded with %+v", tok)
		}

		acct := &rythme.Account{Network: "tiktok", Username: "a", ExternalID: "o1",
			Token: rythme.Token{AccessToken: "act.old", RefreshToken: "rft.1", TokenType: "Bearer", Expiry: time.Now().Add(-time.Hour)}}
		srv.set(status, header, script)
		sess, err := c.OpenSession(ctx, acct, srv.pinned(), func(context.Context, rythme.Token) error { return nil })
		if err != nil {
			checkErr(t, "OpenSession", err)
			return
		}
		video := connectors.Media{ID: "med_1", ContentType: "video/mp4", URL: "https://rythme.test/media/med_1?exp=1&sig=s"}
		pub, err := c.Publish(ctx, acct, sess.Client(), connectors.PublishRequest{Text: text, Media: []connectors.Media{video},
			Options: map[string]string{"disable_duet": "true"}})
		if err != nil {
			checkErr(t, "Publish", err)
			for _, a := range srv.answers("/v2/post/publish/video/init/") {
				if a.status/100 == 2 && bytes.Contains(a.body, []byte(`"publish_id":"`)) && !bytes.Contains(a.body, []byte(`"publish_id":""`)) &&
					bytes.Contains(a.body, []byte(`"code":"ok"`)) && connectors.KindOf(err) != connectors.Permanent {
					t.Fatalf("Publish: TikTok accepted %q and Publish failed with %v", a.body, err)
				}
			}
		} else if pub == nil || pub.ExternalID == "" {
			t.Fatalf("Publish succeeded with %+v", pub)
		}

		srv.set(status, header, script)
		if ms, err := c.FetchMetrics(ctx, acct, srv.pinned(), []string{"7300000000000000001", "v_pub_1", "7300000000000000001", ""}); err != nil {
			checkErr(t, "FetchMetrics", err)
		} else if len(ms) != 2 {
			t.Fatalf("FetchMetrics of 2 distinct ids gave %d readings", len(ms))
		}
	})
}
