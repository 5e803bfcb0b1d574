// Package reddit is rythme's connector for Reddit
// (https://www.reddit.com/dev/api, OAuth 2 as
// https://github.com/reddit-archive/reddit/wiki/OAuth2 describes it): it
// asks for a permanent grant (a refresh token; access tokens last an
// hour), identifies the account with /api/v1/me, submits posts with
// /api/submit and reads their score and comments with /api/info.
//
// Reddit posts need a title: PublishRequest.Title, or else the first line
// of the text (cut at a word to 300 characters when longer, the rest of
// the text then being the body). Options of a PublishRequest:
//
//   - "subreddit": where to post (r/ and /r/ prefixes are dropped);
//     default the account's own profile, u_<username>.
//   - "url": make a link post to that URL instead of a text post (the
//     text then only gives the title).
//   - "nsfw", "spoiler": "true" to mark the post so.
//   - "flair_id": a flair template id of the subreddit.
//
// Reddit has no idempotency key: a retry after an unknown outcome may post
// twice. Every request carries the configured User-Agent, which Reddit's
// API rules require to be unique and descriptive.
//
// It never logs or returns tokens or client secrets, and never calls
// anything but the configured Reddit URLs.
package reddit

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// Name is the network name rythme knows Reddit by.
const Name = "reddit"

// DefaultUserAgent follows Reddit's format
// <platform>:<app ID>:<version string> (by /u/<reddit username>)
// (https://github.com/reddit-archive/reddit/wiki/API#rules). Deployments
// should set their own, naming their app and contact.
const DefaultUserAgent = "server:rythme:v1 (by rythme; https://github.com/rythmehq/rythme)"

// DefaultScopes: the username (identity), posting (submit), reading posts
// back for metrics (read), listing the user's earlier posts (history: an
// account connected before it was asked answers 403 there, and its history
// import stops saying so until it is reconnected).
var DefaultScopes = []string{"identity", "submit", "read", "history"}

// Config configures the connector. Zero fields take the defaults noted.
type Config struct {
	// BaseURL is the API host. Default https://oauth.reddit.com.
	BaseURL string
	// AuthURL default https://www.reddit.com/api/v1/authorize.
	AuthURL string
	// TokenURL default https://www.reddit.com/api/v1/access_token.
	TokenURL string
	// WebURL is where posts are seen, for profile URLs. Default
	// https://www.reddit.com.
	WebURL string
	// ClientID and ClientSecret are the "web app" registered at
	// https://www.reddit.com/prefs/apps.
	ClientID     string
	ClientSecret string
	// UserAgent is sent with every API request. Default DefaultUserAgent.
	UserAgent string
	// Scopes default DefaultScopes.
	Scopes []string
	// Now stamps metric readings. Default time.Now.
	Now func() time.Time
}

