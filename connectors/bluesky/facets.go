package bluesky

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/rivo/uniseg"

	"github.com/rythmehq/rythme/connectors"
)

// Rich text as https://docs.bsky.app/docs/advanced-guides/post-richtext
// describes it: a facet points at a byte range of the UTF-8 text
// (byteStart inclusive, byteEnd exclusive) and says what it is
// (app.bsky.richtext.facet#link, #mention with the account's DID, #tag).

// Facet is one app.bsky.richtext.facet.
type Facet struct {
	Index    ByteSlice        `json:"index"`
	Features []map[string]any `json:"features"`
}

// ByteSlice is a facet's range in bytes of the UTF-8 text.
type ByteSlice struct {
	ByteStart int `json:"byteStart"`
	ByteEnd   int `json:"byteEnd"`
}

// Span is a link, mention or hashtag found in a text, before mentions are
// resolved to DIDs.
type Span struct {
	Start, End int    // byte offsets
	Kind       string // "link", "mention" or "tag"
	Value      string // the URL, the handle (no @) or the tag (no #)
}

var (
	// The patterns of the official client (RichText.detectFacets), in RE2.
	mentionRE = regexp.MustCompile(`(?:^|[\s(])(@([a-zA-Z0-9.-]+))`)
	urlRE     = regexp.MustCompile(`(?:^|[\s(])(https?://[^\s]+)`)
	tagRE     = regexp.MustCompile(`(?:^|\s)([#＃]([^\s#＃]+))`)
	// https://atproto.com/specs/handle#handle-identifier-syntax
	handleRE = regexp.MustCompile(`^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$`)
)

// DetectSpans finds links (http and https URLs, trailing punctuation left
// out), @handles and #hashtags in text, in byte order.
func DetectSpans(text string) []Span {
	var out []Span
	for _, m := range urlRE.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[2], m[3]
		u := trimURL(text[start:end])
		if pu, err := url.Parse(u); err != nil || pu.Host == "" {
			continue
		}
		out = append(out, Span{Start: start, End: start + len(u), Kind: "link", Value: u})
	}
	for _, m := range mentionRE.FindAllStringSubmatchIndex(text, -1) {
		handle := strings.TrimRight(text[m[4]:m[5]], ".-")
		if len(handle) > 253 || !handleRE.MatchString(handle) {
			continue
		}
		out = append(out, Span{Start: m[2], End: m[4] + len(handle), Kind: "mention", Value: strings.ToLower(handle)})
	}
	for _, m := range tagRE.FindAllStringSubmatchIndex(text, -1) {
		tag := strings.TrimRightFunc(text[m[4]:m[5]], unicode.IsPunct)
		if tag == "" || strings.IndexFunc(tag, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 ||
			uniseg.GraphemeClusterCount(tag) > 64 {
			continue
		}
		out = append(out, Span{Start: m[2], End: m[4] + len(tag), Kind: "tag", Value: tag})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	// Drop anything inside an earlier span (a #fragment in a URL).
	kept := out[:0]
	end := -1
	for _, s := range out {
		if s.Start >= end {
			kept = append(kept, s)
			end = s.End
		}
	}
	return kept
}

// trimURL drops punctuation that ends a sentence rather than the URL, and
// a closing parenthesis without its opening one.
func trimURL(u string) string {
	for {
		n := len(u)
		u = strings.TrimRight(u, ".,;:!?\"'")
		if strings.HasSuffix(u, ")") && strings.Count(u, "(") < strings.Count(u, ")") {
			u = u[:len(u)-1]
		}
		if len(u) == n {
			return u
		}
	}
}

// facets turns the spans of text into facets, resolving each @handle to
// its DID (com.atproto.identity.resolveHandle); a handle that does not
// resolve stays plain text, as in the official client.
func (c *Connector) facets(ctx context.Context, client *http.Client, service, text string) ([]Facet, error) {
	var out []Facet
	dids := map[string]string{}
	for _, s := range DetectSpans(text) {
		var feature map[string]any
		switch s.Kind {
		case "link":
			feature = map[string]any{"$type": "app.bsky.richtext.facet#link", "uri": s.Value}
		case "tag":
			feature = map[string]any{"$type": "app.bsky.richtext.facet#tag", "tag": s.Value}
		case "mention":
			did, seen := dids[s.Value]
			if !seen {
				var out struct {
					DID string `json:"did"`
				}
				err := c.call(ctx, client, http.MethodGet, service, "com.atproto.identity.resolveHandle",
					url.Values{"handle": {s.Value}}, nil, "", &out)
				if e, ok := connectors.AsError(err); ok && e.Kind != connectors.Permanent {
					return nil, fmt.Errorf("bluesky: resolve @%s: %w", s.Value, err)
				}
				did, dids[s.Value] = out.DID, out.DID
			}
			if did == "" {
				continue
			}
			feature = map[string]any{"$type": "app.bsky.richtext.facet#mention", "did": did}
		}
		out = append(out, Facet{Index: ByteSlice{ByteStart: s.Start, ByteEnd: s.End}, Features: []map[string]any{feature}})
	}
	return out, nil
}
