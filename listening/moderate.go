package listening

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// ModerationQueue hands a moderation action to the worker, which does it
// on the network through the account-call policy and records the outcome
// in the item's audit trail.
type ModerationQueue interface {
	EnqueueModeration(ctx context.Context, m ModerationTask) error
}

// ModerationTask is one action to do on the network.
type ModerationTask struct {
	WorkspaceID string       `json:"workspace_id"`
	ItemID      string       `json:"item_id"`
	Action      string       `json:"action"`
	Actor       rythme.Actor `json:"actor"`
	Reason      string       `json:"reason,omitempty"`
}

// Moderate asks for action (hide, unhide or delete) on the workspace's
// item on its network, and returns the item with the request in its audit
// trail; the worker does it and records the outcome ("hidden on X", or why
// it failed). Errors: ENOTFOUND for another workspace's item; EINVALID for
// an unknown action or one the network does not allow, naming why
// (Mastodon: an account deletes only its own statuses and cannot hide a
// reply); EUNAVAILABLE when no worker queue is configured.
func (s *Service) Moderate(ctx context.Context, workspaceID, id string, actor rythme.Actor, action, reason string) (*rythme.InboxItem, error) {
	if action != connectors.ModerateHide && action != connectors.ModerateUnhide && action != connectors.ModerateDelete {
		return nil, rythme.Invalid(rythme.FieldError{Field: "action", Message: "must be hide, unhide or delete"})
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > rythme.MaxInboxReason {
		return nil, rythme.Invalid(rythme.FieldError{Field: "reason", Message: fmt.Sprintf("at most %d characters", rythme.MaxInboxReason)})
	}
	if s.modq == nil || s.conns == nil || s.accounts == nil {
		return nil, rythme.Errorf(rythme.EUNAVAILABLE, "moderation on the networks is not configured")
	}
	it, err := s.store.GetInboxItem(ctx, workspaceID, id)
	if err != nil {
		return nil, fmt.Errorf("listening: moderate: %w", err)
	}
	acct, err := s.accounts.GetAccount(ctx, workspaceID, it.AccountID)
	if err != nil {
		return nil, fmt.Errorf("listening: moderate: %w", err)
	}
	conn, err := s.conns.Get(acct.Network)
	if err != nil {
		return nil, rythme.Invalid(rythme.FieldError{Field: "action", Message: "rythme cannot act on " + acct.Network})
	}
	m, ok := conn.(connectors.Moderator)
	if !ok {
		return nil, rythme.Invalid(rythme.FieldError{Field: "action", Message: conn.Info().Title + " gives rythme no way to " + action + " a comment"})
	}
	if why := m.CanModerate(acct, action); why != "" {
		return nil, rythme.Invalid(rythme.FieldError{Field: "action", Message: why})
	}
	if err := s.modq.EnqueueModeration(ctx, ModerationTask{WorkspaceID: workspaceID, ItemID: id, Action: action, Actor: actor, Reason: reason}); err != nil {
		return nil, fmt.Errorf("listening: moderate: enqueue: %w", err)
	}
	now := s.Now()
	item, err := s.store.UpdateInboxItem(ctx, workspaceID, id, func(x *rythme.InboxItem) error {
		x.Record(actor, action+" requested", reason, now)
		x.UpdatedAt = now
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listening: moderate: record: %w", err)
	}
	return item, nil
}

// Moderated records the outcome of a moderation action the worker did:
// on success the item's status follows (hidden after hide or delete, new
// after unhide) with an audit event "<action> on <network>"; on failure
// an audit event "<action> failed" with why.
func (s *Service) Moderated(ctx context.Context, t ModerationTask, network string, failure string) (*rythme.InboxItem, error) {
	now := s.Now()
	return s.store.UpdateInboxItem(ctx, t.WorkspaceID, t.ItemID, func(x *rythme.InboxItem) error {
		x.UpdatedAt = now
		if failure != "" {
			x.Record(t.Actor, t.Action+" failed", failure, now)
			return nil
		}
		x.Record(t.Actor, t.Action, "done on "+network+reasonSuffix(t.Reason), now)
		switch t.Action {
		case connectors.ModerateHide, connectors.ModerateDelete:
			x.Status = rythme.InboxHidden
		case connectors.ModerateUnhide:
			if x.Status == rythme.InboxHidden {
				x.Status = rythme.InboxNew
				x.AssigneeID = ""
			}
		}
		return nil
	})
}

func reasonSuffix(r string) string {
	if r == "" {
		return ""
	}
	return ": " + r
}
