package reports

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rythmehq/rythme"
)

// Cohort is a filter over posts; every criterion set must hold. A zero
// Cohort matches every post.
type Cohort struct {
	// From and To bound the publication time: From <= PublishedAt < To.
	// A zero bound is open.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// Campaign, Tag, Network and Author match exactly (case-sensitive);
	// "" matches any. Tag matches a post carrying that tag among others.
	Campaign string `json:"campaign,omitempty"`
	Tag      string `json:"tag,omitempty"`
	Network  string `json:"network,omitempty"`
	Author   string `json:"author,omitempty"`
}

// Filter returns the snapshots of the cohort's posts, in place (snapshots
// is reused).
func (c Cohort) Filter(snapshots []Snapshot) []Snapshot {
	if c == (Cohort{}) {
		return snapshots
	}
	return slices.DeleteFunc(snapshots, func(s Snapshot) bool { return !c.Match(&s) })
}

// HasPeriod reports whether the cohort bounds the publication time.
func (c Cohort) HasPeriod() bool { return !c.From.IsZero() || !c.To.IsZero() }

// Match reports whether the snapshot's post belongs to the cohort.
func (c Cohort) Match(s *Snapshot) bool {
	switch {
	case !c.From.IsZero() && s.PublishedAt.Before(c.From),
		!c.To.IsZero() && !s.PublishedAt.Before(c.To),
		c.Campaign != "" && s.CampaignID != c.Campaign,
		c.Network != "" && s.Network != c.Network,
		c.Author != "" && s.Author != c.Author,
		c.Tag != "" && !slices.Contains(s.Tags, c.Tag):
		return false
	}
	return true
}

// String returns the cohort as a spec [ParseCohort] reads back (in the
// zone of From), criteria in a fixed order; "all" for the zero Cohort. A
// period whose bounds are not midnights prints as RFC 3339 times, which
// ParseCohort does not read.
func (c Cohort) String() string {
	var parts []string
	if c.HasPeriod() {
		parts = append(parts, "period:"+periodString(c.From, c.To))
	}
	for _, kv := range [...][2]string{{"campaign", c.Campaign}, {"tag", c.Tag}, {"network", c.Network}, {"author", c.Author}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+":"+kv[1])
		}
	}
	if len(parts) == 0 {
		return "all"
	}
	return strings.Join(parts, "+")
}

func periodString(from, to time.Time) string {
	midnight := func(t time.Time) bool {
		h, m, s := t.Clock()
		return h == 0 && m == 0 && s == 0 && t.Nanosecond() == 0
	}
	if !from.IsZero() && !to.IsZero() && midnight(from) && midnight(to.In(from.Location())) {
		last := to.In(from.Location()).AddDate(0, 0, -1)
		if last.Equal(from) {
			return from.Format(dateLayout)
		}
		return from.Format(dateLayout) + ".." + last.Format(dateLayout)
	}
	s := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(time.RFC3339)
	}
	return s(from) + ".." + s(to)
}

const dateLayout = "2006-01-02"

// cohortKeys are the criteria a spec may name.
var cohortKeys = []string{"period", "campaign", "tag", "network", "author"}

// ParseCohort reads a cohort spec: criteria key:value joined with "+",
// every one of which must hold:
//
//	period:2026-10-01..2026-10-31  published from Oct 1 00:00 to Nov 1 00:00 (end day included)
//	period:2026-10-01              that one day
//	campaign:42                    campaign id 42
//	tag:launch                     posts tagged "launch"
//	network:x                      posts on X
//	author:Ada                     posts by Ada
//	network:x+tag:launch           both
//	all                            every post
//
// Dates are days in zone (nil: UTC), so that a period follows the team's
// calendar across DST changes. A "+" splits criteria only where a key and
// ":" follow it, so "tag:c++" is the tag "c++"; a spec read from a URL query
// must encode "+" as %2B, or the query decoder turns it into a space. Values
// are trimmed of surrounding spaces and matched exactly. A key may appear
// once. Errors are EINVALID *rythme.Error whose message says what is wrong
// and is safe to show.
func ParseCohort(spec string, zone *time.Location) (Cohort, error) {
	if zone == nil {
		zone = time.UTC
	}
	var c Cohort
	fail := func(format string, args ...any) (Cohort, error) {
		return Cohort{}, &rythme.Error{Code: rythme.EINVALID,
			Message: fmt.Sprintf("cohort %q: ", spec) + fmt.Sprintf(format, args...)}
	}
	trimmed := strings.TrimSpace(spec)
	switch {
	case trimmed == "":
		return Cohort{}, rythme.Errorf(rythme.EINVALID, "cohort is empty: want criteria such as period:2026-10-01..2026-10-31, campaign:42, tag:launch, network:x, author:Ada, joined with +, or all")
	case trimmed == "all":
		return c, nil
	}
	seen := map[string]bool{}
	for _, part := range splitCriteria(trimmed) {
		key, value, ok := strings.Cut(part, ":")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok {
			return fail("%q is not key:value (keys: %s)", part, strings.Join(cohortKeys, ", "))
		}
		if !slices.Contains(cohortKeys, key) {
			return fail("unknown criterion %q (keys: %s)", key, strings.Join(cohortKeys, ", "))
		}
		if seen[key] {
			return fail("%s is given twice", key)
		}
		seen[key] = true
		if value == "" {
			return fail("%s is empty", key)
		}
		switch key {
		case "period":
			from, to, err := parsePeriod(value, zone)
			if err != nil {
				return fail("%s", err.Error())
			}
			c.From, c.To = from, to
		case "campaign":
			c.Campaign = value
		case "tag":
			c.Tag = value
		case "network":
			c.Network = value
		case "author":
			c.Author = value
		}
	}
	return c, nil
}

// splitCriteria splits at each "+" followed (after spaces) by lower-case
// letters and ":", so that values may hold a "+" ("tag:c++").
func splitCriteria(spec string) []string {
	var parts []string
	start := 0
	for i := 0; i < len(spec); i++ {
		if spec[i] == '+' && startsWithKey(spec[i+1:]) {
			parts = append(parts, spec[start:i])
			start = i + 1
		}
	}
	return append(parts, spec[start:])
}

func startsWithKey(s string) bool {
	s = strings.TrimLeft(s, " ")
	n := 0
	for n < len(s) && s[n] >= 'a' && s[n] <= 'z' {
		n++
	}
	return n > 0 && n < len(s) && s[n] == ':'
}

// parsePeriod reads "YYYY-MM-DD..YYYY-MM-DD" (end day included) or one
// "YYYY-MM-DD" as [first midnight, midnight after the last day) in zone.
func parsePeriod(v string, zone *time.Location) (time.Time, time.Time, error) {
	first, last, isRange := strings.Cut(v, "..")
	if !isRange {
		last = first
	}
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	day := func(s string) (time.Time, error) {
		t, err := time.ParseInLocation(dateLayout, s, zone)
		if err != nil {
			return time.Time{}, fmt.Errorf("period: %q is not a date (want YYYY-MM-DD, e.g. 2026-10-01..2026-10-31)", s)
		}
		return t, nil
	}
	from, err := day(first)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	end, err := day(last)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	if end.Before(from) {
		return time.Time{}, time.Time{}, fmt.Errorf("period: ends (%s) before it starts (%s)", last, first)
	}
	y, m, d := end.Date()
	return from, time.Date(y, m, d+1, 0, 0, 0, 0, zone), nil
}
