package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/sqlstore/storetest"
	"github.com/rythmehq/rythme/telemetry"
)

// backend opens a fresh store; the suites that must hold on every backend
// run once per entry.
type backend struct {
	name string
	open func(t *testing.T) rythme.Store
}

var backends = []backend{
	{"sqlite", func(t *testing.T) rythme.Store { return storetest.SQLite(t) }},
	{"postgres", func(t *testing.T) rythme.Store { return storetest.Postgres(t) }},
}

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fakeQueue records what was enqueued; fn, when set, decides the result.
type fakeQueue struct {
	mu    sync.Mutex
	calls [][]rythme.TargetRef
	fn    func(refs []rythme.TargetRef) error
}

func (q *fakeQueue) EnqueuePublish(_ context.Context, refs []rythme.TargetRef) error {
	q.mu.Lock()
	q.calls = append(q.calls, refs)
	fn := q.fn
	q.mu.Unlock()
	if fn != nil {
		return fn(refs)
	}
	return nil
}

// refs returns every ref enqueued so far, and forgets them.
func (q *fakeQueue) take() []rythme.TargetRef {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []rythme.TargetRef
	for _, c := range q.calls {
		out = append(out, c...)
	}
	q.calls = nil
	return out
}

// fakeConnector is a Connector whose behaviour is set by function fields.
type fakeConnector struct {
	info         rythme.Network
	validate     func(text string) []string
	oauth2Config func(ctx context.Context, p connectors.ConnectParams, redirectURI string, apps connectors.Apps) (*oauth2.Config, error)
	identify     func(ctx context.Context, p connectors.ConnectParams, client *http.Client) (*connectors.Identity, error)
}

var _ connectors.Connector = (*fakeConnector)(nil)

func (f *fakeConnector) Info() rythme.Network { return f.info }

func (f *fakeConnector) Validate(text string) []string {
	if f.validate != nil {
		return f.validate(text)
	}
	if n := utf8.RuneCountInString(text); f.info.MaxLength > 0 && n > f.info.MaxLength {
		return []string{fmt.Sprintf("is %d characters; the limit is %d", n, f.info.MaxLength)}
	}
	return nil
}

func (f *fakeConnector) OAuth2Config(ctx context.Context, p connectors.ConnectParams, redirectURI string, apps connectors.Apps) (*oauth2.Config, error) {
	if f.oauth2Config == nil {
		return nil, rythme.Errorf(rythme.EINVALID, "not configured")
	}
	return f.oauth2Config(ctx, p, redirectURI, apps)
}

func (f *fakeConnector) Identify(ctx context.Context, p connectors.ConnectParams, client *http.Client) (*connectors.Identity, error) {
	if f.identify == nil {
		return nil, connectors.Errorf(connectors.Permanent, "not configured")
	}
	return f.identify(ctx, p, client)
}

func (f *fakeConnector) Publish(context.Context, *rythme.Account, *http.Client, connectors.PublishRequest) (*connectors.Published, error) {
	return nil, connectors.Errorf(connectors.Permanent, "the API never publishes")
}

func (f *fakeConnector) Idempotent(*rythme.Account) bool { return true }

func (f *fakeConnector) FetchMetrics(context.Context, *rythme.Account, *http.Client, []string) ([]rythme.Metrics, error) {
	return nil, nil
}

// env is one API over one store, with a workspace and a token per role.
type env struct {
	t       *testing.T
	h       http.Handler
	store   rythme.Store
	clock   *clock
	queue   *fakeQueue
	fake    *fakeConnector // network "fakenet": 100 characters
	ws      string
	secrets map[rythme.Role]string
	tokens  map[rythme.Role]*rythme.APIToken
	// leaks holds strings no response may contain (account access
	// tokens, refresh tokens, other tokens' secrets).
	mu    sync.Mutex
	leaks []string
	logs  *lockedWriter
	// jar keeps the cookies the API sets, sent back as a browser would
	// (the OAuth binding), unless a request says noCookies.
	jar map[string]string
	// mail records what the API mailed.
	mail *fakeMailer
}

