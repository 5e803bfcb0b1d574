// Package listening is rythme's application layer for the community inbox:
// the comments, replies and mentions read from the networks on the
// workspace's published posts, and the team's triage of them — listing and
// filtering, assigning to a member, marking done or hidden, notes, and the
// audit trail every change writes.
//
// The api's handlers decode a request, call one method here and encode the
// answer; the worker's inbox poller stores what it reads through Receive.
// listening never speaks HTTP, never calls a network itself, and never logs
// an item's text or a note.
package listening

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/posting"
)

// Store is every store method listening uses. rythme.Store satisfies it.
type Store interface {
	SaveInboxItems(ctx context.Context, items []*rythme.InboxItem) ([]*rythme.InboxItem, error)
	GetInboxItem(ctx context.Context, workspaceID, id string) (*rythme.InboxItem, error)
	ListInboxItems(ctx context.Context, workspaceID string, f rythme.InboxFilter) ([]*rythme.InboxItem, string, error)
	UpdateInboxItem(ctx context.Context, workspaceID, id string, fn func(*rythme.InboxItem) error) (*rythme.InboxItem, error)
	AddInboxNote(ctx context.Context, workspaceID string, n *rythme.InboxNote) error
	// CountInboxAuthors is the community leaderboard's raw counts.
	CountInboxAuthors(ctx context.Context, workspaceID string, f rythme.InboxAuthorFilter) ([]rythme.InboxAuthorCount, error)
	// ListWorkspaceMembers says who an item can be assigned to.
	ListWorkspaceMembers(ctx context.Context, workspaceID string) ([]rythme.WorkspaceMember, error)
	rythme.InboxRuleStore
}

// Poster makes posts: posting.Service, through which a reply from the
// inbox is a post like any other (validated, reviewed where the workspace
// asks, queued, published by the worker with every guarantee of a post).
type Poster interface {
	Create(ctx context.Context, a rythme.Actor, ws string, in posting.NewPost) (*posting.Created, error)
}

// AccountReader reads a workspace's account (ENOTFOUND otherwise).
type AccountReader interface {
	GetAccount(ctx context.Context, workspaceID, id string) (*rythme.Account, error)
}

// Config is what the Service needs. Store is required; Posting,
// Connectors and Accounts only for Reply (without them it answers
// EUNAVAILABLE).
type Config struct {
	Store      Store
	Posting    Poster
	Connectors *connectors.Registry
	Accounts   AccountReader
	// Moderation runs hide, unhide and delete on the network (the worker:
	// every network call goes through its account-call policy); nil:
	// Moderate answers EUNAVAILABLE.
	Moderation ModerationQueue
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Service holds the inbox use cases' dependencies. It is safe for
// concurrent use.
type Service struct {
	store    Store
	posting  Poster
	conns    *connectors.Registry
	accounts AccountReader
	modq     ModerationQueue
	clock    func() time.Time
}

// New returns a Service for cfg.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("listening: Store is required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{store: cfg.Store, posting: cfg.Posting, conns: cfg.Connectors, accounts: cfg.Accounts, modq: cfg.Moderation, clock: cfg.Now}, nil
}

// Now returns the clock's time at the store's precision.
func (s *Service) Now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// Rythme is the actor of what rythme does on its own (reading an item).
var Rythme = rythme.Actor{ID: "rythme", Name: "rythme"}

