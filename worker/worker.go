package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme/calendars"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/media"
	"github.com/rythmehq/rythme/netguard"
	"github.com/rythmehq/rythme/telemetry"
)

// Config of a worker process. Zero values take the documented defaults.
type Config struct {
	Redis      redis.UniversalClient // required
	Store      Store                 // required: rythme.Store is one
	Connectors *connectors.Registry  // required
	Metrics    *telemetry.Metrics    // optional
	Logger     *slog.Logger          // default slog.Default()
	Clock      Clock                 // default RealClock
	HTTPClient *http.Client          // default connectors.NewGuardedHTTPClient (no private network)
	// PublicURL is the API's public base URL: OAuth redirect URIs are
	// PublicURL + "/v1/oauth/{network}/callback".
	PublicURL string
	// Concurrency per network (its publish queues share it): the publish
	// tasks a worker holds at once; DefaultConcurrency for the others (default 10,000). A task handed
	// over early holds its slot until due. The network calls in flight are
	// bounded below it by an adaptive limit per network (Adaptive: from the
	// largest concurrency, shrinking on overload and growing back while
	// calls complete).
	Concurrency        map[string]int
	DefaultConcurrency int
	// Horizon: targets due within it are on the queue (default 1h).
	Horizon time.Duration
	// SeriesHorizon: recurring posts' occurrences exist as posts this far
	// ahead (default calendars.DefaultSeriesHorizon; negative: the sweep
	// does not materialise them).
	SeriesHorizon time.Duration
	// ReconcileInterval between sweeps (default 10s); FullReconcileEvery
	// between full sweeps (default 5m).
	ReconcileInterval  time.Duration
	FullReconcileEvery time.Duration
	// Lease of a publishing target (default 10m): at least twice
	// PublishTimeout, so that a live worker always finishes first.
	Lease time.Duration
	// PublishTimeout bounds one publish, media processing included
	// (default 4m: Instagram and Threads take minutes to process a video).
	PublishTimeout time.Duration
	// PollInterval is how often due tasks are moved to their queue and empty
	// queues are polled (default 100ms): it bounds lateness.
	PollInterval time.Duration
	// StageAhead: publish tasks reach a worker this long before they are
	// due and wait there for their second (default DefaultStageAhead;
	// negative: at the due time). Staged tasks hold their slots of
	// Concurrency.
	StageAhead time.Duration
	// ClaimAhead: a staged publish task claims its target this long before
	// it is due (default DefaultClaimAhead; negative: at the due time); its
	// network call still waits for the due time. Until then an edit of the
	// post gets a conflict, as while it publishes.
	ClaimAhead time.Duration
	// ShutdownTimeout lets in-flight publishes finish (default 40s).
	ShutdownTimeout time.Duration
	// RefreshInterval between refresh sweeps (default 1m); RefreshAhead:
	// tokens expiring within it are refreshed (default 10m).
	RefreshInterval time.Duration
	RefreshAhead    time.Duration
	// LimitsInterval between sweeps that refresh the limits servers
	// announce (default 1h; each account's are read again once a day old).
	LimitsInterval time.Duration
	// MetricsInterval between metrics sweeps (default 1m).
	MetricsInterval time.Duration
	// InboxInterval between inbox sweeps: each account's comments and
	// mentions are read once per interval (default DefaultInboxInterval, at
	// most MaxInboxInterval).
	InboxInterval time.Duration
	// NoInboxStreams turns the inbox streams off (InboxStreams): every
	// account is polled, Mastodon's too.
	NoInboxStreams bool
	// AllowPrivateWebhooks lets webhooks reach loopback and private
	// addresses (development, tests); off, they are refused (no SSRF).
	AllowPrivateWebhooks bool
	// Media and MediaSigner: the posts' files and the signer of their
	// public links (nil: posts with media fail with a clear reason).
	Media       *media.Dir
	MediaSigner *media.Signer
	// ReadingsRetention: months of engagement readings kept as taken;
	// older ones keep each target's last reading of each day (0:
	// DefaultReadingsRetention, 25; negative: all kept).
	ReadingsRetention int
}

