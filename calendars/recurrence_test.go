package calendars_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rythmehq/rythme/calendars"
	"github.com/teambition/rrule-go"
)

func TestParseRuleAcrossDST(t *testing.T) {
	t.Parallel()
	paris := mustZone(t, "Europe/Paris")
	ny := mustZone(t, "America/New_York")
	cases := []struct {
		name    string
		rule    string
		dtstart time.Time
		want    []string // local wall clock and zone abbreviation
		res     map[int]calendars.Resolution
	}{
		{
			name: "weekly COUNT across spring forward, Paris", rule: "FREQ=WEEKLY;COUNT=3",
			dtstart: time.Date(2026, 3, 20, 9, 0, 0, 0, paris),
			want:    []string{"Fri 2026-03-20 09:00 CET", "Fri 2026-03-27 09:00 CET", "Fri 2026-04-03 09:00 CEST"},
		},
		{
			name: "weekly UNTIL (UTC) across fall back, Paris; UNTIL is inclusive", rule: "RRULE:FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20261103T080000Z",
			dtstart: time.Date(2026, 10, 20, 9, 0, 0, 0, paris),
			want: []string{"Tue 2026-10-20 09:00 CEST", "Thu 2026-10-22 09:00 CEST", "Tue 2026-10-27 09:00 CET",
				"Thu 2026-10-29 09:00 CET", "Tue 2026-11-03 09:00 CET"},
		},
		{
			name: "daily COUNT across spring forward, New York", rule: "freq=daily;count=3",
			dtstart: time.Date(2026, 3, 7, 9, 0, 0, 0, ny),
			want:    []string{"Sat 2026-03-07 09:00 EST", "Sun 2026-03-08 09:00 EDT", "Mon 2026-03-09 09:00 EDT"},
		},
		{
			name: "weekly UNTIL (local) across fall back, New York", rule: "FREQ=WEEKLY;UNTIL=20261108T090000",
			dtstart: time.Date(2026, 10, 25, 9, 0, 0, 0, ny),
			want:    []string{"Sun 2026-10-25 09:00 EDT", "Sun 2026-11-01 09:00 EST", "Sun 2026-11-08 09:00 EST"},
		},
		{
			name: "UNTIL as a date includes that day", rule: "FREQ=DAILY;UNTIL=20260330",
			dtstart: time.Date(2026, 3, 28, 18, 0, 0, 0, paris),
			want:    []string{"Sat 2026-03-28 18:00 CET", "Sun 2026-03-29 18:00 CEST", "Mon 2026-03-30 18:00 CEST"},
		},
		{
			name: "02:30 daily through the Paris gap", rule: "FREQ=DAILY;COUNT=4",
			dtstart: time.Date(2026, 3, 27, 2, 30, 0, 0, paris),
			want:    []string{"Fri 2026-03-27 02:30 CET", "Sat 2026-03-28 02:30 CET", "Sun 2026-03-29 03:30 CEST", "Mon 2026-03-30 02:30 CEST"},
			res:     map[int]calendars.Resolution{2: calendars.GapShifted},
		},
		{
			name: "02:30 daily through the Paris fold: first occurrence", rule: "FREQ=DAILY;COUNT=3",
			dtstart: time.Date(2026, 10, 24, 2, 30, 0, 0, paris),
			want:    []string{"Sat 2026-10-24 02:30 CEST", "Sun 2026-10-25 02:30 CEST", "Mon 2026-10-26 02:30 CET"},
			res:     map[int]calendars.Resolution{1: calendars.FoldFirst},
		},
		{
			name: "01:30 weekly through the New York fold", rule: "FREQ=WEEKLY;COUNT=2",
			dtstart: time.Date(2026, 10, 25, 1, 30, 0, 0, ny),
			want:    []string{"Sun 2026-10-25 01:30 EDT", "Sun 2026-11-01 01:30 EDT"},
			res:     map[int]calendars.Resolution{1: calendars.FoldFirst},
		},
		{
			name: "two hours colliding in the gap give one occurrence", rule: "FREQ=DAILY;BYHOUR=2,3;BYMINUTE=30;COUNT=4",
			dtstart: time.Date(2026, 3, 28, 2, 30, 0, 0, paris),
			want:    []string{"Sat 2026-03-28 02:30 CET", "Sat 2026-03-28 03:30 CET", "Sun 2026-03-29 03:30 CEST"},
			res:     map[int]calendars.Resolution{2: calendars.GapShifted},
		},
		{
			name: "monthly last Friday", rule: "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3",
			dtstart: time.Date(2026, 1, 30, 12, 0, 0, 0, paris),
			want:    []string{"Fri 2026-01-30 12:00 CET", "Fri 2026-02-27 12:00 CET", "Fri 2026-03-27 12:00 CET"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r, err := calendars.ParseRule(c.rule, c.dtstart)
			if err != nil {
				t.Fatal(err)
			}
			all := r.All()
			var times []time.Time
			for i, o := range all {
				times = append(times, o.At)
				want := c.res[i]
				if want == "" {
					want = calendars.Exact
				}
				if o.Resolution != want {
					t.Errorf("occurrence %d resolution %s, want %s", i, o.Resolution, want)
				}
			}
			if got := fmtLocal(times); !slices.Equal(got, c.want) {
				t.Errorf("occurrences\n%q\nwant\n%q", got, c.want)
			}
			if r.Len() != len(c.want) || r.Zone() != c.dtstart.Location() {
				t.Errorf("Len %d, Zone %s", r.Len(), r.Zone())
			}
		})
	}
}

