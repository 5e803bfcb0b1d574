// Package teams is rythme's connector for Microsoft Teams channels,
// through Workflows: a Power Automate flow that starts with "When a Teams
// webhook request is received" and posts the card it receives to a
// channel (Teams' template "Send webhook alerts to a channel",
// https://learn.microsoft.com/connectors/teams/#microsoft-teams-webhook).
// Workflows replaced the Office 365 connectors (Incoming Webhook), which
// Microsoft retired; their URLs are refused with directions.
//
// An account is one flow, connected by pasting its URL (Teams › channel ›
// ••• › Workflows, or Power Automate). The URL carries a shared access
// signature (sig=…): it is the credential, kept sealed like a token
// (rythme.Token.AccessToken), never logged nor returned in an error.
// Connect validates the URL's shape and sends nothing: the trigger has no
// read-only call, and a test POST would put a visible card in the channel.
// A wrong or revoked URL shows at the first post (401/404: Auth, the
// account must be reconnected).
//
// A post is an Adaptive Card with one TextBlock (wrap on). The flow
// answers 202 Accepted without a message id, so the external id is one
// rythme derives (the idempotency key, sent as x-ms-client-tracking-id so
// that the run can be found in the flow's history); the post's URL is the
// channel's link when the account was connected with one (connect
// parameter channel_url, optional: Teams › channel › ••• › Get link to
// channel). Retrying is not safe (Idempotent is false) and there are no
// metrics. Teams refuses messages over about 28 KB inside the flow, after
// the 202, so Validate enforces the size before anything is sent.
package teams

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/oauth2"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// Name is the network name rythme knows Teams by.
const Name = "teams"

// MaxPayload is the largest request body rythme sends: Teams' message
// limit of about 28 KB
// (https://learn.microsoft.com/connectors/teams/#known-issues-and-limitations-with-actions).
const MaxPayload = 28 * 1024

// CardVersion is the Adaptive Card schema version sent; Teams renders
// 1.4 on every client (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-reference#adaptive-card).
const CardVersion = "1.4"

// Meta keys written at connect time.
const (
	MetaWorkflowID = "workflow_id"
	MetaChannelURL = "channel_url"
)

// DefaultHosts are the host suffixes flow URLs are served on: Logic Apps
// (prod-NN.<region>.logic.azure.com, and the US government and China
// clouds) and Power Platform (<env>.environment.api.powerplatform.com).
var DefaultHosts = []string{".logic.azure.com", ".logic.azure.us", ".logic.azure.cn", ".api.powerplatform.com"}

// Config configures the connector. The zero value accepts Microsoft's
// hosts only.
type Config struct {
	// Hosts are the host suffixes a flow URL may use (https only).
	// Default DefaultHosts.
	Hosts []string
	// Base, when set, is one more URL prefix flows may live under, http
	// allowed (fakenet: http://127.0.0.1:8090/teams).
	Base string
	// ChannelHosts are the hosts of channel links. Default
	// teams.microsoft.com and teams.cloud.microsoft.
	ChannelHosts []string
}

func (c Config) withDefaults() Config {
	if len(c.Hosts) == 0 {
		c.Hosts = DefaultHosts
	}
	if len(c.ChannelHosts) == 0 {
		c.ChannelHosts = []string{"teams.microsoft.com", "teams.cloud.microsoft"}
	}
	c.Base = strings.TrimRight(c.Base, "/")
	return c
}

// FakenetConfig accepts the flows of rythme's simulator reachable at
// fakenetURL (such as http://127.0.0.1:8090); make one with
// POST /teams/fakenet/workflows?user=alice.
func FakenetConfig(fakenetURL string) Config {
	return Config{Base: strings.TrimRight(fakenetURL, "/") + "/" + Name}
}

// Connector is the Teams connector. Create it with New.
type Connector struct {
	cfg       Config
	envelope  int // bytes of a card with no text
	maxLength int
}

var (
	_ connectors.Connector       = (*Connector)(nil)
	_ connectors.DirectConnector = (*Connector)(nil)
	_ connectors.SessionOpener   = (*Connector)(nil)
)

// New returns a Teams connector.
func New(cfg Config) *Connector {
	c := &Connector{cfg: cfg.withDefaults()}
	b, _ := Payload("")
	c.envelope = len(b)
	c.maxLength = MaxPayload - c.envelope
	return c
}

// Info describes Teams. MaxLength is the text's budget in bytes once
// JSON-encoded in the card.
func (c *Connector) Info() rythme.Network {
	return rythme.Network{
		Name:            Name,
		Title:           "Microsoft Teams",
		Auth:            "webhook",
		ConnectParams:   []string{"webhook_url"},
		ConnectOptional: []string{"channel_url"},
		MaxLength:       c.maxLength,
		Docs:            "https://learn.microsoft.com/connectors/teams/#microsoft-teams-webhook",
	}
}

// The webhook body: a message with one Adaptive Card attachment
// (https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#send-adaptive-cards-using-an-incoming-webhook).
type (
	payload struct {
		Type        string       `json:"type"`
		Attachments []attachment `json:"attachments"`
	}
	attachment struct {
		ContentType string  `json:"contentType"`
		ContentURL  *string `json:"contentUrl"`
		Content     card    `json:"content"`
	}
	card struct {
		Schema  string      `json:"$schema"`
		Type    string      `json:"type"`
		Version string      `json:"version"`
		Body    []textBlock `json:"body"`
	}
	textBlock struct {
		Type string `json:"type"`
		Text string `json:"text"`
		Wrap bool   `json:"wrap"`
	}
)

