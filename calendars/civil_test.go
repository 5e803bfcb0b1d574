package calendars_test

import (
	"errors"
	"testing"
	"time"

	"github.com/rythmehq/rythme/calendars"
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load zone %s: %v", name, err)
	}
	return loc
}

func utc(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, time.UTC)
}

func TestResolve(t *testing.T) {
	t.Parallel()
	paris := mustZone(t, "Europe/Paris")
	ny := mustZone(t, "America/New_York")
	lordHowe := mustZone(t, "Australia/Lord_Howe") // DST moves the clock by 30 minutes
	cases := []struct {
		name string
		zone *time.Location
		date calendars.Date
		at   calendars.Clock
		want time.Time
		res  calendars.Resolution
		wall string // expected local wall clock of the result
	}{
		{"paris winter", paris, calendars.Date{Year: 2026, Month: 3, Day: 28}, calendars.Clock{Hour: 9, Minute: 30}, utc(2026, 3, 28, 8, 30), calendars.Exact, "09:30"},
		{"paris before gap", paris, calendars.Date{Year: 2026, Month: 3, Day: 29}, calendars.Clock{Hour: 1, Minute: 59}, utc(2026, 3, 29, 0, 59), calendars.Exact, "01:59"},
		{"paris gap start", paris, calendars.Date{Year: 2026, Month: 3, Day: 29}, calendars.Clock{Hour: 2}, utc(2026, 3, 29, 1, 0), calendars.GapShifted, "03:00"},
		{"paris gap", paris, calendars.Date{Year: 2026, Month: 3, Day: 29}, calendars.Clock{Hour: 2, Minute: 30}, utc(2026, 3, 29, 1, 30), calendars.GapShifted, "03:30"},
		{"paris after gap", paris, calendars.Date{Year: 2026, Month: 3, Day: 29}, calendars.Clock{Hour: 3}, utc(2026, 3, 29, 1, 0), calendars.Exact, "03:00"},
		{"paris summer", paris, calendars.Date{Year: 2026, Month: 7, Day: 14}, calendars.Clock{Hour: 9, Minute: 30}, utc(2026, 7, 14, 7, 30), calendars.Exact, "09:30"},
		{"paris fold start", paris, calendars.Date{Year: 2026, Month: 10, Day: 25}, calendars.Clock{Hour: 2}, utc(2026, 10, 25, 0, 0), calendars.FoldFirst, "02:00"},
		{"paris fold", paris, calendars.Date{Year: 2026, Month: 10, Day: 25}, calendars.Clock{Hour: 2, Minute: 30}, utc(2026, 10, 25, 0, 30), calendars.FoldFirst, "02:30"},
		{"paris after fold", paris, calendars.Date{Year: 2026, Month: 10, Day: 25}, calendars.Clock{Hour: 3}, utc(2026, 10, 25, 2, 0), calendars.Exact, "03:00"},
		{"new york gap", ny, calendars.Date{Year: 2026, Month: 3, Day: 8}, calendars.Clock{Hour: 2, Minute: 30}, utc(2026, 3, 8, 7, 30), calendars.GapShifted, "03:30"},
		{"new york after gap", ny, calendars.Date{Year: 2026, Month: 3, Day: 8}, calendars.Clock{Hour: 9}, utc(2026, 3, 8, 13, 0), calendars.Exact, "09:00"},
		{"new york fold", ny, calendars.Date{Year: 2026, Month: 11, Day: 1}, calendars.Clock{Hour: 1, Minute: 30}, utc(2026, 11, 1, 5, 30), calendars.FoldFirst, "01:30"},
		{"new york after fold", ny, calendars.Date{Year: 2026, Month: 11, Day: 1}, calendars.Clock{Hour: 2}, utc(2026, 11, 1, 7, 0), calendars.Exact, "02:00"},
		{"lord howe half-hour gap", lordHowe, calendars.Date{Year: 2026, Month: 10, Day: 4}, calendars.Clock{Hour: 2, Minute: 15}, utc(2026, 10, 3, 15, 45), calendars.GapShifted, "02:45"},
		{"utc", time.UTC, calendars.Date{Year: 2026, Month: 3, Day: 29}, calendars.Clock{Hour: 2, Minute: 30, Second: 15}, time.Date(2026, 3, 29, 2, 30, 15, 0, time.UTC), calendars.Exact, "02:30"},
		{"nil zone is utc", nil, calendars.Date{Year: 2026, Month: 3, Day: 29}, calendars.Clock{Hour: 2, Minute: 30}, utc(2026, 3, 29, 2, 30), calendars.Exact, "02:30"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, res, err := calendars.Resolve(c.date, c.at, c.zone)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(c.want) || res != c.res {
				t.Errorf("Resolve = %s (%s), %s; want %s, %s", got, got.UTC(), res, c.want, c.res)
			}
			if w := got.Format("15:04"); w != c.wall {
				t.Errorf("wall clock %s, want %s", w, c.wall)
			}
			if c.zone != nil && got.Location() != c.zone {
				t.Errorf("location %s, want %s", got.Location(), c.zone)
			}
		})
	}
}