// WithDefaults returns cfg with every zero field set to its default.
func (cfg Config) WithDefaults() Config {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = RealClock
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = connectors.NewGuardedHTTPClient(netguard.Policy{})
	}
	if cfg.DefaultConcurrency == 0 {
		cfg.DefaultConcurrency = 10_000
	}
	if cfg.Horizon == 0 {
		cfg.Horizon = time.Hour
	}
	if cfg.SeriesHorizon == 0 {
		cfg.SeriesHorizon = calendars.DefaultSeriesHorizon
	}
	if cfg.ReconcileInterval == 0 {
		cfg.ReconcileInterval = 10 * time.Second
	}
	if cfg.FullReconcileEvery == 0 {
		cfg.FullReconcileEvery = 5 * time.Minute
	}
	if cfg.PublishTimeout == 0 {
		cfg.PublishTimeout = 4 * time.Minute
	}
	if cfg.Lease == 0 {
		cfg.Lease = 10 * time.Minute
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 100 * time.Millisecond
	}
	switch {
	case cfg.StageAhead == 0:
		cfg.StageAhead = DefaultStageAhead
	case cfg.StageAhead < 0:
		cfg.StageAhead = 0
	}
	switch {
	case cfg.ClaimAhead == 0:
		cfg.ClaimAhead = DefaultClaimAhead
	case cfg.ClaimAhead < 0:
		cfg.ClaimAhead = 0
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = 40 * time.Second
	}
	if cfg.InboxInterval <= 0 {
		cfg.InboxInterval = DefaultInboxInterval
	}
	if cfg.MetricsInterval == 0 {
		cfg.MetricsInterval = time.Minute
	}
	if cfg.RefreshInterval == 0 {
		cfg.RefreshInterval = time.Minute
	}
	if cfg.RefreshAhead == 0 {
		cfg.RefreshAhead = 10 * time.Minute
	}
	if cfg.LimitsInterval == 0 {
		cfg.LimitsInterval = time.Hour
	}
	return cfg
}

// Validate reports a missing dependency or a bad setting.
func (cfg Config) Validate() error {
	switch {
	case cfg.Redis == nil:
		return errors.New("worker: Redis is required")
	case cfg.Store == nil:
		return errors.New("worker: Store is required")
	case cfg.Connectors == nil:
		return errors.New("worker: Connectors is required")
	case cfg.InboxInterval > MaxInboxInterval:
		return fmt.Errorf("worker: inbox interval %s is over %s: comments would take more than 5 minutes to reach the inbox", cfg.InboxInterval, MaxInboxInterval)
	case cfg.Lease < 2*cfg.PublishTimeout:
		return fmt.Errorf("worker: lease %s must be at least twice the publish timeout %s", cfg.Lease, cfg.PublishTimeout)
	}
	return nil
}

// The inbox's freshness: a new comment reaches the inbox within 5 minutes
// on a network that does not stream. The sweep reads each account every
// InboxInterval, its task starting within up to 30 s of the sweep (the
// spread), so a comment written just after a read waits at most the
// interval plus the spread: 4 minutes plus 30 s by default, and the
// longest interval allowed keeps that sum within 5 minutes.
const (
	DefaultInboxInterval = 4 * time.Minute
	MaxInboxInterval     = 4*time.Minute + 30*time.Second
)

// The adaptive bound of a network's calls in flight starts at the largest
// queue concurrency: the tasks staged for the top of the hour are all due
// at once, and a bound that started lower and grew with the completions
// held most of them back for the first second (10,000 posts: p99 lateness
// 2.7-3.3 s from 1,024, 2.3-2.4 s from 10,000). A network that shows
// overload (429, 5xx, an unknown outcome) takes it down by a quarter per
// round trip, never below minInFlight.
const minInFlight = 4

