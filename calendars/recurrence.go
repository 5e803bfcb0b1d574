package calendars

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// MaxOccurrences is the most occurrences a recurrence rule may produce:
// COUNT above it is refused, and so is an UNTIL that lets more through.
const MaxOccurrences = 1000

// Errors of ParseRule; their text is written for the person who typed the
// rule. Every error ParseRule returns wraps exactly one of them.
var (
	ErrRuleSyntax    = errors.New("is not a valid RFC 5545 recurrence rule (for example FREQ=WEEKLY;BYDAY=TU;COUNT=10)")
	ErrRuleFreq      = errors.New("needs FREQ=DAILY, WEEKLY, MONTHLY or YEARLY")
	ErrRuleUnbounded = errors.New("needs COUNT or UNTIL (one of them, not both) so that it ends")
	ErrRuleTooMany   = fmt.Errorf("would produce more than %d occurrences", MaxOccurrences)
	ErrRuleEmpty     = errors.New("produces no occurrence")
)

// Rule is a parsed, bounded recurrence rule (RFC 5545 RRULE) anchored at a
// post's first time, in the post's zone. It is immutable and safe for
// concurrent use.
type Rule struct {
	text  string
	start time.Time
	zone  *time.Location
	occ   []Occurrence
}

// Occurrence is one instant of a recurrence, with how its wall time was
// resolved (see Resolve).
type Occurrence struct {
	At         time.Time  `json:"at"`
	Resolution Resolution `json:"resolution"`
}

// ParseRule parses the RRULE value (with or without the "RRULE:" prefix)
// for a post whose first time is dtstart, given in the post's zone: the
// rule recurs on dtstart's wall clock in dtstart.Location() (call it with
// dtstart.In(zone) when the instant comes from the store in UTC).
//
// Rules are computed on the wall clock, then each wall time is resolved in
// the zone as Resolve does (RFC 5545 §3.3.10 says a recurrence instance
// whose local time does not exist or occurs twice is read as in §3.3.5:
// https://datatracker.ietf.org/doc/html/rfc5545#section-3.3.10). So a
// weekly 09:00 Europe/Paris stays 09:00 in Paris across both DST changes;
// 02:30 on the spring-forward day becomes 03:30; 02:30 on the fall-back
// day is the first 02:30. Two wall times resolving to the same instant
// give one occurrence.
//
// Accepted: FREQ of DAILY, WEEKLY, MONTHLY or YEARLY (finer ones would
// flood an account), INTERVAL, WKST and the BY* parts; exactly one of
// COUNT (1 to MaxOccurrences) or UNTIL. UNTIL may be UTC
// (20260630T070000Z, as RFC 5545 requires with a zoned DTSTART), local
// (20260630T090000, read in the post's zone) or a date (20260630, read as
// the end of that day in the post's zone). A DTSTART inside the rule is
// refused: the post's time is the start. As in RFC 5545, dtstart is the
// first occurrence only if it matches the rule. dtstart is truncated to
// the second.
//
// Errors wrap ErrRuleSyntax, ErrRuleFreq, ErrRuleUnbounded, ErrRuleTooMany
// or ErrRuleEmpty.
func ParseRule(rule string, dtstart time.Time) (*Rule, error) {
	text := strings.TrimSpace(rule)
	if len(text) >= 6 && strings.EqualFold(text[:6], "RRULE:") {
		text = text[6:]
	}
	fail := func(kind error, detail string) (*Rule, error) {
		if detail != "" {
			return nil, fmt.Errorf("parse rule %q: %w (%s)", rule, kind, detail)
		}
		return nil, fmt.Errorf("parse rule %q: %w", rule, kind)
	}
	if text == "" || strings.ContainsAny(text, "\r\n") || len(text) > 1000 {
		return fail(ErrRuleSyntax, "")
	}
	if dtstart.IsZero() {
		return fail(ErrRuleSyntax, "no start time")
	}
	zone := dtstart.Location()
	parts := map[string]string{}
	for _, attr := range strings.Split(text, ";") {
		k, v, ok := strings.Cut(attr, "=")
		k = strings.ToUpper(strings.TrimSpace(k))
		if !ok || k == "" || v == "" {
			return fail(ErrRuleSyntax, fmt.Sprintf("%q is not NAME=VALUE", attr))
		}
		if _, dup := parts[k]; dup {
			return fail(ErrRuleSyntax, k+" is given twice")
		}
		parts[k] = strings.ToUpper(strings.TrimSpace(v))
	}
	switch parts["FREQ"] {
	case "DAILY", "WEEKLY", "MONTHLY", "YEARLY":
	default:
		return fail(ErrRuleFreq, "")
	}
	if _, ok := parts["DTSTART"]; ok {
		return fail(ErrRuleSyntax, "DTSTART comes from the post, not the rule")
	}
	count, hasCount := parts["COUNT"]
	until, hasUntil := parts["UNTIL"]
	if hasCount == hasUntil {
		return fail(ErrRuleUnbounded, "")
	}
	if hasCount {
		n, err := strconv.Atoi(count)
		if err != nil || n < 1 {
			return fail(ErrRuleSyntax, "COUNT must be a whole number from 1")
		}
		if n > MaxOccurrences {
			return fail(ErrRuleTooMany, "")
		}
	}
	var rebuilt []string
	for k, v := range parts {
		if k != "UNTIL" {
			rebuilt = append(rebuilt, k+"="+v)
		}
	}
	sort.Strings(rebuilt)
	opt, err := rrule.StrToROptionInLocation(strings.Join(rebuilt, ";"), time.UTC)
	if err != nil {
		return fail(ErrRuleSyntax, err.Error())
	}
	// The library computes on opt.Dtstart's location; UTC has no DST, so
	// it computes on the plain wall clock ("floating" time in RFC 5545
	// terms). Resolution in the zone comes after.
	opt.Dtstart = floating(dtstart.Truncate(time.Second))
	var untilAt time.Time // the last instant allowed, when UNTIL is set
	if hasUntil {
		wall, at, err := parseUntil(until, zone)
		if err != nil {
			return fail(ErrRuleSyntax, "UNTIL must be like 20260630T070000Z")
		}
		opt.Until, untilAt = wall, at
	}
	rr, err := rrule.NewRRule(*opt)
	if err != nil {
		return fail(ErrRuleSyntax, err.Error())
	}
	text = "FREQ=" + parts["FREQ"]
	for _, kv := range rebuilt {
		if !strings.HasPrefix(kv, "FREQ=") {
			text += ";" + kv
		}
	}
	if hasUntil {
		text += ";UNTIL=" + until
	}
	r := &Rule{text: text, start: dtstart.Truncate(time.Second), zone: zone}
	next := rr.Iterator()
	raw := 0
	for wall, ok := next(); ok; wall, ok = next() {
		if raw++; raw > MaxOccurrences {
			return fail(ErrRuleTooMany, "")
		}
		at, res := ResolveTime(wall, zone)
		if !untilAt.IsZero() && at.After(untilAt) {
			continue
		}
		r.occ = append(r.occ, Occurrence{At: at, Resolution: res})
	}
	// A wall time moved out of a DST gap can land after the ones that
	// follow it, or on one of them: sort, and keep one per instant.
	slices.SortStableFunc(r.occ, func(a, b Occurrence) int { return a.At.Compare(b.At) })
	r.occ = slices.CompactFunc(r.occ, func(a, b Occurrence) bool { return a.At.Equal(b.At) })
	if len(r.occ) == 0 {
		return fail(ErrRuleEmpty, "")
	}
	return r, nil
}

