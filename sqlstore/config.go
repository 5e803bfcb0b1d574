package sqlstore

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/rythmehq/rythme"
)

// Dialect names, as (*Store).Dialect reports them.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// DefaultDataDir is where the embedded SQLite database lives unless
// Config.DataDir says otherwise.
const DefaultDataDir = "./rythme-data"

// DatabaseFile is the name of the SQLite database inside DataDir.
const DatabaseFile = "rythme.db"

// Config says which database to open and how.
type Config struct {
	// URL selects the backend: "" opens SQLite at DataDir/rythme.db;
	// "postgres://…" or "postgresql://…" opens PostgreSQL (pgx URL
	// parameters, search_path included, are passed on).
	URL string
	// DataDir holds the SQLite database. Default "./rythme-data". Unused
	// with PostgreSQL.
	DataDir string
	// Sealer encrypts account tokens, OAuth client secrets and PKCE
	// verifiers at rest. Required by Open; Migrate does without.
	Sealer rythme.Sealer
	// Logger receives migration and pool messages. Default slog.Default().
	Logger *slog.Logger
	// MaxOpenConns bounds the connection pool. Default 32 on PostgreSQL. On
	// SQLite it bounds the read connections (default max(4, GOMAXPROCS));
	// writes always go through one connection, which serialises writers in
	// Go instead of making them wait on the file lock.
	MaxOpenConns int
}

// WithDefaults returns c with every unset field given its documented
// default.
func (c Config) WithDefaults() Config {
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.MaxOpenConns <= 0 {
		if c.dialect() == DialectPostgres {
			c.MaxOpenConns = 32
		} else {
			c.MaxOpenConns = max(4, runtime.GOMAXPROCS(0))
		}
	}
	return c
}

// Validate reports what is wrong with c (call it after WithDefaults).
func (c Config) Validate() error {
	if err := c.validateConn(); err != nil {
		return err
	}
	if c.Sealer == nil {
		return errors.New("sqlstore: config: a Sealer is required to keep secrets encrypted at rest")
	}
	return nil
}

func (c Config) validateConn() error {
	if c.URL != "" && c.dialect() != DialectPostgres {
		return errors.New("sqlstore: config: database URL must start with postgres:// or postgresql:// (leave it empty for the embedded SQLite)")
	}
	if c.URL != "" {
		if _, err := url.Parse(c.URL); err != nil {
			return errors.New("sqlstore: config: database URL cannot be parsed")
		}
	}
	if c.URL == "" && c.DataDir == "" {
		return errors.New("sqlstore: config: DataDir is required for SQLite")
	}
	if c.MaxOpenConns < 0 {
		return fmt.Errorf("sqlstore: config: MaxOpenConns is %d, want >= 0", c.MaxOpenConns)
	}
	return nil
}

func (c Config) dialect() string {
	u := strings.ToLower(c.URL)
	if strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://") {
		return DialectPostgres
	}
	if c.URL == "" {
		return DialectSQLite
	}
	return ""
}

// sqlitePath is the database file of the SQLite backend.
func (c Config) sqlitePath() string { return filepath.Join(c.DataDir, DatabaseFile) }

// LogValue masks the password of the URL, so that a Config can be logged.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("url", RedactURL(c.URL)),
		slog.String("data_dir", c.DataDir),
		slog.Int("max_open_conns", c.MaxOpenConns),
	)
}

// RedactURL returns u with its password replaced by "xxxxx".
func RedactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	return p.Redacted()
}