// appCacheTTL is how long the publish path keeps an OAuth client
// registration it read (connectors.CacheApps).
const appCacheTTL = time.Minute

// publishDequeuers is how many asynq servers take a publish queue's tasks.
const publishDequeuers = 4

// maxConcurrency is the largest publish queue concurrency: the adaptive
// bound's ceiling (each queue's own concurrency bounds it too).
func maxConcurrency(cfg Config) int {
	m := cfg.DefaultConcurrency
	for _, n := range cfg.Concurrency {
		m = max(m, n)
	}
	return m
}

// RedirectURI is the OAuth callback of a network on the API at publicURL.
func RedirectURI(publicURL, network string) string {
	return publicURL + "/v1/oauth/" + network + "/callback"
}

// Worker runs one asynq server per network queue (each with its own
// concurrency) and one for the sweeps, plus the ticker that asks for a
// sweep.
type Worker struct {
	cfg        Config
	client     *asynq.Client
	enq        *enqueuer
	queue      *Queue
	reconciler *Reconciler
	refresher  *Refresher
	publish    *PublishHandler
	deliverer  *Deliverer
	poller     *Poller
	history    *HistoryImporter
	inbox      *InboxPoller
	streams    *InboxStreams
	limits     *LimitsSweeper
	cleaner    *Cleaner
	servers    []*asynq.Server
}

