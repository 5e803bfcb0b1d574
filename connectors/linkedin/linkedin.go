// Package linkedin is rythme's connector for LinkedIn
// (https://learn.microsoft.com/en-us/linkedin/): OAuth 2 authorization
// code flow, identification through OpenID Connect's /v2/userinfo,
// publishing with the Posts API (text and images), and member post
// statistics.
//
// Posts are published as the connected member (urn:li:person:…). Options
// of a PublishRequest:
//
//   - "author": an organization URN (urn:li:organization:123, or just 123)
//     to publish as a company page the member administers; the app then
//     needs the Community Management API product and the scope
//     w_organization_social. Metrics are read for the member's own posts
//     only (memberCreatorPostAnalytics).
//   - "visibility": PUBLIC (default), CONNECTIONS or LOGGED_IN.
//
// LinkedIn has no idempotency key: a retry after an unknown outcome may
// publish twice (LinkedIn refuses an identical commentary as a duplicate,
// which then fails permanently rather than duplicating).
//
// It never logs or returns tokens or client secrets, and never calls
// anything but the configured LinkedIn URLs.
package linkedin

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// Name is the network name rythme knows LinkedIn by.
const Name = "linkedin"

// DefaultVersion is the LinkedIn-Version rythme sends (YYYYMM). LinkedIn
// serves each monthly version for at least a year
// (https://learn.microsoft.com/en-us/linkedin/marketing/versioning).
const DefaultVersion = "202605"

// DefaultScopes are what rythme asks for: sign-in (openid profile), posting
// as the member (w_member_social, the "Share on LinkedIn" product) and the
// member's post statistics and follower count (r_member_postAnalytics,
// r_member_profileAnalytics: the "Community Management API" product). An
// app without that product must drop the last two (metrics and followers
// then fail with a permanent error).
var DefaultScopes = []string{"openid", "profile", "w_member_social", "r_member_postAnalytics", "r_member_profileAnalytics"}

// Config configures the connector. Zero fields take the defaults noted.
type Config struct {
	// BaseURL is the API host. Default https://api.linkedin.com (REST
	// endpoints under /rest, OpenID's /v2/userinfo).
	BaseURL string
	// AuthURL default https://www.linkedin.com/oauth/v2/authorization.
	AuthURL string
	// TokenURL default https://www.linkedin.com/oauth/v2/accessToken.
	TokenURL string
	// ClientID and ClientSecret are the app's, from the Auth tab of
	// https://www.linkedin.com/developers/apps.
	ClientID     string
	ClientSecret string
	// Version is the LinkedIn-Version header. Default DefaultVersion.
	Version string
	// Scopes default DefaultScopes.
	Scopes []string
	// Now stamps metric readings and computes daily-limit waits. Default
	// time.Now.
	Now func() time.Time
}

