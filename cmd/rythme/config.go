package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/netguard"
)

// config is every setting of rythme, read from the environment (flags of
// the same names, lower-case with dashes, override it). The README's
// configuration table is generated from the same list.
type config struct {
	Addr           string        // RYTHME_ADDR: where the API listens (default 127.0.0.1:8080)
	PublicURL      string        // RYTHME_PUBLIC_URL: the API's public base URL (default http://RYTHME_ADDR)
	DataDir        string        // RYTHME_DATA: data directory of the embedded default (default ./rythme-data)
	DatabaseURL    string        // DATABASE_URL: postgres://… (default: SQLite in RYTHME_DATA)
	RedisURL       string        // REDIS_URL: redis://… (default: in-process Redis, single-process mode only)
	SentinelAddrs  string        // REDIS_SENTINEL_ADDRS: host:port,… of Redis Sentinels (with REDIS_SENTINEL_MASTER)
	SentinelMaster string        // REDIS_SENTINEL_MASTER: the master name Sentinel watches
	ClusterAddrs   string        // REDIS_CLUSTER_ADDRS: host:port,… of Redis Cluster nodes, or a redis:// URL with addr= for the others
	SecretKey      string        // RYTHME_SECRET_KEY: base64 AES-256 key(s), current first (default: generated into RYTHME_DATA)
	BootstrapToken string        // RYTHME_BOOTSTRAP_TOKEN: the first admin token (default: random, logged once)
	LogLevel       slog.Level    // RYTHME_LOG_LEVEL: debug, info, warn, error (default info)
	LogFormat      string        // RYTHME_LOG_FORMAT: json or text (default json)
	Horizon        time.Duration // RYTHME_HORIZON: how far ahead tasks are put on the queue (default 1h)
	Reconcile      time.Duration // RYTHME_RECONCILE_INTERVAL: between reconciler sweeps (default 10s)
	PollInterval   time.Duration // RYTHME_POLL_INTERVAL: how often due tasks are picked up (default 100ms)
	Lease          time.Duration // RYTHME_LEASE: how long a publishing target is leased (default 10m)
	PublishTimeout time.Duration // RYTHME_PUBLISH_TIMEOUT: bound of one publish, media processing included (default 4m)
	Concurrency    string        // RYTHME_CONCURRENCY: publish tasks held per network queue, e.g. "mastodon=20000,default=512" (default 10000 each)
	StageAhead     time.Duration // RYTHME_STAGE_AHEAD: how long before their due time publish tasks reach a worker, which holds them until due (default 20s)
	ClaimAhead     time.Duration // RYTHME_CLAIM_AHEAD: how long before their due time held tasks claim their targets (default 2s)
	WorkerAddr     string        // RYTHME_WORKER_ADDR: `rythme work` serves /metrics and /healthz here (default off)
	FakenetAddr    string        // FAKENET_ADDR: where `rythme fakenet` listens (default 127.0.0.1:8090)
	FakenetSeed    int64         // FAKENET_SEED: seed of fakenet's engagement growth (default 1)
	FakenetRate    int           // FAKENET_RATE_LIMIT: fakenet's requests per token per 5 min (default 300, as Mastodon)
	FakenetHistory int           // FAKENET_HISTORY_DAYS: days of earlier posts each fakenet user has (default 90)
	FakenetLatency string        // FAKENET_LATENCY: fakenet's answer time per network, e.g. 250ms/800ms (default off)
	AllowPrivate   bool          // RYTHME_ALLOW_PRIVATE_WEBHOOKS: let webhooks reach loopback/private addresses (default false)
	AllowNetworks  string        // RYTHME_ALLOW_PRIVATE_NETWORKS: CIDRs user-chosen hosts may resolve to (default none)
	MediaDir       string        // RYTHME_MEDIA_DIR: where uploaded files live (default RYTHME_DATA/media)
	MediaMaxBytes  int64         // RYTHME_MEDIA_MAX_BYTES: largest upload (default 512 MiB)
	MediaQuota     int64         // RYTHME_MEDIA_QUOTA_BYTES: media bytes per workspace (default 5 GiB; -1 none)
	MediaUpload    time.Duration // RYTHME_MEDIA_UPLOAD_TIMEOUT: how long one upload's body may take (default 10m)
	FakenetURL     string        // RYTHME_FAKENET_URL: point every network at the simulator (default off)
	APIRate        float64       // RYTHME_API_RATE_LIMIT: requests per second per API token (default 500; "off" for none)
	// MetricsSchedule is RYTHME_METRICS_SCHEDULE: when a post's engagement
	// is read after its publication (default rythme.MetricsSchedule, nil).
	MetricsSchedule []time.Duration
	MetricsInterval time.Duration // RYTHME_METRICS_INTERVAL: between metrics sweeps (default 1m)
	InboxInterval   time.Duration // RYTHME_INBOX_INTERVAL: between inbox reads of each account (default 4m, at most 4m30s)
	// ReadingsRetention is RYTHME_READINGS_RETENTION: months of readings
	// kept as taken (default 25; -1 when "all").
	ReadingsRetention int
	RefreshAhead      time.Duration // RYTHME_REFRESH_AHEAD: tokens expiring within it are refreshed (default 10m)
	AdminEmail        string        // RYTHME_ADMIN_EMAIL: the first member, an instance administrator (default none)
	AdminPassword     string        // RYTHME_ADMIN_PASSWORD: its password (with RYTHME_ADMIN_EMAIL)
	SMTPAddr          string        // RYTHME_SMTP_ADDR: host:port of the mail server (default: no mail)
	SMTPUsername      string        // RYTHME_SMTP_USERNAME
	SMTPPassword      string        // RYTHME_SMTP_PASSWORD
	SMTPFrom          string        // RYTHME_SMTP_FROM: the sender address of mails
	// Apps holds RYTHME_<NETWORK>_CLIENT_ID/_SECRET by network.
	Apps map[string][2]string
	// publicRate is the API's per-address limit of the routes without a
	// token (0: api's default); no setting: only the benchmark, which
	// connects thousands of accounts from one address, turns it off.
	publicRate float64
	// noInboxStreams turns the worker's inbox streams off (the inbox
	// benchmark's polled row); no variable sets it.
	noInboxStreams bool
}

