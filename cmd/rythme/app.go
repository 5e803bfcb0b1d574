package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/keyring"
	"github.com/rythmehq/rythme/listening"
	"github.com/rythmehq/rythme/media"
	"github.com/rythmehq/rythme/sqlstore"
	"github.com/rythmehq/rythme/telemetry"
	"github.com/rythmehq/rythme/worker"
)

func newSecretKey() string { return keyring.GenerateKey() }

// openKeyring uses RYTHME_SECRET_KEY, or, for the embedded default only,
// a key generated once into the data directory.
func openKeyring(cfg config) (*keyring.Keyring, error) {
	if cfg.SecretKey != "" {
		return keyring.Parse(cfg.SecretKey)
	}
	if cfg.DatabaseURL != "" {
		return nil, errors.New("RYTHME_SECRET_KEY is required with DATABASE_URL (every replica needs the same key; `rythme keygen` makes one)")
	}
	return keyring.LoadOrCreateFile(filepath.Join(cfg.DataDir, "secret.key"))
}

func openStore(ctx context.Context, cfg config, kr *keyring.Keyring, log *slog.Logger) (*sqlstore.Store, error) {
	st, err := sqlstore.Open(ctx, sqlstore.Config{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, Sealer: kr, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return st, nil
}

// openRedis connects to REDIS_URL, Sentinel or a Redis Cluster; with none, and only when
// embedded is allowed, it starts an in-process Redis (safe because the
// store is the system of record: the reconciler rebuilds the queue).
func openRedis(ctx context.Context, cfg config, embedded bool, log *slog.Logger) (redis.UniversalClient, func(), error) {
	var c redis.UniversalClient
	switch {
	case cfg.SentinelAddrs != "":
		c = redis.NewFailoverClient(&redis.FailoverOptions{MasterName: cfg.SentinelMaster, SentinelAddrs: strings.Split(cfg.SentinelAddrs, ",")})
	case cfg.ClusterAddrs != "":
		opt, err := clusterOptions(cfg.ClusterAddrs)
		if err != nil {
			return nil, nil, err
		}
		c = redis.NewClusterClient(opt)
	case cfg.RedisURL != "":
		opt, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return nil, nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		opt.PoolSize = max(opt.PoolSize, 64)
		c = redis.NewClient(opt)
	case embedded:
		m := miniredis.NewMiniRedis()
		if err := m.StartAddr("127.0.0.1:0"); err != nil {
			return nil, nil, fmt.Errorf("start in-process redis: %w", err)
		}
		log.Info("using the in-process Redis (set REDIS_URL to share one between processes)")
		c = redis.NewClient(&redis.Options{Addr: m.Addr(), PoolSize: 64})
		return c, func() { c.Close(); m.Close() }, nil
	default:
		return nil, nil, errors.New("REDIS_URL (or REDIS_SENTINEL_ADDRS, or REDIS_CLUSTER_ADDRS) is required: `serve` and `work` share one Redis; run `rythme` alone for the embedded mode")
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := c.Ping(pctx).Err(); err != nil {
		log.Warn("redis not reachable yet; will keep trying", slog.Any("err", err))
	}
	return c, func() { c.Close() }, nil
}

// clusterOptions reads REDIS_CLUSTER_ADDRS: node addresses separated by
// commas (host:port,host:port), or a go-redis cluster URL
// (redis://user:pass@host1:port?addr=host2:port&addr=…; rediss:// for TLS).
// Every key rythme and asynq use together carries a hash tag (asynq's
// "asynq:{queue}:…"; rythme's own are one key per command or script), so
// the cluster needs no other setting.
func clusterOptions(v string) (*redis.ClusterOptions, error) {
	var opt *redis.ClusterOptions
	if strings.Contains(v, "://") {
		o, err := redis.ParseClusterURL(v)
		if err != nil {
			return nil, fmt.Errorf("REDIS_CLUSTER_ADDRS: %w", err)
		}
		opt = o
	} else {
		opt = &redis.ClusterOptions{}
		for _, a := range strings.Split(v, ",") {
			a = strings.TrimSpace(a)
			if _, _, err := net.SplitHostPort(a); err != nil {
				return nil, fmt.Errorf("REDIS_CLUSTER_ADDRS: %q is not host:port", a)
			}
			opt.Addrs = append(opt.Addrs, a)
		}
	}
	// As for REDIS_URL: enough connections for every publish worker, per node.
	opt.PoolSize = max(opt.PoolSize, 64)
	return opt, nil
}

// bootstrapStore is what bootstrap uses of the store.
type bootstrapStore interface {
	Bootstrap(ctx context.Context, ws *rythme.Workspace, tok *rythme.APIToken) (bool, error)
	TokenByHash(ctx context.Context, hash []byte) (*rythme.APIToken, error)
	CreateFirstMember(ctx context.Context, m *rythme.Member, workspaceID string) (bool, error)
	MemberByEmail(ctx context.Context, email string) (*rythme.Member, error)
}

// bootstrap creates the first workspace and its admin token on an empty
// store. The token is RYTHME_BOOTSTRAP_TOKEN or a random one, logged once.
func bootstrap(ctx context.Context, cfg config, st bootstrapStore, log *slog.Logger) error {
	secret := cfg.BootstrapToken
	random := secret == ""
	if random {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		secret = rythme.TokenSecretPrefix + base64.RawURLEncoding.EncodeToString(b)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	ws := &rythme.Workspace{ID: rythme.NewID(rythme.PrefixWorkspace), Name: "My workspace", CreatedAt: now}
	tok := &rythme.APIToken{ID: rythme.NewID(rythme.PrefixToken), WorkspaceID: ws.ID, Name: "bootstrap admin",
		Role: rythme.RoleAdmin, Hash: rythme.HashToken(secret), CreatedAt: now}
	created, err := st.Bootstrap(ctx, ws, tok)
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if err := bootstrapAdmin(ctx, cfg, st, created, log); err != nil {
		return err
	}
	if created && random {
		log.Info("created the first workspace; its admin API token is shown this once: keep it", slog.String("workspace_id", ws.ID),
			slog.String("admin_token", secret))
	} else if created {
		log.Info("created the first workspace with RYTHME_BOOTSTRAP_TOKEN as admin token", slog.String("workspace_id", ws.ID))
	} else if !random {
		// The store had a workspace already: the variable did nothing. Say so,
		// or the token answers 401 with no clue why (issue 12).
		_, err := st.TokenByHash(ctx, tok.Hash)
		if rythme.ErrorCode(err) == rythme.ENOTFOUND {
			fresh := "an empty database"
			if cfg.DatabaseURL == "" {
				fresh = "another data folder, e.g. RYTHME_DATA=./rythme-try"
			}
			log.Warn(fmt.Sprintf("RYTHME_BOOTSTRAP_TOKEN is set but %s already has a workspace; the token was not added and will answer 401. "+
				"Use the admin token logged at the first start (or one made with POST /v1/tokens), or start on %s",
				storeName(cfg), fresh), slog.String("variable", "RYTHME_BOOTSTRAP_TOKEN"), slog.String("store", storeName(cfg)))
		} else if err != nil {
			return fmt.Errorf("bootstrap: look the token up: %w", err)
		}
	}
	return nil
}

// storeName names the store for a person: the data folder of the
// embedded default, or the PostgreSQL database (without its password).
func storeName(cfg config) string {
	if cfg.DatabaseURL != "" {
		return "the database " + redactURL(cfg.DatabaseURL)
	}
	return cfg.DataDir
}

// components is what serve and work share.
type components struct {
	store    *sqlstore.Store
	media    *media.Dir
	signer   *media.Signer
	redis    redis.UniversalClient
	metrics  *telemetry.Metrics
	registry *connectors.Registry
	// http makes every call to a network: guarded, since some hosts are
	// chosen by users (see netPolicy).
	http    *http.Client
	closers []func()
}

func (c *components) close() {
	for i := len(c.closers) - 1; i >= 0; i-- {
		c.closers[i]()
	}
}

func open(ctx context.Context, cfg config, embeddedRedis bool, log *slog.Logger) (*components, error) {
	connectors.SetUserAgent(version, cfg.PublicURL)
	guarded := connectors.NewGuardedHTTPClient(netPolicy(ctx, cfg))
	c := &components{metrics: telemetry.New(), registry: registry(cfg, guarded), http: guarded}
	kr, err := openKeyring(cfg)
	if err != nil {
		return nil, err
	}
	if c.media, err = media.NewDir(cfg.MediaDir); err != nil {
		return nil, err
	}
	c.signer = media.NewSigner(kr.Derive("media-url")...)
	st, err := openStore(ctx, cfg, kr, log)
	if err != nil {
		return nil, err
	}
	c.store = st
	c.closers = append(c.closers, func() { st.Close() })
	rdb, closeRedis, err := openRedis(ctx, cfg, embeddedRedis, log)
	if err != nil {
		c.close()
		return nil, err
	}
	c.redis = rdb
	c.closers = append(c.closers, closeRedis)
	return c, nil
}

// stageAhead is RYTHME_STAGE_AHEAD as worker.Config takes it: 0 there means
// the default, negative none.
func stageAhead(cfg config) time.Duration {
	if cfg.StageAhead <= 0 {
		return -1
	}
	return cfg.StageAhead
}

// claimAhead is RYTHME_CLAIM_AHEAD as worker.Config takes it.
func claimAhead(cfg config) time.Duration {
	if cfg.ClaimAhead <= 0 {
		return -1
	}
	return cfg.ClaimAhead
}

func (c *components) worker(cfg config, log *slog.Logger) (*worker.Worker, error) {
	conc, _ := cfg.concurrency()
	def := conc["default"]
	delete(conc, "default")
	return worker.New(worker.Config{Redis: c.redis, Store: c.store, Connectors: c.registry, Metrics: c.metrics, Logger: log,
		PublicURL: cfg.PublicURL, Concurrency: conc, DefaultConcurrency: def, Horizon: cfg.Horizon,
		ReconcileInterval: cfg.Reconcile, Lease: cfg.Lease, PublishTimeout: cfg.PublishTimeout, PollInterval: cfg.PollInterval,
		AllowPrivateWebhooks: cfg.AllowPrivate, Media: c.media, MediaSigner: c.signer, HTTPClient: c.http,
		MetricsInterval: cfg.MetricsInterval, RefreshAhead: cfg.RefreshAhead, InboxInterval: cfg.InboxInterval,
		ReadingsRetention: cfg.ReadingsRetention, StageAhead: stageAhead(cfg), ClaimAhead: claimAhead(cfg), NoInboxStreams: cfg.noInboxStreams})
}

func (c *components) api(cfg config, log *slog.Logger, q api.Queue) (http.Handler, error) {
	mod, _ := q.(listening.ModerationQueue) // the worker's queue runs moderation too
	return api.New(api.Config{Store: c.store, Connectors: c.registry, Queue: q, Moderation: mod, Metrics: c.metrics, Logger: log,
		Polls:     worker.NewPollRequests(c.redis, nil),
		History:   worker.NewHistoryRequests(c.redis, c.store, nil),
		PublicURL: cfg.PublicURL, Horizon: cfg.Horizon, Media: c.media, MediaSigner: c.signer, MaxMediaBytes: cfg.MediaMaxBytes,
		MediaQuota: cfg.MediaQuota, MediaUploadTimeout: cfg.MediaUpload,
		RateLimit: cfg.APIRate, RateBurst: int(4 * cfg.APIRate), PublicRateLimit: cfg.publicRate, HTTPClient: c.http, AllowPrivateWebhooks: cfg.AllowPrivate,
		Mailer: newMailer(cfg), SignInLimiter: worker.NewSignInLimiter(c.redis), Ready: func(ctx context.Context) error { return c.redis.Ping(ctx).Err() }})
}

// newHTTPServer bounds what a slow or hostile client can hold: headers
// must arrive within 5s (slowloris), a whole request within 30s, and
// headers are at most 64 KiB; the API bounds bodies itself.
func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
}

// serveHTTP serves h on addr until ctx is done, then drains for up to 20s.
func serveHTTP(ctx context.Context, addr string, h http.Handler, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	srv := newHTTPServer(h, log)
	log.Info("listening", slog.String("addr", ln.Addr().String()))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

func runAll(ctx context.Context, cfg config, log *slog.Logger) error {
	log.Info("starting rythme", slog.String("version", version), slog.Any("config", cfg))
	c, err := open(ctx, cfg, true, log)
	if err != nil {
		return err
	}
	defer c.close()
	if err := bootstrap(ctx, cfg, c.store, log); err != nil {
		return err
	}
	w, err := c.worker(cfg, log)
	if err != nil {
		return err
	}
	h, err := c.api(cfg, log, w.Queue())
	if err != nil {
		return err
	}
	return runBoth(ctx, func(ctx context.Context) error { return serveHTTP(ctx, cfg.Addr, h, log) }, w.Run)
}

func runServe(ctx context.Context, cfg config, log *slog.Logger) error {
	log.Info("starting rythme serve", slog.String("version", version), slog.Any("config", cfg))
	c, err := open(ctx, cfg, false, log)
	if err != nil {
		return err
	}
	defer c.close()
	if err := bootstrap(ctx, cfg, c.store, log); err != nil {
		return err
	}
	if err := worker.RegisterQueueDepth(c.metrics, c.redis, c.registry); err != nil {
		return err
	}
	q := worker.NewQueue(asynqClient(c.redis), c.store, cfg.Horizon, nil).WithStageAhead(max(stageAhead(cfg), 0))
	h, err := c.api(cfg, log, q)
	if err != nil {
		return err
	}
	return serveHTTP(ctx, cfg.Addr, h, log)
}

func runWork(ctx context.Context, cfg config, log *slog.Logger) error {
	log.Info("starting rythme work", slog.String("version", version), slog.Any("config", cfg))
	c, err := open(ctx, cfg, false, log)
	if err != nil {
		return err
	}
	defer c.close()
	w, err := c.worker(cfg, log)
	if err != nil {
		return err
	}
	if cfg.WorkerAddr == "" {
		return w.Run(ctx)
	}
	return runBoth(ctx, w.Run, func(ctx context.Context) error {
		return serveHTTP(ctx, cfg.WorkerAddr, opsHandler(c), log)
	})
}

func runMigrate(ctx context.Context, cfg config, log *slog.Logger) error {
	kr, err := openKeyring(cfg)
	if err != nil {
		return err
	}
	if err := sqlstore.Migrate(ctx, sqlstore.Config{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, Sealer: kr, Logger: log}); err != nil {
		return err
	}
	log.Info("migrations applied")
	return nil
}

// runRekey re-seals every stored secret with the current key, bound to its
// row, printing its progress; it fails when a value no key opens, so that
// the old key is not dropped while something still needs it.
func runRekey(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
	kr, err := openKeyring(cfg)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, kr, log)
	if err != nil {
		return err
	}
	defer st.Close()
	last := time.Now()
	p, err := st.Rekey(ctx, func(p sqlstore.RekeyProgress) {
		if time.Since(last) >= time.Second {
			last = time.Now()
			fmt.Fprintf(stdout, "rekey: %d of %d looked at (%d re-sealed)\n", p.Done(), p.Total, p.Resealed)
		}
	})
	if err != nil {
		return fmt.Errorf("rekey: %w", err)
	}
	fmt.Fprintf(stdout, "rekey: %d of %d re-sealed with the current key, %d already current, %d could not be opened\n",
		p.Resealed, p.Total, p.Current, p.Failed)
	if p.Failed > 0 {
		return fmt.Errorf("rekey: %d sealed values open with no configured key (see the log); their accounts show as needs_reconnect", p.Failed)
	}
	return nil
}

// runBoth runs a and b until ctx is done or one of them fails, then stops
// the other and returns the first error.
func runBoth(ctx context.Context, a, b func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	go func() { errc <- a(ctx) }()
	go func() { errc <- b(ctx) }()
	err := <-errc
	cancel()
	if err2 := <-errc; err == nil {
		err = err2
	}
	return err
}
