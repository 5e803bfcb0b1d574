package rythme

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// ID prefixes of the inbox.
const (
	PrefixInboxItem  = "ibx"
	PrefixInboxNote  = "ibn"
	PrefixInboxEvent = "ibe"
)

// InboxKind says what an inbox item is.
type InboxKind string

// Inbox item kinds.
const (
	InboxComment InboxKind = "comment" // answers one of the workspace's published posts
	InboxReply   InboxKind = "reply"   // answers a comment under one of its posts
	InboxMention InboxKind = "mention" // names the account elsewhere
)

// Valid reports whether k is a known kind.
func (k InboxKind) Valid() bool {
	return k == InboxComment || k == InboxReply || k == InboxMention
}

// InboxStatus is where an item stands in the team's triage.
type InboxStatus string

// Inbox statuses. An item arrives new; assigning it to a member makes it
// assigned; done closes it; hidden keeps it out of the team's way (and out of
// reach of a reply).
const (
	InboxNew      InboxStatus = "new"
	InboxAssigned InboxStatus = "assigned"
	InboxDone     InboxStatus = "done"
	InboxHidden   InboxStatus = "hidden"
)

// Valid reports whether s is a known status.
func (s InboxStatus) Valid() bool {
	return s == InboxNew || s == InboxAssigned || s == InboxDone || s == InboxHidden
}

// InboxAuthor is the person on the network who wrote an item.
type InboxAuthor struct {
	Handle      string `json:"handle"`
	DisplayName string `json:"display_name"`
	ProfileURL  string `json:"profile_url,omitempty"`
}

// InboxItem is a comment, a reply or a mention read from a network on one
// of the workspace's accounts. (AccountID, ExternalID) is unique: reading
// the same comment again changes nothing.
type InboxItem struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"workspace_id"`
	AccountID   string    `json:"account_id"`
	Network     string    `json:"network"`
	ExternalID  string    `json:"external_id"`
	Kind        InboxKind `json:"kind"`
	// TargetID and PostID name the published post target the item answers
	// (empty for a mention outside the workspace's posts). InReplyTo is the
	// network id of what it answers directly.
	TargetID  string      `json:"target_id,omitempty"`
	PostID    string      `json:"post_id,omitempty"`
	InReplyTo string      `json:"in_reply_to,omitempty"`
	Author    InboxAuthor `json:"author"`
	Text      string      `json:"text"`
	URL       string      `json:"url,omitempty"`
	// CreatedAt is when the network says it was written; ReceivedAt when
	// rythme read it.
	CreatedAt  time.Time   `json:"created_at"`
	ReceivedAt time.Time   `json:"received_at"`
	Status     InboxStatus `json:"status"`
	AssigneeID string      `json:"assignee_id,omitempty"`
	// Flagged: a moderation rule (or a member) marked it for the team.
	Flagged bool `json:"flagged"`
	// Own: the account itself wrote it from rythme (a post's first
	// comment), shown as the team's own; the inbox readers never return
	// such items, rythme records them when it publishes them.
	Own       bool      `json:"own"`
	UpdatedAt time.Time `json:"updated_at"`
	// Notes and Audit are filled by GetInboxItem only.
	Notes []InboxNote  `json:"notes,omitempty"`
	Audit []InboxEvent `json:"audit,omitempty"`

	// NewEvents are saved with the item by SaveInboxItems and
	// UpdateInboxItem (then cleared).
	NewEvents []InboxEvent `json:"-"`
}

// InboxNote is a note the team writes on an item; every member of the
// workspace reads it.
type InboxNote struct {
	ID        string    `json:"id"`
	ItemID    string    `json:"item_id"`
	AuthorID  string    `json:"author_id"`
	Author    string    `json:"author"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}

// InboxEvent is one line of an item's audit trail: who (a member, a token,
// a rule or rythme itself) did what, when and why.
type InboxEvent struct {
	ItemID  string    `json:"-"`
	At      time.Time `json:"at"`
	ActorID string    `json:"actor_id"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`
	Reason  string    `json:"reason,omitempty"`
}

// Audit trail actions.
const (
	InboxActionReceived = "received"
	InboxActionStatus   = "status"
	InboxActionAssign   = "assign"
	InboxActionUnassign = "unassign"
	InboxActionNote     = "note"
	InboxActionFlag     = "flag"
	InboxActionHide     = "hide"
)

// Record appends an audit event to the item's new events.
func (it *InboxItem) Record(a Actor, action, reason string, at time.Time) {
	it.NewEvents = append(it.NewEvents, InboxEvent{ItemID: it.ID, At: at, ActorID: a.ID, Actor: a.Name, Action: action, Reason: reason})
}

