package mastodon

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

var _ connectors.InboxReader = (*Connector)(nil)

// inboxStatus is the part of a Status the inbox reads
// (https://docs.joinmastodon.org/entities/Status/).
type inboxStatus struct {
	ID          string  `json:"id"`
	CreatedAt   string  `json:"created_at"`
	InReplyToID *string `json:"in_reply_to_id"`
	URL         string  `json:"url"`
	URI         string  `json:"uri"`
	Content     string  `json:"content"`
	Account     struct {
		ID          string `json:"id"`
		Acct        string `json:"acct"`
		DisplayName string `json:"display_name"`
		URL         string `json:"url"`
	} `json:"account"`
}

// notification is https://docs.joinmastodon.org/entities/Notification/.
type notification struct {
	ID     string       `json:"id"`
	Type   string       `json:"type"`
	Status *inboxStatus `json:"status"`
}

// mentionsPage is how many mention notifications one read asks for (the
// documented default of GET /api/v1/notifications is 40, its maximum 80).
const mentionsPage = 40

// ReadInbox reads the replies under each post with
// GET /api/v1/statuses/:id/context (its descendants,
// https://docs.joinmastodon.org/methods/statuses/#context): one request per
// post; and the account's mentions since the cursor with
// GET /api/v1/notifications?types[]=mention&since_id=
// (https://docs.joinmastodon.org/methods/notifications/#get): one request.
// A mention that is a reply read already from a post's context is not read
// twice. An account connected before rythme asked for read:notifications is
// answered 403 there: its mentions are left out, its comments read all the
// same, until it is reconnected.
func (c *Connector) ReadInbox(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.InboxRequest) (*connectors.InboxPage, error) {
	inst, err := instanceOf(acct)
	if err != nil {
		return nil, err
	}
	page := &connectors.InboxPage{Cursor: req.Cursor}
	ours, seen := map[string]bool{}, map[string]bool{}
	for _, id := range req.Posts {
		ours[id] = true
	}
	for _, id := range req.Posts {
		var ctxt struct {
			Descendants []inboxStatus `json:"descendants"`
		}
		err := getJSON(ctx, client, inst+"/api/v1/statuses/"+url.PathEscape(id)+"/context", &ctxt)
		if e, ok := connectors.AsError(err); ok && e.Status == http.StatusNotFound {
			continue // deleted
		} else if err != nil {
			return nil, err
		}
		for _, st := range ctxt.Descendants {
			if st.Account.ID == acct.ExternalID {
				continue // the account's own (a thread part, a reply from rythme)
			}
			e := entry(st, id)
			seen[st.ID] = true
			if e.InReplyTo != id {
				e.Kind = rythme.InboxReply
			}
			page.Entries = append(page.Entries, e)
		}
	}
	q := url.Values{"types[]": {"mention"}, "limit": {strconv.Itoa(mentionsPage)}}
	if req.Cursor != "" {
		q.Set("since_id", req.Cursor)
	}
	var notes []notification
	err = getJSON(ctx, client, inst+"/api/v1/notifications?"+q.Encode(), &notes)
	if e, ok := connectors.AsError(err); ok && e.Status == http.StatusForbidden {
		return page, nil // no read:notifications scope: comments only
	} else if err != nil {
		return nil, err
	}
	for _, n := range notes {
		if newerID(n.ID, page.Cursor) {
			page.Cursor = n.ID
		}
		if n.Type != "mention" || n.Status == nil || n.Status.Account.ID == acct.ExternalID || seen[n.Status.ID] {
			continue // not a mention, the account's own, or read already from a post's context (a reply is also a mention)
		}
		e := entry(*n.Status, "")
		e.Kind = rythme.InboxMention
		if ours[e.InReplyTo] {
			e.PostID, e.Kind = e.InReplyTo, rythme.InboxComment
		}
		page.Entries = append(page.Entries, e)
	}
	return page, nil
}

func entry(st inboxStatus, postID string) connectors.InboxEntry {
	e := connectors.InboxEntry{ExternalID: st.ID, Kind: rythme.InboxComment, PostID: postID,
		Author: rythme.InboxAuthor{Handle: st.Account.Acct, DisplayName: st.Account.DisplayName, ProfileURL: st.Account.URL},
		Text:   connectors.HTMLText(st.Content), URL: st.URL}
	if e.URL == "" {
		e.URL = st.URI
	}
	if st.InReplyToID != nil {
		e.InReplyTo = *st.InReplyToID
	}
	if t, err := time.Parse(time.RFC3339Nano, st.CreatedAt); err == nil {
		e.CreatedAt = t
	}
	return e
}

// newerID reports whether Mastodon id a is newer than b: ids are decimal
// snowflakes (GoToSocial's are ULIDs, which sort the same way as text of
// equal length).
func newerID(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

var _ connectors.Replier = (*Connector)(nil)

// Replies is true: a status answers another with in_reply_to_id
// (https://docs.joinmastodon.org/methods/statuses/#create).
func (c *Connector) Replies(*rythme.Account) bool { return true }

var _ connectors.Moderator = (*Connector)(nil)

// CanModerate refuses every action: Mastodon's client API lets an account
// delete only its own statuses (DELETE /api/v1/statuses/:id) and has no way
// to hide a reply to one of them.
func (c *Connector) CanModerate(_ *rythme.Account, action string) string {
	if action == connectors.ModerateDelete {
		return "Mastodon lets an account delete only its own statuses: hide the item in rythme's inbox, or block or report its author on the server"
	}
	return "Mastodon has no way to hide a reply to your status: hide the item in rythme's inbox, or block or report its author on the server"
}

// Moderate is never called: CanModerate refuses every action.
func (c *Connector) Moderate(context.Context, *rythme.Account, *http.Client, string, string) error {
	return &connectors.Error{Kind: connectors.Permanent, Message: c.CanModerate(nil, "")}
}