// envVar documents one setting for the README table and reads it.
type envVar struct {
	name, def, help string
	set             func(c *config, v string) error
}

func durationVar(name, def, help string, field func(*config) *time.Duration) envVar {
	return envVar{name, def, help, func(c *config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("%s: %q is not a positive duration such as 10s or 5m", name, v)
		}
		*field(c) = d
		return nil
	}}
}

func stringVar(name, def, help string, field func(*config) *string) envVar {
	return envVar{name, def, help, func(c *config, v string) error { *field(c) = v; return nil }}
}

var envVars = []envVar{
	stringVar("RYTHME_ADDR", "127.0.0.1:8080", "Address the API and dashboard listen on.", func(c *config) *string { return &c.Addr }),
	stringVar("RYTHME_PUBLIC_URL", "http://RYTHME_ADDR", "Public base URL of the API (OAuth redirect URIs are built on it).", func(c *config) *string { return &c.PublicURL }),
	stringVar("RYTHME_DATA", "./rythme-data", "Data directory of the embedded default: SQLite file, generated secret key.", func(c *config) *string { return &c.DataDir }),
	stringVar("DATABASE_URL", "(SQLite in RYTHME_DATA)", "PostgreSQL URL, e.g. postgres://user:pass@host:5432/rythme.", func(c *config) *string { return &c.DatabaseURL }),
	stringVar("REDIS_URL", "(in-process Redis)", "Redis URL, e.g. redis://host:6379/0. Required by `serve` and `work`.", func(c *config) *string { return &c.RedisURL }),
	stringVar("REDIS_SENTINEL_ADDRS", "", "Comma-separated Sentinel addresses, instead of REDIS_URL.", func(c *config) *string { return &c.SentinelAddrs }),
	stringVar("REDIS_SENTINEL_MASTER", "", "Master name for Sentinel.", func(c *config) *string { return &c.SentinelMaster }),
	stringVar("REDIS_CLUSTER_ADDRS", "", "Redis Cluster instead of REDIS_URL: comma-separated node addresses (host:port,…; a few suffice, the others are discovered), or a URL such as redis://:pass@host1:6379?addr=host2:6379 (rediss:// for TLS).", func(c *config) *string { return &c.ClusterAddrs }),
	stringVar("RYTHME_SECRET_KEY", "(generated into RYTHME_DATA)", "Base64 32-byte key(s) sealing OAuth tokens; new key first, old after a comma to rotate. Required with DATABASE_URL. `rythme keygen` makes one.", func(c *config) *string { return &c.SecretKey }),
	stringVar("RYTHME_BOOTSTRAP_TOKEN", "(random, logged once)", "Admin API token created with the first workspace on an empty store (never added to an existing one: a warning says so).", func(c *config) *string { return &c.BootstrapToken }),
	{"RYTHME_LOG_LEVEL", "info", "debug, info, warn or error.", func(c *config, v string) error {
		return c.LogLevel.UnmarshalText([]byte(v))
	}},
	{"RYTHME_LOG_FORMAT", "json", "json or text.", func(c *config, v string) error {
		if v != "json" && v != "text" {
			return fmt.Errorf("RYTHME_LOG_FORMAT: %q is neither json nor text", v)
		}
		c.LogFormat = v
		return nil
	}},
	durationVar("RYTHME_HORIZON", "1h", "Posts due within it are on the Redis queue; later ones wait in the store.", func(c *config) *time.Duration { return &c.Horizon }),
	durationVar("RYTHME_RECONCILE_INTERVAL", "10s", "Time between reconciler sweeps.", func(c *config) *time.Duration { return &c.Reconcile }),
	durationVar("RYTHME_POLL_INTERVAL", "100ms", "How often due tasks are picked up; bounds lateness.", func(c *config) *time.Duration { return &c.PollInterval }),
	{"RYTHME_STAGE_AHEAD", "20s", "How long before its due time a publish task reaches a worker, which holds it until its second: thousands of posts due at the same time are then held by it, not taken from Redis one by one after it (0: at the due time).", func(c *config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > 5*time.Minute {
			return fmt.Errorf("RYTHME_STAGE_AHEAD: %q is not a duration from 0 to 5m such as 20s", v)
		}
		c.StageAhead = d
		return nil
	}},
	{"RYTHME_CLAIM_AHEAD", "2s", "How long before its due time a held publish task claims its post for publishing (its network call still waits for the due time): at the top of the hour the claims then run in the seconds before it. From then on an edit of the post gets a conflict, as while it publishes (0: at the due time).", func(c *config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > time.Minute {
			return fmt.Errorf("RYTHME_CLAIM_AHEAD: %q is not a duration from 0 to 1m such as 2s", v)
		}
		c.ClaimAhead = d
		return nil
	}},
	durationVar("RYTHME_LEASE", "10m", "How long a publishing target is leased to its worker.", func(c *config) *time.Duration { return &c.Lease }),
	durationVar("RYTHME_PUBLISH_TIMEOUT", "4m", "Bound of one publish, media processing included; the lease must be at least twice it.", func(c *config) *time.Duration { return &c.PublishTimeout }),
	{"RYTHME_METRICS_SCHEDULE", "15m,1h,6h,24h,72h,168h,720h", "When a published post's engagement is read, counted from its publication: increasing durations, comma-separated.", func(c *config, v string) error {
		var sched []time.Duration
		for _, f := range strings.Split(v, ",") {
			d, err := time.ParseDuration(strings.TrimSpace(f))
			if err != nil || d <= 0 || (len(sched) > 0 && d <= sched[len(sched)-1]) {
				return fmt.Errorf("RYTHME_METRICS_SCHEDULE: %q is not a list of increasing positive durations such as 15m,1h,6h", v)
			}
			sched = append(sched, d)
		}
		c.MetricsSchedule = sched
		return nil
	}},
	durationVar("RYTHME_INBOX_INTERVAL", "4m", "Time between two reads of each account's comments and mentions into the inbox (at most 4m30s: with the sweep's spread of up to 30s, a comment arrives within 5 minutes; Mastodon accounts stream theirs within seconds and are read every 30m while their stream is up).", func(c *config) *time.Duration { return &c.InboxInterval }),
	durationVar("RYTHME_METRICS_INTERVAL", "1m", "Time between metrics sweeps (readings that are due are read at the next one).", func(c *config) *time.Duration { return &c.MetricsInterval }),
	{"RYTHME_READINGS_RETENTION", "25", "Months of engagement readings kept as taken (the current one included); older months keep each post's last reading of each day, which is what reports read of them. all to keep every reading.", func(c *config, v string) error {
		if v == "all" {
			c.ReadingsRetention = -1
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("RYTHME_READINGS_RETENTION: %q is neither a number of months (at least 1) nor all", v)
		}
		c.ReadingsRetention = n
		return nil
	}},
	durationVar("RYTHME_REFRESH_AHEAD", "10m", "Tokens that expire within it are refreshed by the next refresh sweep (one a minute).", func(c *config) *time.Duration { return &c.RefreshAhead }),
	stringVar("RYTHME_CONCURRENCY", "default=10000", "Publish tasks a worker holds per network (its four publish queues share them), e.g. mastodon=20000,default=512, counting those staged before their due time (RYTHME_STAGE_AHEAD); the network calls in flight adapt below it (from the same number, shrinking by a quarter a round trip on 429, 5xx or an unknown outcome, growing back while the calls complete).", func(c *config) *string { return &c.Concurrency }),
	stringVar("RYTHME_WORKER_ADDR", "(off)", "Where `rythme work` serves /metrics and /healthz.", func(c *config) *string { return &c.WorkerAddr }),
	stringVar("FAKENET_ADDR", "127.0.0.1:8090", "Where `rythme fakenet` listens.", func(c *config) *string { return &c.FakenetAddr }),
	{"RYTHME_ALLOW_PRIVATE_WEBHOOKS", "false", "Let webhook URLs reach loopback and private addresses (development only; off, they are refused).", func(c *config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("RYTHME_ALLOW_PRIVATE_WEBHOOKS: %q is not true or false", v)
		}
		c.AllowPrivate = b
		return nil
	}},
	{"RYTHME_ALLOW_PRIVATE_NETWORKS", "", "Comma-separated CIDRs (e.g. 127.0.0.0/8,::1/128) that hosts users choose (a Mastodon instance_url, a Bluesky service_url) may resolve to; others that are not public are refused. RYTHME_FAKENET_URL's host is always allowed.", func(c *config, v string) error {
		if _, err := netguard.ParseAllow(v); err != nil {
			return fmt.Errorf("RYTHME_ALLOW_PRIVATE_NETWORKS: %w", err)
		}
		c.AllowNetworks = v
		return nil
	}},
	stringVar("RYTHME_MEDIA_DIR", "RYTHME_DATA/media", "Where uploaded images and videos live; a shared volume when several replicas run.", func(c *config) *string { return &c.MediaDir }),
	{"RYTHME_MEDIA_MAX_BYTES", "536870912", "Largest upload, in bytes (512 MiB).", func(c *config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("RYTHME_MEDIA_MAX_BYTES: %q is not a positive number of bytes", v)
		}
		c.MediaMaxBytes = n
		return nil
	}},
	{"RYTHME_MEDIA_QUOTA_BYTES", "5368709120", "Media bytes one workspace may keep (5 GiB); over it uploads answer 413; off for no quota.", func(c *config, v string) error {
		if v == "off" {
			c.MediaQuota = -1
			return nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("RYTHME_MEDIA_QUOTA_BYTES: %q is neither a positive number of bytes nor off", v)
		}
		c.MediaQuota = n
		return nil
	}},
	durationVar("RYTHME_MEDIA_UPLOAD_TIMEOUT", "10m", "How long one media upload's body may take to arrive; slower: 408.", func(c *config) *time.Duration { return &c.MediaUpload }),
	{"RYTHME_API_RATE_LIMIT", "500", "Requests per second one API token may make (bursts of 4 seconds' worth); off for no limit.", func(c *config, v string) error {
		if v == "off" {
			c.APIRate = -1
			return nil
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("RYTHME_API_RATE_LIMIT: %q is neither a positive number nor off", v)
		}
		c.APIRate = n
		return nil
	}},
	stringVar("RYTHME_ADMIN_EMAIL", "(none)", "Email of the first member, an instance administrator (admin of the first workspace), made at start if the store has no member yet.", func(c *config) *string { return &c.AdminEmail }),
	stringVar("RYTHME_ADMIN_PASSWORD", "", "Password of RYTHME_ADMIN_EMAIL (10 to 256 characters); used only when that member is made.", func(c *config) *string { return &c.AdminPassword }),
	stringVar("RYTHME_SMTP_ADDR", "(no mail)", "host:port of an SMTP server (STARTTLS when offered) that mails password reset and invitation links.", func(c *config) *string { return &c.SMTPAddr }),
	stringVar("RYTHME_SMTP_USERNAME", "", "SMTP user name (PLAIN auth, over TLS only); empty: no auth.", func(c *config) *string { return &c.SMTPUsername }),
	stringVar("RYTHME_SMTP_PASSWORD", "", "SMTP password.", func(c *config) *string { return &c.SMTPPassword }),
	stringVar("RYTHME_SMTP_FROM", "", "Sender address of the mails (required with RYTHME_SMTP_ADDR).", func(c *config) *string { return &c.SMTPFrom }),
	stringVar("RYTHME_FAKENET_URL", "(off)", "Point every network at `rythme fakenet` (e.g. http://127.0.0.1:8090), with its demo app credentials: try every network without real accounts.", func(c *config) *string { return &c.FakenetURL }),
	{"FAKENET_SEED", "1", "Seed of fakenet's deterministic engagement growth.", func(c *config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("FAKENET_SEED: %q is not an integer", v)
		}
		c.FakenetSeed = n
		return nil
	}},
	{"FAKENET_RATE_LIMIT", "300", "fakenet's requests allowed per token per 5 minutes (Mastodon's default).", func(c *config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return fmt.Errorf("FAKENET_RATE_LIMIT: %q is not a positive integer", v)
		}
		c.FakenetRate = n
		return nil
	}},
	{"FAKENET_HISTORY_DAYS", "90", "days of earlier posts each fakenet user has when first seen, with their engagement (0: none).", func(c *config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("FAKENET_HISTORY_DAYS: %q is not a non-negative integer", v)
		}
		c.FakenetHistory = n
		return nil
	}},
	{"FAKENET_LATENCY", "off", "fakenet's answer time: log-normal median/p99 of every network (250ms/800ms), per network (mastodon=250ms/800ms,default=100ms), drawn from FAKENET_SEED; flag --latency=.", func(c *config, v string) error {
		if _, err := fakenet.ParseLatency(v); err != nil {
			return fmt.Errorf("FAKENET_LATENCY: %w", err)
		}
		c.FakenetLatency = v
		return nil
	}},
}

