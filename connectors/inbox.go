package connectors

import (
	"context"
	"net/http"
	"strings"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/rythmehq/rythme"
)

// InboxReader is implemented by networks whose API gives the comments on
// an account's published posts and the mentions of the account: the inbox
// poller reads them (worker/inbox.go). A network without it (Discord and
// Teams webhooks, TikTok's posting API) has no inbox, and GET /v1/networks
// says so.
//
// ReadInbox reads the comments (and the replies to them) on req.Posts, and
// the mentions of the account since req.Cursor, within the network's
// limits: every HTTP request goes through client, which the worker rate
// limits. It leaves out what the account itself wrote (its own thread
// parts and replies). Errors are *Error values as for Publish; a post the
// network no longer has is skipped, not an error.
type InboxReader interface {
	ReadInbox(ctx context.Context, acct *rythme.Account, client *http.Client, req InboxRequest) (*InboxPage, error)
}

// InboxStreamer is implemented by networks that push an account's new
// comments and mentions as they happen (Mastodon's streaming API): the
// worker keeps one stream per connected account (worker/stream.go) and
// stores each entry at once, through the same use case as the poller. The
// poller still reads the account, less often while its stream is up, and
// as often as any other network's while it is down.
//
// StreamInbox opens the account's stream through client (one HTTP
// request, the handshake, charged to the account's limits like any
// other), calls req.Opened once it is open, then req.Entry for each
// comment, reply or mention as it arrives, in order, until ctx is done
// (it returns nil) or the stream ends (it returns why: a *Error of kind
// Auth for a refused token, Permanent for a server without streaming,
// Retryable for a dropped connection). It leaves out what the account
// itself wrote, as ReadInbox does.
type InboxStreamer interface {
	StreamInbox(ctx context.Context, acct *rythme.Account, client *http.Client, req InboxStream) error
}

// InboxStream is what StreamInbox calls back.
type InboxStream struct {
	// IsPost reports whether a network id is one of the account's
	// published posts (an entry answering it is a comment on it, PostID
	// set); nil: none is.
	IsPost func(id string) bool
	// Opened is called once the stream is open; nil: nothing.
	Opened func()
	// Entry is called for each new entry (required).
	Entry func(InboxEntry)
}

// InboxRequest is what one read covers.
type InboxRequest struct {
	// Posts are the network ids of the account's published posts whose
	// comments are read, most recent first.
	Posts []string
	// Cursor is the Cursor of the previous read's page ("" the first time):
	// where the account's mentions were read up to.
	Cursor string
}

// InboxPage is what one read found.
type InboxPage struct {
	Entries []InboxEntry
	// Cursor is kept for the next read (unchanged when nothing new).
	Cursor string
}

// InboxEntry is one comment, reply or mention as the network gives it.
type InboxEntry struct {
	ExternalID string
	Kind       rythme.InboxKind
	// PostID is the network id of the account's post the entry sits under
	// (one of InboxRequest.Posts, or "" for a mention elsewhere); InReplyTo
	// the network id of what it answers directly.
	PostID    string
	InReplyTo string
	Author    rythme.InboxAuthor
	Text      string
	URL       string
	CreatedAt time.Time
}

// HTMLText returns the text a reader sees of an HTML fragment (a Mastodon
// status's content): tags dropped, entities decoded, a line break for each
// <br> and between paragraphs. Text that does not parse is returned as is.
func HTMLText(fragment string) string {
	nodes, err := html.ParseFragment(strings.NewReader(fragment), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return fragment
	}
	var sb strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			sb.WriteString(n.Data)
		case n.Type == html.ElementNode && n.DataAtom == atom.Br:
			sb.WriteString("\n")
		case n.Type == html.ElementNode && n.DataAtom == atom.P && sb.Len() > 0:
			sb.WriteString("\n\n")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return strings.TrimSpace(sb.String())
}

// Replier is implemented by networks whose Publish honours
// PublishRequest.InReplyTo: the post goes out as a reply in that
// conversation. A reply from the inbox is refused (422) on the others.
type Replier interface {
	// Replies reports whether acct's posts can be replies.
	Replies(acct *rythme.Account) bool
}

// ReplyAddresser is implemented by a Replier whose replies answer another
// id than the item's own: on Slack, a reply in a thread goes to the
// thread's parent (threads are one level deep). listening.Service.Reply
// asks it what PublishRequest.InReplyTo is.
type ReplyAddresser interface {
	// ReplyTo returns the network id a reply to the inbox item
	// externalID, itself answering inReplyTo ("" for none), answers.
	ReplyTo(externalID, inReplyTo string) string
}

// Moderation actions on an inbox item.
const (
	ModerateHide   = "hide"   // hide the reply from the conversation on the network
	ModerateUnhide = "unhide" // show it again
	ModerateDelete = "delete" // delete it on the network
)

// Moderator is implemented by networks that let an account act on the
// comments under its posts.
type Moderator interface {
	// CanModerate returns "" when action (ModerateHide…) can be done on
	// acct's network, and otherwise why not, in words for a person.
	CanModerate(acct *rythme.Account, action string) string
	// Moderate does action on the item with network id itemID. Errors as
	// for Publish.
	Moderate(ctx context.Context, acct *rythme.Account, client *http.Client, action, itemID string) error
}
