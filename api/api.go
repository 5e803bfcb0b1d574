// Package api is rythme's HTTP API: gin handlers under /v1, bearer-token
// authentication and roles, request validation, the error table that maps
// rythme's error codes to HTTP statuses, access logs, Prometheus metrics and
// the OpenAPI document served at /openapi.json.
//
// It scopes every read and write by the workspace of the caller's token and
// must never let one workspace see another's data. It never publishes to a
// network itself (the worker does, from the queue) and never writes a token,
// an OAuth secret, a PKCE verifier or a request body to a log line or to a
// response (the one exception: a new API token's secret, shown once).
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/media"
	"github.com/rythmehq/rythme/netguard"
	"github.com/rythmehq/rythme/telemetry"
	"github.com/rythmehq/rythme/web"
)

// Queue puts publish tasks on the work queue. The worker implements it
// (and records MarkQueued for what it enqueued). A failure is logged and is
// not an API error: the post is already safe in the store and the
// reconciler enqueues whatever is due and not queued.
type Queue interface {
	EnqueuePublish(ctx context.Context, refs []rythme.TargetRef) error
}

// Config is what the API needs. Store and Connectors are required.
type Config struct {
	Store      rythme.Store
	Connectors *connectors.Registry
	// Queue receives publish tasks for targets due within Horizon. Nil:
	// nothing is enqueued (the reconciler does it).
	Queue Queue
	// Metrics collects HTTP metrics; default telemetry.New().
	Metrics *telemetry.Metrics
	// Logger receives access logs and internal errors; default
	// slog.Default().
	Logger *slog.Logger
	// PublicURL is the base URL users reach the API at (no trailing slash);
	// the OAuth redirect URI is PublicURL + "/v1/oauth/{network}/callback".
	PublicURL string
	// HTTPClient makes the network calls of the connect flow (app
	// registration, token exchange, identity); default
	// connectors.NewGuardedHTTPClient with no private network allowed.
	HTTPClient *http.Client
	// Now is the clock; default time.Now.
	Now func() time.Time
	// AllowPrivateWebhooks lets webhook URLs resolve to loopback, private
	// and link-local addresses (RYTHME_ALLOW_PRIVATE_WEBHOOKS; development
	// only). Off, such a URL is refused with 422 at creation.
	AllowPrivateWebhooks bool
	// Resolver looks up webhook hosts at creation; default the system's.
	Resolver netguard.Resolver
	// Ready checks the dependencies other than the store (Redis) for
	// /readyz; nil: only the store is checked.
	Ready func(ctx context.Context) error
	// MaxBodyBytes bounds request bodies; default 1 MiB. Larger: 413.
	MaxBodyBytes int64
	// Media stores uploaded files and MediaSigner signs their public URLs
	// (nil: uploads are refused with 503). MaxMediaBytes bounds one file
	// (default 512 MiB).
	Media         *media.Dir
	MediaSigner   *media.Signer
	MaxMediaBytes int64
	// MediaQuota bounds the bytes of media one workspace keeps (default
	// rythme.DefaultMediaQuota, 5 GiB; negative: no quota). Over it: 413.
	MediaQuota int64
	// MediaUploadTimeout is how long one upload's body may take to arrive
	// (default 10m), instead of the server's read timeout; slower: 408.
	MediaUploadTimeout time.Duration
	// RateLimit is the requests per second one API token may make, in
	// bursts of RateBurst (defaults 500 and 2000: a guard against runaway
	// scripts, not a quota; negative: no limit).
	RateLimit float64
	RateBurst int
	// PublicRateLimit is the requests per second one client address may
	// make to the routes without a bearer token (the iCalendar feed, the
	// OAuth callback, signed media links), in bursts of PublicRateBurst
	// (defaults 10 and 100; negative: no limit).
	PublicRateLimit float64
	PublicRateBurst int
	// Horizon: targets due within it are enqueued at once; later ones are
	// enqueued by the reconciler's sweeps. Default 1h.
	Horizon time.Duration
	// SeriesHorizon: a recurring post's occurrences within it are made at
	// once (the worker's sweep makes the later ones as time goes by).
	// Default calendars.DefaultSeriesHorizon.
	SeriesHorizon time.Duration
}

