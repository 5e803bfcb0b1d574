package slack

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// ExternalID is a message's id: its channel and ts ("C0123ABCDE:1503435956.000247").
func ExternalID(channel, ts string) string { return channel + ":" + ts }

// splitID reverses ExternalID.
func splitID(id string) (channel, ts string, ok bool) {
	channel, ts, ok = strings.Cut(id, ":")
	return channel, ts, ok && channel != "" && ts != ""
}

// Publish posts the text with chat.postMessage
// (https://docs.slack.dev/reference/methods/chat.postMessage) to the
// account's channel, or to Options["channel"]; with InReplyTo (a message's
// ExternalID, "C0123ABCDE:1503435956.000247"), to that message's channel
// as a reply in its thread: its ts is sent as thread_ts, which Slack's
// docs ask to be the thread's parent, not a reply (ReplyTo sees to that
// for replies from the inbox). The URL comes from
// chat.getPermalink, or is built from the workspace URL when that call
// fails (the message exists by then). A message_truncated warning does
// not fail the post: it was published, shortened.
func (c *Connector) Publish(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.PublishRequest) (*connectors.Published, error) {
	if acct == nil {
		return nil, connectors.Errorf(connectors.Permanent, "no account")
	}
	channel := acct.Meta[MetaChannelID]
	if opt := strings.TrimSpace(req.Options["channel"]); opt != "" {
		ch, err := NormalizeChannel(opt)
		if err != nil {
			return nil, &connectors.Error{Kind: connectors.Permanent, Message: "the channel option is not a Slack channel", Err: err}
		}
		channel = ch
	}
	threadTS := ""
	if req.InReplyTo != "" {
		ch, ts, ok := splitID(req.InReplyTo)
		if !ok {
			return nil, connectors.Errorf(connectors.Permanent, "%q is not a Slack message to reply to", req.InReplyTo)
		}
		channel, threadTS = ch, ts
	}
	if channel == "" {
		return nil, connectors.Errorf(connectors.Permanent, "the account has no channel: connect Slack again with one")
	}
	body := map[string]any{"channel": channel, "text": Escape(req.Text)}
	if threadTS != "" {
		body["thread_ts"] = threadTS
	}
	var out struct {
		Channel string `json:"channel"`
		TS      string `json:"ts"`
	}
	if _, err := c.call(ctx, client, "chat.postMessage", nil, body, &out); err != nil {
		return nil, err
	}
	if out.Channel == "" || out.TS == "" {
		return nil, connectors.Errorf(connectors.Unknown, "Slack accepted the message but its answer has no channel or ts")
	}
	pub := &connectors.Published{ExternalID: ExternalID(out.Channel, out.TS)}
	var link struct {
		Permalink string `json:"permalink"`
	}
	if _, err := c.call(ctx, client, "chat.getPermalink", url.Values{"channel": {out.Channel}, "message_ts": {out.TS}}, nil, &link); err == nil && link.Permalink != "" {
		pub.URL = link.Permalink
	} else if t := acct.Meta[MetaTeamURL]; t != "" {
		// The permalink format chat.getPermalink documents.
		pub.URL = t + "archives/" + out.Channel + "/p" + strings.ReplaceAll(out.TS, ".", "")
	}
	return pub, nil
}

// FetchMetrics reads each message with reactions.get
// (https://docs.slack.dev/reference/methods/reactions.get, Tier 3): likes
// are the sum of its reactions' counts, comments its thread's
// reply_count. Slack has no batch read, so it is one call per message. A
// message (or channel) Slack no longer has comes back Deleted.
func (c *Connector) FetchMetrics(ctx context.Context, acct *rythme.Account, client *http.Client, externalIDs []string) ([]rythme.Metrics, error) {
	at := c.cfg.Now().UTC()
	out := make([]rythme.Metrics, 0, len(externalIDs))
	seen := map[string]bool{}
	for _, id := range externalIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		m := rythme.Metrics{ExternalID: id, At: at}
		channel, ts, ok := splitID(id)
		if !ok {
			out = append(out, m)
			continue
		}
		var got struct {
			Message struct {
				Reactions []struct {
					Count int64 `json:"count"`
				} `json:"reactions"`
				ReplyCount int64 `json:"reply_count"`
			} `json:"message"`
		}
		_, err := c.call(ctx, client, "reactions.get", url.Values{"channel": {channel}, "timestamp": {ts}, "full": {"true"}}, nil, &got)
		if e, isErr := connectors.AsError(err); isErr && e.Kind == connectors.Permanent &&
			(strings.HasPrefix(e.Message, "message_not_found") || strings.HasPrefix(e.Message, "channel_not_found")) {
			m.Deleted = true
			out = append(out, m)
			continue
		} else if err != nil {
			return nil, err
		}
		var likes int64
		for _, r := range got.Message.Reactions {
			likes += r.Count
		}
		comments := got.Message.ReplyCount
		m.Likes, m.Comments = &likes, &comments
		out = append(out, m)
	}
	return out, nil
}
