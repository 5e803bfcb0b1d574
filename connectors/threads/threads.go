// Package threads is rythme's connector for Threads, through the Threads API
// (https://developers.facebook.com/docs/threads/).
//
// A post is published in two documented steps
// (https://developers.facebook.com/docs/threads/posts): a media container
// (POST /{threads-user-id}/threads, media_type TEXT, IMAGE or VIDEO), whose
// status is read until FINISHED, then POST /{threads-user-id}/threads_publish.
// A thread (PublishRequest.Thread) is published as replies, each part a
// reply (reply_to_id) to the one before
// (https://developers.facebook.com/docs/threads/reply-management). Media
// (one image or video) is fetched by Threads from its public URL
// (connectors.Media.URL). Text is at most 500 characters, an emoji counting
// as its UTF-8 bytes (Length). An account publishes at most 250 posts per
// moving 24 hours; past that the answer is RateLimited until the window
// frees.
//
// Publish options (PublishRequest.Options):
//   - "reply_control": who may reply (everyone, accounts_you_follow,
//     mentioned_only, parent_post_author_only, followers_only).
//
// There is no idempotency key. Long-lived tokens last 60 days and are
// renewed (th_refresh_token) by the session this package opens.
//
// It never returns the app secret or a token in an error, and logs only
// the ids and the network's words when a thread's reply fails.
package threads

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/meta"
)

// Name is the network name rythme knows Threads by.
const Name = "threads"

// DefaultVersion is the Threads API version.
const DefaultVersion = "v1.0"

// MaxLength is the longest post text, counted by Length.
const MaxLength = 500

// QuotaPosts is the number of API-published posts per moving 24 hours
// (https://developers.facebook.com/docs/threads/overview#rate-limiting).
const QuotaPosts = 250

// Media limits (https://developers.facebook.com/docs/threads/overview#media-specifications):
// JPEG or PNG images up to 8 MB, MP4 or MOV videos up to 1 GB.
const (
	MaxImageBytes = 8 << 20
	MaxVideoBytes = 1 << 30
)

// Scopes are the permissions rythme asks for: basic access, publishing,
// replies (threads are replies; hiding them), reading the replies to the
// account's posts (the inbox) and insights
// (https://developers.facebook.com/docs/threads/get-started,
// https://developers.facebook.com/docs/threads/retrieve-and-manage-replies).
var Scopes = []string{"threads_basic", "threads_content_publish", "threads_manage_replies", "threads_read_replies",
	"threads_manage_insights"}

// Config configures the connector; zero URLs mean Meta's hosts.
type Config struct {
	// AuthURL is the authorization window. Default
	// https://threads.com/oauth/authorize (formerly threads.net).
	AuthURL string
	// GraphURL is the API host. Default https://graph.threads.net.
	GraphURL string
	// Version is the API version. Default DefaultVersion.
	Version string
	// ClientID and ClientSecret are the Threads app id and secret (App
	// Dashboard > App settings > Basic: the Threads app id).
	ClientID     string
	ClientSecret string
	// HTTPClient is used for token calls when the context carries none.
	HTTPClient *http.Client
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Sleep waits between container status checks.
	Sleep func(ctx context.Context, d time.Duration) error
	// MaxWait bounds the wait for a container. Default 5 minutes; the
	// caller's deadline bounds it too.
	MaxWait time.Duration
	// Logger receives a warning when a reply of a thread fails after its
	// first post was published. Default: discard.
	Logger *slog.Logger
}

