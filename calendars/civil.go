package calendars

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Date is a civil (wall-calendar) date with no zone: the day a person
// means, whatever the instant. Its text form is "2026-03-29".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// Clock is a wall-clock time of day with no zone. Its text form is "09:30"
// (or "09:30:15" when Second is not zero).
type Clock struct {
	Hour, Minute, Second int
}

// Errors of the civil types; their text is written for the person who
// typed the value.
var (
	ErrDate  = errors.New(`must be a date written 2026-03-29`)
	ErrClock = errors.New(`must be a time of day written 09:30 (00:00 to 23:59)`)
)

// DateOf returns the civil date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ClockOf returns the wall-clock time of t in t's location.
func ClockOf(t time.Time) Clock {
	h, m, s := t.Clock()
	return Clock{h, m, s}
}

// ParseDate reads "YYYY-MM-DD" and rejects dates that do not exist
// (2026-02-30). Errors wrap ErrDate.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return Date{}, fmt.Errorf("parse date %q: %w", s, ErrDate)
	}
	d := DateOf(t)
	if !d.Valid() { // time.Parse takes year 0000, which no calendar here has
		return Date{}, fmt.Errorf("parse date %q: %w", s, ErrDate)
	}
	return d, nil
}

// ParseClock reads "hh:mm" or "hh:mm:ss" on a 24-hour clock. Errors wrap
// ErrClock.
func ParseClock(s string) (Clock, error) {
	s = strings.TrimSpace(s)
	parts := strings.Split(s, ":")
	if len(parts) != 2 && len(parts) != 3 {
		return Clock{}, fmt.Errorf("parse time of day %q: %w", s, ErrClock)
	}
	var v [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || len(p) != 2 {
			return Clock{}, fmt.Errorf("parse time of day %q: %w", s, ErrClock)
		}
		v[i] = n
	}
	c := Clock{v[0], v[1], v[2]}
	if !c.Valid() {
		return Clock{}, fmt.Errorf("parse time of day %q: %w", s, ErrClock)
	}
	return c, nil
}

// Valid reports whether the date exists on the proleptic Gregorian calendar
// (years 1 to 9999).
func (d Date) Valid() bool {
	if d.Year < 1 || d.Year > 9999 {
		return false
	}
	return DateOf(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)) == d
}

// String formats the date as "2026-03-29".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// AddDays returns the date n days later (earlier for a negative n).
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 0, 0, 0, 0, time.UTC))
}

// Weekday returns the day of the week of the date.
func (d Date) Weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Weekday()
}

// Before reports whether d comes before e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// MarshalText implements encoding.TextMarshaler ("2026-03-29").
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; see ParseDate.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Valid reports whether the clock is between 00:00:00 and 23:59:59.
func (c Clock) Valid() bool {
	return c.Hour >= 0 && c.Hour < 24 && c.Minute >= 0 && c.Minute < 60 && c.Second >= 0 && c.Second < 60
}

// String formats the clock as "09:30", or "09:30:15" with seconds.
func (c Clock) String() string {
	if c.Second != 0 {
		return fmt.Sprintf("%02d:%02d:%02d", c.Hour, c.Minute, c.Second)
	}
	return fmt.Sprintf("%02d:%02d", c.Hour, c.Minute)
}

