package linkedin

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
	_ connectors.InboxReader = (*Connector)(nil)
	_ connectors.Moderator   = (*Connector)(nil)
	_ connectors.InboxGate   = (*Connector)(nil)
)

// ScopeReadComments is the permission that reads the comments on a
// member's posts (r_organization_social for a Page's). LinkedIn grants it
// only to approved partners, so DefaultScopes leaves it out: an app
// approved for it adds it to Config.Scopes.
const ScopeReadComments = HistoryScope

// ReadsInbox reports whether acct's token was granted ScopeReadComments
// (LinkedIn's token response lists the granted scopes, comma-separated;
// a token that names none is judged by what the app asks for), or for
// a nil acct whether the app asks for it. Without it LinkedIn answers
// every comments read with 403, so the worker does not ask.
func (c *Connector) ReadsInbox(acct *rythme.Account) bool {
	granted := c.cfg.Scopes
	if acct != nil && strings.TrimSpace(acct.Token.Scope) != "" {
		granted = strings.FieldsFunc(acct.Token.Scope, func(r rune) bool { return r == ',' || r == ' ' })
	}
	return slices.Contains(granted, ScopeReadComments)
}

// Comment pages: 100 a request, at most commentPages requests a post.
const (
	commentsPerPage = 100
	commentPages    = 3
)

type liComment struct {
	ID         string `json:"id"`
	Actor      string `json:"actor"`
	CommentURN string `json:"commentUrn"`
	Message    struct {
		Text string `json:"text"`
	} `json:"message"`
	Created struct {
		Time int64 `json:"time"`
	} `json:"created"`
	ParentComment string `json:"parentComment"`
}

// ReadInbox reads each post's comments with
// GET /rest/socialActions/{post urn}/comments?start=&count=100
// (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/comments-api),
// at most commentPages pages a post. LinkedIn names a commenter by person
// URN only (their name needs the restricted Profile API): the handle is
// that URN. The account's own comments are left out; a post that is gone
// (404) is skipped. Without ScopeReadComments LinkedIn answers 403: the
// read gives nothing rather than fail every 5 minutes (docs/networks/linkedin.md
// says so). Mentions are not read: the cursor is unused.
func (c *Connector) ReadInbox(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.InboxRequest) (*connectors.InboxPage, error) {
	page := &connectors.InboxPage{Cursor: req.Cursor}
	for _, urn := range req.Posts {
		for n := range commentPages {
			q := url.Values{"start": {strconv.Itoa(n * commentsPerPage)}, "count": {strconv.Itoa(commentsPerPage)}}
			hr, err := c.newRequest(ctx, http.MethodGet, c.cfg.BaseURL+"/rest/socialActions/"+url.PathEscape(urn)+"/comments?"+q.Encode(), nil, true)
			if err != nil {
				return nil, err
			}
			var out struct {
				Paging struct {
					Total int `json:"total"`
				} `json:"paging"`
				Elements []liComment `json:"elements"`
			}
			err = c.doJSON(client, hr, &out)
			if e, ok := connectors.AsError(err); ok && (e.Status == http.StatusNotFound || e.Status == http.StatusForbidden) {
				break // gone, or comments not granted
			} else if err != nil {
				return nil, err
			}
			for _, cm := range out.Elements {
				if cm.Actor == "" || cm.Actor == acct.ExternalID {
					continue
				}
				e := connectors.InboxEntry{ExternalID: cm.CommentURN, Kind: rythme.InboxComment, PostID: urn, InReplyTo: urn,
					Author: rythme.InboxAuthor{Handle: cm.Actor, DisplayName: cm.Actor}, Text: cm.Message.Text,
					URL: "https://www.linkedin.com/feed/update/" + urn + "/"}
				if e.ExternalID == "" {
					e.ExternalID = cm.ID
				}
				if cm.ParentComment != "" {
					e.Kind, e.InReplyTo = rythme.InboxReply, cm.ParentComment
				}
				if cm.Created.Time > 0 {
					e.CreatedAt = time.UnixMilli(cm.Created.Time).UTC()
				}
				page.Entries = append(page.Entries, e)
			}
			if len(out.Elements) < commentsPerPage || (n+1)*commentsPerPage >= out.Paging.Total {
				break
			}
		}
	}
	return page, nil
}

// CanModerate: none. LinkedIn's Comments API deletes a comment for its
// author (or a Page's admin on the Page's posts), and has no hiding;
// rythme posts as a member.
func (c *Connector) CanModerate(_ *rythme.Account, action string) string {
	switch action {
	case connectors.ModerateHide, connectors.ModerateUnhide, connectors.ModerateDelete:
		return "LinkedIn lets a member delete only their own comments and has no hiding"
	}
	return "LinkedIn has no such action"
}

// Moderate always refuses (see CanModerate).
func (c *Connector) Moderate(_ context.Context, _ *rythme.Account, _ *http.Client, action, _ string) error {
	return &connectors.Error{Kind: connectors.Permanent, Message: c.CanModerate(nil, action)}
}
