package connectors

import (
	"html"
	"regexp"
	"strings"
)

var (
	breakTags = regexp.MustCompile(`(?i)<br\s*/?>|</p>\s*<p[^>]*>`)
	anyTag    = regexp.MustCompile(`<[^>]*>`)
)

// PlainText turns a post's HTML as a network gives it (Mastodon's
// content: paragraphs, links, mentions) into plain text: line breaks for
// <br> and between paragraphs, no tags, entities decoded.
func PlainText(s string) string {
	s = breakTags.ReplaceAllString(s, "\n")
	s = anyTag.ReplaceAllString(s, "")
	return strings.TrimSpace(html.UnescapeString(s))
}