// New builds a worker; Run starts it.
func New(cfg Config) (*Worker, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	client := asynq.NewClientFromRedisClient(cfg.Redis)
	inspector := asynq.NewInspectorFromRedisClient(cfg.Redis)
	q := NewQueue(client, cfg.Store, cfg.Horizon, cfg.Clock).WithInspector(inspector).WithStageAhead(cfg.StageAhead)
	w := &Worker{cfg: cfg, client: client, queue: q, enq: &enqueuer{client: client, inspector: inspector}}
	notifier := &Notifier{Store: cfg.Store, Client: client, Logger: cfg.Logger}
	w.publish = &PublishHandler{
		Store: cfg.Store, Connectors: cfg.Connectors, HTTPClient: cfg.HTTPClient, Clock: cfg.Clock,
		Metrics: cfg.Metrics, Logger: cfg.Logger, Lease: cfg.Lease, PublishTimeout: cfg.PublishTimeout,
		RedirectURI: func(n string) string { return RedirectURI(cfg.PublicURL, n) }, Apps: connectors.CacheApps(cfg.Store, appCacheTTL),
		Redis: cfg.Redis, Limits: NewLimits(cfg.Redis), Notifier: notifier,
		Media: cfg.Media, MediaSigner: cfg.MediaSigner, PublicURL: cfg.PublicURL,
		Batches:    NewBatches(cfg.Store, cfg.Clock, cfg.Lease),
		StageAhead: cfg.StageAhead,
		ClaimAhead: min(cfg.ClaimAhead, cfg.StageAhead),
		InFlight:   &NetworkLimits{Initial: maxConcurrency(cfg), Min: minInFlight, Max: maxConcurrency(cfg)},
	}
	w.publish.stopping, w.publish.stopNow = context.WithCancel(context.Background())
	w.refresher = &Refresher{
		Store: cfg.Store, Connectors: cfg.Connectors, Redis: cfg.Redis, Limits: w.publish.Limits, HTTPClient: cfg.HTTPClient,
		Clock: cfg.Clock, Logger: cfg.Logger, RedirectURI: w.publish.RedirectURI, Ahead: cfg.RefreshAhead, Notifier: notifier,
	}
	w.poller = &Poller{Store: cfg.Store, Connectors: cfg.Connectors, Client: client, Inspector: inspector, Limits: w.publish.Limits,
		Redis: cfg.Redis, Notifier: notifier, HTTPClient: cfg.HTTPClient, Clock: cfg.Clock, Logger: cfg.Logger, RedirectURI: w.publish.RedirectURI,
		Spread: min(30*time.Second, cfg.MetricsInterval/2), Batch: 20_000}
	w.history = &HistoryImporter{Store: cfg.Store, Connectors: cfg.Connectors, Limits: w.publish.Limits, Redis: cfg.Redis,
		Notifier: notifier, HTTPClient: cfg.HTTPClient, Clock: cfg.Clock, Logger: cfg.Logger, RedirectURI: w.publish.RedirectURI}
	w.inbox = &InboxPoller{Store: cfg.Store, Connectors: cfg.Connectors, Client: client, Inspector: inspector, Limits: w.publish.Limits,
		Redis: cfg.Redis, Notifier: notifier, HTTPClient: cfg.HTTPClient, Clock: cfg.Clock, Logger: cfg.Logger,
		RedirectURI: w.publish.RedirectURI, Spread: min(30*time.Second, cfg.InboxInterval/2)}
	if !cfg.NoInboxStreams {
		w.streams = &InboxStreams{Poller: w.inbox, Redis: cfg.Redis, Logger: cfg.Logger}
		w.inbox.Streams = w.streams
	}
	w.limits = &LimitsSweeper{Store: cfg.Store, Connectors: cfg.Connectors, HTTPClient: cfg.HTTPClient, Clock: cfg.Clock, Logger: cfg.Logger}
	w.deliverer = &Deliverer{Store: cfg.Store, Connectors: cfg.Connectors, HTTPClient: GuardedClient(cfg.AllowPrivateWebhooks),
		Channels: cfg.HTTPClient, Redis: cfg.Redis, Limits: w.publish.Limits, Clock: cfg.Clock, Logger: cfg.Logger, RedirectURI: w.publish.RedirectURI}
	w.reconciler = &Reconciler{
		Store: cfg.Store, Queue: q, Redis: cfg.Redis, Connectors: cfg.Connectors, Clock: cfg.Clock,
		Metrics: cfg.Metrics, Logger: cfg.Logger, Horizon: cfg.Horizon, FullEvery: cfg.FullReconcileEvery,
		Batch: 1000, FullLimit: 100_000, Notifier: notifier, SeriesHorizon: max(cfg.SeriesHorizon, 0),
	}
	w.cleaner = &Cleaner{Store: cfg.Store, Media: cfg.Media, Clock: cfg.Clock, Logger: cfg.Logger, ReadingsRetention: cfg.ReadingsRetention}
	if cfg.Metrics != nil {
		if err := RegisterQueueDepth(cfg.Metrics, cfg.Redis, cfg.Connectors); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// RegisterQueueDepth adds the rythme_queue_depth gauge (tasks by queue and
// state, read from Redis at scrape time) to m; `serve` registers it too.
func RegisterQueueDepth(m *telemetry.Metrics, rdb redis.UniversalClient, reg *connectors.Registry) error {
	if err := m.Registry.Register(&depthCollector{redis: rdb, queues: queueNames(reg)}); err != nil {
		return fmt.Errorf("worker: register queue depth: %w", err)
	}
	return nil
}

// Queue returns the worker's queue (the API uses one of its own).
func (w *Worker) Queue() *Queue { return w.queue }

// Inbox returns the worker's inbox poller.
func (w *Worker) Inbox() *InboxPoller { return w.inbox }

// Streams returns the worker's inbox streams (nil with NoInboxStreams).
func (w *Worker) Streams() *InboxStreams { return w.streams }

// Poller returns the worker's metrics poller.
func (w *Worker) Poller() *Poller { return w.poller }

// Reconciler returns the worker's reconciler.
func (w *Worker) Reconciler() *Reconciler { return w.reconciler }

func queueNames(reg *connectors.Registry) []string {
	names := []string{SystemQueue, WebhookQueue, MetricsQueue}
	for _, c := range reg.All() {
		names = append(names, PublishQueues(c.Info().Name)...)
	}
	sort.Strings(names)
	return names
}

// start starts srv, or stops the servers started before it.
func (w *Worker) start(mux *asynq.ServeMux, srv *asynq.Server) error {
	if err := srv.Start(mux); err != nil {
		w.stop()
		return fmt.Errorf("worker: start queues: %w", err)
	}
	w.servers = append(w.servers, srv)
	return nil
}

func (w *Worker) server(queues map[string]int, concurrency int, poll time.Duration) *asynq.Server {
	return asynq.NewServerFromRedisClient(w.cfg.Redis, asynq.Config{
		Concurrency:              concurrency,
		Queues:                   queues,
		DelayedTaskCheckInterval: poll,
		TaskCheckInterval:        poll,
		RetryDelayFunc:           retryDelay,
		IsFailure:                isFailure,
		ShutdownTimeout:          w.cfg.ShutdownTimeout,
		Logger:                   asynqLogger{w.cfg.Logger},
		LogLevel:                 asynq.WarnLevel,
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, task *asynq.Task, err error) {
			if isFailure(err) {
				queue, _ := asynq.GetQueueName(ctx)
				w.cfg.Logger.Warn("task failed", slog.String("type", task.Type()), slog.String("queue", queue), slog.Any("err", err))
			}
		}),
	})
}