// Bounds of the inbox's fields.
const (
	MaxInboxText    = 20000 // characters of an item's text kept
	MaxInboxNote    = 2000  // characters of a note
	MaxInboxReason  = 500   // characters of an audit reason
	MaxInboxHandle  = 300
	MaxInboxFilter  = 300 // characters of a filter value
	DefaultInboxMax = 50  // items per page by default
	MaxInboxLimit   = 200 // items per page at most
)

// Normalize trims the fields a network gives and bounds them: text longer
// than MaxInboxText is cut (the network keeps the whole).
func (it *InboxItem) Normalize() {
	it.Text = strings.ToValidUTF8(it.Text, "\uFFFD")
	if utf8.RuneCountInString(it.Text) > MaxInboxText {
		it.Text = string([]rune(it.Text)[:MaxInboxText])
	}
	it.Author.Handle = truncRunes(strings.TrimSpace(it.Author.Handle), MaxInboxHandle)
	it.Author.DisplayName = truncRunes(strings.TrimSpace(it.Author.DisplayName), MaxInboxHandle)
	it.Author.ProfileURL = truncRunes(it.Author.ProfileURL, 2048)
	it.URL = truncRunes(it.URL, 2048)
	if it.Status == "" {
		it.Status = InboxNew
	}
	if !it.Kind.Valid() {
		it.Kind = InboxComment
	}
}

func truncRunes(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// InboxFilter selects items for ListInboxItems. Items come newest first
// (by CreatedAt, then id); Cursor is the opaque value returned with a page.
type InboxFilter struct {
	AccountID string
	Network   string
	PostID    string
	Status    InboxStatus
	// Author matches the author's handle, case-insensitively.
	Author string
	// Flagged: only the flagged items.
	Flagged bool
	// AssigneeID: only the items assigned to this member.
	AssigneeID string
	Cursor     string
	Limit      int // default DefaultInboxMax, at most MaxInboxLimit
}

// InboxStore keeps the inbox: the comments, replies and mentions read from
// the networks, their triage, notes and audit trail.
type InboxStore interface {
	// SaveInboxItems inserts the items that are not stored yet (by
	// account and external id; ID and ReceivedAt filled when empty) with
	// their NewEvents, and returns those it inserted: reading the same
	// comment twice stores it once, whoever else reads it at the same time.
	// The items returned carry their NewEvents as Audit.
	SaveInboxItems(ctx context.Context, items []*InboxItem) ([]*InboxItem, error)
	// GetInboxItem returns the workspace's item with its notes and audit
	// trail, oldest first; ENOTFOUND otherwise.
	GetInboxItem(ctx context.Context, workspaceID, id string) (*InboxItem, error)
	// ListInboxItems returns a page of the workspace's items (without
	// notes and audit) and the next page's cursor ("" after the last);
	// EINVALID for a cursor it did not return or an unknown status.
	ListInboxItems(ctx context.Context, workspaceID string, f InboxFilter) ([]*InboxItem, string, error)
	// UpdateInboxItem loads the item with a lock, calls fn, and saves its
	// status, assignee, UpdatedAt and NewEvents in one transaction; fn's
	// error aborts and is returned as is. ENOTFOUND for another
	// workspace's item.
	UpdateInboxItem(ctx context.Context, workspaceID, id string, fn func(*InboxItem) error) (*InboxItem, error)
	// AddInboxNote stores a note (ID filled when empty) with a "note"
	// audit event; ENOTFOUND when the item is not the workspace's.
	AddInboxNote(ctx context.Context, workspaceID string, n *InboxNote) error
	// CountInboxAuthors returns, for each author of the workspace's items
	// written (CreatedAt) in [f.From, f.To) — on f.Network when not "" —
	// how many items of each kind they wrote and on how many posts, in no
	// particular order. An author is a handle on a network, compared
	// case-insensitively; their display name and profile URL are those of
	// their latest item.
	CountInboxAuthors(ctx context.Context, workspaceID string, f InboxAuthorFilter) ([]InboxAuthorCount, error)
}

// InboxAuthorFilter selects the items CountInboxAuthors counts.
type InboxAuthorFilter struct {
	From, To time.Time
	Network  string
}

// InboxAuthorCount is what one outside person wrote to the workspace's
// accounts in a period: the community leaderboard's raw line.
type InboxAuthorCount struct {
	Network string
	Author  InboxAuthor
	// Comments, Replies and Mentions count their items of each kind; Posts
	// the workspace's posts they commented or replied under.
	Comments, Replies, Mentions int
	Posts                       int
	// LastAt is when they wrote their latest item of the period.
	LastAt time.Time
}
