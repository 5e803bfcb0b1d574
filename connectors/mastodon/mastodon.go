// Package mastodon is rythme's connector for Mastodon and the servers that
// speak its API (https://docs.joinmastodon.org/methods/): it registers
// rythme as an OAuth app on each instance, identifies the account,
// publishes statuses with an Idempotency-Key, and reads their engagement.
//
// It never hard-codes an instance (every URL comes from the account's
// instance URL), never talks to private-network addresses other than
// loopback, and never logs or returns tokens or client secrets.
package mastodon

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// Name is the network name rythme knows Mastodon by.
const Name = "mastodon"

// Scopes are the OAuth scopes rythme asks for: enough to identify the
// account, publish statuses and read them back, and read the account's
// notifications, the inbox's mentions and their stream (read:notifications,
// for GET /api/v1/notifications and the user:notification stream)
// (https://docs.joinmastodon.org/api/oauth-scopes/). An account connected
// before read:notifications was asked has comments only, polled, until
// it is connected again. The granular scopes exist since Mastodon 2.4, so
// older servers are not left out. GoToSocial checks scoped tokens since
// 0.19.0 and knows the same granular scopes
// (https://docs.gotosocial.org/en/latest/api/authentication/); before, any
// token could do everything.
var Scopes = []string{"read:accounts", "read:statuses", "read:notifications", "write:statuses", "write:media"}

// Meta keys the connector writes at Identify time.
const (
	// MetaIdempotency is "honoured" when the server is known to dedupe
	// Idempotency-Key (Mastodon and its forks), "ignored" when it is known
	// not to (GoToSocial), "unknown" otherwise.
	MetaIdempotency = "idempotency"
	// MetaSoftware is "mastodon", "gotosocial" or what the server says.
	MetaSoftware = "software"
	// MetaVersion is the version the server reports.
	MetaVersion = "version"
	// MetaMaxCharacters is the instance's configured status length.
	MetaMaxCharacters = "max_characters"
	// MetaStatusesBatch is "false" when the server is known not to serve
	// GET /api/v1/statuses?id[]= (Mastodon before 4.3).
	MetaStatusesBatch = "statuses_batch"
)

// Connector is the Mastodon connector. Create it with New.
type Connector struct {
	http       *http.Client
	now        func() time.Time
	clientName string
	website    string

	mu   sync.Mutex
	apps map[string]*rythme.OAuthApp // registrations made when no store was given
	regs map[string]*sync.Mutex      // one registration at a time per (instance, redirect)
	// noBatch remembers, per instance, until when GET /api/v1/statuses?id[]=
	// is known to be missing (it answered 404 or 405): polls go straight
	// to one by one instead of asking again every time.
	noBatch map[string]time.Time
}

// NoBatchTTL is how long an instance that lacks the batch statuses
// endpoint is remembered as lacking it (an upgrade may add it; the daily
// limits refresh also records it on the account).
const NoBatchTTL = 24 * time.Hour

// batchMissing reports whether inst is remembered to lack the batch
// endpoint.
func (c *Connector) batchMissing(inst string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	until, ok := c.noBatch[inst]
	return ok && c.now().Before(until)
}

// rememberNoBatch records that inst lacks the batch endpoint.
func (c *Connector) rememberNoBatch(inst string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.noBatch[inst] = c.now().Add(NoBatchTTL)
}

var _ connectors.Connector = (*Connector)(nil)

// Option configures a Connector.
type Option func(*Connector)

// WithHTTPClient sets the client for calls made without an account's
// credentials (app registration). Default connectors.NewHTTPClient().
func WithHTTPClient(c *http.Client) Option { return func(k *Connector) { k.http = c } }

// WithClientName sets the application name and website rythme registers
// on each instance. Default "rythme" and none.
func WithClientName(name, website string) Option {
	return func(k *Connector) { k.clientName, k.website = name, website }
}

// WithClock sets the clock that stamps metrics. Default time.Now.
func WithClock(now func() time.Time) Option { return func(k *Connector) { k.now = now } }

// New returns a Mastodon connector.
func New(opts ...Option) *Connector {
	c := &Connector{
		http:       connectors.NewHTTPClient(),
		now:        time.Now,
		clientName: "rythme",
		apps:       map[string]*rythme.OAuthApp{},
		regs:       map[string]*sync.Mutex{},
		noBatch:    map[string]time.Time{},
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Info describes Mastodon with its default limits.
func (c *Connector) Info() rythme.Network {
	return rythme.Network{
		Name:           Name,
		Title:          "Mastodon",
		Auth:           "oauth2",
		ConnectParams:  []string{"instance_url"},
		MaxLength:      MaxCharacters,
		URLLength:      URLCharacters,
		IdempotencyKey: true,
		Metrics:        true,
		Threads:        true,
		// https://docs.joinmastodon.org/methods/statuses/#create: at most 4
		// attachments; default limits 16 MB per image, 99 MB per video
		// (an instance may differ: /api/v2/instance says).
		MaxMedia:      4,
		MediaTypes:    []string{"image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4", "video/quicktime"},
		MaxImageBytes: 16 << 20,
		MaxVideoBytes: 99 << 20,
		// https://docs.joinmastodon.org/api/rate-limits/: 300 requests per
		// 5 minutes per account, every endpoint included; media uploads
		// (POST /api/v1/media, /api/v2/media) 30 per 30 minutes.
		RateLimits: []rythme.RateLimit{{Scope: "account", Requests: 300, PeriodSeconds: 300},
			{Scope: "account", Requests: 30, PeriodSeconds: 1800, Method: http.MethodPost, Path: "/media"}},
		// https://docs.joinmastodon.org/entities/Instance/#polls: Mastodon's
		// defaults are 4 options of 50 characters, 5 minutes to a month
		// (an instance says its own in configuration.polls); a poll and
		// media_ids are mutually exclusive
		// (https://docs.joinmastodon.org/methods/statuses/#create).
		Polls: &rythme.PollLimits{MaxOptions: 4, MaxOptionLength: 50, MinDurationMinutes: 5,
			MaxDurationMinutes: 2629746 / 60, Multiple: true, Results: true},
		Docs: "https://docs.joinmastodon.org/client/intro/",
	}
}

// Idempotent reports whether the account's server was found at connect
// time to honour Idempotency-Key; an account without that knowledge is
// not assumed to.
func (c *Connector) Idempotent(acct *rythme.Account) bool {
	return acct != nil && acct.Meta[MetaIdempotency] == "honoured"
}

// lockFor returns the mutex serialising registrations for key.
func (c *Connector) lockFor(key string) *sync.Mutex {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, ok := c.regs[key]
	if !ok {
		m = &sync.Mutex{}
		c.regs[key] = m
	}
	return m
}

// newRequest builds a request to the instance.
func newRequest(ctx context.Context, method, u string, body *string) (*http.Request, error) {
	var req *http.Request
	var err error
	if body != nil {
		req, err = http.NewRequestWithContext(ctx, method, u, strings.NewReader(*body))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	} else {
		req, err = http.NewRequestWithContext(ctx, method, u, nil)
	}
	if err != nil {
		return nil, &connectors.Error{Kind: connectors.Permanent, Message: "invalid request URL", Err: err}
	}
	req.Header.Set("Accept", "application/json")
	return req, nil
}
