package calendars_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/rythmehq/rythme/calendars"
)

func TestGaps(t *testing.T) {
	t.Parallel()
	paris := mustZone(t, "Europe/Paris")
	// Wednesday 25 March to Wednesday 8 April 2026: weeks 13, 14 and 15,
	// the first and last only partly inside.
	from := time.Date(2026, 3, 25, 0, 0, 0, 0, paris)
	to := time.Date(2026, 4, 8, 0, 0, 0, 0, paris)
	posts := map[string][]time.Time{
		"acc_a": {
			time.Date(2026, 3, 23, 9, 0, 0, 0, paris), // Monday of W13, before from: the whole week counts
			time.Date(2026, 3, 26, 9, 0, 0, 0, paris),
			utc(2026, 3, 29, 21, 30),                 // Sunday 23:30 CEST: still W13 in Paris
			utc(2026, 3, 29, 22, 30),                 // Monday 00:30 CEST: W14 in Paris
			time.Date(2026, 5, 1, 9, 0, 0, 0, paris), // outside every week: ignored
		},
		"acc_b": {
			time.Date(2026, 3, 24, 9, 0, 0, 0, paris),
			time.Date(2026, 4, 1, 9, 0, 0, 0, paris),
		},
		"acc_c": {},
	}
	cadences := map[string]int{"acc_a": 3, "acc_b": 1, "acc_c": 0, "acc_d": 2}
	got := calendars.Gaps(from, to, paris, cadences, posts)
	var lines []string
	for _, g := range got {
		lines = append(lines, fmt.Sprintf("%s %s %d/%d", g.Week, g.AccountID, g.Planned, g.Goal))
		if g.Missing() != g.Goal-g.Planned || g.Missing() <= 0 {
			t.Errorf("Missing() = %d for %+v", g.Missing(), g)
		}
		if s, e := g.Week.Bounds(paris); !s.Equal(g.Start) || !e.Equal(g.End) {
			t.Errorf("%s bounds %s..%s", g.Week, g.Start, g.End)
		}
	}
	want := []string{
		"2026-W13 acc_d 0/2",
		"2026-W14 acc_a 1/3",
		"2026-W14 acc_d 0/2",
		"2026-W15 acc_a 0/3",
		"2026-W15 acc_b 0/1",
		"2026-W15 acc_d 0/2",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("Gaps =\n%q\nwant\n%q", lines, want)
	}
	if got[0].Start.In(paris).Format("Mon 2006-01-02 15:04") != "Mon 2026-03-23 00:00" {
		t.Errorf("week starts %s", got[0].Start.In(paris))
	}

	// In UTC the Sunday 22:30 UTC post falls in W13, so acc_a meets its
	// goal there and misses by two in W14.
	utcGaps := calendars.Gaps(from, to, time.UTC, map[string]int{"acc_a": 3}, posts)
	var utcLines []string
	for _, g := range utcGaps {
		utcLines = append(utcLines, fmt.Sprintf("%s %d/%d", g.Week, g.Planned, g.Goal))
	}
	if want := []string{"2026-W14 0/3", "2026-W15 0/3"}; !slices.Equal(utcLines, want) {
		t.Errorf("UTC gaps %q, want %q", utcLines, want)
	}

	if g := calendars.Gaps(to, from, paris, cadences, posts); g != nil {
		t.Errorf("empty range gave %v", g)
	}
}

func TestWeekRange(t *testing.T) {
	t.Parallel()
	paris := mustZone(t, "Europe/Paris")
	cases := []struct {
		from, to   time.Time
		start, end string
	}{
		{time.Date(2026, 3, 25, 12, 0, 0, 0, paris), time.Date(2026, 4, 8, 0, 0, 0, 0, paris), "2026-03-23 00:00 CET", "2026-04-13 00:00 CEST"},
		// to on a Monday 00:00 is exclusive: that week is not included.
		{time.Date(2026, 3, 23, 0, 0, 0, 0, paris), time.Date(2026, 3, 30, 0, 0, 0, 0, paris), "2026-03-23 00:00 CET", "2026-03-30 00:00 CEST"},
		{time.Date(2026, 3, 25, 12, 0, 0, 0, paris), time.Date(2026, 3, 25, 12, 0, 0, 0, paris), "2026-03-23 00:00 CET", "2026-03-30 00:00 CEST"},
	}
	for _, c := range cases {
		s, e := calendars.WeekRange(c.from, c.to, paris)
		if got := s.In(paris).Format("2006-01-02 15:04 MST"); got != c.start {
			t.Errorf("start %s, want %s", got, c.start)
		}
		if got := e.In(paris).Format("2006-01-02 15:04 MST"); got != c.end {
			t.Errorf("end %s, want %s", got, c.end)
		}
	}
}

func TestCadenceValidate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		per int
		ok  bool
	}{{0, true}, {3, true}, {calendars.MaxPerWeek, true}, {-1, false}, {calendars.MaxPerWeek + 1, false}} {
		fe := calendars.Cadence{PerWeek: c.per}.Validate()
		if (len(fe) == 0) != c.ok || (!c.ok && fe[0].Field != "per_week") {
			t.Errorf("Cadence{%d}.Validate() = %v", c.per, fe)
		}
	}
}
