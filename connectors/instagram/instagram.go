// Package instagram is rythme's connector for Instagram professional
// accounts (business and creator), through the Instagram API with Instagram
// Login (https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login).
//
// Meta offers two logins that both publish: Facebook Login, which needs the
// Instagram account linked to a Facebook Page the person manages, and
// Business Login for Instagram, which needs no Page. rythme uses Business
// Login for Instagram: it is the one Meta documents for apps that only
// manage the account's own content, insights included, and it saves
// content teams the Page-linking step.
//
// Instagram publishes media only (Info().RequiresMedia): one JPEG image or
// one video (published as a reel), which Instagram fetches from the media's
// public URL (connectors.Media.URL). Publishing is the documented container
// flow (https://developers.facebook.com/docs/instagram-platform/content-publishing):
// POST /{ig-user-id}/media, then GET /{container-id}?fields=status_code
// until FINISHED (bounded by Config.MaxWait and the caller's deadline), then
// POST /{ig-user-id}/media_publish. An account publishes at most 50 posts
// per moving 24 hours; past that Instagram refuses with code 9 subcode
// 2207042 and the connector answers RateLimited with the time until the
// oldest post of the window leaves it.
//
// Publish options (PublishRequest.Options):
//   - "share_to_feed": "false" keeps a reel out of the main feed.
//
// There is no idempotency key. Long-lived tokens last 60 days and are
// renewed (ig_refresh_token) by the session this package opens.
//
// It never logs, and never returns the app secret or a token in an error.
package instagram

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/meta"
)

// Name is the network name rythme knows Instagram by.
const Name = "instagram"

// DefaultVersion is the Graph API version rythme calls.
const DefaultVersion = "v25.0"

// Caption limits of IG User Media
// (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media).
const (
	MaxCaption  = 2200
	MaxHashtags = 30
	MaxMentions = 20
)

// Media limits: JPEG images up to 8 MiB (error 36000/2207004 says so), reels
// up to 1 GB.
const (
	MaxImageBytes = 8 << 20
	MaxVideoBytes = 1 << 30
)

// QuotaPosts is the documented number of API-published posts per moving
// 24 hours
// (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media_publish).
const QuotaPosts = 50

// Scopes are the Business Login permissions rythme asks for.
// instagram_business_manage_comments reads, answers, hides and deletes the
// comments on the account's media (the inbox).
var Scopes = []string{"instagram_business_basic", "instagram_business_content_publish", "instagram_business_manage_insights",
	"instagram_business_manage_comments"}

// Config configures the connector; zero URLs mean Meta's hosts.
type Config struct {
	// AuthURL is the authorization window. Default
	// https://www.instagram.com/oauth/authorize.
	AuthURL string
	// TokenURL exchanges the code. Default
	// https://api.instagram.com/oauth/access_token.
	TokenURL string
	// GraphURL is the API host. Default https://graph.instagram.com.
	GraphURL string
	// Version is the Graph API version. Default DefaultVersion.
	Version string
	// ClientID and ClientSecret are the Instagram app id and secret (App
	// Dashboard > Instagram > API setup with Instagram business login).
	ClientID     string
	ClientSecret string
	// HTTPClient is used for token calls when the context carries none.
	HTTPClient *http.Client
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Sleep waits between container status checks. Default: a timer that
	// gives up when ctx ends.
	Sleep func(ctx context.Context, d time.Duration) error
	// MaxWait bounds the wait for a container to be FINISHED. Default 5
	// minutes, as Meta suggests; the caller's deadline bounds it too.
	MaxWait time.Duration
}

