package rythme_test

import (
	"testing"

	"github.com/rythmehq/rythme"
)

func TestInboxRuleMatch(t *testing.T) {
	t.Parallel()
	cases := []struct {
		rule  rythme.InboxRule
		text  string
		match bool
	}{
		{rythme.InboxRule{Kind: rythme.RuleWords, Terms: []string{"scam", "idiot"}}, "This is a SCAM!", true},
		{rythme.InboxRule{Kind: rythme.RuleWords, Terms: []string{"scam"}}, "scampi for dinner", false},
		{rythme.InboxRule{Kind: rythme.RulePhrase, Terms: []string{"free money"}}, "Get FREE money now", true},
		{rythme.InboxRule{Kind: rythme.RulePhrase, Terms: []string{"free money"}}, "money for free", false},
		{rythme.InboxRule{Kind: rythme.RuleRegex, Terms: []string{`\b\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}\b`}}, "card 4111 1111 1111 1111", true},
		{rythme.InboxRule{Kind: rythme.RuleRegex, Terms: []string{`^buy`}}, "Buy followers", true},
		{rythme.InboxRule{Kind: rythme.RuleRegex, Terms: []string{`^buy`}}, "don't buy", false},
		{rythme.InboxRule{Kind: rythme.RuleLinks}, "see www.example.com", true},
		{rythme.InboxRule{Kind: rythme.RuleLinks}, "no link here.", false},
		{rythme.InboxRule{Kind: rythme.RuleLinks, Terms: []string{"spam.example"}}, "https://shop.spam.example/deal", true},
		{rythme.InboxRule{Kind: rythme.RuleLinks, Terms: []string{"spam.example"}}, "https://example.com/spam.example", false},
	}
	for i, c := range cases {
		r := c.rule
		r.Name, r.Action = "r", rythme.RuleFlag
		if err := r.Validate(); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if got, what := r.Match(c.text); got != c.match || (got && what == "") {
			t.Errorf("case %d: %q matched %v (%q), want %v", i, c.text, got, what, c.match)
		}
	}
}

func TestInboxRuleValidate(t *testing.T) {
	t.Parallel()
	bad := (&rythme.InboxRule{Name: "r", Kind: rythme.RuleRegex, Terms: []string{"(unclosed"}, Action: rythme.RuleHide}).Validate()
	if rythme.ErrorCode(bad) != rythme.EBADREQUEST {
		t.Fatalf("a bad regex: %v, want %s", bad, rythme.EBADREQUEST)
	}
	for i, r := range []rythme.InboxRule{
		{Name: "", Kind: rythme.RuleWords, Terms: []string{"a"}, Action: rythme.RuleFlag},
		{Name: "r", Kind: "vibes", Terms: []string{"a"}, Action: rythme.RuleFlag},
		{Name: "r", Kind: rythme.RuleWords, Action: rythme.RuleFlag},
		{Name: "r", Kind: rythme.RulePhrase, Terms: []string{"a", "b"}, Action: rythme.RuleFlag},
		{Name: "r", Kind: rythme.RuleWords, Terms: []string{"a"}, Action: "delete"},
		{Name: "r", Kind: rythme.RuleLinks, Terms: []string{"not a domain"}, Action: rythme.RuleFlag},
	} {
		if err := r.Validate(); rythme.ErrorCode(err) != rythme.EINVALID {
			t.Errorf("case %d: %v, want %s", i, err, rythme.EINVALID)
		}
	}
}