func TestResolveInvalid(t *testing.T) {
	t.Parallel()
	if _, _, err := calendars.Resolve(calendars.Date{Year: 2026, Month: 2, Day: 30}, calendars.Clock{}, time.UTC); !errors.Is(err, calendars.ErrDate) {
		t.Errorf("Feb 30: %v, want ErrDate", err)
	}
	for _, c := range []calendars.Clock{{Hour: 24}, {Minute: 60}, {Hour: -1}, {Second: 60}} {
		if _, _, err := calendars.Resolve(calendars.Date{Year: 2026, Month: 2, Day: 3}, c, time.UTC); !errors.Is(err, calendars.ErrClock) {
			t.Errorf("%+v: %v, want ErrClock", c, err)
		}
	}
}

// TestResolveProperties walks every quarter hour of a year in zones with
// whole-hour, half-hour and midnight changes and checks what Resolve
// promises: an exact or fold result shows the asked wall clock; a fold has
// a later instant with the same wall clock; a gap result is later on the
// wall clock; instants never go backwards as the wall clock moves on.
func TestResolveProperties(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"Europe/Paris", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata"} {
		zone := mustZone(t, name)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			counts := map[calendars.Resolution]int{}
			var prev time.Time
			var prevRes calendars.Resolution
			for wall := utc(2026, 1, 1, 0, 0); wall.Year() == 2026; wall = wall.Add(15 * time.Minute) {
				got, res, err := calendars.Resolve(calendars.DateOf(wall), calendars.ClockOf(wall), zone)
				if err != nil {
					t.Fatal(err)
				}
				counts[res]++
				local := got.In(zone)
				shown := time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), local.Minute(), local.Second(), 0, time.UTC)
				switch res {
				case calendars.Exact, calendars.FoldFirst:
					if !shown.Equal(wall) {
						t.Fatalf("%s: %s shows %s", res, wall, shown)
					}
				case calendars.GapShifted:
					if !shown.After(wall) || shown.Sub(wall) > 2*time.Hour {
						t.Fatalf("gap %s moved to %s", wall, shown)
					}
				}
				if res == calendars.FoldFirst {
					_, off1 := got.Zone()
					found := false
					for d := 15 * time.Minute; d <= 2*time.Hour; d += 15 * time.Minute {
						later := got.Add(d).In(zone)
						_, off2 := later.Zone()
						if later.Format("2006-01-02 15:04") == local.Format("2006-01-02 15:04") && off2 < off1 {
							found = true
						}
					}
					if !found {
						t.Fatalf("fold %s: no later instant with the same wall clock", wall)
					}
				}
				// Away from gaps, a later wall clock is a later instant.
				if res != calendars.GapShifted && !got.After(prev) && !prev.IsZero() && prevRes != calendars.GapShifted {
					t.Fatalf("%s resolved to %s, not after the previous %s", wall, got, prev)
				}
				prev, prevRes = got, res
			}
			if name != "Asia/Kolkata" && (counts[calendars.GapShifted] == 0 || counts[calendars.FoldFirst] == 0) {
				t.Errorf("no gap or fold seen: %v", counts)
			}
			if name == "Asia/Kolkata" && len(counts) != 1 {
				t.Errorf("Kolkata has no DST, got %v", counts)
			}
		})
	}
}

