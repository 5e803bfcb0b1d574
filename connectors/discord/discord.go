// Package discord is rythme's connector for Discord channels, through
// incoming webhooks (https://discord.com/developers/docs/resources/webhook):
// an account is one webhook, connected by pasting its URL (Server Settings
// › Integrations › Webhooks › Copy Webhook URL); posts go out with Execute
// Webhook and ?wait=true so that Discord answers the message it made.
//
// The webhook URL is the credential: it is kept sealed like a token
// (rythme.Token.AccessToken), rebuilt on the configured API base before
// every call (so a stored URL can never point rythme elsewhere), and
// never logged nor returned in an error. Discord documents no idempotency
// key for Execute Webhook (nonce and enforce_nonce belong to Create
// Message, a bot endpoint), so Idempotent is false. A webhook reads no
// engagement, so Info().Metrics is false; it reads its own messages back
// (Get Webhook Message), and with them the votes of their polls
// (FetchMetrics, poll.go).
//
// Publish options (PublishRequest.Options):
//
//	username  the name shown on the post instead of the webhook's own
//	          (at most MaxUsername characters; Discord refuses names
//	          containing "discord" or "clyde").
package discord

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// Name is the network name rythme knows Discord by.
const Name = "discord"

// MaxContent is Execute Webhook's content limit ("up to 2000
// characters"), counted in code points: Discord's API counts with
// Python's len (https://github.com/discord/discord-api-docs/issues/1315).
const MaxContent = 2000

// MaxUsername is the longest username option Execute Webhook takes, in
// characters (Discord's spec: 1 to 80).
const MaxUsername = 80

// Meta keys written at connect time.
const (
	MetaGuildID   = "guild_id"
	MetaChannelID = "channel_id"
)

