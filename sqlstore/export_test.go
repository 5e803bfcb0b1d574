package sqlstore

import "time"

// TS is the query argument for t on this store's dialect, for tests that
// write rows directly.
func (s *Store) TS(t time.Time) any { return s.ts(t) }
