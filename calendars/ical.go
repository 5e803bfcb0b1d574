package calendars

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/rythmehq/rythme"
)

// EventStatus is the STATUS of a feed event (RFC 5545 §3.8.1.11).
type EventStatus string

// Event statuses.
const (
	EventTentative EventStatus = "TENTATIVE" // planned, not yet approved
	EventConfirmed EventStatus = "CONFIRMED" // scheduled or published
	EventCancelled EventStatus = "CANCELLED"
)

// StatusForPost maps a post's status (rythme.Post.Status) to an event
// status: cancelled is CANCELLED, draft and pending review are TENTATIVE,
// everything else (scheduled, publishing, published, held, failed…) is
// CONFIRMED: the slot is taken.
func StatusForPost(status string) EventStatus {
	switch status {
	case "cancelled":
		return EventCancelled
	case "draft", "pending_review", "in_review":
		return EventTentative
	}
	return EventConfirmed
}

// Event is one post in an iCalendar feed.
type Event struct {
	UID   string    // the post id; the feed writes it as UID+"@rythme"
	Start time.Time // the instant the post goes out
	// Zone is the IANA zone the post was planned in; "" uses the feed's
	// zone. DTSTART is written on that zone's wall clock.
	Zone string
	// Duration, when positive, gives DTEND = Start + Duration; without it
	// the event has no length (RFC 5545 §3.6.1 allows that).
	Duration    time.Duration
	Summary     string
	Description string
	URL         string
	Status      EventStatus // "" is CONFIRMED
	// Stamp is when the post last changed, written as DTSTAMP (RFC 5545
	// §3.8.7.2: without a METHOD, the last revision). Zero uses Start, so
	// the feed depends only on its input.
	Stamp time.Time
}

// UIDSuffix is appended to an event's UID to make it globally unique, as
// RFC 5545 §3.8.4.7 recommends.
const UIDSuffix = "@rythme"

// Feed returns an iCalendar (RFC 5545) document, CRLF line ends and lines
// folded at 75 octets (§3.1): one VEVENT per event,
// with UID, DTSTAMP, DTSTART, SUMMARY, DESCRIPTION, URL, STATUS and
// LAST-MODIFIED.
//
// DTSTART carries a TZID and the document a VTIMEZONE for each zone used,
// built from Go's zone data: golang-ical has the VTIMEZONE, STANDARD and
// DAYLIGHT components but no generator, so the observances are written
// here, one per offset change around the events (with DTSTART, TZOFFSETFROM,
// TZOFFSETTO and TZNAME, RFC 5545 §3.6.5), which any reader can apply
// without a zone database. UTC events are written with a "Z" time and
// need no VTIMEZONE. An unknown zone name falls back to UTC. name becomes
// NAME (RFC 7986) and X-WR-CALNAME; zone X-WR-TIMEZONE. Events are
// written in start order, then by UID, so equal input gives equal output.
func Feed(name string, zone string, events []Event) string {
	cal := ics.NewCalendarFor("rythme")
	cal.SetCalscale("GREGORIAN")
	cal.SetName(name)
	cal.SetXWRCalName(name)
	feedZone, err := LoadZone(zone)
	if err != nil {
		feedZone = time.UTC
	}
	cal.SetXWRTimezone(feedZone.String())

	sorted := append([]Event(nil), events...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if !sorted[i].Start.Equal(sorted[j].Start) {
			return sorted[i].Start.Before(sorted[j].Start)
		}
		return sorted[i].UID < sorted[j].UID
	})

	// Each zone's events, to know which span its VTIMEZONE must cover.
	zones := map[string]*time.Location{}
	spans := map[string][2]time.Time{}
	var order []string
	var vevents []*ics.VEvent
	for _, e := range sorted {
		loc := feedZone
		if e.Zone != "" {
			if l, err := LoadZone(e.Zone); err == nil {
				loc = l
			}
		}
		ev := ics.NewEvent(e.UID + UIDSuffix)
		stamp := e.Stamp
		if stamp.IsZero() {
			stamp = e.Start
		}
		ev.SetDtStampTime(stamp)
		ev.SetModifiedAt(stamp)
		setTime(ev, ics.ComponentPropertyDtStart, e.Start, loc)
		if e.Duration > 0 {
			setTime(ev, ics.ComponentPropertyDtEnd, e.Start.Add(e.Duration), loc)
		}
		ev.SetSummary(icsText(e.Summary))
		if e.Description != "" {
			ev.SetDescription(icsText(e.Description))
		}
		if safeURL(e.URL) {
			ev.SetURL(e.URL)
		}
		status := e.Status
		if status == "" {
			status = EventConfirmed
		}
		ev.SetStatus(ics.ObjectStatus(status))
		vevents = append(vevents, ev)

		if loc != time.UTC {
			key := loc.String()
			end := e.Start.Add(max(e.Duration, 0))
			if _, ok := zones[key]; !ok {
				zones[key] = loc
				spans[key] = [2]time.Time{e.Start, end}
				order = append(order, key)
			}
			sp := spans[key]
			spans[key] = [2]time.Time{minTime(sp[0], e.Start), maxTime(sp[1], end)}
		}
	}
	sort.Strings(order)
	for _, key := range order {
		cal.AddVTimezone(vtimezone(zones[key], spans[key][0], spans[key][1]))
	}
	for _, ev := range vevents {
		cal.AddVEvent(ev)
	}
	return cal.Serialize(ics.WithNewLine("\r\n"))
}

