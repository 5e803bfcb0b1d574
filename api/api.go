// Package api is rythme's HTTP API: gin handlers under /v1, bearer-token
// and member-session authentication (session.go: sign-in, invitations,
// password resets) and roles, request validation, the error table that maps
// rythme's error codes to HTTP statuses, access logs, Prometheus metrics and
// the OpenAPI document served at /openapi.json.
//
// It scopes every read and write by the workspace of the caller's token (or
// of the member's session) and must never let one workspace see another's
// data. It never publishes to a network itself (the worker does, from the
// queue) and never writes a token, an OAuth secret, a PKCE verifier or a
// request body to a log line or to a response (the exceptions: a new API
// token's secret and a new invitation's link, shown once), nor a password
// or a session id anywhere.
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
	"github.com/rythmehq/rythme/connecting"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/listening"
	"github.com/rythmehq/rythme/media"
	"github.com/rythmehq/rythme/netguard"
	"github.com/rythmehq/rythme/password"
	"github.com/rythmehq/rythme/people"
	"github.com/rythmehq/rythme/posting"
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
	// Moderation hands hide, unhide and delete of inbox items to the
	// worker (nil: POST /v1/inbox/{id}/moderation answers 503).
	Moderation listening.ModerationQueue
	// Polls queues an account's reads at a member's request (POST
	// /v1/accounts/{id}/poll); nil: that route answers 503.
	Polls PollRequester
	// History starts the import of an account's earlier posts when it
	// connects and at a manager's request (POST /v1/accounts/{id}/history);
	// nil: nothing is imported and that route answers 503.
	History HistoryStarter
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
	// People (session.go, members.go). PasswordParams are argon2id's costs
	// for new passwords (default password.RFC9106). SessionTTL is how long a
	// sign-in lasts (default 14 days), InvitationTTL an invitation link
	// (default 7 days), ResetTTL a password reset link (default 1h). Mailer
	// sends reset and invitation links (nil: no mail; resets are made with
	// `rythme reset-password`).
	PasswordParams password.Params
	SessionTTL     time.Duration
	InvitationTTL  time.Duration
	ResetTTL       time.Duration
	Mailer         Mailer
	// SignInLimiter counts sign-in attempts for every replica at once; nil:
	// each replica counts its own (see SignInLimiter).
	SignInLimiter SignInLimiter
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
	if cfg.PasswordParams == (password.Params{}) {
		cfg.PasswordParams = password.RFC9106
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 14 * 24 * time.Hour
	}
	if cfg.InvitationTTL <= 0 {
		cfg.InvitationTTL = 7 * 24 * time.Hour
	}
	if cfg.ResetTTL <= 0 {
		cfg.ResetTTL = time.Hour
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
	cfg   Config
	store apiStore
	// connecting connects and disconnects accounts.
	connecting *connecting.Service
	log        *slog.Logger
	limits     *tokenLimits // nil: no limit
	// publicLimits bounds the routes without a token, per client address.
	publicLimits *tokenLimits
	// posting holds the post use cases and rules.
	posting *posting.Service
	// plans holds the series, campaign and challenge use cases.
	plans *posting.Planner
	// people holds the use cases of members: passwords, invitations.
	people *people.Service
	// listening holds the community inbox's use cases.
	listening *listening.Service
	// cop refuses cross-origin unsafe requests authenticated by a cookie;
	// signInLocal throttles sign-in attempts on this replica.
	cop         *http.CrossOriginProtection
	signInLocal *localSignIn
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
	s := &server{cfg: cfg, store: newAPIStore(cfg.Store), log: cfg.Logger}
	if err := s.initUseCases(); err != nil {
		return nil, err
	}
	if cfg.RateLimit > 0 {
		s.limits = newTokenLimits(cfg.RateLimit, cfg.RateBurst)
	}
	if cfg.PublicRateLimit > 0 {
		s.publicLimits = newTokenLimits(cfg.PublicRateLimit, cfg.PublicRateBurst)
	}
	if err := s.initPeople(); err != nil {
		return nil, err
	}
	return s.router(), nil
}

// router is the handler: every route with its middleware.
func (s *server) router() *gin.Engine {
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
	s.publicRoutes(r)

	v1 := r.Group("/v1", s.authMiddleware)
	can := roles{viewer: require(rythme.RoleViewer), editor: require(rythme.RoleEditor),
		manager: require(rythme.RoleManager), admin: require(rythme.RoleAdmin)}
	s.postRoutes(v1, can)
	s.calendarRoutes(v1, can)
	s.campaignRoutes(v1, can)
	s.workspaceRoutes(v1, can)
	s.peopleRoutes(r, v1, can)
	s.inboxRoutes(v1, can)
	return r
}

