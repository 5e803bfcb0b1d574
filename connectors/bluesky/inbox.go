package bluesky

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

var _ connectors.InboxReader = (*Connector)(nil)

// threadDepth is how many levels of replies one getPostThread asks for.
const threadDepth = 10

// notificationsPage is how many notifications one read asks for (1–100).
const notificationsPage = 50

type threadPost struct {
	URI    string `json:"uri"`
	Author struct {
		DID         string `json:"did"`
		Handle      string `json:"handle"`
		DisplayName string `json:"displayName"`
	} `json:"author"`
	Record struct {
		Text      string `json:"text"`
		CreatedAt string `json:"createdAt"`
		Reply     *struct {
			Root, Parent struct {
				URI string `json:"uri"`
			}
		} `json:"reply"`
	} `json:"record"`
	IndexedAt string `json:"indexedAt"`
}

// notification is an app.bsky.notification.listNotifications#notification.
type notification struct {
	threadPost
	Reason string `json:"reason"`
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

type threadView struct {
	Post    threadPost    `json:"post"`
	Replies []*threadView `json:"replies"`
}

// ReadInbox reads the replies under each post with
// app.bsky.feed.getPostThread (https://docs.bsky.app/docs/api/app-bsky-feed-get-post-thread,
// depth 10): one request per post; and the account's replies and mentions
// with app.bsky.notification.listNotifications
// (https://docs.bsky.app/docs/api/app-bsky-notification-list-notifications):
// one request, its newest 50, keeping those indexed after the cursor (the
// indexedAt of the newest one read before). A post the AppView no longer
// has (NotFound) is skipped.
func (c *Connector) ReadInbox(ctx context.Context, acct *rythme.Account, client *http.Client, req connectors.InboxRequest) (*connectors.InboxPage, error) {
	service, err := serviceOf(acct)
	if err != nil {
		return nil, err
	}
	page := &connectors.InboxPage{Cursor: req.Cursor}
	ours := map[string]bool{}
	for _, uri := range req.Posts {
		ours[uri] = true
	}
	for _, uri := range req.Posts {
		var out struct {
			Thread *threadView `json:"thread"`
		}
		err := c.call(ctx, client, http.MethodGet, service, "app.bsky.feed.getPostThread",
			url.Values{"uri": {uri}, "depth": {strconv.Itoa(threadDepth)}}, nil, "", &out)
		if e, ok := connectors.AsError(err); ok && e.Kind == connectors.Permanent && strings.HasPrefix(e.Message, "NotFound") {
			continue
		} else if err != nil {
			return nil, err
		}
		if out.Thread == nil {
			continue
		}
		var walk func(v *threadView)
		walk = func(v *threadView) {
			for _, r := range v.Replies {
				if r == nil {
					continue
				}
				if r.Post.Author.DID != acct.ExternalID {
					page.Entries = append(page.Entries, c.entry(r.Post, uri))
				}
				walk(r)
			}
		}
		walk(out.Thread)
	}
	var notes struct {
		Notifications []notification `json:"notifications"`
	}
	q := url.Values{"limit": {strconv.Itoa(notificationsPage)}}
	if err := c.call(ctx, client, http.MethodGet, service, "app.bsky.notification.listNotifications", q, nil, "", &notes); err != nil {
		return nil, err
	}
	since := parseTime(req.Cursor)
	newest := since
	for _, n := range notes.Notifications {
		at := parseTime(n.IndexedAt)
		if !since.IsZero() && !at.After(since) {
			break // newest first: the rest were read before
		}
		if at.After(newest) {
			newest = at
		}
		if n.Author.DID == acct.ExternalID || (n.Reason != "reply" && n.Reason != "mention" && n.Reason != "quote") {
			continue
		}
		e := c.entry(n.threadPost, "")
		root := ""
		if n.Record.Reply != nil {
			root = n.Record.Reply.Root.URI
		}
		switch {
		case ours[e.InReplyTo]:
			e.PostID, e.Kind = e.InReplyTo, rythme.InboxComment
		case ours[root]:
			e.PostID, e.Kind = root, rythme.InboxReply
		case n.Reason != "reply":
			e.Kind = rythme.InboxMention
		}
		page.Entries = append(page.Entries, e)
	}
	if !newest.IsZero() {
		page.Cursor = newest.UTC().Format(time.RFC3339Nano)
	}
	return page, nil
}

func (c *Connector) entry(p threadPost, postURI string) connectors.InboxEntry {
	e := connectors.InboxEntry{ExternalID: p.URI, Kind: rythme.InboxComment, PostID: postURI,
		Author: rythme.InboxAuthor{Handle: p.Author.Handle, DisplayName: p.Author.DisplayName,
			ProfileURL: c.cfg.AppURL + "/profile/" + p.Author.Handle},
		Text: p.Record.Text, URL: c.cfg.AppURL + "/profile/" + p.Author.Handle + "/post/" + p.URI[strings.LastIndexByte(p.URI, '/')+1:]}
	if p.Record.Reply != nil {
		e.InReplyTo = p.Record.Reply.Parent.URI
		if e.InReplyTo != postURI {
			e.Kind = rythme.InboxReply
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, p.Record.CreatedAt); err == nil {
		e.CreatedAt = t
	}
	return e
}

var _ connectors.Replier = (*Connector)(nil)

// Replies is true: a post answers another with its record's reply refs
// (root and parent, each a strongRef).
func (c *Connector) Replies(*rythme.Account) bool { return true }

// replyTo builds the reply refs of a post answering uri: the parent's CID
// and its thread's root, read with app.bsky.feed.getPosts
// (https://docs.bsky.app/docs/api/app-bsky-feed-get-posts). A post the
// AppView does not have is a Permanent error: there is nothing to answer.
func (c *Connector) replyTo(ctx context.Context, client *http.Client, service, uri string) (*replyRef, error) {
	var out struct {
		Posts []struct {
			URI    string `json:"uri"`
			CID    string `json:"cid"`
			Record struct {
				Reply *replyRef `json:"reply"`
			} `json:"record"`
		} `json:"posts"`
	}
	if err := c.call(ctx, client, http.MethodGet, service, "app.bsky.feed.getPosts", url.Values{"uris": {uri}}, nil, "", &out); err != nil {
		return nil, err
	}
	if len(out.Posts) == 0 || out.Posts[0].CID == "" {
		return nil, &connectors.Error{Kind: connectors.Permanent, Message: "the post to reply to is gone"}
	}
	p := out.Posts[0]
	parent := strongRef{URI: p.URI, CID: p.CID}
	root := parent
	if p.Record.Reply != nil && p.Record.Reply.Root.URI != "" {
		root = p.Record.Reply.Root
	}
	return &replyRef{Root: root, Parent: parent}, nil
}
