package listening

import (
	"context"
	"fmt"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/posting"
)

// InboxActionReply is the audit action of a reply from rythme.
const InboxActionReply = "reply"

// NewReply is what a reply from the inbox asks for.
type NewReply struct {
	Text string `json:"text"`
	// ScheduledAt: RFC 3339 with an offset, or "now" (the default).
	ScheduledAt string `json:"scheduled_at"`
}

// Replied is a reply made: the post that carries it and the item as it
// now is.
type Replied struct {
	Post *rythme.Post
	Item *rythme.InboxItem
}

// Reply answers the workspace's item from its account, in the item's
// conversation on the network. The reply is a post with one target on the
// item's account whose InReplyTo is the item's network id (or the id its
// network says a reply to it answers, connectors.ReplyAddresser): it is
// validated, reviewed (where the workspace asks), queued and published by
// the worker exactly as any post — never early, never twice, never lost,
// unconfirmed when its outcome cannot be known. The item's audit trail
// names the post.
//
// Errors: ENOTFOUND for another workspace's item; ECONFLICT for a hidden
// item (unhide it first; nothing is made); EINVALID when the account's
// network cannot reply from rythme, or for the post's own field errors
// (the text as the network counts it, the time).
func (s *Service) Reply(ctx context.Context, workspaceID, id string, actor rythme.Actor, in NewReply) (*Replied, error) {
	if s.posting == nil || s.conns == nil || s.accounts == nil {
		return nil, rythme.Errorf(rythme.EUNAVAILABLE, "replies from the inbox are not configured")
	}
	it, err := s.store.GetInboxItem(ctx, workspaceID, id)
	if err != nil {
		return nil, fmt.Errorf("listening: reply: %w", err)
	}
	if it.Status == rythme.InboxHidden {
		return nil, rythme.Errorf(rythme.ECONFLICT, "this item is hidden: unhide it (status new) before replying to it")
	}
	acct, err := s.accounts.GetAccount(ctx, workspaceID, it.AccountID)
	if err != nil {
		return nil, fmt.Errorf("listening: reply: %w", err)
	}
	conn, err := s.conns.Get(acct.Network)
	if err != nil {
		return nil, rythme.Invalid(rythme.FieldError{Field: "text", Message: "rythme cannot reply on " + acct.Network})
	}
	if r, ok := conn.(connectors.Replier); !ok || !r.Replies(acct) {
		return nil, rythme.Invalid(rythme.FieldError{Field: "text", Message: conn.Info().Title + " does not take replies from rythme: answer on the network itself"})
	}
	to := it.ExternalID
	if ra, ok := conn.(connectors.ReplyAddresser); ok {
		to = ra.ReplyTo(it.ExternalID, it.InReplyTo)
	}
	when := in.ScheduledAt
	if when == "" {
		when = "now"
	}
	created, err := s.posting.Create(ctx, actor, workspaceID, posting.NewPost{Content: in.Text, ScheduledAt: when,
		Targets: []posting.TargetInput{{AccountID: acct.ID, InReplyTo: to}}})
	if err != nil {
		return nil, err
	}
	now := s.Now()
	item, err := s.store.UpdateInboxItem(ctx, workspaceID, id, func(x *rythme.InboxItem) error {
		x.Record(actor, InboxActionReply, "post "+created.Post.ID, now)
		x.UpdatedAt = now
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listening: reply: record: %w", err)
	}
	return &Replied{Post: created.Post, Item: item}, nil
}
