package instagram

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

// commentFields are the IG Comment fields the inbox reads, replies
// included (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-comment):
// from gives the commenter's IGSID, which tells the account's own comments
// apart.
const commentFields = "id,text,timestamp,username,from{id,username},parent_id," +
	"replies{id,text,timestamp,username,from{id,username},parent_id}"

// Comment pages: 50 top-level comments a request, at most commentPages
// requests a media per read (the newest 200 and their replies).
const (
	commentsPerPage = 50
	commentPages    = 4
)

type igComment struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	Timestamp string `json:"timestamp"`
	Username  string `json:"username"`
	From      struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	} `json:"from"`
	ParentID string `json:"parent_id"`
	Replies  *struct {
		Data []igComment `json:"data"`
	} `json:"replies"`
}

// ReadInbox reads the comments under each media with
// GET /{ig-media-id}/comments (the top-level comments, newest first, each
// with its replies; https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/comments),
// following the after cursor for at most commentPages pages. The account's
// own comments and replies are left out; a media that is gone is skipped.
// Instagram lists no mentions (they come only by webhook, one id at a
// time): the cursor is unused.
func (c *Connector) ReadInbox(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.InboxRequest) (*connectors.InboxPage, error) {
	page := &connectors.InboxPage{Cursor: req.Cursor}
	own := func(cm igComment) bool {
		return (cm.From.ID != "" && cm.From.ID == acct.ExternalID) || (acct.Username != "" && cm.Username == acct.Username)
	}
	for _, id := range req.Posts {
		q := url.Values{"fields": {commentFields}, "limit": {strconv.Itoa(commentsPerPage)}}
		err := meta.Pages(ctx, client, c.graph()+"/"+url.PathEscape(id)+"/comments", q, c.cfg.Now, commentPages, func(data []igComment) {
			for _, cm := range data {
				if !own(cm) {
					page.Entries = append(page.Entries, igEntry(cm, id, id, rythme.InboxComment))
				}
				if cm.Replies == nil {
					continue
				}
				for _, r := range cm.Replies.Data {
					if !own(r) {
						page.Entries = append(page.Entries, igEntry(r, id, cm.ID, rythme.InboxReply))
					}
				}
			}
		})
		if err != nil {
			return nil, err
		}
	}
	return page, nil
}

func igEntry(cm igComment, postID, inReplyTo string, kind rythme.InboxKind) connectors.InboxEntry {
	user := cm.Username
	if user == "" {
		user = cm.From.Username
	}
	e := connectors.InboxEntry{ExternalID: cm.ID, Kind: kind, PostID: postID, InReplyTo: inReplyTo,
		Author: rythme.InboxAuthor{Handle: user, DisplayName: user}, Text: cm.Text}
	if user != "" {
		e.Author.ProfileURL = "https://www.instagram.com/" + url.PathEscape(user) + "/"
	}
	if t, err := time.Parse("2006-01-02T15:04:05-0700", cm.Timestamp); err == nil {
		e.CreatedAt = t
	}
	return e
}

// Replies is true: the account answers a comment with
// POST /{ig-comment-id}/replies.
func (c *Connector) Replies(*rythme.Account) bool { return true }

// replyToComment is a reply from the inbox: POST /{ig-comment-id}/replies
// with message
// (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-comment/replies).
// Instagram nests replies one level deep: answering a reply answers the
// comment it sits under.
func (c *Connector) replyToComment(ctx context.Context, client *http.Client, req connectors.PublishRequest) (*connectors.Published, error) {
	var out struct {
		ID string `json:"id"`
	}
	if err := meta.Post(ctx, client, c.graph()+"/"+url.PathEscape(req.InReplyTo)+"/replies", url.Values{"message": {req.Text}}, c.cfg.Now, &out); err != nil {
		return nil, err
	}
	if out.ID == "" {
		return nil, &connectors.Error{Kind: connectors.Unknown, Message: "Instagram accepted the reply but its answer has no id"}
	}
	return &connectors.Published{ExternalID: out.ID}, nil
}

// CanModerate: the account hides, shows and deletes the comments on its
// media.
func (c *Connector) CanModerate(_ *rythme.Account, action string) string {
	switch action {
	case connectors.ModerateHide, connectors.ModerateUnhide, connectors.ModerateDelete:
		return ""
	}
	return "Instagram has no such action"
}

// Moderate hides or shows a comment with POST /{ig-comment-id}?hide=true|false,
// or deletes it with DELETE /{ig-comment-id}
// (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-comment).
// Hiding a comment hides its replies too.
func (c *Connector) Moderate(ctx context.Context, _ *rythme.Account, client *http.Client, action, itemID string) error {
	if why := c.CanModerate(nil, action); why != "" {
		return &connectors.Error{Kind: connectors.Permanent, Message: why}
	}
	var out struct {
		Success bool `json:"success"`
	}
	u := c.graph() + "/" + url.PathEscape(itemID)
	if action == connectors.ModerateDelete {
		req, err := meta.NewRequest(ctx, http.MethodDelete, u, nil)
		if err != nil {
			return err
		}
		if err := meta.Call(client, req, c.cfg.Now, &out); err != nil {
			return err
		}
	} else if err := meta.Post(ctx, client, u, url.Values{"hide": {strconv.FormatBool(action == connectors.ModerateHide)}}, c.cfg.Now, &out); err != nil {
		return err
	}
	if !out.Success {
		return &connectors.Error{Kind: connectors.Permanent, Message: "Instagram did not " + action + " the comment"}
	}
	return nil
}
