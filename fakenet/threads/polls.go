package threads

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// threadsPoll reads a container's poll_attachment
// (https://developers.facebook.com/documentation/threads/create-posts/polls):
// {"option_a", "option_b", optional "option_c", "option_d"}, each of 1 to
// 25 characters, on TEXT posts only. It returns the options in order, or
// Threads' refusal.
func threadsPoll(raw, mediaType string) ([]string, string) {
	if raw == "" {
		return nil, ""
	}
	if mediaType != "TEXT" {
		return nil, "(#100) Polls can only be attached to text-only posts."
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, "(#100) Param poll_attachment must be a JSON object."
	}
	var out []string
	for _, k := range []string{"option_a", "option_b", "option_c", "option_d"} {
		v, ok := m[k]
		if !ok {
			break
		}
		if n := utf8.RuneCountInString(v); n < 1 || n > 25 || strings.TrimSpace(v) == "" {
			return nil, "(#100) Each poll option must be between 1 and 25 characters long."
		}
		out = append(out, v)
	}
	if len(out) < 2 || len(out) != len(m) {
		return nil, "(#100) The poll_attachment must contain option_a, option_b and at most option_c and option_d."
	}
	return out, ""
}