// MarshalText implements encoding.TextMarshaler ("09:30").
func (c Clock) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; see ParseClock.
func (c *Clock) UnmarshalText(b []byte) error {
	v, err := ParseClock(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// Resolution says how a wall-clock time became an instant.
type Resolution string

const (
	// Exact: the wall time happened exactly once in the zone.
	Exact Resolution = "exact"
	// GapShifted: the wall time never happened (the clocks sprang forward
	// over it); it was moved forward by the length of the gap.
	GapShifted Resolution = "gap_shifted"
	// FoldFirst: the wall time happened twice (the clocks fell back); the
	// first, earlier, occurrence was taken.
	FoldFirst Resolution = "fold_first"
)

// Resolve turns a wall-clock date and time in zone into an instant, the way
// RFC 5545 §3.3.5 reads a DATE-TIME with a TZID
// (https://datatracker.ietf.org/doc/html/rfc5545#section-3.3.5):
//
//   - a time that "occurs more than once (when changing from daylight to
//     standard time)" refers to the first occurrence: 02:30 on the
//     fall-back day in Europe/Paris is 02:30 CEST (00:30 UTC), FoldFirst;
//   - a time that "does not occur (when changing from standard to daylight
//     time)" is "interpreted using the UTC offset before the gap", which
//     moves it forward by the gap's length: 02:30 on the spring-forward
//     day in Europe/Paris is 03:30 CEST (01:30 UTC), GapShifted.
//
// A gap-shifted time can land after wall times that follow it (02:45 in
// a one-hour gap becomes 03:45, after 03:00), so callers that resolve a
// series sort the results.
//
// Go's time.Date makes no promise in either case (and does not agree with
// itself between zones), hence this function. The instant is returned in
// zone. A nil zone is UTC. Errors wrap ErrDate or ErrClock.
func Resolve(d Date, c Clock, zone *time.Location) (time.Time, Resolution, error) {
	if !d.Valid() {
		return time.Time{}, "", fmt.Errorf("resolve %s: %w", d, ErrDate)
	}
	if !c.Valid() {
		return time.Time{}, "", fmt.Errorf("resolve %s: %w", c, ErrClock)
	}
	if zone == nil {
		zone = time.UTC
	}
	// wall is the wall time read as if it were UTC: the instant it would
	// be at offset zero. The real instant is wall minus the offset.
	wall := time.Date(d.Year, d.Month, d.Day, c.Hour, c.Minute, c.Second, 0, time.UTC).Unix()
	// Offsets in force around that day: no IANA zone changes offset twice
	// within a day, and no offset exceeds a day, so these hold both sides
	// of any transition the wall time could fall in.
	var offsets []int
	for _, probe := range []int64{wall - 86400, wall, wall + 86400} {
		_, off := time.Unix(probe, 0).In(zone).Zone()
		if !containsInt(offsets, off) {
			offsets = append(offsets, off)
		}
	}
	var found []int64
	for _, off := range offsets {
		at := wall - int64(off)
		if _, got := time.Unix(at, 0).In(zone).Zone(); got == off && !containsInt64(found, at) {
			found = append(found, at)
		}
	}
	switch len(found) {
	case 1:
		return time.Unix(found[0], 0).In(zone), Exact, nil
	case 0:
		// In a gap the offset rises, so the offset before it is the
		// smallest nearby one.
		before := offsets[0]
		for _, off := range offsets[1:] {
			before = min(before, off)
		}
		return time.Unix(wall-int64(before), 0).In(zone), GapShifted, nil
	default:
		first := found[0]
		for _, at := range found[1:] {
			first = min(first, at)
		}
		return time.Unix(first, 0).In(zone), FoldFirst, nil
	}
}

// ResolveTime resolves the wall clock of t (its date and time in t's own
// location, seconds kept, sub-seconds dropped) in zone. It is how a time
// computed on a wall clock (by a recurrence rule, say) becomes an instant.
func ResolveTime(t time.Time, zone *time.Location) (time.Time, Resolution) {
	at, res, err := Resolve(DateOf(t), ClockOf(t), zone)
	if err != nil { // only for years outside 1..9999
		return t, Exact
	}
	return at, res
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func containsInt64(s []int64, v int64) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// ISOWeek names an ISO 8601 week: weeks start on Monday, and week 1 is the
// one holding the year's first Thursday. Its text form is "2026-W13".
type ISOWeek struct {
	Year, Week int
}

// ErrWeek is wrapped by the errors of ParseISOWeek.
var ErrWeek = errors.New(`must be an ISO week written 2026-W13`)

// ISOWeekOf returns the ISO week that holds t in zone (nil is UTC).
func ISOWeekOf(t time.Time, zone *time.Location) ISOWeek {
	if zone == nil {
		zone = time.UTC
	}
	y, w := t.In(zone).ISOWeek()
	return ISOWeek{y, w}
}

// ISOWeekOfDate returns the ISO week that holds the civil date d.
func ISOWeekOfDate(d Date) ISOWeek {
	y, w := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).ISOWeek()
	return ISOWeek{y, w}
}

// ParseISOWeek reads "2026-W13" (also "2026W13") and rejects weeks the year
// does not have (a year has 52 or 53 ISO weeks).
func ParseISOWeek(s string) (ISOWeek, error) {
	s = strings.TrimSpace(s)
	y, w, ok := strings.Cut(s, "W")
	y = strings.TrimSuffix(y, "-")
	if !ok || len(y) != 4 || len(w) != 2 {
		return ISOWeek{}, fmt.Errorf("parse week %q: %w", s, ErrWeek)
	}
	year, err1 := strconv.Atoi(y)
	week, err2 := strconv.Atoi(w)
	wk := ISOWeek{year, week}
	if err1 != nil || err2 != nil || !wk.Valid() {
		return ISOWeek{}, fmt.Errorf("parse week %q: %w", s, ErrWeek)
	}
	return wk, nil
}

// Valid reports whether the year has that week.
func (w ISOWeek) Valid() bool {
	if w.Year < 1 || w.Year > 9999 || w.Week < 1 {
		return false
	}
	// 28 December is always in the last ISO week of its year.
	_, last := time.Date(w.Year, 12, 28, 0, 0, 0, 0, time.UTC).ISOWeek()
	return w.Week <= last
}

// Monday returns the civil date of the week's Monday.
func (w ISOWeek) Monday() Date {
	// 4 January is always in week 1.
	jan4 := Date{w.Year, time.January, 4}
	back := (int(jan4.Weekday()) + 6) % 7 // days since Monday
	return jan4.AddDays(-back + 7*(w.Week-1))
}

// Next returns the following week.
func (w ISOWeek) Next() ISOWeek { return ISOWeekOfDate(w.Monday().AddDays(7)) }

// Bounds returns the week's start (Monday 00:00 in zone) and end (the next
// Monday 00:00): the week is [start, end). Where midnight falls in a DST
// gap (some zones change at 00:00) the start is the first instant of the
// day, as Resolve moves it.
func (w ISOWeek) Bounds(zone *time.Location) (start, end time.Time) {
	mon := w.Monday()
	start, _, _ = Resolve(mon, Clock{}, zone)
	end, _, _ = Resolve(mon.AddDays(7), Clock{}, zone)
	return start, end
}

// String formats the week as "2026-W13".
func (w ISOWeek) String() string { return fmt.Sprintf("%04d-W%02d", w.Year, w.Week) }

// MarshalText implements encoding.TextMarshaler ("2026-W13").
func (w ISOWeek) MarshalText() ([]byte, error) { return []byte(w.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; see ParseISOWeek.
func (w *ISOWeek) UnmarshalText(b []byte) error {
	v, err := ParseISOWeek(string(b))
	if err != nil {
		return err
	}
	*w = v
	return nil
}
