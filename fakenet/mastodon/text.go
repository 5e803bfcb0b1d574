package mastodon

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// Mastodon's status length rules, as StatusLengthValidator applies them
// (https://github.com/mastodon/mastodon/blob/main/app/validators/status_length_validator.rb):
// every http(s) URL counts as 23 characters, a remote mention
// @user@domain counts as @user, and the rest is counted in grapheme
// clusters. URL detection here is a close approximation of the
// twitter-text extractor Mastodon uses.
const (
	mastodonMaxChars = 500
	mastodonURLChars = 23
)

var (
	mastURLRE     = regexp.MustCompile(`(?i)https?://[^\s<>"]+`)
	mastMentionRE = regexp.MustCompile(`(?i)@([a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(?:@[\w.-]*\w)?`)
)

// mastodonLength is the length Mastodon counts for a status text.
func mastodonLength(text string) int {
	if strings.TrimSpace(text) == "" {
		return 0
	}
	type span struct {
		start, end int
		repl       string
	}
	var spans []span
	for _, loc := range mastURLRE.FindAllStringIndex(text, -1) {
		start, end := loc[0], trimURL(text, loc[0], loc[1])
		if start > 0 {
			if r, _ := utf8.DecodeLastRuneInString(text[:start]); unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("@$#", r) {
				continue
			}
		}
		if !validURLHost(text[start:end]) {
			continue
		}
		spans = append(spans, span{start, end, strings.Repeat("x", mastodonURLChars)})
	}
	for _, m := range mastMentionRE.FindAllStringSubmatchIndex(text, -1) {
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

// trimURL drops the punctuation a sentence puts after a URL, and a closing
// bracket that the URL did not open.
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

// validURLHost reports whether the URL has a host with a dot and a
// top-level label of letters, or is localhost.
func validURLHost(u string) bool {
	_, rest, _ := strings.Cut(u, "://")
	host := rest
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
