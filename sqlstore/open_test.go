package sqlstore_test

import (
	"context"
	"database/sql"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// quiet keeps migration messages out of the test output.
var quiet = slog.New(slog.DiscardHandler)

func TestConfig(t *testing.T) {
	t.Parallel()
	kr := storetest.Keyring(t)
	for _, tc := range []struct {
		name    string
		cfg     sqlstore.Config
		wantErr string
		conns   int
	}{
		{"sqlite defaults", sqlstore.Config{Sealer: kr}, "", 4},
		{"postgres defaults", sqlstore.Config{URL: "postgres://u@h/db", Sealer: kr}, "", 32},
		{"postgresql scheme", sqlstore.Config{URL: "postgresql://u@h/db", Sealer: kr, MaxOpenConns: 3}, "", 3},
		{"other scheme", sqlstore.Config{URL: "mysql://u@h/db", Sealer: kr}, "postgres://", 0},
		{"no sealer", sqlstore.Config{}, "Sealer", 0},
	} {
		cfg := tc.cfg.WithDefaults()
		err := cfg.Validate()
		if tc.wantErr == "" {
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if cfg.MaxOpenConns < tc.conns || cfg.DataDir != sqlstore.DefaultDataDir || cfg.Logger == nil {
				t.Fatalf("%s: defaults %+v", tc.name, cfg)
			}
		} else if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Fatalf("%s: error %v, want it to mention %q", tc.name, err, tc.wantErr)
		}
	}
	// The password never reaches a log line.
	var sb strings.Builder
	slog.New(slog.NewTextHandler(&sb, nil)).Info("config", "db", sqlstore.Config{URL: "postgres://u:hunter2@h/db"})
	if strings.Contains(sb.String(), "hunter2") {
		t.Fatalf("config logged with its password: %s", sb.String())
	}
}

func TestOpenUnreachablePostgres(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	// Port 1 on loopback: nothing listens, the connection is refused.
	_, err := sqlstore.Open(ctx, sqlstore.Config{URL: "postgres://postgres:secretpw@127.0.0.1:1/x?connect_timeout=2",
		Sealer: storetest.Keyring(t)})
	if rythme.ErrorCode(err) != rythme.EUNAVAILABLE {
		t.Fatalf("Open of an unreachable server: %v, want EUNAVAILABLE", err)
	}
	if msg := rythme.ErrorMessage(err); strings.Contains(msg, "127.0.0.1") || strings.Contains(msg, "secretpw") {
		t.Fatalf("user-facing message leaks connection details: %q", msg)
	}
}

func TestMigrateSQLite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := sqlstore.Config{DataDir: dir, Logger: quiet}
	for i := 0; i < 2; i++ { // idempotent
		if err := sqlstore.Migrate(t.Context(), cfg); err != nil {
			t.Fatalf("Migrate #%d: %v", i+1, err)
		}
	}
	cfg.Sealer = storetest.Keyring(t)
	s, err := sqlstore.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Dialect() != sqlstore.DialectSQLite {
		t.Fatalf("dialect %q", s.Dialect())
	}
	var mode string
	if err := s.DB().QueryRowContext(t.Context(), `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v; want wal", mode, err)
	}
	var fk int
	if err := s.DB().QueryRowContext(t.Context(), `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys = %d, %v", fk, err)
	}
	// Times are fixed-width UTC text, so that SQL compares them in order.
	ws := &rythme.Workspace{Name: "w", CreatedAt: time.Date(2030, 1, 2, 3, 4, 5, 6000, time.FixedZone("X", 3600))}
	if err := s.CreateWorkspace(t.Context(), ws); err != nil {
		t.Fatal(err)
	}
	var raw string
	if err := s.DB().QueryRowContext(t.Context(), `SELECT created_at FROM workspaces`).Scan(&raw); err != nil ||
		raw != "2030-01-02T02:04:05.000006Z" {
		t.Fatalf("stored time %q, %v", raw, err)
	}
}

// TestConcurrentOpenPostgres starts several replicas on one fresh schema at
// once: the session lock lets one migrate, and every Open succeeds.
func TestConcurrentOpenPostgres(t *testing.T) {
	t.Parallel()
	dsn := storetest.PostgresSchema(t)
	const n = 4
	var wg sync.WaitGroup
	stores := make([]*sqlstore.Store, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = sqlstore.Open(t.Context(), sqlstore.Config{URL: dsn, Sealer: storetest.Keyring(t), MaxOpenConns: 2, Logger: quiet})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	if stores[0].Dialect() != sqlstore.DialectPostgres {
		t.Fatalf("dialect %q", stores[0].Dialect())
	}
	var applied int
	if err := stores[0].DB().QueryRowContext(t.Context(),
		`SELECT count(*) FROM goose_db_version WHERE version_id = 1`).Scan(&applied); err != nil || applied != 1 {
		t.Fatalf("migration 1 recorded %d times, %v; want once", applied, err)
	}
	if err := sqlstore.Migrate(t.Context(), sqlstore.Config{URL: dsn, Logger: quiet}); err != nil {
		t.Fatalf("Migrate on an up-to-date schema: %v", err)
	}
}

// TestPostgresConnectionsKilled: when the server drops the store's
// connections (a restart, a failover), calls answer EUNAVAILABLE or succeed
// on a fresh connection; never an internal error. The store recovers.
func TestPostgresConnectionsKilled(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(storetest.PostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	app := "rythme_kill_" + strings.TrimPrefix(u.Query().Get("search_path"), "t_")
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	s, err := sqlstore.Open(t.Context(), sqlstore.Config{URL: u.String(), Sealer: storetest.Keyring(t), MaxOpenConns: 4, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ws := &rythme.Workspace{Name: "w"}
	if err := s.CreateWorkspace(t.Context(), ws); err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("pgx", storetest.PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	seen := map[string]int{}
	for round := 0; round < 3; round++ {
		var killed int
		if err := admin.QueryRowContext(t.Context(), `SELECT count(pg_terminate_backend(pid))
			FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&killed); err != nil {
			t.Fatal(err)
		}
		if killed == 0 {
			t.Fatal("no connection of the store to terminate")
		}
		for i := 0; i < 4; i++ {
			_, err := s.GetWorkspace(t.Context(), ws.ID)
			code := rythme.ErrorCode(err)
			seen[code]++
			if code != "" && code != rythme.EUNAVAILABLE {
				t.Fatalf("round %d: after the server dropped connections: %v (code %q), want success or EUNAVAILABLE", round, err, code)
			}
		}
	}
	t.Logf("outcomes by code: %v", seen)
	if _, err := s.GetWorkspace(t.Context(), ws.ID); err != nil {
		t.Fatalf("store did not recover: %v", err)
	}
}
