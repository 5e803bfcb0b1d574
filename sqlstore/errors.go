package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/rythmehq/rythme"
)

// fail translates err, which op met, into what the Store promises:
// *rythme.Error as is, ECONFLICT for a unique violation, EINVALID for a
// reference to a missing row, EUNAVAILABLE when the database cannot be
// reached, ENOTFOUND for sql.ErrNoRows, and an EINTERNAL wrap otherwise.
// Messages never carry SQL nor parameters; the cause stays in Err for logs.
func (s *Store) fail(op string, err error) error {
	if err == nil {
		return nil
	}
	var re *rythme.Error
	if errors.As(err, &re) {
		return err
	}
	wrapped := fmt.Errorf("sqlstore: %s: %w", op, err)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return &rythme.Error{Code: rythme.ENOTFOUND, Message: "not found", Err: wrapped}
	case isUnique(err):
		return &rythme.Error{Code: rythme.ECONFLICT, Message: "it already exists", Err: wrapped}
	case isForeignKey(err):
		return &rythme.Error{Code: rythme.EINVALID, Message: "it refers to something that does not exist", Err: wrapped}
	case isUnavailable(err):
		return s.unavailable(op, err)
	}
	return wrapped
}

// unavailable is the EUNAVAILABLE error the API answers with 503.
func (s *Store) unavailable(op string, err error) error {
	return &rythme.Error{
		Code:    rythme.EUNAVAILABLE,
		Message: "the database is unavailable; try again in a moment",
		Err:     fmt.Errorf("sqlstore: %s: %w", op, err),
	}
}

func notFound(what, id string) error {
	return rythme.Errorf(rythme.ENOTFOUND, "%s %s not found", what, id)
}

func sqliteCode(err error) (int, bool) {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code(), true
	}
	return 0, false
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// PostgreSQL error codes: https://www.postgresql.org/docs/current/errcodes-appendix.html
// SQLite extended result codes: https://www.sqlite.org/rescode.html
func isUnique(err error) bool {
	if c, ok := sqliteCode(err); ok {
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return pgCode(err) == "23505"
}

func isForeignKey(err error) bool {
	if c, ok := sqliteCode(err); ok {
		return c == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return pgCode(err) == "23503"
}

// isUnavailable reports errors that mean the database cannot be reached
// now but may be soon: refused, broken or closed connections (pgx's "conn
// closed" for one the server dropped), a server shutting down or refusing
// connections, deadlines, and SQLite lock timeouts.
func isUnavailable(err error) bool {
	if c, ok := sqliteCode(err); ok {
		c &= 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	if code := pgCode(err); code != "" {
		// class 08: connection exception; 57P01-03: shutdown, crash,
		// cannot connect now; 53300: too many connections.
		return strings.HasPrefix(code, "08") || code == "57P01" || code == "57P02" ||
			code == "57P03" || code == "53300"
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) || errors.Is(err, context.DeadlineExceeded) ||
		pgconn.Timeout(err)
}