// setTime writes a DATE-TIME property: UTC with "Z", any other zone as its
// wall clock with TZID.
func setTime(ev *ics.VEvent, prop ics.ComponentProperty, t time.Time, loc *time.Location) {
	if loc == time.UTC {
		ev.SetProperty(prop, t.UTC().Format("20060102T150405Z"))
		return
	}
	ev.SetProperty(prop, t.In(loc).Format("20060102T150405"), ics.WithTZID(loc.String()))
}

// icsText drops carriage returns: golang-ical escapes "\n" but not "\r",
// which would break a content line; and any other control character (a NUL
// stored before rythme refused them), which RFC 5545 text may not hold.
func icsText(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	if !rythme.HasControlChar(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r != '\t' && r != '\n' && rythme.HasControlChar(string(r)) {
			return -1
		}
		return r
	}, s)
}

// vtimezone builds a VTIMEZONE for loc covering [from, to): the
// observance before the one in force at from (so that readers see both
// standard and daylight time), then one per offset change up to to.
func vtimezone(loc *time.Location, from, to time.Time) *ics.VTimezone {
	tz := ics.NewTimezone(loc.String())
	if start, _ := from.In(loc).ZoneBounds(); !start.IsZero() {
		from = start.Add(-time.Second)
	}
	for t := from.In(loc); ; {
		start, end := t.ZoneBounds()
		name, off := t.Zone()
		onset, prevOff := start, off
		if start.IsZero() { // in force since the zone's first record
			onset = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
		} else {
			_, prevOff = start.Add(-time.Second).In(loc).Zone()
		}
		tz.Components = append(tz.Components, observance(t.IsDST(), onset, name, prevOff, off))
		if end.IsZero() || !end.Before(to) {
			break
		}
		t = end.In(loc)
	}
	return tz
}

// observance is one STANDARD or DAYLIGHT sub-component: its DTSTART is the
// onset on the wall clock of the offset in force before it (RFC 5545
// §3.8.2.4 for observances).
func observance(dst bool, onset time.Time, name string, from, to int) ics.Component {
	cb := ics.ComponentBase{}
	cb.SetProperty(ics.ComponentPropertyDtStart, onset.In(time.FixedZone("", from)).Format("20060102T150405"))
	cb.SetProperty(ics.ComponentProperty("TZOFFSETFROM"), utcOffset(from))
	cb.SetProperty(ics.ComponentProperty("TZOFFSETTO"), utcOffset(to))
	if name != "" {
		cb.SetProperty(ics.ComponentProperty("TZNAME"), name)
	}
	if dst {
		return &ics.Daylight{ComponentBase: cb}
	}
	return &ics.Standard{ComponentBase: cb}
}

// utcOffset formats seconds east of UTC as RFC 5545 §3.3.14 UTC-OFFSET
// ("+0100", "-0430", with seconds when there are any).
func utcOffset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	s := fmt.Sprintf("%s%02d%02d", sign, sec/3600, sec/60%60)
	if sec%60 != 0 {
		s += fmt.Sprintf("%02d", sec%60)
	}
	return s
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// safeURL reports whether u may be written as an event's URL: an absolute
// http(s) URL without control characters. A URL is a URI value in RFC 5545,
// not escaped like text, so a CR or LF in it would end the line and let
// whoever wrote it inject properties or whole events into the feed.
func safeURL(u string) bool {
	if u == "" || len(u) > 2048 {
		return false
	}
	for _, r := range u {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "https" || p.Scheme == "http") && p.Host != ""
}