type envOption func(*api.Config)

func newEnv(t *testing.T, store rythme.Store, opts ...envOption) *env {
	t.Helper()
	e := &env{
		t: t, store: store, queue: &fakeQueue{},
		clock:   &clock{now: time.Now().UTC().Truncate(time.Millisecond)},
		secrets: map[rythme.Role]string{}, tokens: map[rythme.Role]*rythme.APIToken{},
		logs: &lockedWriter{}, mail: &fakeMailer{},
	}
	e.fake = &fakeConnector{info: rythme.Network{
		Name: "fakenet", Title: "Fakenet", Auth: "oauth2", ConnectParams: []string{"instance_url"},
		MaxLength: 100, IdempotencyKey: true, Metrics: true,
	}}
	e.ws = e.workspace("Team")
	cfg := api.Config{
		Store: store, Connectors: connectors.NewRegistry(e.fake), Queue: e.queue,
		Metrics: telemetry.New(), Logger: e.newLogger(),
		PublicURL: "https://rythme.test", Now: e.clock.Now,
		PasswordParams: cheapPasswords, Mailer: e.mail,
	}
	for _, o := range opts {
		o(&cfg)
	}
	h, err := api.New(cfg)
	if err != nil {
		t.Fatalf("api.New: %v", err)
	}
	e.h = h
	for _, role := range []rythme.Role{rythme.RoleViewer, rythme.RoleEditor, rythme.RoleManager, rythme.RoleAdmin} {
		secret, tok := e.token(e.ws, role)
		e.secrets[role], e.tokens[role] = secret, tok
	}
	return e
}

// lockedWriter collects log lines from concurrent handlers.
type lockedWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (e *env) newLogger() *slog.Logger { return slog.New(slog.NewJSONHandler(e.logs, nil)) }

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

