package sqlstore

import (
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rythmehq/rythme"
)

// TestClosedConnectionIsUnavailable: a connection the server dropped
// (PostgreSQL crashed) answers 503, not 500 — the chaos suite's PostgreSQL
// crash found pgx's "conn closed" classed as an internal error.
func TestClosedConnectionIsUnavailable(t *testing.T) {
	s := &Store{dialect: DialectPostgres}
	err := s.fail("list posts", fmt.Errorf("query: %w", pgconn.ErrConnClosed))
	if rythme.ErrorCode(err) != rythme.EUNAVAILABLE {
		t.Fatalf("conn closed: %v (code %q), want EUNAVAILABLE", err, rythme.ErrorCode(err))
	}
}
