// Package x is rythme's connector for X (formerly Twitter), on the X API
// v2 (https://docs.x.com/x-api/introduction): OAuth 2.0 authorization code
// with PKCE for a confidential client, GET /2/users/me to identify the
// account, POST /2/tweets to publish (a thread is a chain of replies),
// media upload v2 for images, GIFs and videos, and GET /2/tweets?ids= for
// engagement.
//
// Text is counted exactly as X counts it (twitter-text config v3, see
// WeightedLength): 280 weighted characters, a URL is 23, an emoji 2.
//
// A bot account may connect instead with the OAuth 1.0a keys of an X app
// for its own account (consumer_key, consumer_secret, access_token,
// access_token_secret): the Connector is a connectors.DualConnector whose
// Connect checks them with a signed GET /2/users/me, and a
// connectors.SessionOpener whose sessions sign every request with
// HMAC-SHA1 (RFC 5849) for such accounts (Meta["auth"] "oauth1") and
// refresh OAuth 2.0 tokens for the others.
//
// X has no idempotency key, so Idempotent is always false: an unknown
// outcome (a timeout after sending) makes the target unconfirmed instead
// of being sent again.
//
// Options: none; PublishRequest.Thread parts are published as replies and
// PublishRequest.Media is attached to the first post.
//
// It never logs, returns or puts in an error a token, a client secret, an
// OAuth 1.0a key or a PKCE verifier.
package x

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// Name is the network name rythme knows X by.
const Name = "x"

// DefaultScopes are the OAuth 2.0 scopes rythme asks for: read the account,
// write and read posts, upload media, hide replies to its posts
// (tweet.moderate.write: the inbox) and keep access with a refresh token
// (https://docs.x.com/resources/fundamentals/authentication/oauth-2-0/authorization-code#scopes).
var DefaultScopes = []string{"tweet.read", "tweet.write", "users.read", "offline.access", "media.write", "tweet.moderate.write"}

// Limits X documents (https://docs.x.com/x-api/media/introduction,
// https://docs.x.com/x-api/media/quickstart/best-practices).
const (
	MaxMedia      = 4         // 4 photos, or 1 GIF, or 1 video per post
	MaxImageBytes = 5 << 20   // 5 MB
	MaxGIFBytes   = 15 << 20  // 15 MB
	MaxVideoBytes = 512 << 20 // 512 MB (media_category amplify_video)
	// MaxAltText is the longest alt text POST /2/media/metadata takes, in
	// characters (the spec's alt_text.text maxLength).
	MaxAltText = 1000
	// AccessTokenTTL is how long an access token lives; a refresh token
	// (offline.access) renews it and is itself replaced on every refresh.
	AccessTokenTTL = 2 * time.Hour
)

// Config configures the connector. Only ClientID and ClientSecret have no
// default: they come from the app's "Keys and tokens" page on the X
// developer portal.
type Config struct {
	// BaseURL is the API base. Default https://api.x.com.
	BaseURL string
	// UploadURL is the base of media upload v2. Default BaseURL.
	UploadURL string
	// AuthURL is the authorization page. Default https://x.com/i/oauth2/authorize.
	AuthURL string
	// TokenURL is the token endpoint. Default https://api.x.com/2/oauth2/token.
	TokenURL string
	// WebURL is where posts and profiles are seen. Default https://x.com.
	WebURL string
	// ClientID and ClientSecret are the app's OAuth 2.0 credentials (a
	// confidential client: the secret is sent with HTTP Basic auth).
	ClientID     string
	ClientSecret string
	// Scopes asked for. Default DefaultScopes.
	Scopes []string
	// ChunkSize is the size of one APPEND segment. Default 4 MiB (X takes
	// at most 5 MB).
	ChunkSize int64
	// PollInterval overrides the wait X asks for between processing
	// status checks of a video or GIF. Default 0: X's check_after_secs.
	PollInterval time.Duration
	// MaxProcessingWait bounds the wait for X to process a video or GIF;
	// past it Publish fails with a retryable error. Default 5 minutes.
	MaxProcessingWait time.Duration
	// Now stamps metrics. Default time.Now.
	Now func() time.Time
}

