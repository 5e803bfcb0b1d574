package posting_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/posting"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// backends are the stores every use case is checked against.
var backends = []struct {
	name string
	open func(t *testing.T) rythme.Store
}{
	{"sqlite", func(t *testing.T) rythme.Store { return storetest.SQLite(t) }},
	{"postgres", func(t *testing.T) rythme.Store { return storetest.Postgres(t) }},
}

// eachBackend runs fn once per backend, on a fresh env.
func eachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t, b.open(t)))
		})
	}
}

// fakeQueue records what was enqueued; err, when set, is returned.
type fakeQueue struct {
	mu    sync.Mutex
	calls [][]rythme.TargetRef
	err   error
}

func (q *fakeQueue) EnqueuePublish(_ context.Context, refs []rythme.TargetRef) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.calls = append(q.calls, refs)
	return q.err
}

// ids returns the target ids enqueued so far, and forgets them.
func (q *fakeQueue) take() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []string
	for _, c := range q.calls {
		for _, r := range c {
			out = append(out, r.ID)
		}
	}
	q.calls = nil
	return out
}

// fakeConnector is a network of maxLen characters, with or without threads.
type fakeConnector struct {
	name    string
	maxLen  int
	threads bool
}

var _ connectors.Connector = (*fakeConnector)(nil)

func (f *fakeConnector) Info() rythme.Network {
	return rythme.Network{Name: f.name, Title: "Fake " + f.name, MaxLength: f.maxLen, Threads: f.threads}
}

func (f *fakeConnector) Validate(text string) []string {
	if n := utf8.RuneCountInString(text); n > f.maxLen {
		return []string{fmt.Sprintf("is %d characters; the limit is %d", n, f.maxLen)}
	}
	return nil
}

func (f *fakeConnector) OAuth2Config(context.Context, connectors.ConnectParams, string, connectors.Apps) (*oauth2.Config, error) {
	return nil, rythme.Errorf(rythme.EINVALID, "not in these tests")
}

func (f *fakeConnector) Identify(context.Context, connectors.ConnectParams, *http.Client) (*connectors.Identity, error) {
	return nil, connectors.Errorf(connectors.Permanent, "not in these tests")
}

func (f *fakeConnector) Publish(context.Context, *rythme.Account, *http.Client, connectors.PublishRequest) (*connectors.Published, error) {
	return nil, connectors.Errorf(connectors.Permanent, "posting never publishes")
}

func (f *fakeConnector) Idempotent(*rythme.Account) bool { return true }

func (f *fakeConnector) FetchMetrics(context.Context, *rythme.Account, *http.Client, []string) ([]rythme.Metrics, error) {
	return nil, nil
}

// env is one Service over one store, with a workspace, a settable clock
// and a recording queue.
type env struct {
	t     *testing.T
	store rythme.Store
	svc   *posting.Service
	reg   *connectors.Registry
	queue *fakeQueue
	logs  *bytes.Buffer
	now   time.Time
	ws    string
}

func newEnv(t *testing.T, store rythme.Store) *env {
	t.Helper()
	e := &env{t: t, store: store, queue: &fakeQueue{}, logs: &bytes.Buffer{},
		now: time.Now().UTC().Truncate(time.Microsecond)}
	reg := connectors.NewRegistry(&fakeConnector{name: "short", maxLen: 20, threads: true}, &fakeConnector{name: "long", maxLen: 500})
	svc, err := posting.New(posting.Config{Store: store, Connectors: reg, Queue: e.queue,
		Logger: slog.New(slog.NewTextHandler(e.logs, nil)), Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatalf("posting.New: %v", err)
	}
	e.svc, e.reg = svc, reg
	e.ws = e.workspace(false)
	return e
}

// workspace creates a workspace, asking for approval or not.
func (e *env) workspace(approval bool) string {
	e.t.Helper()
	ws := &rythme.Workspace{ID: rythme.NewID(rythme.PrefixWorkspace), Name: "Team", ApprovalRequired: approval, CreatedAt: e.now}
	if err := e.store.CreateWorkspace(context.Background(), ws); err != nil {
		e.t.Fatalf("create workspace: %v", err)
	}
	return ws.ID
}

// account connects an account of ws on network.
func (e *env) account(ws, network string) *rythme.Account {
	e.t.Helper()
	acc := &rythme.Account{WorkspaceID: ws, Network: network, InstanceURL: "https://fake.example",
		ExternalID: rythme.NewID("x"), Username: "team", Status: rythme.AccountConnected,
		Token: rythme.Token{AccessToken: "at", TokenType: "Bearer"}, CreatedAt: e.now, UpdatedAt: e.now}
	if err := e.store.UpsertAccount(context.Background(), acc); err != nil {
		e.t.Fatalf("upsert account: %v", err)
	}
	return acc
}

var (
	editor  = rythme.Actor{ID: "tok_editor", Name: "editor", Role: rythme.RoleEditor}
	manager = rythme.Actor{ID: "tok_manager", Name: "manager", Role: rythme.RoleManager}
)

// fieldsOf returns the field names of err's field errors.
func fieldsOf(err error) []string {
	var out []string
	for _, f := range rythme.ErrorFields(err) {
		out = append(out, f.Field)
	}
	return out
}