// loadConfig reads the environment, then flags (--rythme-addr=… or
// --addr=…), and validates.
func loadConfig(getenv func(string) string, flags []string) (config, error) {
	c := config{Addr: "127.0.0.1:8080", DataDir: "./rythme-data", LogLevel: slog.LevelInfo, LogFormat: "json",
		Horizon: time.Hour, Reconcile: 10 * time.Second, PollInterval: 100 * time.Millisecond, Lease: 10 * time.Minute, PublishTimeout: 4 * time.Minute, APIRate: 500, StageAhead: 20 * time.Second, ClaimAhead: 2 * time.Second,
		FakenetAddr: "127.0.0.1:8090", FakenetSeed: 1, FakenetRate: 300, FakenetHistory: 90}
	values := map[string]string{}
	for _, v := range envVars {
		if s := getenv(v.name); s != "" {
			values[v.name] = s
		}
	}
	for _, f := range flags {
		name, val, ok := strings.Cut(strings.TrimLeft(f, "-"), "=")
		if !ok || !strings.HasPrefix(f, "-") {
			return c, fmt.Errorf("flag %q: use --name=value (see `rythme help`)", f)
		}
		key := strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		if !knownVar(key) && knownVar("RYTHME_"+key) {
			key = "RYTHME_" + key
		} else if !knownVar(key) && knownVar("FAKENET_"+key) { // rythme fakenet --latency=…
			key = "FAKENET_" + key
		}
		if !knownVar(key) {
			return c, fmt.Errorf("unknown flag %q (see `rythme help`)", f)
		}
		values[key] = val
	}
	c.Apps = appCredentials(getenv)
	var errs []error
	for _, v := range envVars {
		if s, ok := values[v.name]; ok {
			if err := v.set(&c, s); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.Addr
	}
	if c.MediaDir == "" {
		c.MediaDir = filepath.Join(c.DataDir, "media")
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("RYTHME_PUBLIC_URL: %q is not an http(s) URL", c.PublicURL))
	}
	if (c.SentinelAddrs == "") != (c.SentinelMaster == "") {
		errs = append(errs, errors.New("REDIS_SENTINEL_ADDRS and REDIS_SENTINEL_MASTER go together"))
	}
	if c.ClusterAddrs != "" {
		if c.SentinelAddrs != "" || c.RedisURL != "" {
			errs = append(errs, errors.New("REDIS_CLUSTER_ADDRS: set one of REDIS_URL, REDIS_SENTINEL_ADDRS and REDIS_CLUSTER_ADDRS"))
		} else if _, err := clusterOptions(c.ClusterAddrs); err != nil {
			errs = append(errs, err)
		}
	}
	if c.BootstrapToken != "" && len(c.BootstrapToken) < 16 {
		errs = append(errs, errors.New("RYTHME_BOOTSTRAP_TOKEN: at least 16 characters"))
	}
	if (c.AdminEmail == "") != (c.AdminPassword == "") {
		errs = append(errs, errors.New("RYTHME_ADMIN_EMAIL and RYTHME_ADMIN_PASSWORD go together"))
	} else if c.AdminEmail != "" {
		if err := rythme.ValidateMember(c.AdminEmail, "Administrator", c.AdminPassword); err != nil {
			errs = append(errs, fmt.Errorf("RYTHME_ADMIN_EMAIL/RYTHME_ADMIN_PASSWORD: %s", fieldsText(err)))
		}
	}
	if c.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.SMTPAddr); err != nil {
			errs = append(errs, fmt.Errorf("RYTHME_SMTP_ADDR: %q is not host:port", c.SMTPAddr))
		}
		if _, ok := rythme.NormalizeEmail(c.SMTPFrom); !ok {
			errs = append(errs, errors.New("RYTHME_SMTP_FROM: an email address is required with RYTHME_SMTP_ADDR"))
		}
	}
	if c.Lease < 2*c.PublishTimeout {
		errs = append(errs, fmt.Errorf("RYTHME_LEASE (%s) must be at least twice RYTHME_PUBLISH_TIMEOUT (%s)", c.Lease, c.PublishTimeout))
	}
	if _, err := c.concurrency(); err != nil {
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}

