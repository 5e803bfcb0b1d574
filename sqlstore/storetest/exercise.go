package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

// RawDB is the optional raw-access hook: a store that has it lets the suite
// read its tables to check that secrets are encrypted at rest.
type RawDB interface{ DB() *sql.DB }

// Exercise is the conformance suite of rythme.Store: every method, the
// compare-and-set semantics, the races (claim against claim, claim against
// cancel, concurrent OAuth state consumers and bootstraps), workspace
// scoping, pagination, time precision, and, when the store implements
// RawDB, encryption at rest. open returns a fresh, empty store for each
// subtest; subtests run in parallel.
func Exercise(t *testing.T, open func(t *testing.T) rythme.Store) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, open(t))
		})
	}
}

type suiteCase struct {
	name string
	fn   func(t *testing.T, s rythme.Store)
}

var cases []suiteCase

// register adds cases to the suite; each file of the suite calls it from
// init, so the list is complete before any test runs.
func register(cs ...suiteCase) { cases = append(cases, cs...) }

// T0 is the suite's reference time; it carries nanoseconds so that the
// microsecond truncation is exercised everywhere.
var T0 = time.Date(2030, 3, 14, 9, 30, 0, 123456789, time.UTC)

func us(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func ctx(t *testing.T) context.Context { return t.Context() }

// wantCode fails unless err carries the rythme error code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := rythme.ErrorCode(err); got != code {
		t.Fatalf("error code = %q, want %q (err: %v)", got, code, err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func deepEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %s\n want %s", what, dump(got), dump(want))
	}
}

// dump prints structs with their pointers followed.
func dump(v any) string {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.Slice:
		parts := make([]string, rv.Len())
		for i := range parts {
			parts[i] = dump(rv.Index(i).Interface())
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case reflect.Struct:
		if tm, ok := rv.Interface().(time.Time); ok {
			return tm.Format(time.RFC3339Nano)
		}
		var sb strings.Builder
		sb.WriteString("{")
		for i := 0; i < rv.NumField(); i++ {
			if i > 0 {
				sb.WriteString(" ")
			}
			sb.WriteString(rv.Type().Field(i).Name + ":" + dump(rv.Field(i).Interface()))
		}
		sb.WriteString("}")
		return sb.String()
	}
	return fmt.Sprintf("%v", rv)
}

// fixtures

func newWorkspace(t *testing.T, s rythme.Store) *rythme.Workspace {
	t.Helper()
	ws := &rythme.Workspace{ID: rythme.NewID(rythme.PrefixWorkspace), Name: "Team " + t.Name(), CreatedAt: us(T0)}
	must(t, s.CreateWorkspace(ctx(t), ws))
	return ws
}

func newAccount(t *testing.T, s rythme.Store, workspaceID, network string) *rythme.Account {
	t.Helper()
	a := &rythme.Account{
		WorkspaceID: workspaceID, Network: network, InstanceURL: "https://" + network + ".example",
		ExternalID: rythme.NewID("ext"), Username: "alice", DisplayName: "Alice",
		ProfileURL: "https://" + network + ".example/@alice", Status: rythme.AccountConnected,
		Meta:      map[string]string{"idempotency": "yes"},
		Token:     rythme.Token{AccessToken: "access-" + rythme.NewID("sec"), TokenType: "Bearer"},
		CreatedAt: us(T0), UpdatedAt: us(T0),
	}
	must(t, s.UpsertAccount(ctx(t), a))
	return a
}

// newPost creates a post at `at` with one target per account, version 1.
func newPost(t *testing.T, s rythme.Store, workspaceID string, at time.Time, accs ...*rythme.Account) *rythme.Post {
	t.Helper()
	p := &rythme.Post{
		ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: workspaceID, Content: "Hello " + t.Name(),
		ScheduledAt: at, Timezone: "Europe/Paris", Tags: []string{"launch", "week-1"},
		Author: "Alice", CreatedBy: "tok_x", CreatedAt: T0, UpdatedAt: T0,
	}
	for _, a := range accs {
		p.Targets = append(p.Targets, &rythme.Target{
			ID: rythme.NewID(rythme.PrefixTarget), AccountID: a.ID, Network: a.Network,
			Status: rythme.TargetScheduled, Version: 1, ScheduledAt: at, CreatedAt: T0, UpdatedAt: T0,
		})
	}
	must(t, s.CreatePost(ctx(t), p))
	return p
}

// runConcurrently runs fn(i) for i in [0, n) at once and returns the
// errors by i.
func runConcurrently(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	done := make(chan struct{})
	for i := 0; i < n; i++ {
		go func() {
			defer func() { done <- struct{}{} }()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	for i := 0; i < n; i++ {
		<-done
	}
	return errs
}

// countCodes counts nil errors as "" and others by code.
func countCodes(errs []error) map[string]int {
	m := map[string]int{}
	for _, err := range errs {
		m[rythme.ErrorCode(err)]++
	}
	return m
}

var errTest = errors.New("storetest: fn refused")
