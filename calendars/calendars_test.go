package calendars_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rythmehq/rythme/calendars"
)

func TestParseTime(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 29, 0, 30, 0, 123456789, time.UTC)
	cases := []struct {
		in   string
		want time.Time
		err  error
	}{
		{"", time.Time{}, nil},
		{"now", now.Truncate(time.Microsecond), nil},
		{" NOW ", now.Truncate(time.Microsecond), nil},
		// Paris switches to summer time at 02:00 this day; the offset says
		// which instant is meant.
		{"2026-03-29T03:30:00+02:00", time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC), nil},
		{"2026-03-29T09:00:00.0000019Z", time.Date(2026, 3, 29, 9, 0, 0, 1000, time.UTC), nil},
		{"2026-03-29T09:00:00", time.Time{}, calendars.ErrTimeFormat}, // no offset: ambiguous
		{"tomorrow", time.Time{}, calendars.ErrTimeFormat},
		{"2026-03-28T09:00:00Z", time.Date(2026, 3, 28, 9, 0, 0, 0, time.UTC), calendars.ErrTimePast},
	}
	for _, c := range cases {
		got, err := calendars.ParseTime(c.in, now)
		if !errors.Is(err, c.err) || !got.Equal(c.want) || (!got.IsZero() && got.Location() != time.UTC) {
			t.Errorf("ParseTime(%q) = %s, %v; want %s, %v", c.in, got, err, c.want, c.err)
		}
	}
}

func TestLoadZone(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"", "UTC", "Europe/Paris", "America/New_York"} {
		if _, err := calendars.LoadZone(ok); err != nil {
			t.Errorf("LoadZone(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"Local", "Mars/Olympus", "../etc/passwd"} {
		if _, err := calendars.LoadZone(bad); !errors.Is(err, calendars.ErrZone) {
			t.Errorf("LoadZone(%q) = %v, want ErrZone", bad, err)
		}
	}
}

func ExampleParseTime() {
	now := time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)
	at, _ := calendars.ParseTime("2026-11-23T09:30:00+01:00", now)
	fmt.Println(at.Format(time.RFC3339))
	// Output: 2026-11-23T08:30:00Z
}