// List returns a page of the workspace's inbox and the next page's cursor.
// EINVALID for a filter value that is too long or holds control
// characters, an unknown status or a cursor this list did not return.
func (s *Service) List(ctx context.Context, workspaceID string, f rythme.InboxFilter) ([]*rythme.InboxItem, string, error) {
	var fe []rythme.FieldError
	for _, v := range []struct{ field, value string }{{"account_id", f.AccountID}, {"network", f.Network},
		{"post_id", f.PostID}, {"author", f.Author}, {"cursor", f.Cursor}} {
		if utf8.RuneCountInString(v.value) > rythme.MaxInboxFilter || rythme.HasControlChar(v.value) || !utf8.ValidString(v.value) {
			fe = append(fe, rythme.FieldError{Field: v.field, Message: fmt.Sprintf("must be at most %d characters, without control characters", rythme.MaxInboxFilter)})
		}
	}
	if f.Status != "" && !f.Status.Valid() {
		fe = append(fe, rythme.FieldError{Field: "status", Message: "must be one of new, assigned, done, hidden"})
	}
	if f.Limit < 0 || f.Limit > rythme.MaxInboxLimit {
		fe = append(fe, rythme.FieldError{Field: "limit", Message: fmt.Sprintf("must be 1 to %d", rythme.MaxInboxLimit)})
	}
	if len(fe) > 0 {
		return nil, "", rythme.Invalid(fe...)
	}
	f.Author = strings.TrimPrefix(strings.TrimSpace(f.Author), "@")
	items, next, err := s.store.ListInboxItems(ctx, workspaceID, f)
	if err != nil {
		return nil, "", fmt.Errorf("listening: list: %w", err)
	}
	return items, next, nil
}

// Get returns the workspace's item with its notes and audit trail
// (ENOTFOUND otherwise).
func (s *Service) Get(ctx context.Context, workspaceID, id string) (*rythme.InboxItem, error) {
	it, err := s.store.GetInboxItem(ctx, workspaceID, id)
	if err != nil {
		return nil, fmt.Errorf("listening: get: %w", err)
	}
	return it, nil
}

// Change is a triage change; a nil field is left as it is. AssigneeID ""
// unassigns.
type Change struct {
	Status     *rythme.InboxStatus
	AssigneeID *string
}

// Update applies a triage change, recording each part of it in the audit
// trail as by actor. The rules:
//
//   - an assignee must be a member of the workspace (EINVALID otherwise);
//   - assigning someone to a new item makes it assigned, unassigning an
//     assigned item makes it new again (unless a status is given);
//   - status assigned needs an assignee (given or already there), status new
//     drops the assignee (EINVALID otherwise);
//   - a change that changes nothing records nothing.
func (s *Service) Update(ctx context.Context, workspaceID, id string, actor rythme.Actor, ch Change) (*rythme.InboxItem, error) {
	if ch.Status == nil && ch.AssigneeID == nil {
		return nil, rythme.Invalid(rythme.FieldError{Field: "status", Message: "give status, assignee_id or both"})
	}
	if ch.Status != nil && !ch.Status.Valid() {
		return nil, rythme.Invalid(rythme.FieldError{Field: "status", Message: "must be one of new, assigned, done, hidden"})
	}
	assigneeName := ""
	if ch.AssigneeID != nil && *ch.AssigneeID != "" {
		name, err := s.memberName(ctx, workspaceID, *ch.AssigneeID)
		if err != nil {
			return nil, err
		}
		assigneeName = name
	}
	now := s.Now()
	it, err := s.store.UpdateInboxItem(ctx, workspaceID, id, func(it *rythme.InboxItem) error {
		return applyChange(it, ch, actor, assigneeName, now)
	})
	if err != nil {
		return nil, fmt.Errorf("listening: update: %w", err)
	}
	return it, nil
}

