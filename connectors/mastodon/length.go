package mastodon

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"

	"github.com/rythmehq/rythme"
)

// MaxCharacters and URLCharacters are Mastodon's defaults, which an
// instance publishes as configuration.statuses.max_characters and
// characters_reserved_per_url
// (https://docs.joinmastodon.org/entities/Instance/#statuses).
const (
	MaxCharacters = 500
	URLCharacters = 23
)

var (
	urlRE = regexp.MustCompile(`(?i)https?://[^\s<>"]+`)
	// Account::MENTION_RE: @user, optionally @user@domain, not preceded by
	// a word character, '=' or '/'.
	mentionRE = regexp.MustCompile(`(?i)@([a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(?:@[\w.-]*\w)?`)
)

// Length returns the length Mastodon counts for a status text, as its
// StatusLengthValidator does
// (https://github.com/mastodon/mastodon/blob/main/app/validators/status_length_validator.rb):
// every http(s) URL counts as URLCharacters, a remote mention
// @user@domain counts as @user, and the rest is counted in grapheme
// clusters (an emoji with a skin tone is one character). URL detection
// approximates the twitter-text extractor Mastodon uses: a scheme, a host
// with a dot and a top-level label of letters (or localhost), and no
// trailing sentence punctuation.
func Length(text string) int { return lengthWith(text, URLCharacters) }

// lengthWith is Length with an instance's characters_reserved_per_url.
func lengthWith(text string, urlChars int) int {
	if strings.TrimSpace(text) == "" {
		return 0
	}
	type span struct {
		start, end int
		repl       string
	}
	var spans []span
	for _, loc := range urlRE.FindAllStringIndex(text, -1) {
		start, end := loc[0], trimURL(text, loc[0], loc[1])
		if start > 0 {
			if r, _ := utf8.DecodeLastRuneInString(text[:start]); unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("@$#", r) {
				continue
			}
		}
		if !validHost(text[start:end]) {
			continue
		}
		spans = append(spans, span{start, end, strings.Repeat("x", urlChars)})
	}
	for _, m := range mentionRE.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[0], m[1]
		if start > 0 {
			if r, _ := utf8.DecodeLastRuneInString(text[:start]); r == '=' || r == '/' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) {
				continue
			}
		}
		overlaps := false
		for _, s := range spans {
			overlaps = overlaps || (start < s.end && end > s.start)
		}
		if !overlaps {
			spans = append(spans, span{start, end, "@" + text[m[2]:m[3]]})
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	var b strings.Builder
	last := 0
	for _, s := range spans {
		b.WriteString(text[last:s.start])
		b.WriteString(s.repl)
		last = s.end
	}
	b.WriteString(text[last:])
	return uniseg.GraphemeClusterCount(b.String())
}

func trimURL(text string, start, end int) int {
	for end > start {
		r, size := utf8.DecodeLastRuneInString(text[start:end])
		switch {
		case strings.ContainsRune(".,:;!?'\"", r):
		case r == ')' && strings.Count(text[start:end], "(") < strings.Count(text[start:end], ")"):
		case r == ']' && strings.Count(text[start:end], "[") < strings.Count(text[start:end], "]"):
		default:
			return end
		}
		end -= size
	}
	return end
}

func validHost(u string) bool {
	_, host, _ := strings.Cut(u, "://")
	if i := strings.IndexAny(host, "/?#"); i >= 0 {
		host = host[:i]
	}
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:]
	}
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	i := strings.LastIndexByte(host, '.')
	if i <= 0 || i == len(host)-1 {
		return false
	}
	for _, r := range host[i+1:] {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// Validate checks text against Mastodon's default limit, counted as
// Mastodon counts (see Length).
func (c *Connector) Validate(text string) []string {
	return validate(text, "Mastodon", MaxCharacters, URLCharacters)
}

// ValidateFor checks text against the limits acct's instance announced
// (see Limits), counted as Mastodon counts.
func (c *Connector) ValidateFor(acct *rythme.Account, text string) []string {
	n := c.Limits(acct)
	who := "Mastodon"
	if n.MaxLength != MaxCharacters || n.URLLength != URLCharacters {
		who = "the account's server"
	}
	return validate(text, who, n.MaxLength, n.URLLength)
}

func validate(text, who string, max, urlChars int) []string {
	if strings.TrimSpace(text) == "" {
		return []string{"is empty; Mastodon needs some text"}
	}
	if n := lengthWith(text, urlChars); n > max {
		return []string{fmt.Sprintf("is %d characters long; %s allows %d (a URL counts as %d)", n, who, max, urlChars)}
	}
	return nil
}
