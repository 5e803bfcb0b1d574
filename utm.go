package rythme

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// UTM is a set of UTM parameter templates: each may hold the placeholders
// {network} (the target's network, "mastodon"), {campaign} (the
// campaign's name) and {theme} (its theme). An empty template adds no
// parameter.
type UTM struct {
	Source   string `json:"source,omitempty"`
	Medium   string `json:"medium,omitempty"`
	Campaign string `json:"campaign,omitempty"`
	Term     string `json:"term,omitempty"`
	Content  string `json:"content,omitempty"`
}

// UTMSettings are a campaign's UTM parameters: Default for every network,
// and per network (by name) the templates that replace the default's.
type UTMSettings struct {
	Default  UTM            `json:"default"`
	Networks map[string]UTM `json:"networks,omitempty"`
}

// MaxUTMTemplate bounds one template's length.
const MaxUTMTemplate = 200

var utmPlaceholder = regexp.MustCompile(`\{[^{}]*\}`)

// Empty reports whether s adds no parameter on any network.
func (s *UTMSettings) Empty() bool {
	if s == nil {
		return true
	}
	if s.Default != (UTM{}) {
		return false
	}
	for _, u := range s.Networks {
		if u != (UTM{}) {
			return false
		}
	}
	return true
}

// For returns the templates of network: its own where set, the default's
// otherwise, field by field.
func (s *UTMSettings) For(network string) UTM {
	if s == nil {
		return UTM{}
	}
	u := s.Default
	n, ok := s.Networks[network]
	if !ok {
		return u
	}
	for _, f := range []struct{ dst, src *string }{{&u.Source, &n.Source}, {&u.Medium, &n.Medium},
		{&u.Campaign, &n.Campaign}, {&u.Term, &n.Term}, {&u.Content, &n.Content}} {
		if *f.src != "" {
			*f.dst = *f.src
		}
	}
	return u
}

// Validate checks each template (length, placeholders, no control
// character) and that each network is one of known. Errors: EINVALID
// naming the field (utm.networks.bluesky.source).
func (s *UTMSettings) Validate(known func(network string) bool) error {
	var fe []FieldError
	check := func(prefix string, u UTM) {
		for _, f := range []struct{ name, v string }{{"source", u.Source}, {"medium", u.Medium},
			{"campaign", u.Campaign}, {"term", u.Term}, {"content", u.Content}} {
			field := prefix + "." + f.name
			switch {
			case utf8.RuneCountInString(f.v) > MaxUTMTemplate:
				fe = append(fe, FieldError{Field: field, Message: fmt.Sprintf("must be at most %d characters", MaxUTMTemplate)})
			case HasControlChar(f.v) || strings.ContainsAny(f.v, "\r\n\t"):
				fe = append(fe, FieldError{Field: field, Message: ControlCharMessage})
			default:
				for _, ph := range utmPlaceholder.FindAllString(f.v, -1) {
					if ph != "{network}" && ph != "{campaign}" && ph != "{theme}" {
						fe = append(fe, FieldError{Field: field, Message: "knows only {network}, {campaign} and {theme}, not " + ph})
						break
					}
				}
			}
		}
	}
	check("utm.default", s.Default)
	names := make([]string, 0, len(s.Networks))
	for n := range s.Networks {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !known(n) {
			fe = append(fe, FieldError{Field: "utm.networks." + n, Message: "is not a network this server knows"})
			continue
		}
		check("utm.networks."+n, s.Networks[n])
	}
	if len(fe) > 0 {
		return Invalid(fe...)
	}
	return nil
}

// linkPattern finds http(s) links in a post's text.
var linkPattern = regexp.MustCompile(`https?://[^\s<>"'\x60]+`)

// AddUTM returns text with u's parameters added to each http(s) link,
// the placeholders replaced from vars ("network", "campaign", "theme").
// A link that already has any utm_ parameter is kept as it is, and so is
// one that does not parse; a fragment stays at the end; punctuation that
// ends a sentence after a link is not taken as part of it.
func AddUTM(text string, u UTM, vars map[string]string) string {
	if u == (UTM{}) {
		return text
	}
	fill := func(t string) string {
		return utmPlaceholder.ReplaceAllStringFunc(t, func(ph string) string { return vars[strings.Trim(ph, "{}")] })
	}
	params := []struct{ k, v string }{{"utm_source", fill(u.Source)}, {"utm_medium", fill(u.Medium)},
		{"utm_campaign", fill(u.Campaign)}, {"utm_term", fill(u.Term)}, {"utm_content", fill(u.Content)}}
	return linkPattern.ReplaceAllStringFunc(text, func(link string) string {
		trimmed := strings.TrimRight(link, ".,;:!?")
		// A closing bracket belongs to the link only when it opened one.
		for strings.HasSuffix(trimmed, ")") && strings.Count(trimmed, "(") < strings.Count(trimmed, ")") {
			trimmed = strings.TrimSuffix(trimmed, ")")
		}
		tail := link[len(trimmed):]
		base, frag, hasFrag := strings.Cut(trimmed, "#")
		p, err := url.Parse(base)
		if err != nil || p.Host == "" {
			return link
		}
		for k := range p.Query() {
			if strings.HasPrefix(strings.ToLower(k), "utm_") {
				return link
			}
		}
		var add []string
		for _, kv := range params {
			if kv.v != "" {
				add = append(add, kv.k+"="+url.QueryEscape(kv.v))
			}
		}
		if len(add) == 0 {
			return link
		}
		sep := "?"
		if strings.Contains(base, "?") {
			sep = "&"
			if strings.HasSuffix(base, "?") || strings.HasSuffix(base, "&") {
				sep = ""
			}
		}
		out := base + sep + strings.Join(add, "&")
		if hasFrag {
			out += "#" + frag
		}
		return out + tail
	})
}