// WithDefaults fills the zero fields.
func (c Config) WithDefaults() Config {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
		*s = strings.TrimRight(*s, "/")
	}
	def(&c.AuthURL, "https://www.instagram.com/oauth/authorize")
	def(&c.TokenURL, "https://api.instagram.com/oauth/access_token")
	def(&c.GraphURL, "https://graph.instagram.com")
	def(&c.Version, DefaultVersion)
	if c.HTTPClient == nil {
		c.HTTPClient = connectors.NewHTTPClient()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Sleep == nil {
		c.Sleep = sleep
	}
	if c.MaxWait <= 0 {
		c.MaxWait = 5 * time.Minute
	}
	return c
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// FakenetConfig points every URL at fakenet (fakenetURL like
// http://127.0.0.1:8090), with demo client credentials.
func FakenetConfig(fakenetURL string) Config {
	base := strings.TrimRight(fakenetURL, "/") + "/" + Name
	return Config{AuthURL: base + "/www/oauth/authorize", TokenURL: base + "/api/oauth/access_token", GraphURL: base + "/graph",
		ClientID: "rythme-demo", ClientSecret: "rythme-demo-secret"}
}

// Connector is the Instagram connector. Create it with New.
type Connector struct{ cfg Config }

var (
	_ connectors.Connector     = (*Connector)(nil)
	_ connectors.Exchanger     = (*Connector)(nil)
	_ connectors.SessionOpener = (*Connector)(nil)
)

// New returns an Instagram connector.
func New(cfg Config) *Connector { return &Connector{cfg: cfg.WithDefaults()} }

func (c *Connector) graph() string { return c.cfg.GraphURL + "/" + c.cfg.Version }

// Info describes Instagram.
func (c *Connector) Info() rythme.Network {
	return rythme.Network{
		Name:          Name,
		Title:         "Instagram",
		Auth:          "oauth2",
		MaxLength:     MaxCaption,
		Metrics:       true,
		MaxMedia:      1,
		MediaTypes:    []string{"image/jpeg", "video/mp4", "video/quicktime"},
		MaxImageBytes: MaxImageBytes,
		MaxVideoBytes: MaxVideoBytes,
		RequiresMedia: true,
		RateLimits:    []rythme.RateLimit{{Scope: "account", Requests: QuotaPosts, PeriodSeconds: 86400, Counts: rythme.CountsPosts}},
		Docs:          "https://developers.facebook.com/docs/instagram-platform/content-publishing",
	}
}

// Idempotent is false: the Graph API has no idempotency key.
func (c *Connector) Idempotent(*rythme.Account) bool { return false }

// Validate checks the caption: at most 2,200 characters, 30 hashtags and
// 20 @ tags. An empty caption is allowed (the media is the post).
func (c *Connector) Validate(text string) []string {
	var out []string
	if n := utf8.RuneCountInString(text); n > MaxCaption {
		out = append(out, "the caption has "+meta.Itoa(n)+" characters; Instagram allows "+meta.Itoa(MaxCaption))
	}
	if n := Hashtags(text); n > MaxHashtags {
		out = append(out, "the caption has "+meta.Itoa(n)+" hashtags; Instagram allows "+meta.Itoa(MaxHashtags))
	}
	if n := Mentions(text); n > MaxMentions {
		out = append(out, "the caption has "+meta.Itoa(n)+" @ tags; Instagram allows "+meta.Itoa(MaxMentions))
	}
	if strings.TrimSpace(text) == "" && out == nil {
		// The suite and the API ask for a text; Instagram itself would take
		// an empty caption with media.
		return []string{"the caption is empty"}
	}
	return out
}

// OAuth2Config returns Business Login for Instagram's endpoints
// (https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login),
// client credentials as form parameters. Connect parameters are ignored.
func (c *Connector) OAuth2Config(_ context.Context, _ connectors.ConnectParams, redirectURI string, _ connectors.Apps) (*oauth2.Config, error) {
	if c.cfg.ClientID == "" {
		return nil, rythme.Errorf(rythme.EINVALID, "instagram: no app id configured")
	}
	return &oauth2.Config{
		ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret, RedirectURL: redirectURI, Scopes: Scopes,
		Endpoint: oauth2.Endpoint{AuthURL: c.cfg.AuthURL, TokenURL: c.cfg.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
	}, nil
}

// Exchange trades the code for a short-lived token (POST
// api.instagram.com/oauth/access_token; the PKCE verifier is sent too,
// which Meta's login accepts) and that for a long-lived one
// (GET graph.instagram.com/access_token?grant_type=ig_exchange_token,
// https://developers.facebook.com/docs/instagram-platform/reference/access_token),
// valid 60 days.
func (c *Connector) Exchange(ctx context.Context, cfg *oauth2.Config, code, verifier string) (*oauth2.Token, error) {
	client := meta.HTTPClient(ctx, c.cfg.HTTPClient)
	form := url.Values{"client_id": {cfg.ClientID}, "client_secret": {cfg.ClientSecret}, "grant_type": {"authorization_code"},
		"redirect_uri": {cfg.RedirectURL}, "code": {code}}
	if verifier != "" {
		form.Set("code_verifier", verifier)
	}
	short, err := meta.TokenCall(ctx, client, cfg.Endpoint.TokenURL, form, true, c.cfg.Now())
	if err != nil {
		return nil, err
	}
	long, err := meta.TokenCall(ctx, client, c.cfg.GraphURL+"/access_token", url.Values{"grant_type": {"ig_exchange_token"},
		"client_secret": {cfg.ClientSecret}, "access_token": {short.AccessToken}}, false, c.cfg.Now())
	if err != nil {
		return nil, err
	}
	if long.UserID == "" {
		long.UserID = short.UserID
	}
	if long.Permissions == "" {
		long.Permissions = short.Permissions
	}
	return long.Token(c.cfg.Now()), nil
}

// OpenSession returns a session that renews the long-lived token with
// GET /refresh_access_token?grant_type=ig_refresh_token when it has less
// than 14 days left
// (https://developers.facebook.com/docs/instagram-platform/reference/refresh_access_token).
func (c *Connector) OpenSession(_ context.Context, acct *rythme.Account, base *http.Client, save func(context.Context, rythme.Token) error) (connectors.Session, error) {
	if acct == nil {
		return nil, connectors.Errorf(connectors.Permanent, "no account")
	}
	return meta.NewRefreshingSession(acct.Token, base, meta.SessionConfig{Save: save, Now: c.cfg.Now,
		Refresh: func(ctx context.Context, client *http.Client, current string) (*meta.TokenResponse, error) {
			return meta.TokenCall(ctx, client, c.cfg.GraphURL+"/refresh_access_token",
				url.Values{"grant_type": {"ig_refresh_token"}, "access_token": {current}}, false, c.cfg.Now())
		}}), nil
}

// Identify reads GET /me?fields=user_id,username,name,account_type: the
// account's Instagram professional account id (user_id) is its external
// id, the one publishing uses.
func (c *Connector) Identify(ctx context.Context, _ connectors.ConnectParams, client *http.Client) (*connectors.Identity, error) {
	var me struct {
		ID          string `json:"id"`
		UserID      string `json:"user_id"`
		Username    string `json:"username"`
		Name        string `json:"name"`
		AccountType string `json:"account_type"`
	}
	if err := meta.Get(ctx, client, c.graph()+"/me", url.Values{"fields": {"user_id,username,name,account_type"}}, c.cfg.Now, &me); err != nil {
		return nil, err
	}
	id := me.UserID
	if id == "" {
		id = me.ID
	}
	if id == "" || me.Username == "" {
		return nil, connectors.Errorf(connectors.Permanent, "the account answer has no id or username")
	}
	out := &connectors.Identity{ExternalID: id, Username: me.Username, DisplayName: me.Name,
		ProfileURL: "https://www.instagram.com/" + me.Username + "/", InstanceURL: c.cfg.GraphURL, Meta: map[string]string{}}
	if me.AccountType != "" {
		out.Meta["account_type"] = me.AccountType
	}
	return out, nil
}

// Hashtags counts the caption's hashtags.
func Hashtags(text string) int { return countTags(text, '#', false) }

// Mentions counts the caption's @ tags.
func Mentions(text string) int { return countTags(text, '@', true) }

// countTags counts sigil-led words that do not follow a letter or digit
// (an e-mail address is not a mention).
func countTags(text string, sigil rune, dots bool) int {
	n := 0
	rs := []rune(text)
	for i, r := range rs {
		if r != sigil || i+1 >= len(rs) || !tagRune(rs[i+1], false) {
			continue
		}
		if i > 0 && (tagRune(rs[i-1], dots) || rs[i-1] == '&') {
			continue
		}
		n++
	}
	return n
}

func tagRune(r rune, dots bool) bool {
	return r == '_' || (dots && r == '.') || unicode.IsLetter(r) || unicode.IsDigit(r)
}
