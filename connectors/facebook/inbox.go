package facebook

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

var _ connectors.InboxReader = (*Connector)(nil)

// commentFields are the fields of a comment the inbox reads
// (https://developers.facebook.com/docs/graph-api/reference/object/comments):
// from is given to the Page's own token.
const commentFields = "id,message,from{id,name},created_time,permalink_url,parent{id}"

type comment struct {
	ID           string `json:"id"`
	Message      string `json:"message"`
	CreatedTime  string `json:"created_time"`
	PermalinkURL string `json:"permalink_url"`
	From         struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"from"`
	Parent *struct {
		ID string `json:"id"`
	} `json:"parent"`
}

// ReadInbox reads the comments under each Page post with
// GET /{post-id}/comments?filter=stream&order=reverse_chronological
// (every comment, replies to comments included, newest first; 100 a
// request, one request per post). The Page's own comments are left out; a
// post that is gone is skipped. Facebook gives the Page no mentions feed
// here: the cursor is unused.
func (c *Connector) ReadInbox(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.InboxRequest) (*connectors.InboxPage, error) {
	page := &connectors.InboxPage{Cursor: req.Cursor}
	for _, id := range req.Posts {
		var out struct {
			Data []comment `json:"data"`
		}
		q := url.Values{"fields": {commentFields}, "filter": {"stream"}, "order": {"reverse_chronological"}, "limit": {"100"}}
		err := meta.Get(ctx, client, c.graph()+"/"+url.PathEscape(id)+"/comments", q, c.cfg.Now, &out)
		if meta.Deleted(err) {
			continue
		} else if err != nil {
			return nil, err
		}
		for _, cm := range out.Data {
			if cm.From.ID == acct.ExternalID {
				continue
			}
			e := connectors.InboxEntry{ExternalID: cm.ID, Kind: rythme.InboxComment, PostID: id, InReplyTo: id,
				Author: rythme.InboxAuthor{Handle: cm.From.Name, DisplayName: cm.From.Name}, Text: cm.Message, URL: cm.PermalinkURL}
			if cm.From.ID != "" {
				e.Author.Handle = cm.From.ID
				e.Author.ProfileURL = "https://www.facebook.com/" + cm.From.ID
			}
			if cm.Parent != nil && cm.Parent.ID != "" {
				e.Kind, e.InReplyTo = rythme.InboxReply, cm.Parent.ID
			}
			if t, err := time.Parse("2006-01-02T15:04:05-0700", cm.CreatedTime); err == nil {
				e.CreatedAt = t
			}
			page.Entries = append(page.Entries, e)
		}
	}
	return page, nil
}

var (
	_ connectors.Replier   = (*Connector)(nil)
	_ connectors.Moderator = (*Connector)(nil)
)

// Replies is true: the Page answers a comment with POST /{comment-id}/comments.
func (c *Connector) Replies(*rythme.Account) bool { return true }

// replyToComment is a reply from the inbox: POST /{comment-id}/comments
// (https://developers.facebook.com/docs/graph-api/reference/object/comments#publish).
func (c *Connector) replyToComment(ctx context.Context, client *http.Client, req connectors.PublishRequest) (*connectors.Published, error) {
	var out struct {
		ID string `json:"id"`
	}
	if err := meta.Post(ctx, client, c.graph()+"/"+url.PathEscape(req.InReplyTo)+"/comments", url.Values{"message": {req.Text}}, c.cfg.Now, &out); err != nil {
		return nil, err
	}
	if out.ID == "" {
		return nil, &connectors.Error{Kind: connectors.Unknown, Message: "Facebook accepted the reply but its answer has no id"}
	}
	return &connectors.Published{ExternalID: out.ID, URL: Permalink(out.ID)}, nil
}

// CanModerate: the Page hides and shows comments on its posts; deleting
// them is not done by rythme.
func (c *Connector) CanModerate(_ *rythme.Account, action string) string {
	switch action {
	case connectors.ModerateHide, connectors.ModerateUnhide:
		return ""
	case connectors.ModerateDelete:
		return "rythme does not delete Facebook comments: hide the comment instead (its author and their friends still see it)"
	}
	return "Facebook has no such action"
}

// Moderate hides or shows a comment with POST /{comment-id} is_hidden=true|false
// (https://developers.facebook.com/docs/graph-api/reference/comment#updating).
func (c *Connector) Moderate(ctx context.Context, _ *rythme.Account, client *http.Client, action, itemID string) error {
	if why := c.CanModerate(nil, action); why != "" {
		return &connectors.Error{Kind: connectors.Permanent, Message: why}
	}
	var out struct {
		Success bool `json:"success"`
	}
	form := url.Values{"is_hidden": {strconv.FormatBool(action == connectors.ModerateHide)}}
	if err := meta.Post(ctx, client, c.graph()+"/"+url.PathEscape(itemID), form, c.cfg.Now, &out); err != nil {
		return err
	}
	if !out.Success {
		return &connectors.Error{Kind: connectors.Permanent, Message: "Facebook did not change the comment's visibility"}
	}
	return nil
}
