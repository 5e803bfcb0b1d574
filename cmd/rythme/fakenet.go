package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/rythmehq/rythme/fakenet"
)

func runFakenet(ctx context.Context, cfg config, log *slog.Logger) error {
	fn := fakenet.New(fakenet.Config{Seed: cfg.FakenetSeed, Logger: log, RateLimit: cfg.FakenetRate})
	// Closing fakenet releases requests held open by timeout faults, so
	// that the server's graceful shutdown does not wait for them.
	go func() { <-ctx.Done(); fn.Close() }()
	log.Info("fakenet: Mastodon instance at http://" + cfg.FakenetAddr + "/mastodon; record at /_fakenet/posts")
	return serveHTTP(ctx, cfg.FakenetAddr, fn.Handler(), log)
}

// startFakenetForBench serves fakenet on a free loopback port, with rate
// limits out of the way of the measurement.
func startFakenetForBench(ctx context.Context, log *slog.Logger) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	fn := fakenet.New(fakenet.Config{Seed: 1, Logger: log, RateLimit: -1})
	srv := &http.Server{Handler: fn.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return ln.Addr().String(), func() { fn.Close(); srv.Close() }, nil
}

// freshSchema makes a schema of its own on the PostgreSQL at dbURL and
// returns a URL that uses it, and a function that drops it.
func freshSchema(ctx context.Context, dbURL string) (string, func(), error) {
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return "", nil, err
	}
	schema := fmt.Sprintf("bench_%d", time.Now().UnixNano())
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("create bench schema: %w", err)
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		db.Close()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		db.Close()
	}, nil
}