// Run starts the servers, sweeps once in full, then asks for a sweep every
// ReconcileInterval until ctx is done; then it shuts down gracefully:
// in-flight publishes finish, waiting tasks go back to Redis.
func (w *Worker) Run(ctx context.Context) error {
	mux := asynq.NewServeMux()
	mux.Handle(TypePublish, w.publish)
	mux.Handle(TypeReconcile, reconcileHandler{w.reconciler})
	mux.Handle(TypeRefreshTokens, refreshHandler{w.refresher})
	mux.Handle(TypeDeliverWebhook, w.deliverer)
	mux.Handle(TypePollMetrics, w.poller)
	mux.Handle(TypePollAccount, w.poller)
	mux.Handle(TypeImportHistory, w.history)
	mux.Handle(TypePollInbox, w.inbox)
	mux.Handle(TypePollInboxAccount, w.inbox)
	mux.Handle(TypeModerate, w.inbox)
	mux.Handle(TypeRefreshLimits, w.limits)
	mux.Handle(TypeCleanup, w.cleaner)

	for _, name := range []string{SystemQueue, WebhookQueue, MetricsQueue} {
		conc := 16
		if name == SystemQueue {
			conc = 2
		}
		if err := w.start(mux, w.server(map[string]int{name: 1}, conc, w.cfg.PollInterval)); err != nil {
			return err
		}
	}
	for _, c := range w.cfg.Connectors.All() {
		network := c.Info().Name
		conc := w.cfg.DefaultConcurrency
		if n, ok := w.cfg.Concurrency[network]; ok && n > 0 {
			conc = n
		}
		// asynq's server takes its tasks one Redis round trip at a time: a
		// network has several, sharing its concurrency, so that a burst is
		// taken as fast as the handlers take it; each takes from every
		// shard, its own first. The first polls every PollInterval; the
		// others join a burst within a second.
		dequeuers := max(1, min(publishDequeuers, conc))
		for i := range dequeuers {
			poll := w.cfg.PollInterval
			if i > 0 {
				poll = max(poll, time.Second)
			}
			queues := map[string]int{}
			for s, q := range PublishQueues(network) {
				queues[q] = 1
				if s == i%PublishShards {
					queues[q] = PublishShards
				}
			}
			if err := w.start(mux, w.server(queues, max(1, conc/dequeuers), poll)); err != nil {
				return err
			}
		}
	}
	w.cfg.Logger.Info("worker: started", slog.Int("queues", len(w.servers)))
	if w.streams != nil {
		streamsDone := make(chan struct{})
		go func() { defer close(streamsDone); w.streams.Run(ctx) }()
		defer func() { <-streamsDone }()
	}

	if _, err := w.reconciler.Run(ctx, true); err != nil {
		w.cfg.Logger.Error("worker: first sweep failed; the next one will retry", slog.Any("err", err))
	}
	tick := time.NewTicker(w.cfg.ReconcileInterval)
	defer tick.Stop()
	refresh := time.NewTicker(w.cfg.RefreshInterval)
	defer refresh.Stop()
	poll := time.NewTicker(w.cfg.MetricsInterval)
	defer poll.Stop()
	inbox := time.NewTicker(w.cfg.InboxInterval)
	defer inbox.Stop()
	limits := time.NewTicker(w.cfg.LimitsInterval)
	defer limits.Stop()
	w.askSweep(ctx, NewLimitsTask(), "sweep:limits") // only limits a day old are read again
	cleanup := time.NewTicker(time.Hour)
	defer cleanup.Stop()
	w.askSweep(ctx, NewCleanupTask(), TypeCleanup)
	for {
		select {
		case <-ctx.Done():
			w.stop()
			return nil
		case <-tick.C:
			w.askSweep(ctx, NewReconcileTask(), "sweep:reconcile")
		case <-refresh.C:
			w.askSweep(ctx, NewRefreshTask(), "sweep:tokens")
		case <-poll.C:
			w.askSweep(ctx, NewPollTask(), "sweep:metrics")
		case <-inbox.C:
			w.askSweep(ctx, NewInboxTask(), "sweep:inbox")
		case <-limits.C:
			w.askSweep(ctx, NewLimitsTask(), "sweep:limits")
		case <-cleanup.C:
			w.askSweep(ctx, NewCleanupTask(), TypeCleanup)
		}
	}
}

