package calendars_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rythmehq/rythme/calendars"
)

// fuzzZone loads name as the API does, or UTC.
func fuzzZone(name string) *time.Location {
	zone, err := calendars.LoadZone(name)
	if err != nil {
		return time.UTC
	}
	return zone
}

// FuzzCivil: dates, times of day and ISO weeks come from query strings
// and JSON bodies. Each parses or fails with its documented error; what
// parses prints back as itself; a date and time resolve in any zone to an
// instant whose wall clock is the one asked for unless it fell in a gap.
func FuzzCivil(f *testing.F) {
	for _, seed := range [][4]string{
		{"2026-03-29", "02:30", "2026-W13", "Europe/Paris"},
		{"2026-10-25", "02:30:00", "2026W43", "Europe/Paris"},
		{"2026-11-01", "01:30", "2026-W44", "America/New_York"},
		{"2011-12-30", "00:00", "2020-W53", "Pacific/Apia"},
		{"2026-02-30", "24:00", "2026-W53", "Mars/Base"},
		{" 0001-01-01 ", "23:59:59", "0001-W01", "Asia/Kolkata"},
		{"9999-12-31", "9:30", "9999-W52", "Pacific/Kiritimati"},
		{"2026-3-1", "09:30:60", "2026-W00", "Local"},
		{"", "", "", ""},
		{"+2026-01-01", "-1:30", "2026-W1", "Australia/Lord_Howe"},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	f.Fuzz(func(t *testing.T, date, clock, week, zoneName string) {
		d, derr := calendars.ParseDate(date)
		if derr != nil && !errors.Is(derr, calendars.ErrDate) {
			t.Fatalf("ParseDate(%q) = %v: want ErrDate", date, derr)
		}
		if derr == nil {
			if !d.Valid() {
				t.Fatalf("ParseDate(%q) = %v, not a valid date", date, d)
			}
			if again, err := calendars.ParseDate(d.String()); err != nil || again != d {
				t.Fatalf("ParseDate(%q) = %v prints as %q, which reads back as %v, %v", date, d, d.String(), again, err)
			}
		}
		c, cerr := calendars.ParseClock(clock)
		if cerr != nil && !errors.Is(cerr, calendars.ErrClock) {
			t.Fatalf("ParseClock(%q) = %v: want ErrClock", clock, cerr)
		}
		if cerr == nil {
			if !c.Valid() {
				t.Fatalf("ParseClock(%q) = %v, not a valid time of day", clock, c)
			}
			if again, err := calendars.ParseClock(c.String()); err != nil || again != c {
				t.Fatalf("ParseClock(%q) = %v prints as %q, which reads back as %v, %v", clock, c, c.String(), again, err)
			}
		}
		w, werr := calendars.ParseISOWeek(week)
		if werr != nil && !errors.Is(werr, calendars.ErrWeek) {
			t.Fatalf("ParseISOWeek(%q) = %v: want ErrWeek", week, werr)
		}
		if werr == nil {
			if again, err := calendars.ParseISOWeek(w.String()); err != nil || again != w {
				t.Fatalf("ParseISOWeek(%q) = %v prints as %q, which reads back as %v, %v", week, w, w.String(), again, err)
			}
			if got := calendars.ISOWeekOfDate(w.Monday()); got != w || w.Monday().Weekday() != time.Monday {
				t.Fatalf("week %v: its Monday %v is a %v in week %v", w, w.Monday(), w.Monday().Weekday(), got)
			}
		}
		zone := fuzzZone(zoneName)
		at, res, err := calendars.Resolve(d, c, zone)
		switch {
		case derr != nil:
			if !errors.Is(err, calendars.ErrDate) {
				t.Fatalf("Resolve of the zero date = %v, %v: want ErrDate", at, err)
			}
			return
		case cerr != nil:
			c = calendars.Clock{}
			if at, res, err = calendars.Resolve(d, c, zone); err != nil {
				t.Fatalf("Resolve(%v, midnight, %v): %v", d, zone, err)
			}
		case err != nil:
			t.Fatalf("Resolve(%v, %v, %v): %v", d, c, zone, err)
		}
		if at.Location() != zone {
			t.Fatalf("Resolve(%v, %v, %v) = %v: not in the zone", d, c, zone, at)
		}
		wall := calendars.DateOf(at) == d && calendars.ClockOf(at) == c
		switch res {
		case calendars.Exact, calendars.FoldFirst:
			if !wall {
				t.Fatalf("Resolve(%v, %v, %v) = %v (%s): the wall clock differs", d, c, zone, at, res)
			}
		case calendars.GapShifted:
			asked := time.Date(d.Year, d.Month, d.Day, c.Hour, c.Minute, c.Second, 0, time.UTC)
			got := time.Date(at.Year(), at.Month(), at.Day(), at.Hour(), at.Minute(), at.Second(), 0, time.UTC)
			if wall || !got.After(asked) {
				t.Fatalf("Resolve(%v, %v, %v) = %v: gap shifted, but not forward", d, c, zone, at)
			}
		default:
			t.Fatalf("Resolve(%v, %v, %v): resolution %q", d, c, zone, res)
		}
	})
}

// FuzzParseRule: a recurrence rule is typed by a person. It parses or
// fails with exactly one of the documented errors; a parsed rule has 1 to
// MaxOccurrences occurrences, strictly ascending, in the rule's zone, and
// its normalised String parses back to the same occurrences.
func FuzzParseRule(f *testing.F) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC).Unix()
	for _, seed := range []struct {
		rule string
		unix int64
		zone string
	}{
		{"FREQ=WEEKLY;BYDAY=TU;COUNT=10", start, "Europe/Paris"},
		{"RRULE:FREQ=DAILY;UNTIL=20260630T070000Z", start, "Europe/Paris"},
		{"freq=monthly;bymonthday=-1;until=20261231", start, "America/New_York"},
		{"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;COUNT=3", start, "UTC"},
		{"FREQ=DAILY;BYHOUR=2;BYMINUTE=30;COUNT=40", start, "Europe/Paris"},
		{"FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=MO,WE;UNTIL=20260701T090000", start, "Asia/Tokyo"},
		{"FREQ=HOURLY;COUNT=2", start, ""},
		{"FREQ=DAILY", start, ""},
		{"FREQ=DAILY;COUNT=2;UNTIL=20260701", start, ""},
		{"FREQ=DAILY;COUNT=1001", start, ""},
		{"FREQ=DAILY;COUNT=0", start, ""},
		{"FREQ=DAILY;DTSTART=20260101T000000Z;COUNT=1", start, ""},
		{"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=1", start, ""},
		{"FREQ=DAILY;COUNT=3;COUNT=4", start, ""},
		{"FREQ=DAILY;UNTIL=20200101", start, ""},
		{"FREQ=DAILY;BYSETPOS=1;BYDAY=;COUNT=1", start, ""},
		{"FREQ=DAILY;COUNT=1\r\n", start, ""},
		{"FREQ=DAILY;COUNT=5", 0, ""},
	} {
		f.Add(seed.rule, seed.unix, seed.zone)
	}
	ruleErrs := []error{calendars.ErrRuleSyntax, calendars.ErrRuleFreq, calendars.ErrRuleUnbounded, calendars.ErrRuleTooMany, calendars.ErrRuleEmpty}
	f.Fuzz(func(t *testing.T, rule string, unix int64, zoneName string) {
		zone := fuzzZone(zoneName)
		var dtstart time.Time
		if unix != 0 {
			// Between 1970 and about 2100: the years a post may be planned in.
			dtstart = time.Unix(start+unix%(75*365*86400), 0).In(zone)
		}
		r, err := calendars.ParseRule(rule, dtstart)
		if err != nil {
			n := 0
			for _, e := range ruleErrs {
				if errors.Is(err, e) {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("ParseRule(%q) = %v wraps %d of the documented errors", rule, err, n)
			}
			return
		}
		occ := r.All()
		if len(occ) < 1 || len(occ) > calendars.MaxOccurrences || r.Len() != len(occ) {
			t.Fatalf("ParseRule(%q): %d occurrences", rule, len(occ))
		}
		for i, o := range occ {
			if o.At.Location() != zone {
				t.Fatalf("ParseRule(%q): occurrence %v is not in %v", rule, o.At, zone)
			}
			if i > 0 && !o.At.After(occ[i-1].At) {
				t.Fatalf("ParseRule(%q): occurrence %v after %v", rule, o.At, occ[i-1].At)
			}
		}
		again, err := calendars.ParseRule(r.String(), dtstart)
		if err != nil {
			t.Fatalf("ParseRule(%q).String() = %q does not parse: %v", rule, r.String(), err)
		}
		if fmt.Sprint(again.All()) != fmt.Sprint(occ) {
			t.Fatalf("ParseRule(%q) and its String %q give different occurrences", rule, r.String())
		}
		if got := calendars.Occurrences(r, occ[0].At, time.Time{}); len(got) != len(occ) {
			t.Fatalf("Occurrences from the first: %d of %d", len(got), len(occ))
		}
	})
}

