package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/coder/websocket"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

var _ connectors.InboxStreamer = (*Connector)(nil)

// MetaStreamingURL is the account meta key of the streaming server's base
// URL the instance announces (configuration.urls.streaming of
// GET /api/v2/instance, urls.streaming_api of /api/v1/instance); without
// it the stream is asked of the instance itself, as GoToSocial and
// Mastodon's default proxy setup serve it.
const MetaStreamingURL = "streaming_url"

// streamMessage is one WebSocket message of the streaming API
// (https://docs.joinmastodon.org/methods/streaming/#websocket): the event's
// name and its payload, itself JSON encoded as a string.
type streamMessage struct {
	Stream  []string `json:"stream"`
	Event   string   `json:"event"`
	Payload string   `json:"payload"`
}

// maxStreamMessage bounds one message: a Notification with its Status is
// a few kilobytes.
const maxStreamMessage = 1 << 20

// StreamInbox watches the account's notifications over the streaming API's
// WebSocket, GET /api/v1/streaming?stream=user:notification
// (https://docs.joinmastodon.org/methods/streaming/#websocket and
// #notification; GoToSocial serves only this WebSocket form, not the
// server-sent events one: https://docs.gotosocial.org/en/latest/api/swagger/
// "streamGet"). The token goes in the Authorization header, as both
// servers take it, never in the URL. Each "notification" event of type
// mention is an entry, as ReadInbox's mentions are: a comment on the post
// it answers when req.IsPost knows that post, a mention otherwise. Other
// events (a favourite, a follow) are skipped.
func (c *Connector) StreamInbox(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.InboxStream) error {
	u, err := streamingURL(acct)
	if err != nil {
		return err
	}
	hc := *client
	hc.Timeout = 0 // the stream lives as long as ctx; the handshake is bounded below
	dialCtx, cancel := context.WithTimeout(ctx, connectors.DefaultTimeout)
	conn, resp, err := websocket.Dial(dialCtx, u, &websocket.DialOptions{HTTPClient: &hc})
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			e := connectors.FromResponse(resp, errorMessage)
			if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusBadRequest {
				e.Kind = connectors.Permanent // no streaming here, or not this form of it
			}
			return e
		}
		return &connectors.Error{Kind: connectors.Retryable, Message: "could not open the streaming connection", Err: err}
	}
	defer conn.CloseNow()
	conn.SetReadLimit(maxStreamMessage)
	if req.Opened != nil {
		req.Opened()
	}
	for {
		var msg streamMessage
		_, data, err := conn.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				_ = conn.Close(websocket.StatusNormalClosure, "")
				return nil
			}
			return &connectors.Error{Kind: connectors.Retryable, Message: "the streaming connection ended", Err: err}
		}
		if json.Unmarshal(data, &msg) != nil || msg.Event != "notification" {
			continue // update, delete, filters_changed…: not the inbox's
		}
		var n notification
		if err := json.Unmarshal([]byte(msg.Payload), &n); err != nil {
			continue
		}
		if n.Type != "mention" || n.Status == nil || n.Status.Account.ID == acct.ExternalID {
			continue
		}
		e := entry(*n.Status, "")
		e.Kind = rythme.InboxMention
		if req.IsPost != nil && e.InReplyTo != "" && req.IsPost(e.InReplyTo) {
			e.PostID, e.Kind = e.InReplyTo, rythme.InboxComment
		}
		req.Entry(e)
	}
}

// streamingURL is the WebSocket URL of acct's notifications stream: the
// announced streaming server's when it is another host, or the
// instance's, with ws(s) for http(s).
func streamingURL(acct *rythme.Account) (string, error) {
	inst, err := instanceOf(acct)
	if err != nil {
		return "", err
	}
	base := inst
	if s := acct.Meta[MetaStreamingURL]; s != "" {
		// Only a server of its own: an instance that names itself
		// (GoToSocial does, as wss even when it serves plain HTTP) is
		// asked with its own scheme.
		iu, _ := url.Parse(inst)
		if u, err := url.Parse(s); err == nil && u.Host != "" && iu != nil && u.Host != iu.Host && (u.Scheme == "wss" || u.Scheme == "https") {
			base = strings.TrimSuffix(s, "/")
		}
	}
	switch {
	case strings.HasPrefix(base, "https://"):
		base = "wss://" + strings.TrimPrefix(base, "https://")
	case strings.HasPrefix(base, "http://"):
		base = "ws://" + strings.TrimPrefix(base, "http://")
	}
	if !strings.HasPrefix(base, "ws://") && !strings.HasPrefix(base, "wss://") {
		return "", errors.New("mastodon: streaming URL is neither ws nor wss")
	}
	return base + "/api/v1/streaming?" + url.Values{"stream": {"user:notification"}}.Encode(), nil
}