// askSweep enqueues a sweep; its fixed task id makes a second ask, from
// this worker or another, a no-op while one is pending or running (and
// revives the id when an archived sweep holds it: see enqueuer).
func (w *Worker) askSweep(ctx context.Context, task *asynq.Task, id string) {
	if _, err := w.enq.enqueue(ctx, task, SystemQueue, id); err != nil && ctx.Err() == nil {
		w.cfg.Logger.Warn("worker: ask for a sweep", slog.String("type", task.Type()), slog.Any("err", err))
	}
}

func (w *Worker) stop() {
	w.publish.stop() // staged tasks go back to Redis at once, not after ShutdownTimeout
	var wg sync.WaitGroup
	for _, s := range w.servers {
		wg.Add(1)
		go func(s *asynq.Server) { defer wg.Done(); s.Shutdown() }(s)
	}
	wg.Wait()
	w.servers = nil
	w.cfg.Logger.Info("worker: stopped")
}

// depthCollector reports queue depth by state straight from asynq's Redis
// structures (asynq's inspector needs MEMORY USAGE, which the in-process
// Redis lacks).
type depthCollector struct {
	redis  redis.UniversalClient
	queues []string
}

var depthDesc = prometheus.NewDesc("rythme_queue_depth", "Tasks in a queue, by state.", []string{"queue", "state"}, nil)

func (d *depthCollector) Describe(ch chan<- *prometheus.Desc) { ch <- depthDesc }

func (d *depthCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, q := range d.queues {
		p := d.redis.Pipeline()
		pending := p.LLen(ctx, "asynq:{"+q+"}:pending")
		active := p.LLen(ctx, "asynq:{"+q+"}:active")
		scheduled := p.ZCard(ctx, "asynq:{"+q+"}:scheduled")
		retry := p.ZCard(ctx, "asynq:{"+q+"}:retry")
		if _, err := p.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			continue
		}
		for state, v := range map[string]int64{"pending": pending.Val(), "active": active.Val(), "scheduled": scheduled.Val(), "retry": retry.Val()} {
			ch <- prometheus.MustNewConstMetric(depthDesc, prometheus.GaugeValue, float64(v), q, state)
		}
	}
}