// parseUntil reads an UNTIL value: UTC (…Z) is an instant; a local
// date-time is on the zone's wall clock; a date means the end of that day.
// It returns the floating wall time for the library and the instant.
func parseUntil(v string, zone *time.Location) (wall, at time.Time, err error) {
	switch len(v) {
	case len("20060102"):
		d, err := time.Parse("20060102", v)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		wall = d.Add(24*time.Hour - time.Second)
	case len("20060102T150405"):
		if wall, err = time.Parse("20060102T150405", v); err != nil {
			return time.Time{}, time.Time{}, err
		}
	default:
		t, err := time.Parse("20060102T150405Z", v)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		return floating(t.In(zone)), t, nil
	}
	at, _ = ResolveTime(wall, zone)
	return wall, at, nil
}

// floating returns t's wall clock as a UTC time.
func floating(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
}

// String returns the rule in RFC 5545 form, normalised: upper case, FREQ
// first, the other parts sorted, UNTIL last as it was given.
func (r *Rule) String() string { return r.text }

// Start returns the rule's anchor, dtstart truncated to the second.
func (r *Rule) Start() time.Time { return r.start }

// Zone returns the zone the rule recurs in.
func (r *Rule) Zone() *time.Location { return r.zone }

// Len returns how many occurrences the rule has in all.
func (r *Rule) Len() int { return len(r.occ) }

// All returns every occurrence, ascending.
func (r *Rule) All() []Occurrence { return append([]Occurrence(nil), r.occ...) }

// Between returns the occurrences in [from, to), ascending, with how each
// was resolved. A zero to means no end.
func (r *Rule) Between(from, to time.Time) []Occurrence {
	var out []Occurrence
	for _, o := range r.occ {
		if o.At.Before(from) {
			continue
		}
		if !to.IsZero() && !o.At.Before(to) {
			break
		}
		out = append(out, o)
	}
	return out
}

// Occurrences returns the instants of rule in [from, to), ascending, in
// the rule's zone (see ParseRule for how DST is handled). A zero to means
// no end.
func Occurrences(rule *Rule, from, to time.Time) []time.Time {
	occ := rule.Between(from, to)
	out := make([]time.Time, len(occ))
	for i, o := range occ {
		out[i] = o.At
	}
	return out
}

// Horizon returns the occurrences a rolling materialisation must create
// now: those after alreadyUntil (strictly: it is the last occurrence
// already created; zero when none was) and up to horizonEnd (inclusive).
// Calling it again with alreadyUntil set to the last instant it returned
// continues where it stopped, with no repeat and no hole.
func Horizon(rule *Rule, alreadyUntil, horizonEnd time.Time) []Occurrence {
	var out []Occurrence
	for _, o := range rule.occ {
		if !alreadyUntil.IsZero() && !o.At.After(alreadyUntil) {
			continue
		}
		if o.At.After(horizonEnd) {
			break
		}
		out = append(out, o)
	}
	return out
}