// FuzzExpand: a themed week is a JSON body. Whatever it holds, Expand
// returns posts or field errors (never both, never neither), one post per
// item, sorted by instant, each on its planned wall clock unless a DST
// gap moved it.
func FuzzExpand(f *testing.F) {
	for _, seed := range []string{
		`{"name":"Launch week","theme":"Spring","first_day":"2026-03-23","zone":"Europe/Paris","days":[` +
			`{"offset":0,"items":[{"time":"09:30","format":"article","content":"Why cycle","targets":["` + fuzzAcc1 + `"]}]},` +
			`{"offset":6,"items":[{"time":"02:30","format":"live_qa","content":"Night ride","targets":["` + fuzzAcc1 + `","` + fuzzAcc2 + `"],"author":"Léa"}]}]}`,
		`{"name":"Fall back","first_day":"2026-10-25","zone":"Europe/Paris","days":[{"offset":0,"items":[{"time":"02:30","content":"x","targets":["` + fuzzAcc1 + `"]}]}]}`,
		`{"name":"","first_day":"2026-02-30","zone":"Mars/Base","days":[{"offset":7,"items":[{"time":"25:00","format":"tweet","content":" ","targets":["x","x"]}]},{"offset":7}]}`,
		`{"name":"End of time","first_day":"9999-12-31","days":[{"offset":6,"items":[{"time":"23:59","content":"x","targets":["` + fuzzAcc1 + `"]}]}]}`,
		`{"name":"n","first_day":"2026-01-01","days":[]}`,
		`{}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var week calendars.ThemedWeek
		if json.Unmarshal(data, &week) != nil {
			return
		}
		posts, fe := calendars.Expand(week)
		if (len(posts) == 0) == (len(fe) == 0) {
			t.Fatalf("Expand(%s): %d posts and %d field errors", data, len(posts), len(fe))
		}
		for _, e := range fe {
			if e.Field == "" || e.Message == "" {
				t.Fatalf("Expand(%s): field error %+v without a field or message", data, e)
			}
		}
		if len(fe) > 0 {
			return
		}
		items := 0
		for _, d := range week.Days {
			items += len(d.Items)
		}
		if len(posts) != items {
			t.Fatalf("Expand(%s): %d posts for %d items", data, len(posts), items)
		}
		zone := fuzzZone(week.Zone)
		for i, p := range posts {
			if i > 0 && p.At.Before(posts[i-1].At) {
				t.Fatalf("Expand(%s): posts out of order", data)
			}
			onWall := calendars.DateOf(p.At.In(zone)) == p.Date && calendars.ClockOf(p.At.In(zone)) == p.Time
			if onWall == (p.Resolution == calendars.GapShifted) {
				t.Fatalf("Expand(%s): %s at %v (%s) for %v %v", data, p.Field, p.At, p.Resolution, p.Date, p.Time)
			}
			if !p.Format.Known() {
				t.Fatalf("Expand(%s): %s has format %q", data, p.Field, p.Format)
			}
		}
	})
}