// initUseCases makes the application services the handlers call, on
// s.store, not cfg.Store: their account writes must forget the cache.
func (s *server) initUseCases() error {
	cfg := s.cfg
	s.connecting = &connecting.Service{Store: s.store, Connectors: cfg.Connectors, Queue: cfg.Queue, Horizon: cfg.Horizon,
		RedirectURI: s.redirectURI, HTTPClient: cfg.HTTPClient, Now: cfg.Now, Logger: cfg.Logger}
	if cfg.History != nil {
		s.connecting.OnConnected = s.onConnected
	}
	var err error
	s.posting, err = posting.New(posting.Config{Store: s.store, Connectors: cfg.Connectors, Queue: cfg.Queue,
		Logger: cfg.Logger, Now: cfg.Now, Horizon: cfg.Horizon})
	if err != nil {
		return err
	}
	s.plans = posting.NewPlanner(s.posting, s.store, cfg.SeriesHorizon)
	s.people = &people.Service{Store: s.store, Now: cfg.Now, PasswordParams: cfg.PasswordParams, Logger: cfg.Logger}
	if s.listening, err = listening.New(listening.Config{Store: s.store, Posting: s.posting,
		Connectors: cfg.Connectors, Accounts: s.store, Moderation: cfg.Moderation, Now: cfg.Now}); err != nil {
		return err
	}
	return nil
}

// roles are the checks of the /v1 routes: the token has at least the role.
type roles struct{ viewer, editor, manager, admin gin.HandlerFunc }

// publicRoutes are the routes without a bearer token: operations, the
// dashboard, and what a browser or a network reaches with another
// credential (a state, a feed token, a signed link).
func (s *server) publicRoutes(r *gin.Engine) {
	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.cfg.Metrics.Registry, promhttp.HandlerOpts{})))
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
}

// postRoutes: posts, their review and history, and recurring series.
func (s *server) postRoutes(v1 *gin.RouterGroup, can roles) {
	v1.GET("/posts", can.viewer, s.listPosts)
	v1.POST("/posts", can.editor, s.createPost)
	v1.POST("/posts/import", can.editor, s.importPosts)
	v1.POST("/posts/bulk", can.editor, s.bulkPosts)
	v1.GET("/posts/:id", can.viewer, s.getPost)
	v1.PATCH("/posts/:id", can.editor, s.updatePost)
	v1.DELETE("/posts/:id", can.editor, s.cancelPost)
	v1.POST("/posts/:id/targets/:target_id/resolve", can.manager, s.resolveTarget)
	v1.POST("/posts/:id/submit", can.editor, s.submitPost)
	v1.POST("/posts/:id/approve", can.manager, s.approvePost)
	v1.POST("/posts/:id/reject", can.manager, s.rejectPost)
	v1.GET("/posts/:id/history", can.viewer, s.postHistory)
	v1.GET("/posts/:id/metrics", can.viewer, s.postMetrics)

	v1.GET("/series", can.viewer, s.listSeries)
	v1.GET("/series/:id", can.viewer, s.getSeries)
	v1.PATCH("/series/:id", can.editor, s.updateSeries)
	v1.DELETE("/series/:id", can.editor, s.endSeries)
}

// calendarRoutes: the calendar, its gaps and its iCalendar feeds.
func (s *server) calendarRoutes(v1 *gin.RouterGroup, can roles) {
	v1.GET("/calendar", can.viewer, s.calendar)
	v1.GET("/calendar/gaps", can.viewer, s.gaps)
	v1.GET("/calendar/feeds", can.manager, s.listFeeds)
	v1.POST("/calendar/feeds", can.manager, s.createFeed)
	v1.DELETE("/calendar/feeds/:id", can.manager, s.revokeFeed)
}

