package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// response is the envelope of every Web API answer.
type response struct {
	OK       bool   `json:"ok"`
	Error    string `json:"error"`
	Needed   string `json:"needed"`
	Metadata struct {
		Warnings   []string `json:"warnings"`
		NextCursor string   `json:"next_cursor"`
	} `json:"response_metadata"`
}

// Slack's error codes by kind (https://docs.slack.dev/reference/methods/<method>
// lists each method's; the common ones are on every method).
var (
	authErrors = map[string]bool{"invalid_auth": true, "not_authed": true, "token_revoked": true, "token_expired": true,
		"account_inactive": true, "missing_scope": true, "no_permission": true, "not_allowed_token_type": true,
		"invalid_refresh_token": true}
	retryErrors = map[string]bool{"internal_error": true, "fatal_error": true, "service_unavailable": true,
		"request_timeout": true, "team_added_to_org": true}
	rateErrors = map[string]bool{"ratelimited": true, "rate_limited": true, "message_limit_exceeded": true}
)

// explain is what rythme adds to Slack's code for a person.
var explain = map[string]string{
	"channel_not_found":      "the channel does not exist or the app cannot see it",
	"not_in_channel":         "the app is not in this channel: invite it (/invite @app) or pick a public channel",
	"is_archived":            "the channel is archived",
	"msg_too_long":           "the text is too long",
	"no_text":                "the message has no text",
	"token_revoked":          "the app was uninstalled or its token revoked: connect Slack again",
	"invalid_auth":           "Slack no longer accepts the token: connect Slack again",
	"token_expired":          "the token expired",
	"missing_scope":          "the app lacks a permission: connect Slack again to grant it",
	"message_limit_exceeded": "the workspace has sent too many messages (free plan limits)",
	"restricted_action":      "a workspace preference prevents the app from posting",
}

// apiError turns an {"ok":false} answer into a connector error.
func apiError(r response, status int) *connectors.Error {
	msg := r.Error
	if x := explain[r.Error]; x != "" {
		msg += ": " + x
	}
	if r.Error == "missing_scope" && r.Needed != "" {
		msg += " (" + r.Needed + ")"
	}
	e := &connectors.Error{Kind: connectors.Permanent, Status: status, Message: msg}
	switch {
	case authErrors[r.Error]:
		e.Kind = connectors.Auth
	case retryErrors[r.Error]:
		e.Kind = connectors.Retryable
	case rateErrors[r.Error]:
		e.Kind = connectors.RateLimited
	}
	return e
}

