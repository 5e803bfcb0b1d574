package listening

import (
	"context"
	"fmt"
	"time"

	"github.com/rythmehq/rythme"
)

// ApplyRules applies the workspace's rules to a new item: each rule that
// matches its text flags it (and, for a hide rule, hides it), with an
// audit event naming the rule and what matched. It reports whether any
// rule matched.
func ApplyRules(it *rythme.InboxItem, rules []*rythme.InboxRule, now time.Time) bool {
	matched := false
	for _, r := range rules {
		ok, what := r.Match(it.Text)
		if !ok {
			continue
		}
		matched = true
		by := rythme.Actor{ID: r.ID, Name: "rule " + r.Name}
		if !it.Flagged {
			it.Flagged = true
			it.Record(by, rythme.InboxActionFlag, "matched "+what, now)
		}
		if r.Action == rythme.RuleHide && it.Status != rythme.InboxHidden {
			it.Record(by, rythme.InboxActionHide, "matched "+what+"; hidden in rythme's inbox", now)
			it.Status = rythme.InboxHidden
		}
	}
	return matched
}

// CreateRule validates and stores a moderation rule of the workspace.
// Errors: EBADREQUEST for a regular expression that does not compile,
// EINVALID for any other field, or when the workspace has
// rythme.MaxRulesPerWS rules already.
func (s *Service) CreateRule(ctx context.Context, workspaceID string, actor rythme.Actor, r *rythme.InboxRule) (*rythme.InboxRule, error) {
	r.ID, r.WorkspaceID, r.CreatedBy, r.CreatedAt = rythme.NewID(rythme.PrefixInboxRule), workspaceID, actor.ID, s.Now()
	if r.Terms == nil {
		r.Terms = []string{}
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	have, err := s.store.ListInboxRules(ctx, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("listening: rules: %w", err)
	}
	if len(have) >= rythme.MaxRulesPerWS {
		return nil, rythme.Errorf(rythme.EINVALID, "a workspace has at most %d rules: delete one first", rythme.MaxRulesPerWS)
	}
	if err := s.store.CreateInboxRule(ctx, r); err != nil {
		return nil, fmt.Errorf("listening: create rule: %w", err)
	}
	return r, nil
}

// Rules lists the workspace's moderation rules, oldest first.
func (s *Service) Rules(ctx context.Context, workspaceID string) ([]*rythme.InboxRule, error) {
	rs, err := s.store.ListInboxRules(ctx, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("listening: rules: %w", err)
	}
	return rs, nil
}

// DeleteRule removes a rule (ENOTFOUND if none in the workspace); what it
// did to items stays in their audit trails.
func (s *Service) DeleteRule(ctx context.Context, workspaceID, id string) error {
	if err := s.store.DeleteInboxRule(ctx, workspaceID, id); err != nil {
		return fmt.Errorf("listening: delete rule: %w", err)
	}
	return nil
}
