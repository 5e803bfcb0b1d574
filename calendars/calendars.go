// Package calendars holds the editorial calendar's time logic:
//
//   - how a time given by a person ("now", RFC 3339 with an offset, or a
//     wall-clock date and time in an IANA zone) becomes an instant, with
//     DST gaps and folds resolved as RFC 5545 says (Resolve);
//   - weekly posting slots per account and the next free ones (NextSlots,
//     NextCommonSlot);
//   - cadence goals and the weeks that fall short (Gaps);
//   - recurring posts from RFC 5545 recurrence rules (ParseRule,
//     Occurrences, Horizon);
//   - themed weeks (Expand, Shift) and weekly challenges (SubmissionOpen);
//   - the iCalendar feed (Feed) and the CSV/JSON import (ParseImport).
//
// It is pure and must stay so: no I/O, no store, no logging, no clock of
// its own (callers pass now), no global state. It imports only the
// standard library, the rythme domain package, rrule-go and golang-ical.
package calendars

import (
	"errors"
	"strings"
	"time"
)

// Now is the word that schedules a post for immediate publishing.
const Now = "now"

// Errors of ParseTime; their text is written for the person who typed the
// time.
var (
	ErrTimeFormat = errors.New(`must be an RFC 3339 time with an offset (2026-03-01T09:30:00+01:00) or "now"`)
	ErrTimePast   = errors.New(`is in the past; use "now" to publish at once`)
)

// ParseTime reads a scheduled time: "now" (case-insensitive) gives now;
// otherwise RFC 3339 with a UTC offset or Z, returned in UTC at microsecond
// precision (what the store keeps). A time before now is ErrTimePast: the
// past is the past, "now" is how to say now. Empty gives the zero time and
// no error (the caller decides whether it is required).
func ParseTime(v string, now time.Time) (time.Time, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return time.Time{}, nil
	case strings.EqualFold(v, Now):
		return now.UTC().Truncate(time.Microsecond), nil
	}
	at, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, ErrTimeFormat
	}
	at = at.UTC().Truncate(time.Microsecond)
	if at.Before(now.Truncate(time.Microsecond)) {
		return at, ErrTimePast
	}
	return at, nil
}

// ErrZone is returned by LoadZone for a name that is not an IANA zone.
var ErrZone = errors.New("is not a known IANA time zone (for example Europe/Paris)")

// LoadZone returns the IANA zone name; "" is UTC. "Local" is refused: it
// would mean the server's zone, which no team planned in.
func LoadZone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	if name == "Local" {
		return nil, ErrZone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, ErrZone
	}
	return loc, nil
}
