package slack

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

var (
	_ connectors.InboxReader    = (*Connector)(nil)
	_ connectors.Moderator      = (*Connector)(nil)
	_ connectors.Replier        = (*Connector)(nil)
	_ connectors.ReplyAddresser = (*Connector)(nil)
)

// Replies: every account can reply in a thread (Publish honours
// InReplyTo as thread_ts).
func (c *Connector) Replies(*rythme.Account) bool { return true }

// ReplyTo is the message a reply to the inbox item externalID goes under:
// the thread's parent, inReplyTo (the post whose thread ReadInbox read),
// when it is a message of the same channel. Slack's threads are one level
// deep, and chat.postMessage's thread_ts should be the parent's ts, "not a
// reply's" (https://docs.slack.dev/reference/methods/chat.postMessage,
// https://docs.slack.dev/messaging/#threading). Otherwise the item itself.
func (c *Connector) ReplyTo(externalID, inReplyTo string) string {
	ch, _, ok := splitID(externalID)
	if pch, _, pok := splitID(inReplyTo); ok && pok && pch == ch {
		return inReplyTo
	}
	return externalID
}

// RepliesPerCall is the most messages conversations.replies gives an app
// outside the Slack Marketplace in one call, which may make one call a
// minute (https://docs.slack.dev/changelog/2025/05/29/rate-limit-changes-for-non-marketplace-apps).
const RepliesPerCall = 15

type threadMessage struct {
	TS    string `json:"ts"`
	User  string `json:"user"`
	BotID string `json:"bot_id"`
	Text  string `json:"text"`
}

// ReadInbox reads ONE page of one thread per read with
// conversations.replies (https://docs.slack.dev/reference/methods/conversations.replies,
// scope channels:history): Slack allows an app outside its Marketplace one
// such call a minute, 15 messages each, so reading every post's thread at
// each read would be refused. The cursor says where the reads are:
// "<post id> <Slack cursor>" — the thread read last and, when it has more,
// its next page; the next read continues that thread, or takes the post
// after it in req.Posts (most recent first), wrapping around. With the
// inbox read every 5 minutes and 20 posts, each thread is read again
// within 100 minutes.
//
// The thread's parent and the messages of apps (bot_id: rythme's own
// among them) are left out; a reply is a comment on the post. Slack names
// a member by id (U…) only: the handle is that id (users.info is not
// called). A thread that is gone is skipped.
func (c *Connector) ReadInbox(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.InboxRequest) (*connectors.InboxPage, error) {
	page := &connectors.InboxPage{Cursor: req.Cursor}
	if len(req.Posts) == 0 {
		return page, nil
	}
	last, slackCursor, _ := strings.Cut(req.Cursor, " ")
	i := slices.Index(req.Posts, last)
	if i < 0 || slackCursor == "" {
		i, slackCursor = (i+1)%len(req.Posts), ""
	}
	post := req.Posts[i]
	channel, ts, ok := splitID(post)
	if !ok {
		page.Cursor = post
		return page, nil
	}
	q := url.Values{"channel": {channel}, "ts": {ts}, "limit": {strconv.Itoa(RepliesPerCall)}}
	if slackCursor != "" {
		q.Set("cursor", slackCursor)
	}
	var out struct {
		response
		Messages []threadMessage `json:"messages"`
	}
	r, err := c.call(ctx, client, "conversations.replies", q, nil, &out)
	if r != nil && (r.Error == "thread_not_found" || r.Error == "message_not_found") {
		page.Cursor = post
		return page, nil
	} else if err != nil {
		return nil, err
	}
	base := strings.TrimRight(acct.Meta[MetaTeamURL], "/")
	for _, m := range out.Messages {
		if m.TS == ts || m.BotID != "" || m.User == "" {
			continue
		}
		e := connectors.InboxEntry{ExternalID: ExternalID(channel, m.TS), Kind: rythme.InboxComment, PostID: post, InReplyTo: post,
			Author: rythme.InboxAuthor{Handle: m.User, DisplayName: m.User}, Text: m.Text}
		if base != "" {
			e.URL = base + "/archives/" + channel + "/p" + strings.ReplaceAll(m.TS, ".", "") + "?thread_ts=" + ts
			e.Author.ProfileURL = base + "/team/" + m.User
		}
		if sec, frac, ok := strings.Cut(m.TS, "."); ok {
			if s, err := strconv.ParseInt(sec, 10, 64); err == nil {
				us, _ := strconv.ParseInt((frac + "000000")[:6], 10, 64)
				e.CreatedAt = time.Unix(s, us*1000).UTC()
			}
		}
		page.Entries = append(page.Entries, e)
	}
	page.Cursor = strings.TrimSpace(post + " " + out.Metadata.NextCursor)
	return page, nil
}

// CanModerate: none. A Slack app deletes only its own messages
// (chat.delete), and Slack has no hiding of a member's message.
func (c *Connector) CanModerate(_ *rythme.Account, action string) string {
	switch action {
	case connectors.ModerateHide, connectors.ModerateUnhide, connectors.ModerateDelete:
		return "Slack lets an app delete only its own messages and has no hiding: a workspace admin removes a member's message"
	}
	return "Slack has no such action"
}

// Moderate always refuses (see CanModerate).
func (c *Connector) Moderate(_ context.Context, _ *rythme.Account, _ *http.Client, action, _ string) error {
	return &connectors.Error{Kind: connectors.Permanent, Message: c.CanModerate(nil, action)}
}
