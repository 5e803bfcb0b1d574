package sqlstore

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// sqliteTime is how SQLite stores a time: UTC, microseconds, fixed width,
// so that text order is time order and comparisons work in SQL.
const sqliteTime = "2006-01-02T15:04:05.000000Z"

// norm is what the store keeps of a time: UTC, truncated to microseconds
// (PostgreSQL's precision), so that both backends round-trip identically.
func norm(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func normPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	n := norm(*t)
	return &n
}

// ts is the query argument for t.
func (s *Store) ts(t time.Time) any {
	t = norm(t)
	if s.dialect == DialectSQLite {
		return t.Format(sqliteTime)
	}
	return t
}

// tsPtr is the query argument for an optional time (NULL when nil).
func (s *Store) tsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return s.ts(*t)
}

// timeCol scans a time column of either backend into *t (UTC).
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(src any) error {
	t, err := parseTime(src)
	if err != nil {
		return err
	}
	if t != nil {
		*c.t = *t
	} else {
		*c.t = time.Time{}
	}
	return nil
}

// nullTimeCol scans a nullable time column into **t.
type nullTimeCol struct{ t **time.Time }

func (c nullTimeCol) Scan(src any) error {
	t, err := parseTime(src)
	*c.t = t
	return err
}

func parseTime(src any) (*time.Time, error) {
	var t time.Time
	switch v := src.(type) {
	case nil:
		return nil, nil
	case time.Time:
		t = v
	case string:
		p, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: bad time %q: %w", v, err)
		}
		t = p
	case []byte:
		p, err := time.Parse(time.RFC3339Nano, string(v))
		if err != nil {
			return nil, fmt.Errorf("sqlstore: bad time %q: %w", v, err)
		}
		t = p
	default:
		return nil, fmt.Errorf("sqlstore: cannot scan %T into a time", src)
	}
	t = t.UTC()
	return &t, nil
}

// jsonText encodes v for a JSON text column.
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("sqlstore: encode json: %w", err)
	}
	return string(b), nil
}

func tagsText(tags []string) (string, error) {
	if tags == nil {
		tags = []string{}
	}
	return jsonText(tags)
}

func mapText(m map[string]string) (string, error) {
	if m == nil {
		m = map[string]string{}
	}
	return jsonText(m)
}

// parseTags decodes a tags column; never nil, so the API shows [].
func parseTags(s string) ([]string, error) {
	tags := []string{}
	if s == "" {
		return tags, nil
	}
	if err := json.Unmarshal([]byte(s), &tags); err != nil {
		return nil, fmt.Errorf("sqlstore: decode tags: %w", err)
	}
	if tags == nil {
		tags = []string{}
	}
	return tags, nil
}

// parseMap decodes a map column; nil when empty.
func parseMap(s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("sqlstore: decode json map: %w", err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// place names where a sealed value is stored, the additional
// authenticated data it is sealed with: a blob copied to another table,
// column or row does not open there.
func place(table, column string, row ...string) []byte {
	return []byte(table + "." + column + ":" + strings.Join(row, "\x00"))
}

// seal encrypts a secret bound to its place; the error never holds the
// plaintext.
func (s *Store) seal(what string, plaintext, at []byte) ([]byte, error) {
	if s.sealer == nil {
		return nil, fmt.Errorf("sqlstore: seal %s: no Sealer configured", what)
	}
	b, err := s.sealer.Seal(plaintext, at)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: seal %s: %w", what, err)
	}
	return b, nil
}

func (s *Store) unseal(what string, sealed, at []byte) ([]byte, error) {
	if s.sealer == nil {
		return nil, fmt.Errorf("sqlstore: open %s: no Sealer configured", what)
	}
	b, err := s.sealer.Open(sealed, at)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open %s: %w", what, err)
	}
	return b, nil
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface{ Scan(dest ...any) error }
