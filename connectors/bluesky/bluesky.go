// Package bluesky is rythme's connector for Bluesky and any atproto PDS
// (https://docs.bsky.app/docs/api/, lexicons at
// https://github.com/bluesky-social/atproto/tree/main/lexicons).
//
// Accounts connect with an app password: Connect trades it for a session
// (com.atproto.server.createSession) and keeps only the session's JWTs,
// never the password. The access JWT lives about 2 hours and the refresh
// JWT 90 days; every com.atproto.server.refreshSession rotates both, so a
// session that is refreshed at least once every 90 days (the worker's
// refresh-ahead task does it far more often) lives for ever, and one left
// idle longer needs a new app password (the account becomes
// needs_reconnect). The connector's own session (OpenSession) refreshes
// before the access JWT expires and after an ExpiredToken answer, saving
// every new pair.
//
// Posts are app.bsky.feed.post records created with
// com.atproto.repo.createRecord under a record key (a TID) derived from
// the request's idempotency key, so a retry cannot make a second post:
// the PDS refuses a key already used, and the connector then reads the
// existing record back (RecordKey). Links, hashtags and @mentions become
// rich-text facets (byte offsets in UTF-8); thread parts are replies with
// root and parent references; up to 4 images are uploaded as blobs.
//
// Options: "langs", a comma-separated list of BCP 47 language tags for the
// record's langs field (at most 3, as the lexicon allows).
//
// The connector never logs or returns the app password or the JWTs.
package bluesky

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// Name is the network name rythme knows Bluesky by.
const Name = "bluesky"

// Limits of app.bsky.feed.post and app.bsky.embed.images.
const (
	// MaxGraphemes is the longest post text, in grapheme clusters.
	MaxGraphemes = 300
	// MaxTextBytes is the longest post text in UTF-8 bytes.
	MaxTextBytes = 3000
	// MaxImages is how many images a post embeds.
	MaxImages = 4
	// MaxImageBytes is the largest image blob a post may embed.
	MaxImageBytes = 1_000_000
	// maxURIs is how many posts app.bsky.feed.getPosts reads at once.
	maxURIs = 25
)

// Meta keys written at connect time.
const (
	// MetaHandle is the account's full handle (alice.bsky.social).
	MetaHandle = "handle"
	// MetaPDS is the account's PDS as its DID document names it.
	MetaPDS = "pds"
)

// Config configures a Connector. The zero value talks to Bluesky.
type Config struct {
	// ServiceURL is the PDS (or entryway) accounts sign in to when the
	// connect parameters name none. Default https://bsky.social.
	ServiceURL string
	// AppURL is where post and profile links point. Default
	// https://bsky.app.
	AppURL string
	// HTTPClient makes the calls that carry no session (createSession,
	// refreshSession, describeServer). Default connectors.NewHTTPClient().
	HTTPClient *http.Client
	// Now stamps records (createdAt) and metrics. Default time.Now.
	Now func() time.Time
	// RefreshMargin is how long before the access JWT expires the session
	// refreshes it. Default 1 minute.
	RefreshMargin time.Duration
}