func TestParseRuleErrors(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, mustZone(t, "Europe/Paris"))
	cases := []struct {
		rule string
		want error
	}{
		{"", calendars.ErrRuleSyntax},
		{"FREQ=WEEKLY;COUNT=3\nRRULE:FREQ=DAILY", calendars.ErrRuleSyntax},
		{"FREQ=WEEKLY;COUNT=x", calendars.ErrRuleSyntax},
		{"FREQ=WEEKLY;COUNT=0", calendars.ErrRuleSyntax},
		{"FREQ=WEEKLY;COUNT=2;COUNT=3", calendars.ErrRuleSyntax},
		{"FREQ=WEEKLY;BYDAY=XX;COUNT=2", calendars.ErrRuleSyntax},
		{"FREQ=WEEKLY;FOO=1;COUNT=2", calendars.ErrRuleSyntax},
		{"FREQ=DAILY;BYHOUR=25;COUNT=2", calendars.ErrRuleSyntax},
		{"FREQ=WEEKLY;COUNT", calendars.ErrRuleSyntax},
		{"FREQ=WEEKLY;DTSTART=20260302T090000;COUNT=2", calendars.ErrRuleSyntax},
		{"FREQ=WEEKLY;UNTIL=tomorrow", calendars.ErrRuleSyntax},
		{"COUNT=3", calendars.ErrRuleFreq},
		{"FREQ=HOURLY;COUNT=3", calendars.ErrRuleFreq},
		{"FREQ=FORTNIGHTLY;COUNT=3", calendars.ErrRuleFreq},
		{"FREQ=WEEKLY", calendars.ErrRuleUnbounded},
		{"FREQ=WEEKLY;COUNT=3;UNTIL=20260401T000000Z", calendars.ErrRuleUnbounded},
		{"FREQ=DAILY;COUNT=1001", calendars.ErrRuleTooMany},
		{"FREQ=DAILY;UNTIL=20300101T000000Z", calendars.ErrRuleTooMany},
		{"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=2", calendars.ErrRuleEmpty},
		{"FREQ=WEEKLY;UNTIL=20260101T000000Z", calendars.ErrRuleEmpty},
	}
	for _, c := range cases {
		r, err := calendars.ParseRule(c.rule, start)
		if !errors.Is(err, c.want) || r != nil {
			t.Errorf("ParseRule(%q) = %v, %v; want %v", c.rule, r, err, c.want)
		}
	}
	if _, err := calendars.ParseRule("FREQ=WEEKLY;COUNT=2", time.Time{}); !errors.Is(err, calendars.ErrRuleSyntax) {
		t.Errorf("zero dtstart: %v", err)
	}
	// The biggest allowed rule parses.
	if r, err := calendars.ParseRule("FREQ=DAILY;COUNT=1000", start); err != nil || r.Len() != 1000 {
		t.Errorf("COUNT=1000: %v", err)
	}
}