// workspace creates a workspace and returns its id.
func (e *env) workspace(name string) string {
	e.t.Helper()
	ws := &rythme.Workspace{ID: rythme.NewID(rythme.PrefixWorkspace), Name: name, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if err := e.store.CreateWorkspace(context.Background(), ws); err != nil {
		e.t.Fatalf("create workspace: %v", err)
	}
	return ws.ID
}

// token creates a token of ws with role and returns its secret.
func (e *env) token(ws string, role rythme.Role) (string, *rythme.APIToken) {
	e.t.Helper()
	secret := rythme.TokenSecretPrefix + strings.ReplaceAll(rythme.NewID("s"), "_", "")
	tok := &rythme.APIToken{
		ID: rythme.NewID(rythme.PrefixToken), WorkspaceID: ws, Name: string(role), Role: role,
		Hash: rythme.HashToken(secret), CreatedAt: time.Now().UTC().Truncate(time.Microsecond),
	}
	if err := e.store.CreateAPIToken(context.Background(), tok); err != nil {
		e.t.Fatalf("create token: %v", err)
	}
	e.noLeak(secret)
	return secret, tok
}

// account creates an account of ws on the fake network.
func (e *env) account(ws, username string, status rythme.AccountStatus) *rythme.Account {
	e.t.Helper()
	now := time.Now().UTC().Truncate(time.Microsecond)
	acc := &rythme.Account{
		WorkspaceID: ws, Network: "fakenet", InstanceURL: "https://fake.example", ExternalID: rythme.NewID("x"),
		Username: username, Status: rythme.AccountConnected,
		Token:     rythme.Token{AccessToken: "at-" + rythme.NewID("a"), RefreshToken: "rt-" + rythme.NewID("r"), TokenType: "Bearer"},
		CreatedAt: now, UpdatedAt: now,
	}
	e.noLeak(acc.Token.AccessToken, acc.Token.RefreshToken)
	if err := e.store.UpsertAccount(context.Background(), acc); err != nil {
		e.t.Fatalf("upsert account: %v", err)
	}
	if status != rythme.AccountConnected {
		if err := e.store.SetAccountStatus(context.Background(), acc.ID, status, "test"); err != nil {
			e.t.Fatalf("set account status: %v", err)
		}
		acc.Status = status
	}
	return acc
}

func (e *env) noLeak(s ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.leaks = append(e.leaks, s...)
}

// response is a recorded answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r *response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// apiError is the error shape.
type apiError struct {
	Error struct {
		Code    string              `json:"code"`
		Message string              `json:"message"`
		Fields  []rythme.FieldError `json:"fields"`
	} `json:"error"`
}

func (r *response) err(t *testing.T) apiError {
	t.Helper()
	var e apiError
	r.decode(t, &e)
	return e
}

// hasField reports whether the error names field.
func (e apiError) hasField(field string) bool {
	for _, f := range e.Error.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// req is one request.
type req struct {
	method, path string
	secret       string // bearer secret; empty: none
	body         any    // marshalled to JSON unless a string or []byte
	header       map[string]string
	noCookies    bool // another browser: the jar's cookies are not sent
}

// do sends r and checks the answer against the OpenAPI document and
// against leaks.
func (e *env) do(r req) *response {
	e.t.Helper()
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatalf("marshal body: %v", err)
		}
		body = bytes.NewReader(raw)
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.secret != "" {
		hr.Header.Set("Authorization", "Bearer "+r.secret)
	}
	e.mu.Lock()
	if !r.noCookies {
		for k, v := range e.jar {
			hr.AddCookie(&http.Cookie{Name: k, Value: v})
		}
	}
	e.mu.Unlock()
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, hr)
	res := &response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	if !r.noCookies {
		e.mu.Lock()
		for _, ck := range rec.Result().Cookies() {
			if e.jar == nil {
				e.jar = map[string]string{}
			}
			if ck.Value == "" || ck.MaxAge < 0 {
				delete(e.jar, ck.Name)
			} else {
				e.jar[ck.Name] = ck.Value
			}
		}
		e.mu.Unlock()
	}
	checkResponse(e.t, r.method, hr.URL.Path, res)
	e.mu.Lock()
	leaks := append([]string(nil), e.leaks...)
	e.mu.Unlock()
	for _, s := range leaks {
		if s != "" && bytes.Contains(res.Body, []byte(s)) {
			e.t.Errorf("%s %s: the response holds a secret: %s", r.method, r.path, res.Body)
		}
	}
	return res
}

// as sends a request with the token of role.
func (e *env) as(role rythme.Role, method, path string, body any) *response {
	e.t.Helper()
	return e.do(req{method: method, path: path, secret: e.secrets[role], body: body})
}

// expect fails unless res has status.
func expect(t *testing.T, res *response, status int) {
	t.Helper()
	if res.Status != status {
		t.Fatalf("status %d, want %d: %s", res.Status, status, res.Body)
	}
}

// postOut is a post as the API answers it.
type postOut struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"workspace_id"`
	Content     string    `json:"content"`
	ScheduledAt time.Time `json:"scheduled_at"`
	Timezone    string    `json:"timezone"`
	Tags        []string  `json:"tags"`
	Author      string    `json:"author"`
	Status      string    `json:"status"`
	Targets     []struct {
		ID          string    `json:"id"`
		AccountID   string    `json:"account_id"`
		Network     string    `json:"network"`
		Content     string    `json:"content"`
		Status      string    `json:"status"`
		Version     int       `json:"version"`
		ScheduledAt time.Time `json:"scheduled_at"`
	} `json:"targets"`
}

// createPost schedules a post on accs at "now"+in and returns it.
func (e *env) createPost(content string, in time.Duration, accs ...*rythme.Account) postOut {
	e.t.Helper()
	var targets []map[string]string
	for _, a := range accs {
		targets = append(targets, map[string]string{"account_id": a.ID})
	}
	res := e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{
		"content": content, "scheduled_at": e.clock.Now().Add(in).Format(time.RFC3339Nano), "targets": targets,
	})
	expect(e.t, res, http.StatusCreated)
	var p postOut
	res.decode(e.t, &p)
	return p
}