// WithDefaults returns c with every empty field set to its default.
func (c Config) WithDefaults() Config {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.BaseURL, "https://api.x.com")
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	def(&c.UploadURL, c.BaseURL)
	c.UploadURL = strings.TrimSuffix(c.UploadURL, "/")
	def(&c.AuthURL, "https://x.com/i/oauth2/authorize")
	def(&c.TokenURL, "https://api.x.com/2/oauth2/token")
	def(&c.WebURL, "https://x.com")
	c.WebURL = strings.TrimSuffix(c.WebURL, "/")
	if len(c.Scopes) == 0 {
		c.Scopes = DefaultScopes
	}
	if c.ChunkSize <= 0 {
		c.ChunkSize = 4 << 20
	}
	if c.MaxProcessingWait <= 0 {
		c.MaxProcessingWait = 5 * time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// String describes c without its secret.
func (c Config) String() string {
	secret := ""
	if c.ClientSecret != "" {
		secret = "***"
	}
	return "x.Config{BaseURL: " + c.BaseURL + ", ClientID: " + c.ClientID + ", ClientSecret: " + secret + "}"
}

// FakenetConfig returns the configuration that points every URL at the X
// simulated by fakenet at fakenetURL (such as http://127.0.0.1:8090), with
// demo client credentials (fakenet accepts any).
func FakenetConfig(fakenetURL string) Config {
	base := strings.TrimSuffix(fakenetURL, "/") + "/" + Name
	return Config{
		BaseURL: base, UploadURL: base, AuthURL: base + "/i/oauth2/authorize", TokenURL: base + "/2/oauth2/token",
		WebURL: base, ClientID: "rythme-demo", ClientSecret: "rythme-demo-secret", PollInterval: 10 * time.Millisecond,
	}
}

// Connector is the X connector. Create it with New.
type Connector struct {
	cfg Config
}

var (
	_ connectors.Connector = (*Connector)(nil)
	_ connectors.Exchanger = (*Connector)(nil)
)

// New returns an X connector.
func New(cfg Config) *Connector { return &Connector{cfg: cfg.WithDefaults()} }

// Info describes X and its limits.
func (c *Connector) Info() rythme.Network {
	return rythme.Network{
		Name:  Name,
		Title: "X",
		Auth:  "oauth2",
		// A bot account's OAuth 1.0a keys, instead of the OAuth 2.0 flow.
		ConnectOptional: append([]string(nil), keyParams...),
		MaxLength:       MaxWeightedLength,
		URLLength:       URLWeight,
		IdempotencyKey:  false,
		Metrics:         true,
		Threads:         true,
		MaxMedia:        MaxMedia,
		MediaTypes:      []string{"image/jpeg", "image/png", "image/webp", "image/gif", "video/mp4", "video/quicktime"},
		MaxImageBytes:   MaxImageBytes,
		MaxAltText:      MaxAltText,
		MaxVideoBytes:   MaxVideoBytes,
		// X sends its remaining requests on every answer; the timeline that
		// history reads is declared, so that an import's pages wait rather
		// than earn a 429.
		RateLimits: []rythme.RateLimit{TimelineLimit},
		// https://docs.x.com/x-api/posts/create-post (poll): 2 to 4
		// options of 1 to 25 characters, 5 minutes to 7 days, one choice
		// per voter; a poll goes with no media.
		Polls: &rythme.PollLimits{MaxOptions: 4, MaxOptionLength: 25, MinDurationMinutes: 5, MaxDurationMinutes: 10080, Results: true},
		Docs:  "https://docs.x.com/x-api/introduction",
	}
}

// Idempotent is false: X has no idempotency key, so a retry after an
// unknown outcome could post twice.
func (c *Connector) Idempotent(*rythme.Account) bool { return false }

// OAuth2Config returns X's OAuth 2.0 client configuration. X takes no
// connect parameters; EINVALID when the connector has no client id.
func (c *Connector) OAuth2Config(_ context.Context, _ connectors.ConnectParams, redirectURI string, _ connectors.Apps) (*oauth2.Config, error) {
	if c.cfg.ClientID == "" {
		return nil, rythme.Errorf(rythme.EINVALID, "X is not configured: set the app's OAuth 2.0 client id and secret")
	}
	return &oauth2.Config{
		ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret, RedirectURL: redirectURI,
		Scopes: append([]string(nil), c.cfg.Scopes...),
		Endpoint: oauth2.Endpoint{AuthURL: c.cfg.AuthURL, TokenURL: c.cfg.TokenURL,
			AuthStyle: oauth2.AuthStyleInHeader},
	}, nil
}

// Exchange trades the code for a token with the PKCE verifier. X words a
// refused code or verifier as "invalid_request" with a description
// ("Value passed for the authorization code was invalid.", "… code
// verifier did not match the code challenge."); Exchange reports those as
// the RFC 6749 code invalid_grant, keeping X's description.
func (c *Connector) Exchange(ctx context.Context, cfg *oauth2.Config, code, verifier string) (*oauth2.Token, error) {
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode == "invalid_request" && strings.HasPrefix(re.ErrorDescription, "Value passed for the") {
		re.ErrorCode = "invalid_grant"
	}
	return tok, err
}

// Identify reads the account with GET /2/users/me
// (https://docs.x.com/x-api/users/user-lookup-me).
func (c *Connector) Identify(ctx context.Context, _ connectors.ConnectParams, client *http.Client) (*connectors.Identity, error) {
	var me struct {
		Data struct {
			ID       string `json:"id"`
			Name     string `json:"name"`
			Username string `json:"username"`
		} `json:"data"`
	}
	if err := c.do(ctx, client, http.MethodGet, c.cfg.BaseURL+"/2/users/me?user.fields=created_at", nil, &me); err != nil {
		return nil, err
	}
	if me.Data.ID == "" || me.Data.Username == "" {
		return nil, connectors.Errorf(connectors.Permanent, "X's answer to /2/users/me has no id or username")
	}
	return &connectors.Identity{ExternalID: me.Data.ID, Username: me.Data.Username, DisplayName: me.Data.Name,
		ProfileURL: c.cfg.WebURL + "/" + url.PathEscape(me.Data.Username), InstanceURL: c.cfg.BaseURL}, nil
}

// postURL is where a post is seen.
func (c *Connector) postURL(username, id string) string {
	if username == "" {
		username = "i/web"
	}
	return c.cfg.WebURL + "/" + username + "/status/" + id
}

// decodeJSON reads a 2xx answer into out.
func decodeJSON(resp *http.Response, out any) error {
	defer resp.Body.Close()
	if out == nil {
		return nil
	}
	return json.NewDecoder(http.MaxBytesReader(nil, resp.Body, maxBody)).Decode(out)
}