func TestRuleString(t *testing.T) {
	t.Parallel()
	r, err := calendars.ParseRule(" rrule:byday=tu,th;freq=weekly;until=20260401T000000Z ", time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.String(), "FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20260401T000000Z"; got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
	if !r.Start().Equal(time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("Start() = %s", r.Start())
	}
}

func TestOccurrencesAndHorizon(t *testing.T) {
	t.Parallel()
	paris := mustZone(t, "Europe/Paris")
	r, err := calendars.ParseRule("FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=60", time.Date(2026, 3, 2, 9, 0, 0, 0, paris))
	if err != nil {
		t.Fatal(err)
	}
	// [from, to): from inclusive, to exclusive.
	from := time.Date(2026, 3, 4, 9, 0, 0, 0, paris)
	to := time.Date(2026, 3, 9, 9, 0, 0, 0, paris)
	if got := fmtLocal(calendars.Occurrences(r, from, to)); !slices.Equal(got, []string{"Wed 2026-03-04 09:00 CET", "Fri 2026-03-06 09:00 CET"}) {
		t.Errorf("Occurrences = %q", got)
	}
	if n := len(calendars.Occurrences(r, time.Time{}, time.Time{})); n != 60 {
		t.Errorf("all occurrences: %d", n)
	}
	for _, at := range calendars.Occurrences(r, time.Time{}, time.Time{}) {
		if at.Format("15:04") != "09:00" || at.Location() != paris {
			t.Errorf("occurrence %s not 09:00 Paris", at)
		}
	}

	// A rolling horizon of two weeks, advanced a week at a time, creates
	// every occurrence exactly once.
	var made []time.Time
	var last time.Time
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, paris)
	for i := 0; i < 30; i++ {
		for _, o := range calendars.Horizon(r, last, now.AddDate(0, 0, 14)) {
			made = append(made, o.At)
			last = o.At
		}
		now = now.AddDate(0, 0, 7)
	}
	all := calendars.Occurrences(r, time.Time{}, time.Time{})
	if !slices.EqualFunc(made, all, time.Time.Equal) {
		t.Errorf("rolling horizon made %d occurrences, want %d", len(made), len(all))
	}
	// The horizon end is inclusive.
	first := calendars.Horizon(r, time.Time{}, time.Date(2026, 3, 2, 9, 0, 0, 0, paris))
	if len(first) != 1 {
		t.Errorf("Horizon up to the first occurrence: %v", first)
	}
}

// TestRRuleGoZones records what rrule-go itself does with a zoned DTSTART,
// the reason ParseRule computes on the plain wall clock and resolves
// afterwards: the library builds each occurrence with time.Date in
// DTSTART's location, which keeps 09:00 local across DST but leaves gaps
// and folds to Go, whose choice differs between zones (02:30 in the New
// York gap comes back as 01:30 EST, an hour early, where RFC 5545 wants
// 03:30 EDT).
func TestRRuleGoZones(t *testing.T) {
	t.Parallel()
	ny := mustZone(t, "America/New_York")
	lib, err := rrule.NewRRule(rrule.ROption{Freq: rrule.DAILY, Count: 3, Dtstart: time.Date(2026, 3, 7, 2, 30, 0, 0, ny)})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmtLocal(lib.All()); got[1] != "Sun 2026-03-08 01:30 EST" {
		t.Logf("rrule-go/Go now resolve the gap as %s", got[1])
	}
	ours, err := calendars.ParseRule("FREQ=DAILY;COUNT=3", time.Date(2026, 3, 7, 2, 30, 0, 0, ny))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Sat 2026-03-07 02:30 EST", "Sun 2026-03-08 03:30 EDT", "Mon 2026-03-09 02:30 EDT"}
	if got := fmtLocal(calendars.Occurrences(ours, time.Time{}, time.Time{})); !slices.Equal(got, want) {
		t.Errorf("ParseRule = %q, want %q", got, want)
	}
}