// WithDefaults fills the zero fields.
func (c Config) WithDefaults() Config {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
		*s = strings.TrimRight(*s, "/")
	}
	def(&c.AuthURL, "https://threads.com/oauth/authorize")
	def(&c.GraphURL, "https://graph.threads.net")
	def(&c.Version, DefaultVersion)
	if c.HTTPClient == nil {
		c.HTTPClient = connectors.NewHTTPClient()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Sleep == nil {
		c.Sleep = func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	if c.MaxWait <= 0 {
		c.MaxWait = 5 * time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// FakenetConfig points every URL at fakenet (fakenetURL like
// http://127.0.0.1:8090), with demo client credentials.
func FakenetConfig(fakenetURL string) Config {
	base := strings.TrimRight(fakenetURL, "/") + "/" + Name
	return Config{AuthURL: base + "/www/oauth/authorize", GraphURL: base + "/graph", ClientID: "rythme-demo", ClientSecret: "rythme-demo-secret"}
}

// Connector is the Threads connector. Create it with New.
type Connector struct{ cfg Config }

var (
	_ connectors.Connector     = (*Connector)(nil)
	_ connectors.Exchanger     = (*Connector)(nil)
	_ connectors.SessionOpener = (*Connector)(nil)
)

// New returns a Threads connector.
func New(cfg Config) *Connector { return &Connector{cfg: cfg.WithDefaults()} }

func (c *Connector) graph() string { return c.cfg.GraphURL + "/" + c.cfg.Version }

// Info describes Threads.
func (c *Connector) Info() rythme.Network {
	return rythme.Network{
		Name:          Name,
		Title:         "Threads",
		Auth:          "oauth2",
		MaxLength:     MaxLength,
		Metrics:       true,
		Threads:       true,
		MaxMedia:      1,
		MediaTypes:    []string{"image/jpeg", "image/png", "video/mp4", "video/quicktime"},
		MaxImageBytes: MaxImageBytes,
		MaxVideoBytes: MaxVideoBytes,
		RateLimits:    []rythme.RateLimit{{Scope: "account", Requests: QuotaPosts, PeriodSeconds: 86400, Counts: rythme.CountsPosts}},
		// https://developers.facebook.com/documentation/threads/create-posts/polls:
		// a poll_attachment of 2 to 4 options of 1 to 25 characters, on
		// text-only posts; the API takes no duration (Threads sets it).
		Polls: &rythme.PollLimits{MaxOptions: 4, MaxOptionLength: 25, DurationSetByNetwork: true, Results: true},
		Docs:  "https://developers.facebook.com/docs/threads/posts",
	}
}

// Idempotent is false: the Threads API has no idempotency key.
func (c *Connector) Idempotent(*rythme.Account) bool { return false }

// Length counts text as Threads does: characters (code points), an emoji
// counting as the number of its UTF-8 bytes
// (https://developers.facebook.com/docs/threads/posts#limitations).
func Length(text string) int {
	n := 0
	for _, r := range text {
		if emoji(r) {
			n += utf8.RuneLen(r)
		} else {
			n++
		}
	}
	return n
}

// emoji reports whether r is an emoji or a part of one: pictographs,
// symbols and dingbats, flags, variation selectors, the zero-width
// joiner, the keycap and tag characters.
func emoji(r rune) bool {
	switch {
	case r >= 0x1F000 && r <= 0x1FAFF, r >= 0x2600 && r <= 0x27BF, r >= 0x2300 && r <= 0x23FF,
		r >= 0x2B00 && r <= 0x2BFF, r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0020 && r <= 0xE007F,
		r == 0x200D, r == 0x20E3, r == 0x3030, r == 0x303D, r == 0x3297, r == 0x3299, r == 0x00A9, r == 0x00AE, r == 0x2122:
		return true
	}
	return false
}

// Validate checks a post's text: not empty, at most MaxLength by Length.
func (c *Connector) Validate(text string) []string {
	if strings.TrimSpace(text) == "" {
		return []string{"the post is empty"}
	}
	if n := Length(text); n > MaxLength {
		return []string{"the post counts " + meta.Itoa(n) + " characters (an emoji counts as its UTF-8 bytes); Threads allows " + meta.Itoa(MaxLength)}
	}
	return nil
}

// OAuth2Config returns the Threads authorization window and token endpoint
// (https://developers.facebook.com/docs/threads/get-started/get-access-tokens-and-permissions),
// client credentials as form parameters. Connect parameters are ignored.
func (c *Connector) OAuth2Config(_ context.Context, _ connectors.ConnectParams, redirectURI string, _ connectors.Apps) (*oauth2.Config, error) {
	if c.cfg.ClientID == "" {
		return nil, rythme.Errorf(rythme.EINVALID, "threads: no app id configured")
	}
	return &oauth2.Config{
		ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret, RedirectURL: redirectURI, Scopes: Scopes,
		Endpoint: oauth2.Endpoint{AuthURL: c.cfg.AuthURL, TokenURL: c.cfg.GraphURL + "/oauth/access_token", AuthStyle: oauth2.AuthStyleInParams},
	}, nil
}

// Exchange trades the code for a short-lived token
// (POST /oauth/access_token; the PKCE verifier is sent too) and that for a
// long-lived one (GET /access_token?grant_type=th_exchange_token,
// https://developers.facebook.com/docs/threads/get-started/long-lived-tokens),
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
	long, err := meta.TokenCall(ctx, client, c.cfg.GraphURL+"/access_token", url.Values{"grant_type": {"th_exchange_token"},
		"client_secret": {cfg.ClientSecret}, "access_token": {short.AccessToken}}, false, c.cfg.Now())
	if err != nil {
		return nil, err
	}
	if long.UserID == "" {
		long.UserID = short.UserID
	}
	long.Permissions = strings.Join(cfg.Scopes, ",")
	return long.Token(c.cfg.Now()), nil
}

// OpenSession returns a session that renews the long-lived token with
// GET /refresh_access_token?grant_type=th_refresh_token when it has less
// than 14 days left.
func (c *Connector) OpenSession(_ context.Context, acct *rythme.Account, base *http.Client, save func(context.Context, rythme.Token) error) (connectors.Session, error) {
	if acct == nil {
		return nil, connectors.Errorf(connectors.Permanent, "no account")
	}
	return meta.NewRefreshingSession(acct.Token, base, meta.SessionConfig{Save: save, Now: c.cfg.Now,
		Refresh: func(ctx context.Context, client *http.Client, current string) (*meta.TokenResponse, error) {
			return meta.TokenCall(ctx, client, c.cfg.GraphURL+"/refresh_access_token",
				url.Values{"grant_type": {"th_refresh_token"}, "access_token": {current}}, false, c.cfg.Now())
		}}), nil
}

// Identify reads GET /me?fields=id,username,name.
func (c *Connector) Identify(ctx context.Context, _ connectors.ConnectParams, client *http.Client) (*connectors.Identity, error) {
	var me struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Name     string `json:"name"`
	}
	if err := meta.Get(ctx, client, c.graph()+"/me", url.Values{"fields": {"id,username,name"}}, c.cfg.Now, &me); err != nil {
		return nil, err
	}
	if me.ID == "" || me.Username == "" {
		return nil, connectors.Errorf(connectors.Permanent, "the account answer has no id or username")
	}
	return &connectors.Identity{ExternalID: me.ID, Username: me.Username, DisplayName: me.Name,
		ProfileURL: "https://www.threads.com/@" + me.Username, InstanceURL: c.cfg.GraphURL}, nil
}
