package x

import (
	"context"
	"net/http"
	"net/url"

	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

var _ connectors.InboxReader = (*Connector)(nil)

// mentionPages bounds the pages of 100 one read follows.
const mentionPages = 5

type mentionsAnswer struct {
	Data []struct {
		ID               string `json:"id"`
		Text             string `json:"text"`
		AuthorID         string `json:"author_id"`
		CreatedAt        string `json:"created_at"`
		ConversationID   string `json:"conversation_id"`
		ReferencedTweets []struct {
			Type string `json:"type"`
			ID   string `json:"id"`
		} `json:"referenced_tweets"`
	} `json:"data"`
	Includes struct {
		Users []struct {
			ID       string `json:"id"`
			Username string `json:"username"`
			Name     string `json:"name"`
		} `json:"users"`
	} `json:"includes"`
	Meta struct {
		NewestID  string `json:"newest_id"`
		NextToken string `json:"next_token"`
	} `json:"meta"`
}

// ReadInbox reads the account's mention timeline since the cursor with
// GET /2/users/:id/mentions
// (https://docs.x.com/x-api/posts/timelines/quickstart/user-mention-quickstart),
// 100 a page, at most 5 pages: on X a reply starts with the author's
// @handle, so the replies to the account's posts are among its mentions,
// and one request reads the comments on every post at once. A mention
// whose conversation_id is one of req.Posts is a comment on that post
// (replied_to it) or a reply under it; any other is a mention. The first
// read (no cursor) reads the newest page only.
func (c *Connector) ReadInbox(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.InboxRequest) (*connectors.InboxPage, error) {
	if acct == nil || acct.ExternalID == "" {
		return nil, &connectors.Error{Kind: connectors.Permanent, Message: "the account has no X user id"}
	}
	ours := map[string]bool{}
	for _, id := range req.Posts {
		ours[id] = true
	}
	page := &connectors.InboxPage{Cursor: req.Cursor}
	token := ""
	for range mentionPages {
		q := url.Values{"max_results": {"100"}, "expansions": {"author_id"}, "user.fields": {"username,name"},
			"post.fields": {"created_at,author_id,conversation_id,referenced_tweets"}}
		if req.Cursor != "" {
			q.Set("since_id", req.Cursor)
		}
		if token != "" {
			q.Set("pagination_token", token)
		}
		var ans mentionsAnswer
		if err := c.do(ctx, client, http.MethodGet, c.cfg.BaseURL+"/2/users/"+url.PathEscape(acct.ExternalID)+"/mentions?"+q.Encode(), nil, &ans); err != nil {
			return nil, err
		}
		users := map[string]int{}
		for i, u := range ans.Includes.Users {
			users[u.ID] = i
		}
		for _, t := range ans.Data {
			if newerID(t.ID, page.Cursor) {
				page.Cursor = t.ID
			}
			if t.AuthorID == acct.ExternalID {
				continue
			}
			e := connectors.InboxEntry{ExternalID: t.ID, Kind: rythme.InboxMention, Text: t.Text}
			if i, ok := users[t.AuthorID]; ok {
				u := ans.Includes.Users[i]
				e.Author = rythme.InboxAuthor{Handle: u.Username, DisplayName: u.Name, ProfileURL: c.cfg.WebURL + "/" + url.PathEscape(u.Username)}
			} else {
				e.Author.Handle = t.AuthorID
			}
			e.URL = c.postURL(e.Author.Handle, t.ID)
			for _, r := range t.ReferencedTweets {
				if r.Type == "replied_to" {
					e.InReplyTo = r.ID
				}
			}
			if ours[t.ConversationID] {
				e.PostID, e.Kind = t.ConversationID, rythme.InboxReply
				if e.InReplyTo == t.ConversationID {
					e.Kind = rythme.InboxComment
				}
			}
			if at, err := time.Parse(time.RFC3339Nano, t.CreatedAt); err == nil {
				e.CreatedAt = at
			}
			page.Entries = append(page.Entries, e)
		}
		token = ans.Meta.NextToken
		if token == "" || req.Cursor == "" {
			break
		}
	}
	return page, nil
}

// newerID reports whether snowflake id a is newer than b.
func newerID(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

var _ connectors.Replier = (*Connector)(nil)

// Replies is true: a post answers another with reply.in_reply_to_tweet_id
// (https://docs.x.com/x-api/posts/create-post).
func (c *Connector) Replies(*rythme.Account) bool { return true }

var _ connectors.Moderator = (*Connector)(nil)

// CanModerate: replies to the account's posts can be hidden and shown again
// (https://docs.x.com/x-api/posts/hide-replies/introduction); X lets an
// account delete only its own posts.
func (c *Connector) CanModerate(_ *rythme.Account, action string) string {
	switch action {
	case connectors.ModerateHide, connectors.ModerateUnhide:
		return ""
	case connectors.ModerateDelete:
		return "X lets an account delete only its own posts: hide the reply instead"
	}
	return "X has no such action"
}

// Moderate hides or shows a reply with PUT /2/tweets/:id/hidden
// {"hidden": true|false}.
func (c *Connector) Moderate(ctx context.Context, _ *rythme.Account, client *http.Client, action, itemID string) error {
	if reason := c.CanModerate(nil, action); reason != "" {
		return &connectors.Error{Kind: connectors.Permanent, Message: reason}
	}
	var out struct {
		Data struct {
			Hidden bool `json:"hidden"`
		} `json:"data"`
	}
	err := c.do(ctx, client, http.MethodPut, c.cfg.BaseURL+"/2/tweets/"+url.PathEscape(itemID)+"/hidden",
		map[string]bool{"hidden": action == connectors.ModerateHide}, &out)
	if err != nil {
		return err
	}
	if out.Data.Hidden != (action == connectors.ModerateHide) {
		return &connectors.Error{Kind: connectors.Permanent, Message: "X did not change the reply's visibility"}
	}
	return nil
}
