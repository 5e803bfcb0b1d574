// Package slack is rythme's connector for Slack channels: rythme is a
// Slack app installed with OAuth v2 (https://docs.slack.dev/authentication/installing-with-oauth)
// whose bot posts with chat.postMessage and reads engagement back with
// reactions.get.
//
// An account is one channel of one workspace: the connect parameter
// "channel" names it (an ID such as C0123ABCDE, or a public channel's
// name, "#general" or "general"); Identify resolves it and keeps its ID in
// the account's Meta. A post may go to another channel of the workspace
// with the option "channel" (PublishRequest.Options). The bot posts to
// public channels without joining them (scope chat:write.public); for a
// private channel, invite the app first and connect with the channel ID.
//
// Tokens: Slack's bot tokens never expire unless the app turns token
// rotation on; then they last 12 hours and every refresh rotates the
// refresh token (https://docs.slack.dev/authentication/using-token-rotation),
// which the session saves. Slack answers failures with HTTP 200 and
// {"ok":false,"error":"…"}; the connector turns them into error kinds
// (invalid_auth, token_revoked… are Auth; channel_not_found,
// not_in_channel… Permanent; ratelimited RateLimited).
//
// chat.postMessage has no idempotency key, so Idempotent is false. Text
// is sent with &, < and > escaped, as Slack asks
// (https://docs.slack.dev/messaging/formatting-message-text#escaping),
// so that a post never pings @channel by accident.
//
// It never logs or returns tokens or client secrets.
package slack

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// Name is the network name rythme knows Slack by.
const Name = "slack"

// MaxText is the longest text chat.postMessage keeps: Slack truncates
// longer text (warning message_truncated,
// https://docs.slack.dev/reference/methods/chat.postMessage).
const MaxText = 40000

// Scopes are the bot scopes rythme asks for: post (chat:write, and
// chat:write.public to post in public channels without joining), find
// the channel (channels:read), name the workspace (team:read) and read
// reactions, whose answer also carries a thread's reply_count
// (reactions:read), and read the replies in a post's thread for the inbox
// (channels:history, conversations.replies: Slack allows an app outside
// its Marketplace one call a minute, so the inbox reads one thread a read;
// https://docs.slack.dev/changelog/2025-05-terms-rate-limit-update-and-faq).
var Scopes = []string{"chat:write", "chat:write.public", "channels:read", "team:read", "reactions:read", "channels:history"}

// Meta keys written by Identify.
const (
	MetaTeamID      = "team_id"
	MetaTeamURL     = "team_url"
	MetaChannelID   = "channel_id"
	MetaChannelName = "channel_name"
)