// WithDefaults returns cfg with every unset optional field at its default.
func (cfg Config) WithDefaults() Config {
	if cfg.Metrics == nil {
		cfg.Metrics = telemetry.New()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = connectors.NewGuardedHTTPClient(netguard.Policy{})
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = 500
	}
	if cfg.RateBurst <= 0 {
		cfg.RateBurst = 2000
	}
	if cfg.PublicRateLimit == 0 {
		cfg.PublicRateLimit = 10
	}
	if cfg.PublicRateBurst <= 0 {
		cfg.PublicRateBurst = 100
	}
	if cfg.MaxMediaBytes <= 0 {
		cfg.MaxMediaBytes = 512 << 20
	}
	if cfg.MediaQuota == 0 {
		cfg.MediaQuota = rythme.DefaultMediaQuota
	}
	if cfg.MediaUploadTimeout <= 0 {
		cfg.MediaUploadTimeout = 10 * time.Minute
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.Horizon <= 0 {
		cfg.Horizon = time.Hour
	}
	if cfg.SeriesHorizon <= 0 {
		cfg.SeriesHorizon = calendars.DefaultSeriesHorizon
	}
	return cfg
}

// Validate reports a missing required field.
func (cfg Config) Validate() error {
	if cfg.Store == nil {
		return errors.New("api: config: Store is required")
	}
	if cfg.Connectors == nil {
		return errors.New("api: config: Connectors is required")
	}
	return nil
}

// server holds the handlers' dependencies.
type server struct {
	cfg    Config
	store  rythme.Store
	log    *slog.Logger
	limits *tokenLimits // nil: no limit
	// publicLimits bounds the routes without a token, per client address.
	publicLimits *tokenLimits
}

// New returns the API's handler: the /v1 routes, /healthz, /readyz,
// /metrics, /openapi.json and the web page at /. The handler is a
// *gin.Engine, whose Routes method lists every route (the tests walk it).
//
// /metrics is served without authentication, as Prometheus scrapers expect:
// it exposes counters and histograms only (route templates, statuses,
// networks), never ids, content or secrets. Keep it off the public
// internet with the reverse proxy if that matters.
func New(cfg Config) (http.Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	// Tokens, workspaces and connected accounts are read through a cache
	// that keeps them for at most a second (cachedStore).
	s := &server{cfg: cfg, store: newCachedStore(cfg.Store), log: cfg.Logger}
	if cfg.RateLimit > 0 {
		s.limits = newTokenLimits(cfg.RateLimit, cfg.RateBurst)
	}
	if cfg.PublicRateLimit > 0 {
		s.publicLimits = newTokenLimits(cfg.PublicRateLimit, cfg.PublicRateBurst)
	}

	// Release mode: no debug route dump; gin keeps the mode process-wide.
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false
	r.ContextWithFallback = true
	r.Use(s.metricsMiddleware, s.logMiddleware, s.recoverMiddleware, s.bodyLimitMiddleware)
	r.NoRoute(func(c *gin.Context) {
		s.fail(c, rythme.Errorf(rythme.ENOTFOUND, "no route %s %s", c.Request.Method, c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		s.fail(c, rythme.Errorf(codeMethodNotAllowed, "method %s is not allowed on %s", c.Request.Method, c.Request.URL.Path))
	})

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(cfg.Metrics.Registry, promhttp.HandlerOpts{})))
	r.GET("/openapi.json", serveOpenAPI)
	page := gin.WrapH(web.Handler())
	r.GET("/", page)
	r.GET("/assets/*filepath", page)

	// The browser comes back from the network here, without a bearer token:
	// the single-use state binds the request to the workspace that started it.
	r.GET("/v1/oauth/:network/callback", s.addressLimit, s.oauthCallback)
	r.POST("/v1/oauth/:network/callback", s.addressLimit, s.oauthConfirm) // the confirmation page's form
	r.GET("/media/:id", s.addressLimit, s.serveMedia)
	r.GET("/v1/calendar.ics", s.addressLimit, s.calendarFeed) // the feed token is its credential

	v1 := r.Group("/v1", s.authMiddleware)
	viewer, editor := require(rythme.RoleViewer), require(rythme.RoleEditor)
	manager, admin := require(rythme.RoleManager), require(rythme.RoleAdmin)

	v1.GET("/posts", viewer, s.listPosts)
	v1.POST("/posts", editor, s.createPost)
	v1.POST("/posts/import", editor, s.importPosts)
	v1.GET("/posts/:id", viewer, s.getPost)
	v1.PATCH("/posts/:id", editor, s.updatePost)
	v1.DELETE("/posts/:id", editor, s.cancelPost)
	v1.POST("/posts/:id/targets/:target_id/resolve", manager, s.resolveTarget)
	v1.POST("/posts/:id/submit", editor, s.submitPost)
	v1.POST("/posts/:id/approve", manager, s.approvePost)
	v1.POST("/posts/:id/reject", manager, s.rejectPost)
	v1.GET("/posts/:id/history", viewer, s.postHistory)
	v1.GET("/posts/:id/metrics", viewer, s.postMetrics)

	v1.GET("/series", viewer, s.listSeries)
	v1.GET("/series/:id", viewer, s.getSeries)
	v1.PATCH("/series/:id", editor, s.updateSeries)
	v1.DELETE("/series/:id", editor, s.endSeries)

	v1.GET("/calendar", viewer, s.calendar)
	v1.GET("/calendar/gaps", viewer, s.gaps)
	v1.GET("/calendar/feeds", manager, s.listFeeds)
	v1.POST("/calendar/feeds", manager, s.createFeed)
	v1.DELETE("/calendar/feeds/:id", manager, s.revokeFeed)

	v1.GET("/campaigns", viewer, s.listCampaigns)
	v1.POST("/campaigns", editor, s.createCampaign)
	v1.GET("/campaigns/:id", viewer, s.getCampaign)
	v1.PATCH("/campaigns/:id", editor, s.updateCampaign)
	v1.DELETE("/campaigns/:id", editor, s.cancelCampaign)
	v1.POST("/campaigns/:id/clone", editor, s.cloneCampaign)
	v1.PUT("/campaigns/:id/weeks", editor, s.putChallengeWeeks)
	v1.GET("/campaigns/:id/submissions", viewer, s.listSubmissions)
	v1.POST("/campaigns/:id/submissions", editor, s.submitToChallenge)
	v1.POST("/campaigns/:id/submissions/:post_id/pick", manager, s.pickSubmission)

	v1.GET("/reports/campaigns/:id", viewer, s.campaignReport)
	v1.GET("/reports/compare", viewer, s.compareReport)
	v1.GET("/reports/leaderboard", viewer, s.leaderboardReport)
	v1.GET("/reports/best-times", viewer, s.bestTimesReport)

	v1.GET("/workspace", viewer, s.getWorkspace)
	v1.PATCH("/workspace", admin, s.updateWorkspace)

	v1.GET("/media", viewer, s.listMedia)
	v1.POST("/media", editor, s.uploadMedia)
	v1.GET("/media/:id", viewer, s.getMedia)
	v1.DELETE("/media/:id", editor, s.deleteMedia)

	v1.GET("/networks", viewer, s.listNetworks)
	v1.GET("/accounts", viewer, s.listAccounts)
	v1.GET("/accounts/:id", viewer, s.getAccount)
	v1.DELETE("/accounts/:id", manager, s.disconnectAccount)
	v1.PUT("/accounts/:id/schedule", manager, s.setSchedule)
	v1.POST("/accounts/:network/connect", manager, s.connectAccount)

	v1.GET("/tokens", admin, s.listTokens)
	v1.POST("/tokens", admin, s.createToken)
	v1.DELETE("/tokens/:id", admin, s.revokeToken)

	v1.GET("/webhooks", manager, s.listWebhooks)
	v1.POST("/webhooks", manager, s.createWebhook)
	v1.DELETE("/webhooks/:id", manager, s.deleteWebhook)
	return r, nil
}

// now returns the clock's time at the store's precision.
func (s *server) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// enqueue hands refs to the queue; a failure is logged, never returned.
func (s *server) enqueue(c *gin.Context, refs []rythme.TargetRef) {
	if len(refs) == 0 || s.cfg.Queue == nil {
		return
	}
	if err := s.cfg.Queue.EnqueuePublish(c.Request.Context(), refs); err != nil {
		s.log.WarnContext(c.Request.Context(), "api: enqueue publish failed; the reconciler will enqueue later",
			slog.Int("targets", len(refs)), slog.String("error", err.Error()))
	}
}

// dueRefs returns the refs of p's scheduled targets due within the horizon.
func (s *server) dueRefs(p *rythme.Post) []rythme.TargetRef {
	until := s.cfg.Now().Add(s.cfg.Horizon)
	var refs []rythme.TargetRef
	for _, t := range p.Targets {
		if t.Status == rythme.TargetScheduled && !t.ScheduledAt.After(until) {
			refs = append(refs, rythme.TargetRef{ID: t.ID, Version: t.Version, Network: t.Network, ScheduledAt: t.ScheduledAt})
		}
	}
	return refs
}