func TestParseDateClock(t *testing.T) {
	t.Parallel()
	dates := []struct {
		in   string
		want calendars.Date
		ok   bool
	}{
		{"2026-03-29", calendars.Date{Year: 2026, Month: 3, Day: 29}, true},
		{" 2024-02-29 ", calendars.Date{Year: 2024, Month: 2, Day: 29}, true},
		{"2026-02-29", calendars.Date{}, false},
		{"2026-3-29", calendars.Date{}, false},
		{"29/03/2026", calendars.Date{}, false},
		{"", calendars.Date{}, false},
	}
	for _, c := range dates {
		got, err := calendars.ParseDate(c.in)
		if (err == nil) != c.ok || got != c.want || (err != nil && !errors.Is(err, calendars.ErrDate)) {
			t.Errorf("ParseDate(%q) = %v, %v", c.in, got, err)
		}
		if c.ok && got.String() != trimSpace(c.in) {
			t.Errorf("String() = %s, want %s", got, c.in)
		}
	}
	clocks := []struct {
		in   string
		want calendars.Clock
		ok   bool
	}{
		{"09:30", calendars.Clock{Hour: 9, Minute: 30}, true},
		{"23:59:59", calendars.Clock{Hour: 23, Minute: 59, Second: 59}, true},
		{"00:00", calendars.Clock{}, true},
		{"24:00", calendars.Clock{}, false},
		{"9:30", calendars.Clock{}, false},
		{"09:60", calendars.Clock{}, false},
		{"09h30", calendars.Clock{}, false},
		{"", calendars.Clock{}, false},
	}
	for _, c := range clocks {
		got, err := calendars.ParseClock(c.in)
		if (err == nil) != c.ok || got != c.want || (err != nil && !errors.Is(err, calendars.ErrClock)) {
			t.Errorf("ParseClock(%q) = %v, %v", c.in, got, err)
		}
	}
	if s := (calendars.Clock{Hour: 9, Minute: 5}).String(); s != "09:05" {
		t.Errorf("Clock.String = %s", s)
	}
	var d calendars.Date
	if err := d.UnmarshalText([]byte("2026-13-01")); err == nil {
		t.Error("UnmarshalText accepted month 13")
	}
}

func trimSpace(s string) string {
	for len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	for len(s) > 0 && s[len(s)-1] == ' ' {
		s = s[:len(s)-1]
	}
	return s
}

func TestISOWeek(t *testing.T) {
	t.Parallel()
	paris := mustZone(t, "Europe/Paris")
	cases := []struct {
		in     string
		monday calendars.Date
		ok     bool
	}{
		{"2026-W13", calendars.Date{Year: 2026, Month: 3, Day: 23}, true},
		{"2026W01", calendars.Date{Year: 2025, Month: 12, Day: 29}, true},
		{"2020-W53", calendars.Date{Year: 2020, Month: 12, Day: 28}, true},
		{"2027-W01", calendars.Date{Year: 2027, Month: 1, Day: 4}, true},
		{"2021-W53", calendars.Date{}, false},
		{"2026-W00", calendars.Date{}, false},
		{"2026-13", calendars.Date{}, false},
	}
	for _, c := range cases {
		w, err := calendars.ParseISOWeek(c.in)
		if (err == nil) != c.ok {
			t.Errorf("ParseISOWeek(%q): %v", c.in, err)
			continue
		}
		if !c.ok {
			if !errors.Is(err, calendars.ErrWeek) {
				t.Errorf("ParseISOWeek(%q) error %v, want ErrWeek", c.in, err)
			}
			continue
		}
		if got := w.Monday(); got != c.monday {
			t.Errorf("%s Monday = %s, want %s", w, got, c.monday)
		}
		if back := calendars.ISOWeekOfDate(c.monday.AddDays(6)); back != w {
			t.Errorf("ISOWeekOfDate(Sunday of %s) = %s", w, back)
		}
	}
	// The week of the spring-forward change is an hour short in Paris.
	start, end := calendars.ISOWeek{Year: 2026, Week: 13}.Bounds(paris)
	if !start.Equal(utc(2026, 3, 22, 23, 0)) || end.Sub(start) != 167*time.Hour {
		t.Errorf("W13 Paris = [%s, %s)", start, end)
	}
	if w := calendars.ISOWeekOf(utc(2026, 3, 29, 22, 30), paris); w.String() != "2026-W14" {
		t.Errorf("Sunday 22:30 UTC is Monday in Paris: got %s", w)
	}
	if w := calendars.ISOWeekOf(utc(2026, 3, 29, 22, 30), nil); w.String() != "2026-W13" {
		t.Errorf("in UTC: got %s", w)
	}
	// 2026 starts on a Thursday, so it has 53 ISO weeks; 2027 has 52.
	if !(calendars.ISOWeek{Year: 2026, Week: 53}).Valid() || (calendars.ISOWeek{Year: 2027, Week: 53}).Valid() {
		t.Error("2026 has 53 ISO weeks, 2027 52")
	}
	if next := (calendars.ISOWeek{Year: 2026, Week: 53}).Next(); next.String() != "2027-W01" {
		t.Errorf("Next = %s", next)
	}
}