// Config configures the connector. Zero fields take Slack's defaults.
type Config struct {
	// BaseURL is the Web API base. Default "https://slack.com/api".
	BaseURL string
	// AuthURL is the authorization page. Default
	// "https://slack.com/oauth/v2/authorize".
	AuthURL string
	// TokenURL is oauth.v2.access. Default
	// "https://slack.com/api/oauth.v2.access".
	TokenURL string
	// ClientID and ClientSecret are the app's (Basic Information in the
	// app's settings at https://api.slack.com/apps). Required to connect.
	ClientID     string
	ClientSecret string
	// Now stamps metrics. Default time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.BaseURL == "" {
		c.BaseURL = "https://slack.com/api"
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.AuthURL == "" {
		c.AuthURL = "https://slack.com/oauth/v2/authorize"
	}
	if c.TokenURL == "" {
		c.TokenURL = c.BaseURL + "/oauth.v2.access"
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// FakenetConfig points every URL at rythme's simulator reachable at
// fakenetURL (such as http://127.0.0.1:8090), with demo credentials.
func FakenetConfig(fakenetURL string) Config {
	base := strings.TrimRight(fakenetURL, "/") + "/" + Name
	return Config{BaseURL: base + "/api", AuthURL: base + "/oauth/v2/authorize", TokenURL: base + "/api/oauth.v2.access",
		ClientID: "fakenet-slack-client", ClientSecret: "fakenet-slack-secret"}
}

// Connector is the Slack connector. Create it with New.
type Connector struct{ cfg Config }

var (
	_ connectors.Connector     = (*Connector)(nil)
	_ connectors.Exchanger     = (*Connector)(nil)
	_ connectors.SessionOpener = (*Connector)(nil)
)

// New returns a Slack connector.
func New(cfg Config) *Connector { return &Connector{cfg: cfg.withDefaults()} }

// Info describes Slack. Publishing is limited to about one message per
// second per channel (chat.postMessage's special rate limit).
func (c *Connector) Info() rythme.Network {
	return rythme.Network{
		Name:          Name,
		Title:         "Slack",
		Auth:          "oauth2",
		ConnectParams: []string{"channel"},
		MaxLength:     MaxText,
		Metrics:       true,
		RateLimits: []rythme.RateLimit{{Scope: "account", Requests: 1, PeriodSeconds: 1, Path: "chat.postMessage"},
			// conversations.replies for an app outside the Slack Marketplace.
			{Scope: "account", Requests: 1, PeriodSeconds: 60, Path: "conversations.replies"}},
		Docs: "https://docs.slack.dev/reference/methods/chat.postMessage",
	}
}

// Escape escapes &, < and > as Slack's text field requires.
func Escape(text string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(text)
}

// Length is the text's length as Slack counts it: characters of the
// escaped text that is sent.
func Length(text string) int { return utf8.RuneCountInString(Escape(text)) }

// Validate refuses empty text and text Slack would truncate.
func (c *Connector) Validate(text string) []string {
	if strings.TrimSpace(text) == "" {
		return []string{"Slack needs some text (no_text)"}
	}
	if n := Length(text); n > MaxText {
		return []string{"the text is " + strconv.Itoa(n) + " characters once &, < and > are escaped; Slack keeps at most " +
			strconv.Itoa(MaxText) + " and truncates the rest"}
	}
	return nil
}

// Idempotent is false: chat.postMessage takes no idempotency key.
func (c *Connector) Idempotent(*rythme.Account) bool { return false }

var (
	channelIDRE   = regexp.MustCompile(`^[CG][A-Z0-9]{8,}$`)
	channelNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_\-]{0,79}$`)
)

// NormalizeChannel validates a channel as a user typed it and returns an
// ID (C0123ABCDE) or a name without its # (general). EINVALID on the
// field channel.
func NormalizeChannel(raw string) (string, error) {
	ch := strings.TrimPrefix(strings.TrimSpace(raw), "#")
	switch {
	case ch == "":
		return "", rythme.Invalid(rythme.FieldError{Field: "channel", Message: "is required (a channel ID such as C0123ABCDE, or a public channel's name such as #general)"})
	case channelIDRE.MatchString(ch):
		return ch, nil
	case channelNameRE.MatchString(strings.ToLower(ch)):
		return strings.ToLower(ch), nil
	}
	return "", rythme.Invalid(rythme.FieldError{Field: "channel", Message: "is not a Slack channel ID or name"})
}

// oauthConfig is the client configuration, scopes sent comma-separated
// as Slack documents, client authenticated with HTTP Basic (which
// oauth.v2.access prefers over form fields).
func (c *Connector) oauthConfig(redirectURI string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     c.cfg.ClientID,
		ClientSecret: c.cfg.ClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: c.cfg.AuthURL, TokenURL: c.cfg.TokenURL, AuthStyle: oauth2.AuthStyleInHeader},
		RedirectURL:  redirectURI,
		Scopes:       []string{strings.Join(Scopes, ",")},
	}
}

// OAuth2Config validates p["channel"] and returns the app's OAuth v2
// configuration. EINVALID when the channel is missing or malformed or
// the connector has no client id.
func (c *Connector) OAuth2Config(_ context.Context, p connectors.ConnectParams, redirectURI string, _ connectors.Apps) (*oauth2.Config, error) {
	if _, err := NormalizeChannel(p["channel"]); err != nil {
		return nil, err
	}
	if c.cfg.ClientID == "" || c.cfg.ClientSecret == "" {
		return nil, rythme.Errorf(rythme.EINVALID, "slack: no client id and secret are configured")
	}
	return c.oauthConfig(redirectURI), nil
}

// Exchange trades the code (with the PKCE verifier) at oauth.v2.access,
// turning Slack's {"ok":false} answers into OAuth errors
// (*oauth2.RetrieveError: invalid_grant, invalid_client…).
func (c *Connector) Exchange(ctx context.Context, cfg *oauth2.Config, code, verifier string) (*oauth2.Token, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, c.tokenClient(ctx))
	opts := []oauth2.AuthCodeOption{}
	if verifier != "" {
		opts = append(opts, oauth2.VerifierOption(verifier))
	}
	tok, err := cfg.Exchange(ctx, code, opts...)
	if err != nil {
		return nil, err
	}
	tok.TokenType = "Bearer"
	return tok, nil
}

// OpenSession returns the account's OAuth 2 session; with token rotation
// on, it refreshes (rotating the refresh token) and saves.
func (c *Connector) OpenSession(ctx context.Context, acct *rythme.Account, base *http.Client, save func(context.Context, rythme.Token) error) (connectors.Session, error) {
	if acct == nil {
		return nil, rythme.Errorf(rythme.EINVALID, "slack: no account")
	}
	tok := acct.Token
	tok.TokenType = "Bearer"
	ctx = context.WithValue(ctx, oauth2.HTTPClient, wrapTokenClient(base, c.cfg.TokenURL))
	ts := connectors.NewTokenSource(ctx, c.oauthConfig(""), tok, save)
	return connectors.NewOAuth2Session(ts, base), nil
}

// tokenClient wraps the context's HTTP client (or a new one) for the
// token endpoint.
func (c *Connector) tokenClient(ctx context.Context) *http.Client {
	hc, _ := ctx.Value(oauth2.HTTPClient).(*http.Client)
	if hc == nil {
		hc = connectors.NewHTTPClient()
	}
	return wrapTokenClient(hc, c.cfg.TokenURL)
}
