// Package facebook is rythme's connector for Facebook Pages, through the
// Graph API (https://developers.facebook.com/docs/pages-api/): a person logs
// in with Facebook Login, rythme trades the code for a long-lived user token
// and that for the token of one Page they manage, and publishes to the
// Page's feed as the Page.
//
// The connected account is a Page. Which one: the Page named by the
// optional connect parameter "page_id" when given, else the first Page of
// GET /me/accounts on which the person can create content (the login
// dialog lets them choose which Pages to grant, so granting one Page picks
// it). Its Page token is what rythme keeps: Page tokens obtained with a
// long-lived user token do not expire
// (https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived).
//
// Publish options (PublishRequest.Options):
//   - "link": a URL attached to the post (the feed's link parameter).
//
// The Graph API has no idempotency key: a post whose answer was lost is
// unconfirmed, never sent again blind.
//
// It never logs, and never returns the app secret or a token in an error.
package facebook

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/meta"
)

// Name is the network name rythme knows Facebook Pages by.
const Name = "facebook"

// DefaultVersion is the Graph API version rythme calls (the latest in
// https://developers.facebook.com/docs/graph-api/changelog when written).
const DefaultVersion = "v25.0"

// MaxMessage is the longest Page post message, in characters.
const MaxMessage = 63206

// Scopes are the permissions rythme asks for: list the Pages, publish as
// them, read their posts' engagement and insights, and answer and hide the
// comments on them (pages_manage_engagement: the inbox)
// (https://developers.facebook.com/docs/pages-api/posts,
// https://developers.facebook.com/docs/permissions/).
var Scopes = []string{"pages_show_list", "pages_manage_posts", "pages_read_engagement", "read_insights", "pages_manage_engagement"}

// ParamPageID is the optional connect parameter naming the Page to connect.
const ParamPageID = "page_id"

// Config configures the connector. The zero value of every URL means
// Meta's own host.
type Config struct {
	// GraphURL is the Graph API host. Default https://graph.facebook.com.
	GraphURL string
	// DialogURL is the host of the login dialog. Default
	// https://www.facebook.com.
	DialogURL string
	// Version is the Graph API version. Default DefaultVersion.
	Version string
	// ClientID and ClientSecret are the app's id and secret (App Dashboard,
	// App settings > Basic).
	ClientID     string
	ClientSecret string
	// HTTPClient is used for token calls when the context carries none.
	// Default connectors.NewHTTPClient().
	HTTPClient *http.Client
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// WithDefaults fills the zero fields.
func (c Config) WithDefaults() Config {
	if c.GraphURL == "" {
		c.GraphURL = "https://graph.facebook.com"
	}
	if c.DialogURL == "" {
		c.DialogURL = "https://www.facebook.com"
	}
	if c.Version == "" {
		c.Version = DefaultVersion
	}
	if c.HTTPClient == nil {
		c.HTTPClient = connectors.NewHTTPClient()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.GraphURL = strings.TrimRight(c.GraphURL, "/")
	c.DialogURL = strings.TrimRight(c.DialogURL, "/")
	return c
}

// FakenetConfig points every URL at fakenet (fakenetURL like
// http://127.0.0.1:8090), with demo client credentials.
func FakenetConfig(fakenetURL string) Config {
	base := strings.TrimRight(fakenetURL, "/") + "/" + Name
	return Config{GraphURL: base + "/graph", DialogURL: base + "/www", ClientID: "rythme-demo", ClientSecret: "rythme-demo-secret"}
}

// Connector is the Facebook Pages connector. Create it with New.
type Connector struct{ cfg Config }

var (
	_ connectors.Connector = (*Connector)(nil)
	_ connectors.Exchanger = (*Connector)(nil)
)

// New returns a Facebook Pages connector.
func New(cfg Config) *Connector { return &Connector{cfg: cfg.WithDefaults()} }

// graph is the versioned Graph API base.
func (c *Connector) graph() string { return c.cfg.GraphURL + "/" + c.cfg.Version }

// Info describes Facebook Pages.
func (c *Connector) Info() rythme.Network {
	return rythme.Network{
		Name:  Name,
		Title: "Facebook Pages",
		Auth:  "oauth2",
		// Which Page to connect; without it, the first the person can
		// create content on.
		ConnectOptional: []string{ParamPageID},
		MaxLength:       MaxMessage,
		IdempotencyKey:  false,
		Metrics:         true,
		Docs:            "https://developers.facebook.com/docs/pages-api/",
	}
}

// Idempotent is false: the Graph API has no idempotency key.
func (c *Connector) Idempotent(*rythme.Account) bool { return false }

// Validate counts characters (code points): a message is at most
// MaxMessage long and not empty.
func (c *Connector) Validate(text string) []string {
	if strings.TrimSpace(text) == "" {
		return []string{"the post is empty"}
	}
	if n := utf8.RuneCountInString(text); n > MaxMessage {
		return []string{tooLong(n, MaxMessage)}
	}
	return nil
}

func tooLong(n, max int) string {
	return "the post has " + meta.Itoa(n) + " characters; Facebook allows " + meta.Itoa(max)
}