// WithDefaults returns c with every empty field set to its default.
func (c Config) WithDefaults() Config {
	if c.BaseURL == "" {
		c.BaseURL = "https://api.linkedin.com"
	}
	if c.AuthURL == "" {
		c.AuthURL = "https://www.linkedin.com/oauth/v2/authorization"
	}
	if c.TokenURL == "" {
		c.TokenURL = "https://www.linkedin.com/oauth/v2/accessToken"
	}
	if c.Version == "" {
		c.Version = DefaultVersion
	}
	if len(c.Scopes) == 0 {
		c.Scopes = DefaultScopes
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	return c
}

// FakenetConfig points every URL at the LinkedIn simulated by fakenet at
// fakenetURL (such as http://127.0.0.1:8090), with demo credentials; the
// demo app is granted HistoryScope, as an approved partner's is.
func FakenetConfig(fakenetURL string) Config {
	base := strings.TrimRight(fakenetURL, "/") + "/" + Name
	return Config{BaseURL: base, AuthURL: base + "/oauth/v2/authorization", TokenURL: base + "/oauth/v2/accessToken",
		ClientID: "rythme-demo", ClientSecret: "rythme-demo-secret", Scopes: append(append([]string(nil), DefaultScopes...), HistoryScope)}
}

// Connector is the LinkedIn connector. Create it with New.
type Connector struct {
	cfg Config
}

var _ connectors.Connector = (*Connector)(nil)

// New returns a LinkedIn connector.
func New(cfg Config) *Connector { return &Connector{cfg: cfg.WithDefaults()} }

// Info describes LinkedIn and its limits.
func (c *Connector) Info() rythme.Network {
	return rythme.Network{
		Name:           Name,
		Title:          "LinkedIn",
		Auth:           "oauth2",
		MaxLength:      MaxCommentary,
		IdempotencyKey: false,
		Metrics:        true,
		MaxMedia:       MaxImages,
		MediaTypes:     []string{"image/jpeg", "image/png", "image/gif"},
		MaxImageBytes:  MaxImageBytes,
		// https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/poll-post-api:
		// 2 to 4 options, one day, three, a week or two; the question (the
		// post's text) at most 140 characters, each option 30; no images.
		Polls: &rythme.PollLimits{MaxOptions: 4, MaxOptionLength: 30, MaxQuestionLength: 140, MinDurationMinutes: 1440,
			MaxDurationMinutes: 14 * 1440, Durations: []int{1440, 3 * 1440, 7 * 1440, 14 * 1440}},
		Docs: "https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api",
	}
}

// Idempotent is false: LinkedIn's Posts API takes no idempotency key.
func (c *Connector) Idempotent(*rythme.Account) bool { return false }

// OAuth2Config returns LinkedIn's authorization code flow
// (https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow):
// client_id and client_secret go in the token request's body.
func (c *Connector) OAuth2Config(_ context.Context, _ connectors.ConnectParams, redirectURI string, _ connectors.Apps) (*oauth2.Config, error) {
	if ru, err := url.Parse(redirectURI); err != nil || !ru.IsAbs() {
		return nil, rythme.Errorf(rythme.EINVALID, "linkedin: the redirect URI %q is not an absolute URL", redirectURI)
	}
	if c.cfg.ClientID == "" || c.cfg.ClientSecret == "" {
		return nil, rythme.Errorf(rythme.EINVALID, "linkedin: no client id and secret are configured")
	}
	return &oauth2.Config{
		ClientID:     c.cfg.ClientID,
		ClientSecret: c.cfg.ClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: c.cfg.AuthURL, TokenURL: c.cfg.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL:  redirectURI,
		Scopes:       c.cfg.Scopes,
	}, nil
}

// Identify reads the member from GET /v2/userinfo (OpenID Connect,
// https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2):
// the external id is urn:li:person:<sub>, the author of the member's posts.
// OpenID gives no handle or profile URL: the username is the member's
// name.
func (c *Connector) Identify(ctx context.Context, _ connectors.ConnectParams, client *http.Client) (*connectors.Identity, error) {
	var ui struct {
		Sub     string `json:"sub"`
		Name    string `json:"name"`
		Given   string `json:"given_name"`
		Family  string `json:"family_name"`
		Picture string `json:"picture"`
	}
	req, err := c.newRequest(ctx, http.MethodGet, c.cfg.BaseURL+"/v2/userinfo", nil, false)
	if err != nil {
		return nil, err
	}
	if err := c.doJSON(client, req, &ui); err != nil {
		return nil, err
	}
	if ui.Sub == "" {
		return nil, connectors.Errorf(connectors.Permanent, "LinkedIn's userinfo answer has no sub")
	}
	name := strings.TrimSpace(ui.Name)
	if name == "" {
		name = strings.TrimSpace(ui.Given + " " + ui.Family)
	}
	return &connectors.Identity{ExternalID: "urn:li:person:" + ui.Sub, Username: name, DisplayName: name,
		InstanceURL: c.cfg.BaseURL}, nil
}

// maxBody bounds a successful answer read into memory.
const maxBody = 4 << 20

// newRequest builds a request; rest adds the versioning headers every
// /rest endpoint requires (LinkedIn-Version, X-Restli-Protocol-Version).
func (c *Connector) newRequest(ctx context.Context, method, u string, body any, rest bool) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, &connectors.Error{Kind: connectors.Permanent, Message: "could not encode the request", Err: err}
		}
		rd = strings.NewReader(string(b))
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, &connectors.Error{Kind: connectors.Permanent, Message: "invalid request URL", Err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if rest {
		req.Header.Set("LinkedIn-Version", c.cfg.Version)
		req.Header.Set("X-Restli-Protocol-Version", "2.0.0")
	}
	return req, nil
}

// doJSON sends req and decodes a 2xx answer into out (when not nil).
func (c *Connector) doJSON(client *http.Client, req *http.Request, out any) error {
	resp, err := connectors.Do(client, req)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return c.fromResponse(resp)
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(out); err != nil {
		return &connectors.Error{Kind: connectors.Retryable, Status: resp.StatusCode, Message: "LinkedIn's answer is not the JSON expected", Err: err}
	}
	return nil
}
