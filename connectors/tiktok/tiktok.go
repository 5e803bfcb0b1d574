// Package tiktok is rythme's connector for TikTok: Login Kit for Web
// (https://developers.tiktok.com/doc/login-kit-web) to connect an account,
// the Content Posting API's direct post
// (https://developers.tiktok.com/doc/content-posting-api-reference-direct-post)
// to publish a video TikTok pulls from rythme's media URL, and the Display
// API (https://developers.tiktok.com/doc/tiktok-api-v2-video-query) for
// engagement.
//
// TikTok's OAuth differs from the standard in ways x/oauth2 cannot send:
// the client is named client_key, scopes are comma-separated, and every
// refresh rotates the refresh token (the old one stops working). The
// connector therefore exchanges codes itself (Exchanger) and refreshes in
// its own session (SessionOpener), saving each rotated token before it is
// used. Access tokens live 2 hours, refresh tokens 180 days (the docs
// have said 24 hours and 365 days before: the connector reads expires_in
// rather than assuming).
//
// A post is a video with its caption (TikTok refuses text alone): the
// connector queries the creator's allowed privacy levels, initialises the
// post with source PULL_FROM_URL and polls its status for a bounded time.
// TikTok has no idempotency key, so a retry after an unknown outcome could
// post twice (Idempotent is false). Options: "privacy_level" (one of the
// creator's privacy_level_options; default the first one TikTok lists),
// "disable_comment", "disable_duet", "disable_stitch" and "is_aigc"
// ("true" to set).
//
// The connector never logs or returns tokens or the client secret.
package tiktok

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf16"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// Name is the network name rythme knows TikTok by.
const Name = "tiktok"

// MetaPrivacyOptions holds the creator's privacy_level_options at connect
// time, comma-separated (PUBLIC_TO_EVERYONE,MUTUAL_FOLLOW_FRIENDS,SELF_ONLY).
const MetaPrivacyOptions = "privacy_level_options"

const (
	// MaxCaption is the longest caption (post_info.title), in UTF-16
	// units.
	MaxCaption = 2200
	// MaxVideoBytes is the largest video TikTok accepts (4 GB).
	MaxVideoBytes = 4 << 30
	// maxVideoIDs is how many videos /v2/video/query/ reads at once.
	maxVideoIDs = 20
)

// DefaultScopes are the scopes rythme asks for
// (https://developers.tiktok.com/doc/scopes-overview): the profile
// (username), its follower count (user.info.stats), direct posting and
// reading the account's videos.
var DefaultScopes = []string{"user.info.basic", "user.info.profile", "user.info.stats", "video.publish", "video.list"}

// Config configures a Connector.
type Config struct {
	// AuthURL is the authorization page. Default
	// https://www.tiktok.com/v2/auth/authorize/.
	AuthURL string
	// APIURL is the API host; the token endpoint is APIURL +
	// "/v2/oauth/token/". Default https://open.tiktokapis.com.
	APIURL string
	// WebURL is where profile and video links point. Default
	// https://www.tiktok.com.
	WebURL string
	// ClientKey and ClientSecret are the app's credentials from
	// developers.tiktok.com (Manage apps). Required.
	ClientKey, ClientSecret string
	// Scopes to request. Default DefaultScopes.
	Scopes []string
	// HTTPClient makes token requests when the context carries no
	// oauth2.HTTPClient. Default connectors.NewHTTPClient().
	HTTPClient *http.Client
	// Now stamps metrics and token expiries. Default time.Now.
	Now func() time.Time
	// PollInterval is the pause between status polls after a post is
	// initialised. Default 3 seconds.
	PollInterval time.Duration
	// PollFor bounds how long Publish waits for TikTok to finish (never
	// past the context's deadline). Default 20 seconds; a post still
	// processing is then reported by its publish_id.
	PollFor time.Duration
	// PlaceholderVideoURL is the video sent with a request that has none.
	// Empty in production (a post without a video is refused, and the API
	// refuses to schedule one since Info().RequiresMedia); FakenetConfig
	// sets it so that text-only conformance tests can publish.
	PlaceholderVideoURL string
}

func (c Config) withDefaults() Config {
	if c.AuthURL == "" {
		c.AuthURL = "https://www.tiktok.com/v2/auth/authorize/"
	}
	if c.APIURL == "" {
		c.APIURL = "https://open.tiktokapis.com"
	}
	c.APIURL = strings.TrimSuffix(c.APIURL, "/")
	if c.WebURL == "" {
		c.WebURL = "https://www.tiktok.com"
	}
	c.WebURL = strings.TrimSuffix(c.WebURL, "/")
	if len(c.Scopes) == 0 {
		c.Scopes = DefaultScopes
	}
	if c.HTTPClient == nil {
		c.HTTPClient = connectors.NewHTTPClient()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 3 * time.Second
	}
	if c.PollFor <= 0 {
		c.PollFor = 20 * time.Second
	}
	return c
}

// FakenetConfig returns the configuration for the TikTok simulated by
// fakenet at fakenetURL (such as http://127.0.0.1:8090), with demo client
// credentials (fakenet accepts any).
func FakenetConfig(fakenetURL string) Config {
	base := strings.TrimSuffix(fakenetURL, "/") + "/" + Name
	return Config{AuthURL: base + "/v2/auth/authorize/", APIURL: base, WebURL: base,
		ClientKey: "awrythmedemo0001", ClientSecret: "rythme-demo-client-secret",
		PollInterval: 5 * time.Millisecond, PlaceholderVideoURL: base + "/_fakenet/sample.mp4"}
}