// applyChange is Update's rules on one item, under the store's lock.
func applyChange(it *rythme.InboxItem, ch Change, actor rythme.Actor, assigneeName string, now time.Time) error {
	status, assignee := it.Status, it.AssigneeID
	if ch.AssigneeID != nil {
		assignee = *ch.AssigneeID
	}
	if ch.Status != nil {
		status = *ch.Status
	} else if ch.AssigneeID != nil {
		switch {
		case assignee != "" && status == rythme.InboxNew:
			status = rythme.InboxAssigned
		case assignee == "" && status == rythme.InboxAssigned:
			status = rythme.InboxNew
		}
	}
	if status == rythme.InboxAssigned && assignee == "" {
		return rythme.Invalid(rythme.FieldError{Field: "assignee_id", Message: "status assigned needs a member to assign it to"})
	}
	if status == rythme.InboxNew && ch.Status != nil {
		if ch.AssigneeID != nil && *ch.AssigneeID != "" {
			return rythme.Invalid(rythme.FieldError{Field: "status", Message: "a new item has no assignee: use status assigned"})
		}
		assignee = ""
	}
	if assignee != it.AssigneeID {
		if assignee == "" {
			it.Record(actor, rythme.InboxActionUnassign, "", now)
		} else {
			it.Record(actor, rythme.InboxActionAssign, "assigned to "+orID(assigneeName, assignee), now)
		}
		it.AssigneeID = assignee
	}
	if status != it.Status {
		it.Record(actor, rythme.InboxActionStatus, string(it.Status)+" → "+string(status), now)
		it.Status = status
	}
	it.UpdatedAt = now
	return nil
}

func orID(name, id string) string {
	if name == "" {
		return id
	}
	return name
}

func (s *Service) memberName(ctx context.Context, workspaceID, memberID string) (string, error) {
	members, err := s.store.ListWorkspaceMembers(ctx, workspaceID)
	if err != nil {
		return "", fmt.Errorf("listening: members: %w", err)
	}
	for _, m := range members {
		if m.ID == memberID {
			return m.Name, nil
		}
	}
	return "", rythme.Invalid(rythme.FieldError{Field: "assignee_id", Message: "is not a member of this workspace"})
}

// AddNote adds a note, visible to the whole team, to the workspace's item
// and returns the item as it now is. EINVALID for an empty note, one over
// rythme.MaxInboxNote characters or holding control characters; ENOTFOUND
// for an item of another workspace.
func (s *Service) AddNote(ctx context.Context, workspaceID, id string, actor rythme.Actor, text string) (*rythme.InboxItem, error) {
	text = strings.TrimSpace(text)
	if n := utf8.RuneCountInString(text); n == 0 || n > rythme.MaxInboxNote || !utf8.ValidString(text) {
		return nil, rythme.Invalid(rythme.FieldError{Field: "text", Message: fmt.Sprintf("must be 1 to %d characters", rythme.MaxInboxNote)})
	}
	if rythme.HasControlChar(text) {
		return nil, rythme.Invalid(rythme.FieldError{Field: "text", Message: rythme.ControlCharMessage})
	}
	n := &rythme.InboxNote{ItemID: id, AuthorID: actor.ID, Author: actor.Name, Text: text, CreatedAt: s.Now()}
	if err := s.store.AddInboxNote(ctx, workspaceID, n); err != nil {
		return nil, fmt.Errorf("listening: add note: %w", err)
	}
	return s.Get(ctx, workspaceID, id)
}

// Receive stores the items read from a network (those already stored are
// left as they are), each with a "received" audit event, applies the
// workspace's moderation rules to them (ApplyRules), and returns the new
// ones.
func (s *Service) Receive(ctx context.Context, items []*rythme.InboxItem) ([]*rythme.InboxItem, error) {
	now := s.Now()
	rules := map[string][]*rythme.InboxRule{}
	for _, it := range items {
		it.ReceivedAt, it.UpdatedAt = now, now
		it.Normalize()
		it.Record(Rythme, rythme.InboxActionReceived, "read from "+it.Network, now)
		rs, ok := rules[it.WorkspaceID]
		if !ok {
			var err error
			if rs, err = s.store.ListInboxRules(ctx, it.WorkspaceID); err != nil {
				return nil, fmt.Errorf("listening: receive: rules: %w", err)
			}
			rules[it.WorkspaceID] = rs
		}
		ApplyRules(it, rs, now)
	}
	created, err := s.store.SaveInboxItems(ctx, items)
	if err != nil {
		return nil, fmt.Errorf("listening: receive: %w", err)
	}
	return created, nil
}