// call invokes a Web API method: POST with a JSON body when in is not
// nil, else GET with query arguments. A 2xx {"ok":true} answer is decoded
// into out (which embeds or is a response); others come back as
// *connectors.Error.
func (c *Connector) call(ctx context.Context, client *http.Client, method string, q url.Values, in, out any) (*response, error) {
	u := c.cfg.BaseURL + "/" + method
	var req *http.Request
	var err error
	if in != nil {
		b, merr := json.Marshal(in)
		if merr != nil {
			return nil, &connectors.Error{Kind: connectors.Permanent, Message: "could not encode the request", Err: merr}
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(b))
		if err == nil {
			req.Header.Set("Content-Type", "application/json; charset=utf-8")
		}
	} else {
		if len(q) > 0 {
			u += "?" + q.Encode()
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	}
	if err != nil {
		return nil, connectors.Errorf(connectors.Permanent, "invalid Slack API URL")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := connectors.Do(bearer(client), req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, connectors.FromResponse(resp, func(body []byte) string {
			var r response
			if json.Unmarshal(body, &r) == nil && r.Error != "" {
				return r.Error
			}
			return ""
		})
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	var r response
	if err == nil {
		err = json.Unmarshal(body, &r)
	}
	if err != nil {
		kind := connectors.Retryable
		if in != nil {
			kind = connectors.Unknown // a write may have been acted on
		}
		return nil, &connectors.Error{Kind: kind, Status: resp.StatusCode, Message: "Slack's answer could not be read", Err: err}
	}
	if !r.OK {
		return &r, apiError(r, resp.StatusCode)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			kind := connectors.Retryable
			if in != nil {
				kind = connectors.Unknown // Slack said ok to a write: it was acted on
			}
			return &r, &connectors.Error{Kind: kind, Status: resp.StatusCode, Message: "Slack's answer could not be read", Err: err}
		}
	}
	return &r, nil
}

type channelInfo struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	IsPrivate bool   `json:"is_private"`
}

// Identify reads the workspace (auth.test, team.info) and resolves the
// channel of p: conversations.info for an ID, conversations.list (public
// channels, paginated) for a name. EINVALID when the channel is not
// found.
func (c *Connector) Identify(ctx context.Context, p connectors.ConnectParams, client *http.Client) (*connectors.Identity, error) {
	ref, err := NormalizeChannel(p["channel"])
	if err != nil {
		return nil, err
	}
	var auth struct {
		URL    string `json:"url"`
		Team   string `json:"team"`
		TeamID string `json:"team_id"`
		UserID string `json:"user_id"`
	}
	// auth.test is a GET in Slack's Web API spec (a read: retried as such).
	if _, err := c.call(ctx, client, "auth.test", nil, nil, &auth); err != nil {
		return nil, err
	}
	if auth.TeamID == "" {
		return nil, connectors.Errorf(connectors.Permanent, "Slack's auth.test answer has no team")
	}
	domain := auth.TeamID
	var team struct {
		Team struct {
			Name   string `json:"name"`
			Domain string `json:"domain"`
		} `json:"team"`
	}
	if _, err := c.call(ctx, client, "team.info", nil, nil, &team); err == nil && team.Team.Domain != "" {
		domain = team.Team.Domain
	} else if err != nil && (connectors.KindOf(err) == connectors.RateLimited || connectors.KindOf(err) == connectors.Retryable) {
		return nil, err
	}
	ch, err := c.findChannel(ctx, client, ref)
	if err != nil {
		return nil, err
	}
	teamURL := auth.URL
	if teamURL != "" && !strings.HasSuffix(teamURL, "/") {
		teamURL += "/"
	}
	id := &connectors.Identity{ExternalID: auth.TeamID + "/" + ch.ID, Username: domain,
		DisplayName: auth.Team + " #" + ch.Name, InstanceURL: c.cfg.BaseURL,
		Meta: map[string]string{MetaTeamID: auth.TeamID, MetaTeamURL: teamURL, MetaChannelID: ch.ID, MetaChannelName: ch.Name}}
	if teamURL != "" {
		id.ProfileURL = teamURL + "archives/" + ch.ID
	}
	return id, nil
}

// noChannelID is the error for a channel Slack names without its ID: the
// account's external id and every post need it.
func noChannelID(method string) *connectors.Error {
	return connectors.Errorf(connectors.Permanent, "Slack's %s answer has no channel id", method)
}

// findChannel resolves an ID or a public channel's name; the channel it
// returns always has an ID.
func (c *Connector) findChannel(ctx context.Context, client *http.Client, ref string) (*channelInfo, error) {
	notFound := rythme.Invalid(rythme.FieldError{Field: "channel", Message: "was not found among the workspace's public channels " +
		"(for a private channel, invite the app and give the channel ID)"})
	if channelIDRE.MatchString(ref) {
		var out struct {
			Channel channelInfo `json:"channel"`
		}
		_, err := c.call(ctx, client, "conversations.info", url.Values{"channel": {ref}}, nil, &out)
		if e, ok := connectors.AsError(err); ok && e.Kind == connectors.Permanent && strings.HasPrefix(e.Message, "channel_not_found") {
			return nil, notFound
		} else if err != nil {
			return nil, err
		}
		if out.Channel.ID == "" {
			return nil, noChannelID("conversations.info")
		}
		return &out.Channel, nil
	}
	cursor := ""
	for range 20 { // 20 pages of 200: 4,000 channels
		q := url.Values{"types": {"public_channel"}, "exclude_archived": {"true"}, "limit": {"200"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var out struct {
			Channels []channelInfo `json:"channels"`
		}
		r, err := c.call(ctx, client, "conversations.list", q, nil, &out)
		if err != nil {
			return nil, err
		}
		for _, ch := range out.Channels {
			if ch.Name == ref {
				if ch.ID == "" {
					return nil, noChannelID("conversations.list")
				}
				return &ch, nil
			}
		}
		if cursor = r.Metadata.NextCursor; cursor == "" {
			break
		}
	}
	return nil, notFound
}