// Connector is the TikTok connector. Create it with New.
type Connector struct{ cfg Config }

var (
	_ connectors.Connector     = (*Connector)(nil)
	_ connectors.Exchanger     = (*Connector)(nil)
	_ connectors.SessionOpener = (*Connector)(nil)
)

// New returns a TikTok connector.
func New(cfg Config) *Connector { return &Connector{cfg: cfg.withDefaults()} }

// Info describes TikTok: a video post with a caption of up to 2200
// characters.
func (c *Connector) Info() rythme.Network {
	return rythme.Network{
		Name:          Name,
		Title:         "TikTok",
		Auth:          "oauth2",
		MaxLength:     MaxCaption,
		Metrics:       true,
		MaxMedia:      1,
		MediaTypes:    []string{"video/mp4", "video/quicktime", "video/webm"},
		MaxVideoBytes: MaxVideoBytes,
		RequiresMedia: true,
		// 6 video/init calls per minute per user access token (Content
		// Posting API rate limits); one per post.
		// and the Display API's video list, read for history.
		RateLimits: []rythme.RateLimit{{Scope: "account", Requests: 6, PeriodSeconds: 60,
			Method: http.MethodPost, Path: "/post/publish/video/init/"}, ListLimit},
		Docs: "https://developers.tiktok.com/doc/content-posting-api-get-started",
	}
}

// Idempotent is false: TikTok's API has no idempotency key.
func (c *Connector) Idempotent(*rythme.Account) bool { return false }

// Validate counts the caption in UTF-16 units, as TikTok does. An empty
// caption is refused: rythme posts carry text.
func (c *Connector) Validate(text string) []string {
	var msgs []string
	if strings.TrimSpace(text) == "" {
		msgs = append(msgs, "the caption is empty")
	}
	if n := len(utf16.Encode([]rune(text))); n > MaxCaption {
		msgs = append(msgs, fmt.Sprintf("the caption is %d characters long; TikTok allows %d", n, MaxCaption))
	}
	return msgs
}

// OAuth2Config returns the Login Kit configuration. TikTok reads the
// client as client_key, so the authorization and token URLs carry it in
// their query (x/oauth2 sends client_id, which TikTok ignores); the
// scopes are one comma-separated value. EINVALID when the app's
// credentials are not configured.
func (c *Connector) OAuth2Config(_ context.Context, _ connectors.ConnectParams, redirectURI string, _ connectors.Apps) (*oauth2.Config, error) {
	if c.cfg.ClientKey == "" || c.cfg.ClientSecret == "" {
		return nil, rythme.Errorf(rythme.EINVALID, "TikTok is not configured: set the app's client key and secret")
	}
	key := url.QueryEscape(c.cfg.ClientKey)
	return &oauth2.Config{
		ClientID:     c.cfg.ClientKey,
		ClientSecret: c.cfg.ClientSecret,
		RedirectURL:  redirectURI,
		Scopes:       []string{strings.Join(c.cfg.Scopes, ",")},
		Endpoint: oauth2.Endpoint{
			AuthURL:   withQuery(c.cfg.AuthURL, "client_key="+key),
			TokenURL:  withQuery(c.tokenURL(), "client_key="+key),
			AuthStyle: oauth2.AuthStyleInParams,
		},
	}, nil
}

func withQuery(u, q string) string {
	if strings.Contains(u, "?") {
		return u + "&" + q
	}
	return u + "?" + q
}

func (c *Connector) tokenURL() string { return c.cfg.APIURL + "/v2/oauth/token/" }

// Identify reads the account (GET /v2/user/info/,
// https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info).
func (c *Connector) Identify(ctx context.Context, _ connectors.ConnectParams, client *http.Client) (*connectors.Identity, error) {
	var out struct {
		User struct {
			OpenID      string `json:"open_id"`
			DisplayName string `json:"display_name"`
			Username    string `json:"username"`
			ProfileLink string `json:"profile_deep_link"`
		} `json:"user"`
	}
	q := url.Values{"fields": {"open_id,union_id,avatar_url,display_name,username,profile_deep_link"}}
	if err := c.api(ctx, client, http.MethodGet, "/v2/user/info/", q, nil, &out); err != nil {
		return nil, err
	}
	u := out.User
	if u.OpenID == "" {
		return nil, connectors.Errorf(connectors.Permanent, "TikTok's user answer has no open_id")
	}
	profile := u.ProfileLink
	if profile == "" && u.Username != "" {
		profile = c.cfg.WebURL + "/@" + u.Username
	}
	id := &connectors.Identity{ExternalID: u.OpenID, Username: u.Username, DisplayName: u.DisplayName,
		ProfileURL: profile, InstanceURL: c.cfg.APIURL, Meta: map[string]string{}}
	// The privacy levels the creator offers; Publish asks again when they
	// are missing or no longer right.
	if info, err := c.creatorInfo(ctx, client); err == nil && len(info.PrivacyOptions) > 0 {
		id.Meta[MetaPrivacyOptions] = strings.Join(info.PrivacyOptions, ",")
	}
	return id, nil
}
