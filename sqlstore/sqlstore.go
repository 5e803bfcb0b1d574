// Package sqlstore is rythme's system of record: the rythme.Store on SQL,
// with one code path through database/sql for two backends, the embedded
// SQLite (modernc.org/sqlite, pure Go) and PostgreSQL (pgx), and the
// embedded goose migrations of both.
//
// It translates driver errors into *rythme.Error at its boundary and seals
// secrets (account tokens, OAuth client secrets, PKCE verifiers) with the
// configured Sealer before they are written. It must never log a secret or
// a query's parameters, never put SQL into a user-facing message, and never
// hold business rules: those live in the rythme package.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	_ "modernc.org/sqlite"             // driver "sqlite"

	"github.com/rythmehq/rythme"
)

// Store is the SQL implementation of rythme.Store. It is safe for use by
// many goroutines.
type Store struct {
	dialect string
	// w takes every write and every transaction; r takes single reads. On
	// PostgreSQL both are the same pool. On SQLite, w has one connection
	// (writers queue in Go, not on the file lock) and r several read-only
	// ones, which WAL lets run alongside the writer.
	w, r   *sql.DB
	sealer rythme.Sealer
	log    *slog.Logger
}

var _ rythme.Store = (*Store)(nil)

// busyTimeout is how long a SQLite connection waits for a lock held by
// another connection (or another process, such as `rythme migrate`).
const busyTimeout = 10 * time.Second

// Open connects to the database named by cfg, applies the pending
// migrations and returns the store. An unreachable database answers an
// EUNAVAILABLE *rythme.Error.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s, err := open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Migrate applies the pending migrations of the database named by cfg and
// closes it: `rythme migrate`. cfg.Sealer is not needed.
func Migrate(ctx context.Context, cfg Config) error {
	cfg = cfg.WithDefaults()
	if err := cfg.validateConn(); err != nil {
		return err
	}
	s, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.migrate(ctx)
}

func open(ctx context.Context, cfg Config) (*Store, error) {
	s := &Store{dialect: cfg.dialect(), sealer: cfg.Sealer, log: cfg.Logger}
	switch s.dialect {
	case DialectPostgres:
		db, err := sql.Open("pgx", cfg.URL)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: open postgres: %w", err)
		}
		db.SetMaxOpenConns(cfg.MaxOpenConns)
		db.SetMaxIdleConns(cfg.MaxOpenConns)
		db.SetConnMaxIdleTime(5 * time.Minute)
		db.SetConnMaxLifetime(time.Hour)
		s.w, s.r = db, db
	default:
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("sqlstore: create data dir: %w", err)
		}
		path := cfg.sqlitePath()
		if err := ownerOnly(path); err != nil {
			return nil, err
		}
		common := url.Values{}
		common.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
		common.Set("_foreign_keys", "1")
		wq := url.Values{}
		for k, v := range common {
			wq[k] = v
		}
		wq.Set("_journal_mode", "WAL")
		wq.Set("_synchronous", "NORMAL")
		// Immediate transactions take the write lock at BEGIN, so that a
		// transaction never fails half-way on a lock upgrade (SQLITE_BUSY).
		// https://www.sqlite.org/lang_transaction.html#deferred_immediate_and_exclusive_transactions
		wq.Set("_txlock", "immediate")
		w, err := sql.Open("sqlite", path+"?"+wq.Encode())
		if err != nil {
			return nil, fmt.Errorf("sqlstore: open sqlite: %w", err)
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxIdleTime(0)
		// Create the file and switch it to WAL before the readers open it.
		if err := w.PingContext(ctx); err != nil {
			w.Close()
			return nil, s.fail("open", err)
		}
		rq := common
		rq.Set("_query_only", "1")
		r, err := sql.Open("sqlite", path+"?"+rq.Encode())
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("sqlstore: open sqlite: %w", err)
		}
		r.SetMaxOpenConns(cfg.MaxOpenConns)
		r.SetMaxIdleConns(cfg.MaxOpenConns)
		s.w, s.r = w, r
		for _, f := range []string{path + "-wal", path + "-shm"} { // made by older versions, or before the chmod
			if err := os.Chmod(f, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
				s.Close()
				return nil, fmt.Errorf("sqlstore: %w", err)
			}
		}
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// DB returns the pool that writes (on PostgreSQL the only one), for tests
// and tools that read the raw tables.
func (s *Store) DB() *sql.DB { return s.w }

// Dialect reports the backend: "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

// Ping reports whether the database answers (EUNAVAILABLE if not).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return s.unavailable("ping", err)
	}
	if s.r != s.w {
		if err := s.r.PingContext(ctx); err != nil {
			return s.unavailable("ping", err)
		}
	}
	return nil
}

// Close closes the pools.
func (s *Store) Close() error {
	err := s.w.Close()
	if s.r != s.w {
		if rerr := s.r.Close(); err == nil {
			err = rerr
		}
	}
	return err
}

// forUpdate locks the rows a SELECT reads on PostgreSQL; SQLite's immediate
// transaction already holds the database's write lock.
func (s *Store) forUpdate() string {
	if s.dialect == DialectPostgres {
		return " FOR UPDATE"
	}
	return ""
}

// tx runs fn in a write transaction, committing when it returns nil.
func (s *Store) tx(ctx context.Context, op string, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(op, err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return s.fail(op, err)
	}
	if err := tx.Commit(); err != nil {
		return s.fail(op, err)
	}
	return nil
}

// readTx runs fn in a read-only transaction, so that several statements
// see one snapshot.
func (s *Store) readTx(ctx context.Context, op string, fn func(*sql.Tx) error) error {
	var opts *sql.TxOptions
	if s.dialect == DialectPostgres {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := s.r.BeginTx(ctx, opts)
	if err != nil {
		return s.fail(op, err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	if err := fn(tx); err != nil {
		return s.fail(op, err)
	}
	return nil
}

// ownerOnly creates the SQLite file readable by its owner only (0600)
// before SQLite opens it, or makes an existing one so: SQLite gives its WAL
// and shared-memory files the mode of the database file, and they hold
// everything the database does.
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sqlstore: create database file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("sqlstore: create database file: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return fmt.Errorf("sqlstore: %w", err)
	}
	return nil
}