func knownVar(name string) bool {
	for _, v := range envVars {
		if v.name == name {
			return true
		}
	}
	return false
}

// concurrency parses RYTHME_CONCURRENCY into per-network counts and the
// default (0: the worker's default).
func (c config) concurrency() (map[string]int, error) {
	m := map[string]int{}
	if c.Concurrency == "" {
		return m, nil
	}
	for _, part := range strings.Split(c.Concurrency, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n <= 0 || n > 1_000_000 {
			return nil, fmt.Errorf("RYTHME_CONCURRENCY: %q should look like mastodon=64,default=32", part)
		}
		m[k] = n
	}
	return m, nil
}

// String masks the secrets, so that a config can be logged.
func (c config) LogValue() slog.Value {
	mask := func(s string) string {
		if s == "" {
			return ""
		}
		return "[set]"
	}
	db := "sqlite:" + c.DataDir
	if c.DatabaseURL != "" {
		db = redactURL(c.DatabaseURL)
	}
	rd := "in-process"
	if c.RedisURL != "" {
		rd = redactURL(c.RedisURL)
	} else if c.SentinelAddrs != "" {
		rd = "sentinel:" + c.SentinelMaster + "@" + c.SentinelAddrs
	} else if c.ClusterAddrs != "" {
		rd = "cluster:" + c.ClusterAddrs
		if strings.Contains(c.ClusterAddrs, "://") {
			rd = "cluster:" + redactURL(c.ClusterAddrs)
		}
	}
	return slog.GroupValue(slog.String("addr", c.Addr), slog.String("public_url", c.PublicURL), slog.String("database", db),
		slog.String("redis", rd), slog.String("secret_key", mask(c.SecretKey)), slog.String("bootstrap_token", mask(c.BootstrapToken)),
		slog.String("admin_email", c.AdminEmail), slog.String("admin_password", mask(c.AdminPassword)),
		slog.String("smtp", c.SMTPAddr), slog.String("smtp_password", mask(c.SMTPPassword)),
		slog.Duration("horizon", c.Horizon), slog.Duration("poll_interval", c.PollInterval), slog.Int("network_apps", len(c.Apps)),
		slog.String("fakenet_url", c.FakenetURL), slog.String("allow_private_networks", c.AllowNetworks))
}

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "[unparseable]"
	}
	return u.Redacted()
}

// fieldsText is a validation error's field messages, for a person.
func fieldsText(err error) string {
	var parts []string
	for _, f := range rythme.ErrorFields(err) {
		parts = append(parts, f.Field+" "+f.Message)
	}
	if len(parts) == 0 {
		return err.Error()
	}
	return strings.Join(parts, "; ")
}
