package sqlstore

import (
	"context"
	"time"
)

// TS is the query argument for t on this store's dialect, for tests that
// write rows directly.
func (s *Store) TS(t time.Time) any { return s.ts(t) }

// MigrateDownTo undoes every migration after version, and MigrateUp
// applies the pending ones, for tests of a migration on data.
func (s *Store) MigrateDownTo(ctx context.Context, version int64) error {
	p, err := s.provider(ctx)
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, version)
	return err
}

func (s *Store) MigrateUp(ctx context.Context) error { return s.migrate(ctx) }