// Config configures the connector. The zero value talks to discord.com.
type Config struct {
	// BaseURL is the API base. Default "https://discord.com/api/v10"
	// (https://discord.com/developers/docs/reference#api-versioning).
	BaseURL string
	// AppURL is Discord's web client, for links to posts
	// (AppURL/channels/{guild}/{channel}/{message}). Default
	// "https://discord.com".
	AppURL string
	// UserAgent is sent on every call, in the form Discord requires
	// (https://discord.com/developers/docs/reference#user-agent). Default
	// "DiscordBot (https://github.com/rythmehq/rythme, 1.0)".
	UserAgent string
	// Now stamps rate-limit resets. Default time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.BaseURL == "" {
		c.BaseURL = "https://discord.com/api/v10"
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.AppURL == "" {
		c.AppURL = "https://discord.com"
	}
	c.AppURL = strings.TrimRight(c.AppURL, "/")
	if c.UserAgent == "" {
		c.UserAgent = "DiscordBot (https://github.com/rythmehq/rythme, 1.0)"
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// FakenetConfig points the connector at rythme's simulator reachable at
// fakenetURL (such as http://127.0.0.1:8090): webhook URLs made there
// (POST /discord/fakenet/webhooks?user=alice) connect like real ones.
func FakenetConfig(fakenetURL string) Config {
	base := strings.TrimRight(fakenetURL, "/") + "/" + Name
	return Config{BaseURL: base + "/api/v10", AppURL: base}
}

// Connector is the Discord connector. Create it with New.
type Connector struct {
	cfg  Config
	base *url.URL // cfg.BaseURL, parsed
}

var (
	_ connectors.Connector       = (*Connector)(nil)
	_ connectors.DirectConnector = (*Connector)(nil)
	_ connectors.SessionOpener   = (*Connector)(nil)
)

// New returns a Discord connector.
func New(cfg Config) *Connector {
	cfg = cfg.withDefaults()
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Host == "" {
		u = &url.URL{Scheme: "https", Host: "discord.com", Path: "/api/v10"}
	}
	return &Connector{cfg: cfg, base: u}
}

// Info describes Discord webhooks.
func (c *Connector) Info() rythme.Network {
	return rythme.Network{
		Name:          Name,
		Title:         "Discord",
		Auth:          "webhook",
		ConnectParams: []string{"webhook_url"},
		MaxLength:     MaxContent,
		// Discord documents no fixed numbers (its headers say, and every
		// worker honours them); 30 executions a minute per webhook keeps
		// well within what webhooks are known to take.
		RateLimits: []rythme.RateLimit{{Scope: "account", Requests: 30, PeriodSeconds: 60, Method: http.MethodPost}},
		// https://discord.com/developers/docs/resources/poll#poll-create-request-object:
		// a question of at most 300 characters (the post's text), up to 10
		// answers of at most 55, a duration in hours up to 32 days
		// (768 h), multiple choice allowed.
		// Votes are read back with Get Webhook Message (FetchMetrics).
		Polls: &rythme.PollLimits{MaxOptions: 10, MaxOptionLength: 55, MaxQuestionLength: 300, MinDurationMinutes: 60,
			MaxDurationMinutes: 768 * 60, DurationStepMinutes: 60, Multiple: true, Results: true},
		Docs: "https://discord.com/developers/docs/resources/webhook#execute-webhook",
	}
}

// Validate counts code points, as Discord does.
func (c *Connector) Validate(text string) []string {
	if strings.TrimSpace(text) == "" {
		return []string{"Discord needs some text: an empty message cannot be sent"}
	}
	if n := utf8.RuneCountInString(text); n > MaxContent {
		return []string{"the text is " + strconv.Itoa(n) + " characters; a Discord message takes at most " + strconv.Itoa(MaxContent)}
	}
	return nil
}

// Idempotent is false: Execute Webhook has no idempotency key.
func (c *Connector) Idempotent(*rythme.Account) bool { return false }

// OAuth2Config is refused: Discord accounts connect with a webhook URL
// (Connect).
func (c *Connector) OAuth2Config(context.Context, connectors.ConnectParams, string, connectors.Apps) (*oauth2.Config, error) {
	return nil, rythme.Errorf(rythme.EINVALID, "discord: accounts connect with a webhook URL, not OAuth")
}

// OpenSession returns a static session: the webhook URL, kept in the
// account's token, is the credential and never expires.
func (c *Connector) OpenSession(_ context.Context, _ *rythme.Account, base *http.Client, _ func(context.Context, rythme.Token) error) (connectors.Session, error) {
	return connectors.StaticSession(base), nil
}

// FetchMetrics reads each message back with Get Webhook Message
// (GET /webhooks/{id}/{token}/messages/{message.id},
// https://discord.com/developers/docs/resources/webhook#get-webhook-message),
// for the votes of its poll (poll.results). A webhook reads no engagement:
// every figure of the readings is absent and Info().Metrics is false; the
// poller asks only for the messages that carry a poll
// (PollLimits.Results). A message deleted (404 Unknown Message) is
// Deleted.
func (c *Connector) FetchMetrics(ctx context.Context, acct *rythme.Account, client *http.Client, externalIDs []string) ([]rythme.Metrics, error) {
	if acct == nil || acct.Token.AccessToken == "" {
		return nil, connectors.Errorf(connectors.Auth, "the account has no webhook URL; reconnect it")
	}
	h, err := c.ParseWebhookURL(acct.Token.AccessToken)
	if err != nil {
		return nil, &connectors.Error{Kind: connectors.Auth, Message: "the account's webhook URL is not valid; reconnect it"}
	}
	now := c.cfg.Now().UTC()
	out := make([]rythme.Metrics, 0, len(externalIDs))
	for _, id := range externalIDs {
		m := rythme.Metrics{ExternalID: id, At: now}
		if !snowflake.MatchString(id) {
			return nil, connectors.Errorf(connectors.Permanent, "%q is not a Discord message id", id)
		}
		var msg struct {
			Poll *poll `json:"poll"`
		}
		err := c.call(ctx, client, http.MethodGet, c.endpoint(h)+"/messages/"+id, nil, &msg)
		switch {
		case errors.Is(err, errUnknownMessage):
			m.Deleted = true
		case err != nil:
			return nil, err
		case msg.Poll != nil:
			m.Poll = msg.Poll.results()
		}
		out = append(out, m)
	}
	return out, nil
}

// redact replaces the URL of a transport error (it holds the webhook
// token) so that the error can be logged and shown.
func redact(err error) error {
	var ce *connectors.Error
	if !errors.As(err, &ce) {
		return err
	}
	var ue *url.Error
	if errors.As(ce.Err, &ue) {
		c := *ce
		c.Err = &url.Error{Op: ue.Op, URL: "(webhook URL)", Err: ue.Err}
		return &c
	}
	return err
}
