package rythme

import (
	"net/url"
	"slices"
	"time"
)

// Events a workspace can subscribe to.
const (
	EventPostPublished         = "post.published"
	EventPostFailed            = "post.failed"
	EventPostUnconfirmed       = "post.unconfirmed"
	EventAccountNeedsReconnect = "account.needs_reconnect"
	// EventAccountMetricsFailing: the account's engagement reads keep
	// failing (emitted once; the next successful read clears it).
	EventAccountMetricsFailing = "account.metrics_failing"
	// EventCommentReceived: a comment, reply or mention arrived in the
	// inbox (once per item).
	EventCommentReceived = "comment.received"
	// EventCommentFlagged: a moderation rule flagged (or hid) a new item.
	EventCommentFlagged = "comment.flagged"
)

// Events lists every event, for validation and docs.
var Events = []string{EventPostPublished, EventPostFailed, EventPostUnconfirmed, EventAccountNeedsReconnect,
	EventAccountMetricsFailing, EventCommentReceived, EventCommentFlagged}

// PrefixWebhook starts webhook ids.
const PrefixWebhook = "whk"

// Webhook is a workspace's subscription to events, delivered either to URL
// (an HTTP POST signed with HMAC-SHA256 of Secret) or, when AccountID is
// set, as a message to one of the team's channels (a Slack, Teams or
// Discord account of the workspace).
type Webhook struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"workspace_id"`
	URL         string    `json:"url,omitempty"`
	AccountID   string    `json:"account_id,omitempty"`
	Events      []string  `json:"events"`
	Secret      string    `json:"-"` // sealed at rest; shown once, at creation
	CreatedAt   time.Time `json:"created_at"`
}

// Validate checks the events and that exactly one destination is given;
// the URL must be absolute http(s) without credentials.
func (w *Webhook) Validate() error {
	var fe []FieldError
	if (w.URL == "") == (w.AccountID == "") {
		fe = append(fe, FieldError{Field: "url", Message: "give either url or account_id"})
	}
	if w.URL != "" {
		u, err := url.Parse(w.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(w.URL) > 2048 {
			fe = append(fe, FieldError{Field: "url", Message: "must be an absolute http(s) URL without credentials"})
		}
	}
	if len(w.Events) == 0 {
		fe = append(fe, FieldError{Field: "events", Message: "at least one event"})
	}
	for i, e := range w.Events {
		if !slices.Contains(Events, e) {
			fe = append(fe, FieldError{Field: "events[" + itoa(i) + "]", Message: "unknown event; one of post.published, post.failed, post.unconfirmed, account.needs_reconnect, account.metrics_failing, comment.received, comment.flagged"})
		}
	}
	if len(fe) > 0 {
		return Invalid(fe...)
	}
	return nil
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// Event is what a webhook delivers.
type Event struct {
	ID        string    `json:"id"` // stable for one occurrence: deliveries can be deduplicated
	Type      string    `json:"type"`
	CreatedAt time.Time `json:"created_at"`
	Workspace string    `json:"workspace_id"`
	Data      EventData `json:"data"`
}

// EventData describes the post target or the account the event is about.
type EventData struct {
	PostID      string     `json:"post_id,omitempty"`
	TargetID    string     `json:"target_id,omitempty"`
	AccountID   string     `json:"account_id"`
	Username    string     `json:"username,omitempty"`
	Network     string     `json:"network"`
	Status      string     `json:"status"`
	URL         string     `json:"url,omitempty"`
	ExternalID  string     `json:"external_id,omitempty"`
	Reason      string     `json:"reason,omitempty"`
	ScheduledAt *time.Time `json:"scheduled_at,omitempty"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	// InboxItemID and Author: the inbox item a comment event is about
	// (GET /v1/inbox/{id} gives its text) and its author's handle.
	InboxItemID string `json:"inbox_item_id,omitempty"`
	Author      string `json:"author,omitempty"`
}
