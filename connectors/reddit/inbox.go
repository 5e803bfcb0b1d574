package reddit

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

var (
	_ connectors.InboxReader = (*Connector)(nil)
	_ connectors.Replier     = (*Connector)(nil)
	_ connectors.Moderator   = (*Connector)(nil)
)

// commentLimit is the most comments asked of a post's tree in one request.
const commentLimit = 500

// thing is a Reddit thing as listings give it; a comment's replies is a
// Listing, or "" when it has none.
type thing struct {
	Kind string `json:"kind"`
	Data struct {
		ID         string          `json:"id"`
		Name       string          `json:"name"`
		Author     string          `json:"author"`
		Body       string          `json:"body"`
		ParentID   string          `json:"parent_id"`
		Permalink  string          `json:"permalink"`
		CreatedUTC float64         `json:"created_utc"`
		Replies    json.RawMessage `json:"replies"`
	} `json:"data"`
}

type listing struct {
	Data struct {
		Children []thing `json:"children"`
	} `json:"data"`
}

// ReadInbox reads each post's comment tree with
// GET /comments/{article}?sort=new&limit=500 (scope read,
// https://www.reddit.com/dev/api#GET_comments_{article}): one request per
// post. A comment on the post is a comment, one under a comment a reply.
// The account's own comments and deleted ones ("[deleted]") are left out;
// a post that is gone (404) is skipped. "more" stubs past the limit are not
// expanded. Mentions (username mentions arrive as private messages, scope
// privatemessages) are not read: the cursor is unused.
func (c *Connector) ReadInbox(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.InboxRequest) (*connectors.InboxPage, error) {
	page := &connectors.InboxPage{Cursor: req.Cursor}
	for _, name := range req.Posts {
		article := strings.TrimPrefix(name, "t3_")
		q := url.Values{"sort": {"new"}, "limit": {strconv.Itoa(commentLimit)}, "raw_json": {"1"}}
		hr, err := c.newRequest(ctx, http.MethodGet, c.cfg.BaseURL+"/comments/"+url.PathEscape(article)+"?"+q.Encode(), nil)
		if err != nil {
			return nil, err
		}
		var out []listing
		err = c.doJSON(client, hr, &out)
		if e, ok := connectors.AsError(err); ok && e.Status == http.StatusNotFound {
			continue
		} else if err != nil {
			return nil, err
		}
		if len(out) < 2 {
			continue
		}
		var walk func(things []thing)
		walk = func(things []thing) {
			for _, t := range things {
				if t.Kind != "t1" {
					continue // "more": not expanded
				}
				d := t.Data
				if d.Author != "" && d.Author != "[deleted]" && !strings.EqualFold(d.Author, acct.Username) {
					e := connectors.InboxEntry{ExternalID: "t1_" + d.ID, Kind: rythme.InboxComment, PostID: name, InReplyTo: d.ParentID,
						Author: rythme.InboxAuthor{Handle: d.Author, DisplayName: "u/" + d.Author,
							ProfileURL: "https://www.reddit.com/user/" + url.PathEscape(d.Author) + "/"},
						Text: d.Body, CreatedAt: time.Unix(int64(d.CreatedUTC), 0).UTC()}
					if d.Permalink != "" {
						e.URL = "https://www.reddit.com" + d.Permalink
					}
					if d.ParentID != name {
						e.Kind = rythme.InboxReply
					}
					page.Entries = append(page.Entries, e)
				}
				var replies listing
				if len(d.Replies) > 0 && d.Replies[0] == '{' && json.Unmarshal(d.Replies, &replies) == nil {
					walk(replies.Data.Children)
				}
			}
		}
		walk(out[1].Data.Children)
	}
	return page, nil
}

// Replies is true: the account answers a post or a comment with
// POST /api/comment.
func (c *Connector) Replies(*rythme.Account) bool { return true }

// replyTo is a reply from the inbox: POST /api/comment with thing_id and
// text (api_type=json, scope submit,
// https://www.reddit.com/dev/api#POST_api_comment). Errors inside Reddit's
// 200 are read as for a submission.
func (c *Connector) replyTo(ctx context.Context, client *http.Client, req connectors.PublishRequest) (*connectors.Published, error) {
	form := url.Values{"api_type": {"json"}, "thing_id": {req.InReplyTo}, "text": {req.Text}}
	hr, err := c.newRequest(ctx, http.MethodPost, c.cfg.BaseURL+"/api/comment", form)
	if err != nil {
		return nil, err
	}
	var out struct {
		JSON struct {
			Errors [][]any `json:"errors"`
			Data   struct {
				Things []thing `json:"things"`
			} `json:"data"`
		} `json:"json"`
	}
	if err := c.doJSON(client, hr, &out); err != nil {
		if e, ok := connectors.AsError(err); ok && e.Kind == connectors.Retryable && e.Status/100 == 2 {
			e.Kind = connectors.Unknown
		}
		return nil, err
	}
	if len(out.JSON.Errors) > 0 {
		return nil, submitError(out.JSON.Errors)
	}
	if len(out.JSON.Data.Things) == 0 || out.JSON.Data.Things[0].Data.ID == "" {
		return nil, &connectors.Error{Kind: connectors.Unknown, Status: http.StatusOK, Message: "Reddit accepted the comment but named none"}
	}
	d := out.JSON.Data.Things[0].Data
	p := &connectors.Published{ExternalID: "t1_" + d.ID}
	if d.Permalink != "" {
		p.URL = "https://www.reddit.com" + d.Permalink
	}
	return p, nil
}

// CanModerate: none. Reddit lets an account delete only what it wrote
// (POST /api/del); removing someone's comment (POST /api/remove) is a
// subreddit moderator's act, which rythme does not take on.
func (c *Connector) CanModerate(_ *rythme.Account, action string) string {
	switch action {
	case connectors.ModerateHide, connectors.ModerateUnhide, connectors.ModerateDelete:
		return "Reddit lets an account delete only its own comments, and has no hiding: a moderator of the subreddit removes a comment there"
	}
	return "Reddit has no such action"
}

// Moderate always refuses (see CanModerate).
func (c *Connector) Moderate(_ context.Context, _ *rythme.Account, _ *http.Client, action, _ string) error {
	return &connectors.Error{Kind: connectors.Permanent, Message: c.CanModerate(nil, action)}
}
