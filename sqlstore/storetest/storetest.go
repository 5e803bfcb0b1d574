// Package storetest gives tests a real store, the embedded SQLite in a
// temporary directory or a fresh schema on a PostgreSQL server, and holds
// the one conformance suite (Exercise) that every rythme.Store backend
// passes.
//
// It is for tests only: it must never be imported by production code, and
// it never drops anything but the schema it created.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"

	"github.com/rythmehq/rythme/keyring"
	"github.com/rythmehq/rythme/sqlstore"
)

// DefaultPostgresURL is the server Postgres uses unless
// RYTHME_TEST_DATABASE_URL names another.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Keyring returns a keyring with a fresh random key.
func Keyring(t testing.TB) *keyring.Keyring {
	t.Helper()
	kr, err := keyring.Parse(keyring.GenerateKey())
	if err != nil {
		t.Fatalf("storetest: keyring: %v", err)
	}
	return kr
}

// quietLogger keeps migration messages out of test output.
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// SQLite opens a migrated SQLite store in a temporary directory, with a
// test keyring, closed at the end of the test.
func SQLite(t testing.TB) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), sqlstore.Config{
		DataDir: t.TempDir(),
		Sealer:  Keyring(t),
		Logger:  quietLogger(),
	})
	if err != nil {
		t.Fatalf("storetest: open sqlite: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// PostgresURL returns the test server's URL (RYTHME_TEST_DATABASE_URL or
// DefaultPostgresURL).
func PostgresURL() string {
	if u := os.Getenv("RYTHME_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// Unreachable skips the test, or fails it when RYTHME_REQUIRE_SERVICES=1:
// for a service (PostgreSQL, Redis) the test cannot reach.
func Unreachable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("RYTHME_REQUIRE_SERVICES") == "1" {
		t.Fatalf("%s (RYTHME_REQUIRE_SERVICES=1)", msg)
	}
	t.Skip(msg)
}

// PostgresSchema creates a fresh schema t_<random> on the test server and
// returns a URL whose connections use it (search_path), dropping the
// schema at the end of the test. An unreachable server skips the test (or
// fails it when RYTHME_REQUIRE_SERVICES=1).
func PostgresSchema(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("storetest: postgres url: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		Unreachable(t, "storetest: PostgreSQL at %s is unreachable: %v", sqlstore.RedactURL(base), err)
	}
	admin.SetMaxOpenConns(1)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		t.Fatalf("storetest: create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("storetest: drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("storetest: postgres url: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Postgres opens a migrated store on a fresh schema of the test server
// (see PostgresSchema), with a test keyring; the store is closed and the
// schema dropped at the end of the test.
func Postgres(t testing.TB) *sqlstore.Store {
	t.Helper()
	dsn := PostgresSchema(t)
	s, err := sqlstore.Open(context.Background(), sqlstore.Config{
		URL:          dsn,
		Sealer:       Keyring(t),
		Logger:       quietLogger(),
		MaxOpenConns: 6,
	})
	if err != nil {
		t.Fatalf("storetest: open postgres: %v", err)
	}
	t.Cleanup(func() { s.Close() }) // runs before the schema is dropped
	return s
}

// Backends lists the stores Exercise and other suites run against, by
// name: "sqlite" and "postgres".
var Backends = []struct {
	Name string
	Open func(t testing.TB) *sqlstore.Store
}{
	{"sqlite", SQLite},
	{"postgres", Postgres},
}
