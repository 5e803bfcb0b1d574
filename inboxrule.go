package rythme

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// PrefixInboxRule starts moderation rule ids.
const PrefixInboxRule = "irl"

// InboxRuleKind is what a moderation rule looks for.
type InboxRuleKind string

// Rule kinds.
const (
	RuleWords  InboxRuleKind = "words"  // any of Terms as a whole word, case-insensitive
	RulePhrase InboxRuleKind = "phrase" // Terms[0] anywhere, case-insensitive
	RuleRegex  InboxRuleKind = "regex"  // Terms[0], a Go (RE2) regular expression
	RuleLinks  InboxRuleKind = "links"  // any link; with Terms, a link to one of those domains
)

// InboxRuleAction is what a matching rule does to a new item.
type InboxRuleAction string

// Rule actions: flag marks the item for the team (and emits
// comment.flagged); hide also hides it in the inbox.
const (
	RuleFlag InboxRuleAction = "flag"
	RuleHide InboxRuleAction = "hide"
)

// InboxRule is a workspace's moderation rule, applied to every new inbox
// item as it arrives; each action it takes is in the item's audit trail.
type InboxRule struct {
	ID          string          `json:"id"`
	WorkspaceID string          `json:"workspace_id"`
	Name        string          `json:"name"`
	Kind        InboxRuleKind   `json:"kind"`
	Terms       []string        `json:"terms"`
	Action      InboxRuleAction `json:"action"`
	CreatedBy   string          `json:"created_by"`
	CreatedAt   time.Time       `json:"created_at"`

	re *regexp.Regexp
}

// Bounds of a rule.
const (
	MaxRuleTerms   = 100
	MaxRuleTerm    = 500
	MaxRuleName    = 100
	MaxRulesPerWS  = 200
	maxRegexLength = 500
)

// Validate checks the rule and compiles its regular expression. A regular
// expression that does not compile is an EBADREQUEST naming the field
// (the API answers 400); every other problem is EINVALID.
func (r *InboxRule) Validate() error {
	var fe []FieldError
	r.Name = strings.TrimSpace(r.Name)
	if n := utf8.RuneCountInString(r.Name); n == 0 || n > MaxRuleName || HasControlChar(r.Name) {
		fe = append(fe, FieldError{Field: "name", Message: fmt.Sprintf("must be 1 to %d characters", MaxRuleName)})
	}
	if r.Action != RuleFlag && r.Action != RuleHide {
		fe = append(fe, FieldError{Field: "action", Message: "must be flag or hide"})
	}
	terms := make([]string, 0, len(r.Terms))
	for i, t := range r.Terms {
		t = strings.TrimSpace(t)
		if t == "" || utf8.RuneCountInString(t) > MaxRuleTerm || HasControlChar(t) {
			fe = append(fe, FieldError{Field: fmt.Sprintf("terms[%d]", i), Message: fmt.Sprintf("must be 1 to %d characters", MaxRuleTerm)})
			continue
		}
		terms = append(terms, t)
	}
	r.Terms = terms
	if len(r.Terms) > MaxRuleTerms {
		fe = append(fe, FieldError{Field: "terms", Message: fmt.Sprintf("at most %d terms", MaxRuleTerms)})
	}
	switch r.Kind {
	case RuleWords:
		if len(r.Terms) == 0 {
			fe = append(fe, FieldError{Field: "terms", Message: "give at least one word"})
		}
	case RulePhrase, RuleRegex:
		if len(r.Terms) != 1 {
			fe = append(fe, FieldError{Field: "terms", Message: "give exactly one " + string(r.Kind)})
		}
	case RuleLinks:
		for i, d := range r.Terms {
			if strings.ContainsAny(d, "/ ") || !strings.Contains(d, ".") {
				fe = append(fe, FieldError{Field: fmt.Sprintf("terms[%d]", i), Message: "must be a domain such as example.com"})
			}
		}
	default:
		fe = append(fe, FieldError{Field: "kind", Message: "must be one of words, phrase, regex, links"})
	}
	if len(fe) > 0 {
		return Invalid(fe...)
	}
	if r.Kind == RuleRegex {
		if len(r.Terms[0]) > maxRegexLength {
			return Invalid(FieldError{Field: "terms[0]", Message: fmt.Sprintf("a regular expression of at most %d bytes", maxRegexLength)})
		}
		re, err := regexp.Compile("(?i)" + r.Terms[0])
		if err != nil {
			return &Error{Code: EBADREQUEST, Message: "terms[0]: not a valid regular expression: " + err.Error(),
				Fields: []FieldError{{Field: "terms[0]", Message: "not a valid regular expression (RE2 syntax): " + err.Error()}}}
		}
		r.re = re
	}
	return nil
}

// linkRE finds links in a text: a scheme, or a www. host.
var linkRE = regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"]+`)

// Match reports whether text breaks the rule, and what matched (for the
// audit trail). A rule that does not validate matches nothing.
func (r *InboxRule) Match(text string) (bool, string) {
	lower := strings.ToLower(text)
	switch r.Kind {
	case RuleWords:
		words := strings.FieldsFunc(lower, func(c rune) bool { return !unicode.IsLetter(c) && !unicode.IsNumber(c) && c != '\'' && c != '-' })
		for _, w := range words {
			for _, t := range r.Terms {
				if w == strings.ToLower(t) {
					return true, "the word " + t
				}
			}
		}
	case RulePhrase:
		if len(r.Terms) == 1 && strings.Contains(lower, strings.ToLower(r.Terms[0])) {
			return true, "the phrase " + r.Terms[0]
		}
	case RuleRegex:
		if r.re == nil && r.Validate() != nil {
			return false, ""
		}
		if m := r.re.FindString(text); m != "" {
			return true, "the pattern " + r.Terms[0]
		}
	case RuleLinks:
		for _, l := range linkRE.FindAllString(text, -1) {
			if len(r.Terms) == 0 {
				return true, "a link"
			}
			raw := l
			if !strings.Contains(raw, "://") {
				raw = "http://" + raw
			}
			u, err := url.Parse(raw)
			if err != nil {
				continue
			}
			host := strings.ToLower(u.Hostname())
			for _, d := range r.Terms {
				d = strings.ToLower(d)
				if host == d || strings.HasSuffix(host, "."+d) {
					return true, "a link to " + d
				}
			}
		}
	}
	return false, ""
}

// InboxRuleStore keeps the workspaces' moderation rules.
type InboxRuleStore interface {
	// CreateInboxRule stores a rule (ID filled when empty); ListInboxRules
	// lists the workspace's, oldest first; DeleteInboxRule removes one
	// (ENOTFOUND if none in the workspace).
	CreateInboxRule(ctx context.Context, r *InboxRule) error
	ListInboxRules(ctx context.Context, workspaceID string) ([]*InboxRule, error)
	DeleteInboxRule(ctx context.Context, workspaceID, id string) error
}
