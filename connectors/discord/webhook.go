package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// discordHosts are the hosts Discord hands webhook URLs out on.
var discordHosts = map[string]bool{
	"discord.com": true, "ptb.discord.com": true, "canary.discord.com": true,
	"discordapp.com": true, "ptb.discordapp.com": true, "canary.discordapp.com": true,
}

// webhookPath is /api[/v{n}]/webhooks/{id}/{token}, with what comes
// before /api (a prefix, on fakenet) captured.
var webhookPath = regexp.MustCompile(`^(.*?)/api(?:/v\d+)?/webhooks/(\d{1,25})/([A-Za-z0-9_-]{1,128})/?$`)

// Webhook is a parsed webhook URL.
type Webhook struct {
	ID    string
	Token string
}

// ParseWebhookURL validates a webhook URL as a user pasted it:
// https://discord.com/api/webhooks/{id}/{token} (also discordapp.com,
// ptb. and canary. hosts, and /api/v{n}/), or a URL on the connector's
// configured API host (fakenet). A query (?wait=true, ?thread_id=…) is
// ignored. Errors are EINVALID on the field webhook_url and never repeat
// the token.
func (c *Connector) ParseWebhookURL(raw string) (Webhook, error) {
	bad := func(msg string) error {
		return rythme.Invalid(rythme.FieldError{Field: "webhook_url", Message: msg})
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return Webhook{}, bad("is required (in Discord: Server Settings › Integrations › Webhooks › Copy Webhook URL)")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil {
		return Webhook{}, bad("is not a valid URL")
	}
	m := webhookPath.FindStringSubmatch(u.EscapedPath())
	if m == nil {
		return Webhook{}, bad("is not a Discord webhook URL (https://discord.com/api/webhooks/{id}/{token})")
	}
	host := strings.ToLower(u.Hostname())
	switch {
	case strings.EqualFold(u.Scheme, "https") && discordHosts[host] && u.Port() == "" && m[1] == "":
	case strings.EqualFold(u.Scheme, c.base.Scheme) && strings.EqualFold(u.Host, c.base.Host) && m[1] == basePrefix(c.base.Path):
	default:
		return Webhook{}, bad("must be a Discord webhook URL on discord.com")
	}
	return Webhook{ID: m[2], Token: m[3]}, nil
}

// basePrefix is what comes before /api in the configured base path.
func basePrefix(p string) string {
	if i := strings.Index(p, "/api"); i >= 0 {
		return p[:i]
	}
	return p
}

// endpoint is the webhook's URL on the configured API base.
func (c *Connector) endpoint(h Webhook) string {
	return c.cfg.BaseURL + "/webhooks/" + h.ID + "/" + h.Token
}

// webhookObject is the part of the Webhook object rythme reads.
type webhookObject struct {
	ID        string `json:"id"`
	Type      int    `json:"type"`
	Name      string `json:"name"`
	GuildID   string `json:"guild_id"`
	ChannelID string `json:"channel_id"`
}

// Connect checks the webhook with Get Webhook with Token
// (GET /webhooks/{id}/{token}), learning its name, guild and channel. The
// credentials kept are the webhook URL rebuilt on the API base. A deleted
// webhook (404 Unknown Webhook) or a wrong token (401) is an Auth error.
func (c *Connector) Connect(ctx context.Context, p connectors.ConnectParams, base *http.Client) (*connectors.Identity, rythme.Token, error) {
	h, err := c.ParseWebhookURL(p["webhook_url"])
	if err != nil {
		return nil, rythme.Token{}, err
	}
	var wh webhookObject
	if err := c.call(ctx, base, http.MethodGet, c.endpoint(h), nil, &wh); err != nil {
		return nil, rythme.Token{}, err
	}
	if wh.ID != h.ID || wh.Type != 1 {
		return nil, rythme.Token{}, rythme.Invalid(rythme.FieldError{Field: "webhook_url",
			Message: "is not an incoming webhook (channel-follower and application webhooks cannot post)"})
	}
	id := &connectors.Identity{ExternalID: wh.ID, Username: wh.Name, DisplayName: wh.Name, InstanceURL: c.cfg.BaseURL,
		Meta: map[string]string{MetaGuildID: wh.GuildID, MetaChannelID: wh.ChannelID}}
	if wh.GuildID != "" && wh.ChannelID != "" {
		id.ProfileURL = c.cfg.AppURL + "/channels/" + wh.GuildID + "/" + wh.ChannelID
	}
	return id, rythme.Token{AccessToken: c.endpoint(h), TokenType: "webhook"}, nil
}

// Identify connects again with p (a webhook needs no token): it returns
// the webhook's identity.
func (c *Connector) Identify(ctx context.Context, p connectors.ConnectParams, client *http.Client) (*connectors.Identity, error) {
	id, _, err := c.Connect(ctx, p, client)
	return id, err
}

// message is the part of the Message object rythme reads.
type message struct {
	ID        string `json:"id"`
	ChannelID string `json:"channel_id"`
}

// Publish executes the account's webhook
// (POST /webhooks/{id}/{token}?wait=true) with the text as content and
// allowed_mentions {parse: []}, so that a post never pings @everyone,
// roles or users. The message's id is the external id; its URL needs the
// guild learnt at connect time.
func (c *Connector) Publish(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.PublishRequest) (*connectors.Published, error) {
	if acct == nil || acct.Token.AccessToken == "" {
		return nil, connectors.Errorf(connectors.Auth, "the account has no webhook URL; reconnect it")
	}
	h, err := c.ParseWebhookURL(acct.Token.AccessToken)
	if err != nil {
		return nil, &connectors.Error{Kind: connectors.Auth, Message: "the account's webhook URL is not valid; reconnect it"}
	}
	body := map[string]any{"content": req.Text, "allowed_mentions": map[string]any{"parse": []string{}}}
	if req.Poll != nil {
		// The text is the poll's question
		// (https://discord.com/developers/docs/resources/poll#poll-create-request-object):
		// not repeated as the message's content.
		delete(body, "content")
		body["poll"] = pollBody(req.Text, req.Poll)
	}
	if name := strings.TrimSpace(req.Options["username"]); name != "" {
		if n := utf8.RuneCountInString(name); n > MaxUsername {
			return nil, connectors.Errorf(connectors.Permanent, "the username option is %d characters; Discord takes at most %d", n, MaxUsername)
		}
		body["username"] = name
	}
	var msg message
	hdr, err := c.callHeaders(ctx, client, http.MethodPost, c.endpoint(h)+"?wait=true", body, &msg)
	if err != nil {
		return nil, err
	}
	if msg.ID == "" {
		return nil, connectors.Errorf(connectors.Unknown, "Discord accepted the message but its answer has no id")
	}
	out := &connectors.Published{ExternalID: msg.ID}
	channel := msg.ChannelID
	if channel == "" {
		channel = acct.Meta[MetaChannelID]
	}
	if g := acct.Meta[MetaGuildID]; g != "" && channel != "" {
		out.URL = c.cfg.AppURL + "/channels/" + g + "/" + channel + "/" + msg.ID
	}
	out.QuotaResetAt = quotaReset(hdr, c.cfg.Now())
	return out, nil
}

// pollBody is Discord's poll create request: question and answers as
// poll media ({"text": …}), duration in hours, allow_multiselect.
func pollBody(question string, p *rythme.Poll) map[string]any {
	answers := make([]map[string]any, len(p.Options))
	for i, o := range p.Options {
		answers[i] = map[string]any{"poll_media": map[string]string{"text": o}}
	}
	return map[string]any{"question": map[string]string{"text": question}, "answers": answers,
		"duration": (p.DurationMinutes + 59) / 60, "allow_multiselect": p.Multiple}
}

// quotaReset reads X-RateLimit-Remaining and X-RateLimit-Reset-After
// (seconds, with decimals) of a successful answer: when the bucket is
// empty, when it refills.
func quotaReset(h http.Header, now time.Time) time.Time {
	if strings.TrimSpace(h.Get("X-RateLimit-Remaining")) != "0" {
		return time.Time{}
	}
	if d := resetAfter(h); d > 0 {
		return now.Add(d)
	}
	return time.Time{}
}

func resetAfter(h http.Header) time.Duration {
	s, err := strconv.ParseFloat(strings.TrimSpace(h.Get("X-RateLimit-Reset-After")), 64)
	if err != nil || s <= 0 {
		return 0
	}
	return min(seconds(s), time.Hour)
}

// seconds converts Discord's seconds (with millisecond decimals).
func seconds(s float64) time.Duration {
	return time.Duration(math.Round(s*1000)) * time.Millisecond
}

func (c *Connector) call(ctx context.Context, client *http.Client, method, u string, in, out any) error {
	_, err := c.callHeaders(ctx, client, method, u, in, out)
	return err
}

// callHeaders sends a JSON request and decodes a 2xx answer into out,
// returning the answer's headers; errors are *connectors.Error values
// with the webhook URL redacted.
func (c *Connector) callHeaders(ctx context.Context, client *http.Client, method, u string, in, out any) (http.Header, error) {
	var rd io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, &connectors.Error{Kind: connectors.Permanent, Message: "could not encode the request", Err: err}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, connectors.Errorf(connectors.Permanent, "invalid webhook request")
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := connectors.Do(client, req)
	if err != nil {
		return nil, redact(err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fromResponse(resp)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out); err != nil {
			kind := connectors.Retryable
			if method == http.MethodPost {
				kind = connectors.Unknown // the message was probably sent
			}
			return resp.Header, &connectors.Error{Kind: kind, Status: resp.StatusCode, Message: "Discord's answer could not be read", Err: err}
		}
	}
	return resp.Header, nil
}

// apiError is Discord's error body
// (https://discord.com/developers/docs/reference#error-messages), and the
// 429 body (https://discord.com/developers/docs/topics/rate-limits).
type apiError struct {
	Message    string          `json:"message"`
	Code       int             `json:"code"`
	Errors     json.RawMessage `json:"errors"`
	RetryAfter float64         `json:"retry_after"`
	Global     bool            `json:"global"`
}

// fromResponse classifies a refusal: 429 waits retry_after (or
// X-RateLimit-Reset-After, or Retry-After); 401 and a 404 Unknown Webhook
// mean the webhook is gone or its token wrong (Auth: reconnect, as
// Discord asks not to call a 404 webhook again); other 4xx refuse the
// content.
func fromResponse(resp *http.Response) *connectors.Error {
	var ae apiError
	e := connectors.FromResponse(resp, func(body []byte) string {
		if json.Unmarshal(body, &ae) != nil || ae.Message == "" {
			return ""
		}
		if details := formErrors(ae.Errors); details != "" {
			return ae.Message + ": " + details
		}
		return ae.Message
	})
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Kind = connectors.RateLimited
		if ae.RetryAfter > 0 {
			e.RetryAfter = min(seconds(ae.RetryAfter), time.Hour)
		} else if d := resetAfter(resp.Header); d > 0 {
			e.RetryAfter = d
		}
	case resp.StatusCode == http.StatusNotFound && ae.Code == codeUnknownMessage:
		// Get Webhook Message: the message was deleted (the webhook is
		// there, or its 404 would be Unknown Webhook).
		e.Kind, e.Err = connectors.Permanent, errUnknownMessage
	case resp.StatusCode == http.StatusNotFound:
		// Every other call rythme makes is on the webhook itself: 404 is
		// Unknown Webhook (code 10015).
		e.Kind = connectors.Auth
		e.Message += " (the webhook was deleted: connect the channel again with a new webhook URL)"
	case resp.StatusCode == http.StatusUnauthorized:
		e.Kind = connectors.Auth
	}
	return e
}

// formErrors flattens {"content":{"_errors":[{"message":…}]}} into
// "content: …".
func formErrors(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var tree map[string]json.RawMessage
	if json.Unmarshal(raw, &tree) != nil {
		return ""
	}
	var out []string
	var walk func(path string, node map[string]json.RawMessage)
	walk = func(path string, node map[string]json.RawMessage) {
		keys := make([]string, 0, len(node))
		for k := range node {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == "_errors" {
				var errs []struct {
					Message string `json:"message"`
				}
				_ = json.Unmarshal(node[k], &errs)
				for _, e := range errs {
					if path == "" {
						out = append(out, e.Message)
					} else {
						out = append(out, path+": "+e.Message)
					}
				}
				continue
			}
			var child map[string]json.RawMessage
			if json.Unmarshal(node[k], &child) == nil {
				p := k
				if path != "" {
					p = path + "." + k
				}
				walk(p, child)
			}
		}
	}
	walk("", tree)
	return strings.Join(out, "; ")
}
