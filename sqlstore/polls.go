package sqlstore

import (
	"encoding/json"
	"fmt"

	"github.com/rythmehq/rythme"
)

// pollText is the stored form of a post's poll: JSON, or "" for none
// (migration 00024).
func pollText(p *rythme.Poll) (string, error) {
	if p == nil {
		return "", nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("poll: %w", err)
	}
	return string(b), nil
}

// parsePoll reads pollText's form back (nil for "").
func parsePoll(s string) (*rythme.Poll, error) {
	if s == "" {
		return nil, nil
	}
	p := &rythme.Poll{}
	if err := json.Unmarshal([]byte(s), p); err != nil {
		return nil, fmt.Errorf("poll: %w", err)
	}
	return p, nil
}

// pollResultsText is the stored form of a reading's poll results: JSON,
// or "" for none.
func pollResultsText(r *rythme.PollResults) string {
	if r == nil {
		return ""
	}
	b, err := json.Marshal(r)
	if err != nil {
		return "" // a struct of strings and numbers always marshals
	}
	return string(b)
}

// parsePollResults reads pollResultsText's form back (nil for "").
func parsePollResults(s string) (*rythme.PollResults, error) {
	if s == "" {
		return nil, nil
	}
	r := &rythme.PollResults{}
	if err := json.Unmarshal([]byte(s), r); err != nil {
		return nil, fmt.Errorf("poll results: %w", err)
	}
	return r, nil
}