// Payload is the JSON body Publish sends for text.
func Payload(text string) ([]byte, error) {
	return json.Marshal(payload{Type: "message", Attachments: []attachment{{
		ContentType: "application/vnd.microsoft.card.adaptive",
		Content: card{Schema: "http://adaptivecards.io/schemas/adaptive-card.json", Type: "AdaptiveCard", Version: CardVersion,
			Body: []textBlock{{Type: "TextBlock", Text: text, Wrap: true}}},
	}}})
}

// Validate refuses empty text and text whose card would pass 28 KB; the
// size counts the text as encoded in the card (a quote or a non-ASCII
// letter takes more than one byte).
func (c *Connector) Validate(text string) []string {
	if strings.TrimSpace(text) == "" {
		return []string{"Microsoft Teams needs some text"}
	}
	b, err := Payload(text)
	if err != nil {
		return []string{"the text cannot be encoded in a card"}
	}
	if n := len(b) - c.envelope; n > c.maxLength {
		return []string{"the text takes " + strconv.Itoa(n) + " bytes in the card; Microsoft Teams takes at most " +
			strconv.Itoa(c.maxLength) + " (a message is limited to 28 KB)"}
	}
	return nil
}

// Idempotent is false: a workflow trigger has no idempotency key.
func (c *Connector) Idempotent(*rythme.Account) bool { return false }

// OAuth2Config is refused: Teams accounts connect with a workflow URL.
func (c *Connector) OAuth2Config(context.Context, connectors.ConnectParams, string, connectors.Apps) (*oauth2.Config, error) {
	return nil, rythme.Errorf(rythme.EINVALID, "teams: accounts connect with a Workflows webhook URL, not OAuth")
}

// OpenSession returns a static session: the URL is the credential.
func (c *Connector) OpenSession(_ context.Context, _ *rythme.Account, base *http.Client, _ func(context.Context, rythme.Token) error) (connectors.Session, error) {
	return connectors.StaticSession(base), nil
}

// Identify validates p as Connect does, without the network.
func (c *Connector) Identify(ctx context.Context, p connectors.ConnectParams, client *http.Client) (*connectors.Identity, error) {
	id, _, err := c.Connect(ctx, p, client)
	return id, err
}

// FetchMetrics is not supported (Info().Metrics is false).
func (c *Connector) FetchMetrics(context.Context, *rythme.Account, *http.Client, []string) ([]rythme.Metrics, error) {
	return nil, connectors.Errorf(connectors.Permanent, "Microsoft Teams workflows give no metrics")
}

// Publish posts the card to the account's flow. The external id is
// req.IdempotencyKey (or a random id), sent as x-ms-client-tracking-id.
// 400 and 413 refuse the content; 401, 403 and 404 mean the flow was
// deleted or its signature changed (Auth: reconnect); 429 waits.
func (c *Connector) Publish(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.PublishRequest) (*connectors.Published, error) {
	if acct == nil || acct.Token.AccessToken == "" {
		return nil, connectors.Errorf(connectors.Auth, "the account has no workflow URL; reconnect it")
	}
	wf, err := c.ParseWorkflowURL(acct.Token.AccessToken)
	if err != nil {
		return nil, connectors.Errorf(connectors.Auth, "the account's workflow URL is not valid; reconnect it")
	}
	body, err := Payload(req.Text)
	if err != nil {
		return nil, &connectors.Error{Kind: connectors.Permanent, Message: "the text cannot be encoded in a card", Err: err}
	}
	id := req.IdempotencyKey
	if id == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, wf.URL, bytes.NewReader(body))
	if err != nil {
		return nil, connectors.Errorf(connectors.Permanent, "invalid workflow request")
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("x-ms-client-tracking-id", id)
	resp, err := connectors.Do(client, hr)
	if err != nil {
		return nil, redact(err)
	}
	if resp.StatusCode/100 != 2 {
		e := connectors.FromResponse(resp, errorMessage)
		switch resp.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
			e.Kind = connectors.Auth
			e.Message += " (the workflow was deleted or its URL changed: connect the channel again with the flow's new URL)"
		}
		return nil, e
	}
	resp.Body.Close()
	return &connectors.Published{ExternalID: id, URL: acct.Meta[MetaChannelURL]}, nil
}

// errorMessage reads Logic Apps' {"error":{"code","message"}}.
func errorMessage(body []byte) string {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil || e.Error.Code == "" {
		return ""
	}
	if e.Error.Message == "" {
		return e.Error.Code
	}
	return e.Error.Code + ": " + e.Error.Message
}

// redact replaces the URL of a transport error: it holds the signature.
func redact(err error) error {
	var ce *connectors.Error
	if !errors.As(err, &ce) {
		return err
	}
	var ue *url.Error
	if errors.As(ce.Err, &ue) {
		c := *ce
		c.Err = &url.Error{Op: ue.Op, URL: "(workflow URL)", Err: ue.Err}
		return &c
	}
	return err
}
