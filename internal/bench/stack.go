package bench

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/worker"
)

// StackConfig is the rythme a benchmark asks StartFunc for.
type StackConfig struct {
	Backend     string // "embedded" (SQLite + in-process Redis) or "postgres"
	DataDir     string // a fresh temporary directory (media under DataDir/media)
	DatabaseURL string // postgres: the URL of a fresh schema
	RedisURL    string // postgres: a flushed Redis DB
	FakenetURL  string // when set, RYTHME_FAKENET_URL: the app networks are offered on this fakenet
	// AllowNetworks is RYTHME_ALLOW_PRIVATE_NETWORKS: the loopback fakenet
	// listens on, which Mastodon's instance_url points at.
	AllowNetworks string
	Concurrency   int    // publish workers per network queue
	Token         string // RYTHME_BOOTSTRAP_TOKEN: the admin token the benchmark calls the API with
	// NoInboxStreams turns the worker's inbox streams off (every account
	// polled). It is on in every scenario but inbox's stream row: the
	// publishing scenarios' figures stay those of publishing, without the
	// read each stream makes on opening. InboxInterval, when set, is
	// RYTHME_INBOX_INTERVAL.
	NoInboxStreams bool
	InboxInterval  time.Duration
}

// Stack is a rythme running in this process: the API on a free loopback
// port (with no API rate limit) and its workers, polling every 100 ms.
type Stack struct {
	URL         string // the API's base URL
	DatabaseURL string // postgres: for the `rythme work` process of the load scenario
	SecretKey   string // idem
	Store       Store
	Poller      *worker.Poller
	Stop        func() // stops the API and the workers; safe to call more than once
	Close       func() // stops them, then closes the store and Redis
}

// Store is what the metrics scenario reads and fills directly.
type Store interface {
	DueMetrics(ctx context.Context, now time.Time, limit int) ([]rythme.MetricsDue, error)
	IndexLatestReadings(ctx context.Context) error
	LatestSnapshots(ctx context.Context, workspaceID string, from, to, asOf time.Time) ([]rythme.Snapshot, error)
	TokenByHash(ctx context.Context, hash []byte) (*rythme.APIToken, error)
	DB() *sql.DB
}

// StartFunc starts rythme for a benchmark; cmd/rythme wires it.
type StartFunc func(ctx context.Context, sc StackConfig, log *slog.Logger) (*Stack, error)

// benchStack is rythme running in this process for a benchmark: its
// own fakenet, a data directory, the store (embedded or a fresh
// PostgreSQL schema), Redis (in-process or a flushed DB), the workers and
// the API on a free port.
type benchStack struct {
	*Stack
	fakenet string // host:port
	fn      *fakenet.Server
	token   string
	client  *benchClient
	cleanup []func()
}

func (b *benchStack) close() {
	if b.Stack != nil {
		b.Stack.Close()
	}
	for i := len(b.cleanup) - 1; i >= 0; i-- {
		b.cleanup[i]()
	}
}

// benchToken is the admin token of the stack's first workspace.
const benchToken = "rym_bench_admin_token_0123456789"

func startBenchStack(ctx context.Context, o Options, startStack StartFunc, backend string, fakenetURL bool, log *slog.Logger) (*benchStack, error) {
	return startBenchStackWith(ctx, o, startStack, backend, fakenetURL, log, nil)
}

// startBenchStackWith is startBenchStack with edit applied to the stack's
// configuration (when not nil).
func startBenchStackWith(ctx context.Context, o Options, startStack StartFunc, backend string, fakenetURL bool, log *slog.Logger, edit func(*StackConfig)) (*benchStack, error) {
	b := &benchStack{token: benchToken}
	fail := func(err error) (*benchStack, error) { b.close(); return nil, err }
	tmp, err := os.MkdirTemp("", "rythme-bench-")
	if err != nil {
		return nil, err
	}
	b.cleanup = append(b.cleanup, func() { os.RemoveAll(tmp) })
	fn, fnAddr, stopFakenet, err := startFakenet(log)
	if err != nil {
		return fail(err)
	}
	b.fakenet, b.fn = fnAddr, fn
	b.cleanup = append(b.cleanup, stopFakenet)

	sc := StackConfig{Backend: backend, DataDir: tmp, Concurrency: o.Concurrency, Token: benchToken, AllowNetworks: fakenetHost,
		NoInboxStreams: true}
	if fakenetURL {
		sc.FakenetURL = "http://" + fnAddr
	}
	switch backend {
	case "embedded":
	case "postgres":
		dbURL, drop, err := freshSchema(ctx, o.DatabaseURL)
		if err != nil {
			return fail(err)
		}
		b.cleanup = append(b.cleanup, drop)
		sc.DatabaseURL, sc.RedisURL = dbURL, o.RedisURL
		opt, err := redis.ParseURL(o.RedisURL)
		if err != nil {
			return fail(err)
		}
		rc := redis.NewClient(opt)
		err = rc.FlushDB(ctx).Err()
		rc.Close()
		if err != nil {
			return fail(fmt.Errorf("flush bench redis: %w", err))
		}
	default:
		return fail(fmt.Errorf("unknown backend %q", backend))
	}
	if edit != nil {
		edit(&sc)
	}
	if b.Stack, err = startStack(ctx, sc, log); err != nil {
		return fail(err)
	}
	b.client = &benchClient{base: b.URL, token: benchToken, http: &http.Client{
		Timeout:       30 * time.Second,
		Transport:     &http.Transport{MaxIdleConnsPerHost: 64},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	if err := b.client.waitReady(ctx); err != nil {
		return fail(err)
	}
	return b, nil
}

// fakenetSeed is the seed of the benchmarks' fakenet.
const fakenetSeed = 1

// fakenetHost is the address fakenet listens on.
const fakenetHost = "127.0.0.1"

// startFakenet serves fakenet on a free loopback port, with rate limits
// out of the way of the measurement.
func startFakenet(log *slog.Logger) (*fakenet.Server, string, func(), error) {
	ln, err := net.Listen("tcp", fakenetHost+":0")
	if err != nil {
		return nil, "", nil, err
	}
	fn := fakenet.New(fakenet.Config{Seed: fakenetSeed, Logger: log, RateLimit: -1})
	srv := &http.Server{Handler: fn.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return fn, ln.Addr().String(), func() { fn.Close(); srv.Close() }, nil
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
