package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"hash/crc32"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrations are numbered SQL files, one directory per dialect; a later
// change adds 00002_….sql to both.
//
//go:embed migrations/postgres/*.sql migrations/sqlite/*.sql
var migrations embed.FS

// migrate applies the pending migrations with goose's Provider API. On
// PostgreSQL a session advisory lock lets several replicas start at once:
// one migrates, the others wait and then find nothing to do.
// https://pkg.go.dev/github.com/pressly/goose/v3/lock#NewPostgresSessionLocker
func (s *Store) migrate(ctx context.Context) error {
	p, err := s.provider(ctx)
	if err != nil {
		return err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return s.fail("migrate", err)
	}
	for _, r := range res {
		s.log.Info("sqlstore: migration applied",
			slog.String("dialect", s.dialect),
			slog.Int64("version", r.Source.Version),
			slog.Duration("took", r.Duration))
	}
	return nil
}

// provider is goose's migration provider for this store's dialect, with
// the session lock on PostgreSQL.
func (s *Store) provider(ctx context.Context) (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+s.dialect)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrate: %w", err)
	}
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if s.dialect == DialectPostgres {
		dialect = goose.DialectPostgres
		id, err := s.lockID(ctx)
		if err != nil {
			return nil, err
		}
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(id), lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, fmt.Errorf("sqlstore: migrate: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, s.w, sub, opts...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrate: %w", err)
	}
	return p, nil
}

// lockID is the advisory lock id for migrations: one per database and
// schema, so that replicas of one deployment exclude each other while
// stores in other schemas (tests) do not wait for them.
func (s *Store) lockID(ctx context.Context) (int64, error) {
	var db, schema string
	if err := s.w.QueryRowContext(ctx, `SELECT current_database(), coalesce(current_schema(), '')`).Scan(&db, &schema); err != nil {
		return 0, s.fail("migrate", err)
	}
	return int64(crc32.ChecksumIEEE([]byte("rythme:" + db + "." + schema))), nil
}