// campaignRoutes: campaigns, challenges and their submissions, and the
// reports that compare them.
func (s *server) campaignRoutes(v1 *gin.RouterGroup, can roles) {
	v1.GET("/campaigns", can.viewer, s.listCampaigns)
	v1.POST("/campaigns", can.editor, s.createCampaign)
	v1.GET("/campaigns/:id", can.viewer, s.getCampaign)
	v1.PATCH("/campaigns/:id", can.editor, s.updateCampaign)
	v1.DELETE("/campaigns/:id", can.editor, s.cancelCampaign)
	v1.POST("/campaigns/:id/clone", can.editor, s.cloneCampaign)
	v1.PUT("/campaigns/:id/weeks", can.editor, s.putChallengeWeeks)
	v1.PUT("/campaigns/:id/utm", can.editor, s.putCampaignUTM)
	v1.GET("/campaigns/:id/submissions", can.viewer, s.listSubmissions)
	v1.POST("/campaigns/:id/submissions", can.editor, s.submitToChallenge)
	v1.POST("/campaigns/:id/submissions/:post_id/pick", can.manager, s.pickSubmission)

	v1.GET("/reports/campaigns/:id", can.viewer, s.campaignReport)
	v1.GET("/reports/compare", can.viewer, s.compareReport)
	v1.GET("/reports/leaderboard", can.viewer, s.leaderboardReport)
	v1.GET("/reports/community", can.viewer, s.communityReport)
	v1.GET("/reports/best-times", can.viewer, s.bestTimesReport)
	v1.GET("/reports/readings", can.viewer, s.cohortReadings)
}

// workspaceRoutes: the workspace, its media, networks and accounts, API
// tokens and webhooks.
func (s *server) workspaceRoutes(v1 *gin.RouterGroup, can roles) {
	v1.GET("/workspace", can.viewer, s.getWorkspace)
	v1.PATCH("/workspace", can.admin, s.updateWorkspace)

	v1.GET("/media", can.viewer, s.listMedia)
	v1.POST("/media", can.editor, s.uploadMedia)
	v1.GET("/media/:id", can.viewer, s.getMedia)
	v1.DELETE("/media/:id", can.editor, s.deleteMedia)

	v1.GET("/networks", can.viewer, s.listNetworks)
	v1.GET("/accounts", can.viewer, s.listAccounts)
	v1.GET("/accounts/:id", can.viewer, s.getAccount)
	v1.DELETE("/accounts/:id", can.manager, s.disconnectAccount)
	v1.PUT("/accounts/:id/schedule", can.manager, s.setSchedule)
	v1.POST("/accounts/:network/connect", can.manager, s.connectAccount)
	// POST /v1/accounts/{id}/poll: gin names one segment's wildcard once
	// per method, and connect named it first.
	v1.POST("/accounts/:network/poll", can.editor, s.pollAccount)
	v1.POST("/accounts/:network/history", can.manager, s.importHistory)

	v1.GET("/tokens", can.admin, s.listTokens)
	v1.POST("/tokens", can.admin, s.createToken)
	v1.DELETE("/tokens/:id", can.admin, s.revokeToken)

	v1.GET("/webhooks", can.manager, s.listWebhooks)
	v1.POST("/webhooks", can.manager, s.createWebhook)
	v1.DELETE("/webhooks/:id", can.manager, s.deleteWebhook)
}

// now returns the clock's time at the store's precision.
func (s *server) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// peopleRoutes: signing in and out, members, invitations and workspaces.
func (s *server) peopleRoutes(r *gin.Engine, v1 *gin.RouterGroup, can roles) {
	// Signing in, accepting an invitation and resetting a password carry
	// their own credential.
	r.POST("/v1/session", s.addressLimit, s.signIn)
	r.POST("/v1/invitations/accept", s.addressLimit, s.acceptInvitation)
	r.POST("/v1/password-reset", s.addressLimit, s.requestReset)
	r.POST("/v1/password-reset/confirm", s.addressLimit, s.confirmReset)
	signedIn := r.Group("/v1", s.authMiddleware, s.memberOnly)
	signedIn.PATCH("/session", s.switchWorkspace)
	signedIn.DELETE("/session", s.signOut)
	signedIn.DELETE("/sessions", s.signOutEverywhere)
	signedIn.PUT("/password", s.changePassword)
	signedIn.POST("/workspaces", s.createWorkspace)

	v1.GET("/me", s.me) // any caller, even a member of no workspace
	v1.GET("/members", can.viewer, s.listMembers)
	v1.PATCH("/members/:id", can.admin, s.setMemberRole)
	v1.DELETE("/members/:id", can.admin, s.removeMember)
	v1.GET("/invitations", can.admin, s.listInvitations)
	v1.POST("/invitations", can.admin, s.createInvitation)
	v1.DELETE("/invitations/:id", can.admin, s.revokeInvitation)
}