// WithDefaults returns c with every empty field set to its default.
func (c Config) WithDefaults() Config {
	if c.BaseURL == "" {
		c.BaseURL = "https://oauth.reddit.com"
	}
	if c.AuthURL == "" {
		c.AuthURL = "https://www.reddit.com/api/v1/authorize"
	}
	if c.TokenURL == "" {
		c.TokenURL = "https://www.reddit.com/api/v1/access_token"
	}
	if c.WebURL == "" {
		c.WebURL = "https://www.reddit.com"
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	if len(c.Scopes) == 0 {
		c.Scopes = DefaultScopes
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	c.WebURL = strings.TrimRight(c.WebURL, "/")
	return c
}

// FakenetConfig points every URL at the Reddit simulated by fakenet at
// fakenetURL (such as http://127.0.0.1:8090), with demo credentials.
func FakenetConfig(fakenetURL string) Config {
	base := strings.TrimRight(fakenetURL, "/") + "/" + Name
	return Config{BaseURL: base, AuthURL: base + "/api/v1/authorize", TokenURL: base + "/api/v1/access_token",
		WebURL: base, ClientID: "rythme-demo", ClientSecret: "rythme-demo-secret"}
}

// Connector is the Reddit connector. Create it with New.
type Connector struct {
	cfg Config
}

var _ connectors.Connector = (*Connector)(nil)

// New returns a Reddit connector.
func New(cfg Config) *Connector { return &Connector{cfg: cfg.WithDefaults()} }

// Limits Reddit applies to a submission.
const (
	MaxTitle    = 300
	MaxSelfText = 40000
	// MaxInfoIDs is how many fullnames GET /api/info takes at once.
	MaxInfoIDs = 100
)

// Info describes Reddit and its limits.
//
// Polls is nil: Reddit's documented API has no poll submission
// (https://www.reddit.com/dev/api/#POST_api_submit takes the kinds link,
// self, image, video and videogif).
func (c *Connector) Info() rythme.Network {
	return rythme.Network{
		Name:           Name,
		Title:          "Reddit",
		Auth:           "oauth2",
		MaxLength:      MaxSelfText,
		IdempotencyKey: false,
		Metrics:        true,
		// 100 requests a minute per OAuth client (the Data API wiki): the
		// whole app shares it.
		RateLimits: []rythme.RateLimit{{Scope: "app", Requests: 100, PeriodSeconds: 60}},
		Docs:       "https://www.reddit.com/dev/api#POST_api_submit",
	}
}

// Idempotent is false: /api/submit takes no idempotency key.
func (c *Connector) Idempotent(*rythme.Account) bool { return false }

// OAuth2Config returns Reddit's code flow: duration=permanent for a
// refresh token, HTTP Basic client authentication at the token endpoint.
func (c *Connector) OAuth2Config(_ context.Context, _ connectors.ConnectParams, redirectURI string, _ connectors.Apps) (*oauth2.Config, error) {
	if ru, err := url.Parse(redirectURI); err != nil || !ru.IsAbs() {
		return nil, rythme.Errorf(rythme.EINVALID, "reddit: the redirect URI %q is not an absolute URL", redirectURI)
	}
	if c.cfg.ClientID == "" {
		return nil, rythme.Errorf(rythme.EINVALID, "reddit: no client id is configured")
	}
	auth := c.cfg.AuthURL
	sep := "?"
	if strings.Contains(auth, "?") {
		sep = "&"
	}
	return &oauth2.Config{
		ClientID:     c.cfg.ClientID,
		ClientSecret: c.cfg.ClientSecret,
		// duration is not a standard parameter: it rides on the URL.
		Endpoint:    oauth2.Endpoint{AuthURL: auth + sep + "duration=permanent", TokenURL: c.cfg.TokenURL, AuthStyle: oauth2.AuthStyleInHeader},
		RedirectURL: redirectURI,
		Scopes:      c.cfg.Scopes,
	}, nil
}

// Identify reads the account with GET /api/v1/me; the external id is its
// fullname t2_<id>.
func (c *Connector) Identify(ctx context.Context, _ connectors.ConnectParams, client *http.Client) (*connectors.Identity, error) {
	var me struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	req, err := c.newRequest(ctx, http.MethodGet, c.cfg.BaseURL+"/api/v1/me", nil)
	if err != nil {
		return nil, err
	}
	if err := c.doJSON(client, req, &me); err != nil {
		return nil, err
	}
	if me.ID == "" || me.Name == "" {
		return nil, connectors.Errorf(connectors.Permanent, "Reddit's /api/v1/me answer has no id or name")
	}
	return &connectors.Identity{ExternalID: "t2_" + me.ID, Username: me.Name, DisplayName: "u/" + me.Name,
		ProfileURL: c.cfg.WebURL + "/user/" + me.Name + "/", InstanceURL: c.cfg.BaseURL}, nil
}

const maxBody = 4 << 20

// newRequest builds a request with the User-Agent; form, when not nil, is
// the urlencoded body.
func (c *Connector) newRequest(ctx context.Context, method, u string, form url.Values) (*http.Request, error) {
	var rd io.Reader
	if form != nil {
		rd = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, &connectors.Error{Kind: connectors.Permanent, Message: "invalid request URL", Err: err}
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	return req, nil
}

// doJSON sends req and decodes a 2xx answer into out.
func (c *Connector) doJSON(client *http.Client, req *http.Request, out any) error {
	resp, err := connectors.Do(client, req)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fromResponse(resp)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(out); err != nil {
		return &connectors.Error{Kind: connectors.Retryable, Status: resp.StatusCode, Message: "Reddit's answer is not the JSON expected", Err: err}
	}
	return nil
}

// errorMessage extracts Reddit's {"message": …, "error": 403, "reason"?}.
func errorMessage(body []byte) string {
	var e struct {
		Message string `json:"message"`
		Reason  string `json:"reason"`
	}
	if json.Unmarshal(body, &e) != nil || e.Message == "" {
		return ""
	}
	if e.Reason != "" {
		return e.Message + ": " + e.Reason
	}
	return e.Message
}

// fromResponse classifies a non-2xx answer (401 Auth, 429 RateLimited,
// 5xx Retryable, other 4xx Permanent). The wait of a 429 is Retry-After
// when given, else X-Ratelimit-Reset, which Reddit gives in SECONDS until
// the window ends (https://www.reddit.com/r/redditdev/comments/1yxrp7/formal_ratelimiting_headers/;
// connectors.RetryAfter would read it as an epoch).
func fromResponse(resp *http.Response) *connectors.Error {
	h := resp.Header.Clone()
	reset := h.Get("X-Ratelimit-Reset")
	h.Del("X-Ratelimit-Reset")
	resp.Header = h
	e := connectors.FromResponse(resp, errorMessage)
	if e.Kind == connectors.RateLimited && e.RetryAfter == 0 {
		e.RetryAfter = ResetWait(reset)
	}
	return e
}

// ResetWait reads X-Ratelimit-Reset: seconds until Reddit's rate-limit
// window ends (possibly fractional), bounded to an hour; 0 when absent or
// malformed.
func ResetWait(v string) time.Duration {
	s, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || s <= 0 {
		return 0
	}
	d := time.Duration(s * float64(time.Second))
	return min(d, time.Hour)
}