func (c Config) withDefaults() Config {
	if c.ServiceURL == "" {
		c.ServiceURL = "https://bsky.social"
	}
	if c.AppURL == "" {
		c.AppURL = "https://bsky.app"
	}
	c.AppURL = strings.TrimSuffix(c.AppURL, "/")
	if c.HTTPClient == nil {
		c.HTTPClient = connectors.NewHTTPClient()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.RefreshMargin <= 0 {
		c.RefreshMargin = time.Minute
	}
	return c
}

// FakenetConfig returns the configuration for the Bluesky simulated by
// fakenet at fakenetURL (such as http://127.0.0.1:8090).
func FakenetConfig(fakenetURL string) Config {
	base := strings.TrimSuffix(fakenetURL, "/") + "/" + Name
	return Config{ServiceURL: base, AppURL: base}
}

// Connector is the Bluesky connector. Create it with New.
type Connector struct{ cfg Config }

var (
	_ connectors.Connector       = (*Connector)(nil)
	_ connectors.DirectConnector = (*Connector)(nil)
	_ connectors.SessionOpener   = (*Connector)(nil)
)

// New returns a Bluesky connector.
func New(cfg Config) *Connector { return &Connector{cfg: cfg.withDefaults()} }

// Info describes Bluesky. Text counts in grapheme clusters, URLs as
// written.
func (c *Connector) Info() rythme.Network {
	return rythme.Network{
		Name:          Name,
		Title:         "Bluesky",
		Auth:          "app_password",
		ConnectParams: []string{"identifier", "app_password"},
		// A self-hosted PDS; default Config.ServiceURL (bsky.social).
		ConnectOptional: []string{"service_url"},
		MaxLength:       MaxGraphemes,
		IdempotencyKey:  true,
		Metrics:         true,
		// 5,000 write points an hour and 35,000 a day per account; a
		// record created costs 3 (each part of a thread is one)
		// (https://docs.bsky.app/docs/advanced-guides/rate-limits).
		RateLimits: []rythme.RateLimit{
			{Scope: "account", Requests: 1666, PeriodSeconds: 3600, Method: http.MethodPost, Path: "com.atproto.repo.createRecord"},
			{Scope: "account", Requests: 11666, PeriodSeconds: 86400, Method: http.MethodPost, Path: "com.atproto.repo.createRecord"}},
		Threads:       true,
		MaxMedia:      MaxImages,
		MediaTypes:    []string{"image/jpeg", "image/png", "image/gif", "image/webp"},
		MaxImageBytes: MaxImageBytes,
		Docs:          "https://docs.bsky.app/docs/get-started",
	}
}

// Idempotent is true on every PDS: a record key is unique in its
// collection, so a retry under the same key cannot make a second post.
func (c *Connector) Idempotent(*rythme.Account) bool { return true }

// OAuth2Config is EINVALID: Bluesky accounts connect with an app password
// (Connect).
func (c *Connector) OAuth2Config(context.Context, connectors.ConnectParams, string, connectors.Apps) (*oauth2.Config, error) {
	return nil, rythme.Errorf(rythme.EINVALID, "Bluesky accounts connect with an app password, not OAuth")
}

// NormalizeServiceURL validates a PDS URL: https, or http on a loopback
// host; no user info, query or fragment; no private-network address. It
// returns the URL without a trailing slash, or EINVALID on service_url.
func NormalizeServiceURL(raw string) (string, error) {
	bad := func(msg string) error {
		return rythme.Invalid(rythme.FieldError{Field: "service_url", Message: msg})
	}
	raw = strings.TrimSpace(raw)
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", bad("is not a valid URL")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", bad("must not contain a user name, a query or a fragment")
	}
	host := strings.ToLower(u.Hostname())
	loopback := host == "localhost"
	if ip, err := netip.ParseAddr(host); err == nil {
		ip = ip.Unmap()
		loopback = ip.IsLoopback()
		if !loopback && (ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() || ip.IsMulticast()) {
			return "", bad("must be a public server")
		}
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && !(scheme == "http" && loopback) {
		return "", bad("must use https")
	}
	hostport := host
	if p := u.Port(); p != "" {
		hostport = net.JoinHostPort(host, p)
	} else if strings.Contains(host, ":") {
		hostport = "[" + host + "]"
	}
	return scheme + "://" + hostport + strings.TrimSuffix(u.EscapedPath(), "/"), nil
}

// service returns the PDS of p (service_url) or the configured default.
func (c *Connector) service(p connectors.ConnectParams) (string, error) {
	if s := strings.TrimSpace(p["service_url"]); s != "" {
		return NormalizeServiceURL(s)
	}
	return NormalizeServiceURL(c.cfg.ServiceURL)
}

// serviceOf returns an account's PDS, as a Permanent error when it is
// not valid (it was validated at connect time).
func serviceOf(acct *rythme.Account) (string, error) {
	if acct == nil {
		return "", connectors.Errorf(connectors.Permanent, "no account")
	}
	s, err := NormalizeServiceURL(acct.InstanceURL)
	if err != nil {
		return "", &connectors.Error{Kind: connectors.Permanent, Message: "the account's PDS URL is not valid", Err: err}
	}
	return s, nil
}

// sessionInfo is what createSession, refreshSession and getSession answer.
type sessionInfo struct {
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
	Handle     string `json:"handle"`
	DID        string `json:"did"`
	DIDDoc     struct {
		Service []struct {
			ID              string `json:"id"`
			ServiceEndpoint string `json:"serviceEndpoint"`
		} `json:"service"`
	} `json:"didDoc"`
}

// Connect signs in with an app password
// (https://docs.bsky.app/docs/api/com-atproto-server-create-session) and
// returns the account and its session JWTs. Params: identifier (handle,
// DID or e-mail), app_password, and optionally service_url (the PDS;
// default Config.ServiceURL). A refusal is an Auth error; missing params
// are EINVALID.
func (c *Connector) Connect(ctx context.Context, p connectors.ConnectParams, base *http.Client) (*connectors.Identity, rythme.Token, error) {
	id := strings.TrimPrefix(strings.TrimSpace(p["identifier"]), "@")
	pw := strings.TrimSpace(p["app_password"])
	var fields []rythme.FieldError
	if id == "" {
		fields = append(fields, rythme.FieldError{Field: "identifier", Message: "is required (your handle, such as alice.bsky.social)"})
	}
	if pw == "" {
		fields = append(fields, rythme.FieldError{Field: "app_password", Message: "is required (create one in Settings › Privacy and security › App passwords)"})
	}
	if fields != nil {
		return nil, rythme.Token{}, rythme.Invalid(fields...)
	}
	service, err := c.service(p)
	if err != nil {
		return nil, rythme.Token{}, err
	}
	if base == nil {
		base = c.cfg.HTTPClient
	}
	var s sessionInfo
	in := map[string]string{"identifier": id, "password": pw}
	if err := c.call(ctx, base, http.MethodPost, service, "com.atproto.server.createSession", nil, in, "", &s); err != nil {
		return nil, rythme.Token{}, err
	}
	if s.AccessJwt == "" || s.DID == "" {
		return nil, rythme.Token{}, connectors.Errorf(connectors.Permanent, "the PDS's session answer has no token or DID")
	}
	return c.identity(ctx, base, service, s), tokenOf(s), nil
}

// Identify reads the account of a session client
// (com.atproto.server.getSession).
func (c *Connector) Identify(ctx context.Context, p connectors.ConnectParams, client *http.Client) (*connectors.Identity, error) {
	service, err := c.service(p)
	if err != nil {
		return nil, err
	}
	var s sessionInfo
	if err := c.call(ctx, client, http.MethodGet, service, "com.atproto.server.getSession", nil, nil, "", &s); err != nil {
		return nil, err
	}
	return c.identity(ctx, c.cfg.HTTPClient, service, s), nil
}

// identity builds the account of session s. Its username is the handle
// without the PDS's own user domain (alice for alice.bsky.social, as
// com.atproto.server.describeServer names the domains), the handle in
// full otherwise.
func (c *Connector) identity(ctx context.Context, base *http.Client, service string, s sessionInfo) *connectors.Identity {
	username := s.Handle
	var desc struct {
		AvailableUserDomains []string `json:"availableUserDomains"`
	}
	if c.call(ctx, base, http.MethodGet, service, "com.atproto.server.describeServer", nil, nil, "", &desc) == nil {
		for _, d := range desc.AvailableUserDomains {
			if d != "" && strings.HasSuffix(s.Handle, d) && len(s.Handle) > len(d) {
				username = strings.TrimSuffix(s.Handle, d)
				break
			}
		}
	}
	id := &connectors.Identity{ExternalID: s.DID, Username: username, DisplayName: s.Handle,
		ProfileURL: c.cfg.AppURL + "/profile/" + s.Handle, InstanceURL: service, Meta: map[string]string{MetaHandle: s.Handle}}
	for _, svc := range s.DIDDoc.Service {
		if svc.ID == "#atproto_pds" && svc.ServiceEndpoint != "" {
			id.Meta[MetaPDS] = svc.ServiceEndpoint
		}
	}
	return id
}

// tokenOf keeps a session's JWTs: the access JWT's exp is the expiry.
func tokenOf(s sessionInfo) rythme.Token {
	claims := jwtClaims(s.AccessJwt)
	t := rythme.Token{AccessToken: s.AccessJwt, RefreshToken: s.RefreshJwt, TokenType: "Bearer", Scope: claims.Scope}
	if claims.Exp > 0 {
		t.Expiry = time.Unix(claims.Exp, 0).UTC()
	}
	return t
}
