package threads

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/meta"
)

var (
	_ connectors.InboxReader = (*Connector)(nil)
	_ connectors.Replier     = (*Connector)(nil)
	_ connectors.Moderator   = (*Connector)(nil)
)

// replyFields are the reply fields the inbox reads
// (https://developers.facebook.com/documentation/threads/reference/reply-management):
// is_reply_owned_by_me tells the account's own thread parts and replies
// apart, replied_to what a reply answers.
const replyFields = "id,text,username,timestamp,permalink,replied_to,is_reply_owned_by_me,hide_status"

// Conversation pages: 100 replies a request, at most conversationPages
// requests a post per read (the oldest 400).
const (
	repliesPerPage    = 100
	conversationPages = 4
)

type thReply struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	Username  string `json:"username"`
	Timestamp string `json:"timestamp"`
	Permalink string `json:"permalink"`
	RepliedTo *struct {
		ID string `json:"id"`
	} `json:"replied_to"`
	Mine bool `json:"is_reply_owned_by_me"`
}

// ReadInbox reads every reply under each post, at any depth, with
// GET /{threads-media-id}/conversation?reverse=false (oldest first,
// flattened; https://developers.facebook.com/docs/threads/retrieve-and-manage-replies),
// following the after cursor for at most conversationPages pages. A reply
// to the post is a comment, a reply to a reply a reply. The account's own
// (its thread parts, its replies) are left out; a post that is gone is
// skipped. Mentions are not read: the cursor is unused.
func (c *Connector) ReadInbox(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.InboxRequest) (*connectors.InboxPage, error) {
	page := &connectors.InboxPage{Cursor: req.Cursor}
	for _, id := range req.Posts {
		q := url.Values{"fields": {replyFields}, "reverse": {"false"}, "limit": {strconv.Itoa(repliesPerPage)}}
		err := meta.Pages(ctx, client, c.graph()+"/"+url.PathEscape(id)+"/conversation", q, c.cfg.Now, conversationPages, func(data []thReply) {
			for _, r := range data {
				if r.Mine || (acct.Username != "" && r.Username == acct.Username) {
					continue
				}
				e := connectors.InboxEntry{ExternalID: r.ID, Kind: rythme.InboxComment, PostID: id, InReplyTo: id,
					Author: rythme.InboxAuthor{Handle: r.Username, DisplayName: r.Username}, Text: r.Text, URL: r.Permalink}
				if r.Username != "" {
					e.Author.ProfileURL = "https://www.threads.com/@" + url.PathEscape(r.Username)
				}
				if r.RepliedTo != nil && r.RepliedTo.ID != "" && r.RepliedTo.ID != id {
					e.Kind, e.InReplyTo = rythme.InboxReply, r.RepliedTo.ID
				}
				if t, err := time.Parse("2006-01-02T15:04:05-0700", r.Timestamp); err == nil {
					e.CreatedAt = t
				}
				page.Entries = append(page.Entries, e)
			}
		})
		if err != nil {
			return nil, err
		}
	}
	return page, nil
}

// Replies is true: a post answers another with reply_to_id
// (https://developers.facebook.com/docs/threads/reply-management).
func (c *Connector) Replies(*rythme.Account) bool { return true }

// CanModerate: the account hides and shows the replies to its posts;
// Threads lets it delete only its own posts, not other people's replies.
func (c *Connector) CanModerate(_ *rythme.Account, action string) string {
	switch action {
	case connectors.ModerateHide, connectors.ModerateUnhide:
		return ""
	case connectors.ModerateDelete:
		return "Threads lets an account delete only its own posts, not other people's replies: hide the reply instead"
	}
	return "Threads has no such action"
}

// Moderate hides or shows a reply with
// POST /{threads-reply-id}/manage_reply hide=true|false
// (https://developers.facebook.com/docs/threads/reply-management#hide-replies);
// the replies under it follow. Threads hides only top-level replies: a
// nested one is refused with Threads' words.
func (c *Connector) Moderate(ctx context.Context, _ *rythme.Account, client *http.Client, action, itemID string) error {
	if why := c.CanModerate(nil, action); why != "" {
		return &connectors.Error{Kind: connectors.Permanent, Message: why}
	}
	var out struct {
		Success bool `json:"success"`
	}
	form := url.Values{"hide": {strconv.FormatBool(action == connectors.ModerateHide)}}
	if err := meta.Post(ctx, client, c.graph()+"/"+url.PathEscape(itemID)+"/manage_reply", form, c.cfg.Now, &out); err != nil {
		return err
	}
	if !out.Success {
		return &connectors.Error{Kind: connectors.Permanent, Message: "Threads did not change the reply's visibility"}
	}
	return nil
}
