package calendars_test

import (
	"sort"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/rythmehq/rythme/calendars"
)

func feedEvents(t *testing.T) []calendars.Event {
	t.Helper()
	paris := mustZone(t, "Europe/Paris")
	ny := mustZone(t, "America/New_York")
	return []calendars.Event{
		{
			UID: "pst_2", Start: time.Date(2026, 11, 2, 9, 30, 0, 0, paris), Zone: "Europe/Paris",
			Summary: "Recap, week 44; all networks", Description: "Line one\r\nLine two, with \\ and ;",
			URL: "https://rythme.example/posts/pst_2", Status: calendars.EventTentative,
			Stamp: utc(2026, 10, 1, 12, 0), Duration: 15 * time.Minute,
		},
		{
			UID: "pst_1", Start: time.Date(2026, 3, 24, 9, 30, 0, 0, paris), Zone: "Europe/Paris",
			Summary: "Why cycle", Status: calendars.EventConfirmed, Stamp: utc(2026, 3, 1, 8, 0),
		},
		{
			UID: "pst_3", Start: time.Date(2026, 3, 8, 3, 30, 0, 0, ny), Zone: "America/New_York",
			Summary: "Long summary " + strings.Repeat("é", 80), Status: calendars.EventCancelled,
		},
		{UID: "pst_4", Start: utc(2026, 6, 1, 12, 0), Zone: "UTC", Summary: "In UTC"},
		{UID: "pst_5", Start: utc(2026, 6, 2, 12, 0), Summary: "Feed zone", Zone: ""},
	}
}

func TestFeedRoundTrip(t *testing.T) {
	t.Parallel()
	events := feedEvents(t)
	out := calendars.Feed("Rythme — Équipe vélo", "Europe/Paris", events)
	for _, line := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line longer than 75 octets: %q", line)
		}
	}
	if again := calendars.Feed("Rythme — Équipe vélo", "Europe/Paris", events); again != out {
		t.Error("Feed is not deterministic")
	}

	cal, err := ics.ParseCalendar(strings.NewReader(out))
	if err != nil {
		t.Fatalf("parse feed: %v\n%s", err, out)
	}
	got := cal.Events()
	if len(got) != len(events) {
		t.Fatalf("%d events, want %d", len(got), len(events))
	}
	byUID := map[string]calendars.Event{}
	for _, e := range events {
		byUID[e.UID+calendars.UIDSuffix] = e
	}
	var order []string
	for _, ev := range got {
		order = append(order, ev.Id())
		want, ok := byUID[ev.Id()]
		if !ok {
			t.Errorf("unexpected UID %s", ev.Id())
			continue
		}
		start, err := ev.GetStartAt()
		if err != nil || !start.Equal(want.Start) {
			t.Errorf("%s DTSTART %s (%v), want %s", ev.Id(), start, err, want.Start)
		}
		prop := ev.GetProperty(ics.ComponentPropertyDtStart)
		tzid := prop.ICalParameters["TZID"]
		wantZone := want.Zone
		if wantZone == "" {
			wantZone = "Europe/Paris"
		}
		if wantZone == "UTC" {
			if len(tzid) != 0 || !strings.HasSuffix(prop.Value, "Z") {
				t.Errorf("%s UTC DTSTART written %v %s", ev.Id(), tzid, prop.Value)
			}
		} else if len(tzid) != 1 || tzid[0] != wantZone || prop.Value != want.Start.In(mustZone(t, wantZone)).Format("20060102T150405") {
			t.Errorf("%s DTSTART %v:%s, want TZID %s on the wall clock", ev.Id(), tzid, prop.Value, wantZone)
		}
		if s := ics.FromText(ev.GetProperty(ics.ComponentPropertySummary).Value); s != want.Summary {
			t.Errorf("%s SUMMARY %q, want %q", ev.Id(), s, want.Summary)
		}
		if want.Description != "" {
			d := ics.FromText(ev.GetProperty(ics.ComponentPropertyDescription).Value)
			if d != strings.ReplaceAll(want.Description, "\r\n", "\n") {
				t.Errorf("%s DESCRIPTION %q", ev.Id(), d)
			}
		}
		wantStatus := want.Status
		if wantStatus == "" {
			wantStatus = calendars.EventConfirmed
		}
		if s := ev.GetProperty(ics.ComponentPropertyStatus); s == nil || s.Value != string(wantStatus) {
			t.Errorf("%s STATUS %v, want %s", ev.Id(), s, wantStatus)
		}
		stamp, err := ev.GetDtStampTime()
		wantStamp := want.Stamp
		if wantStamp.IsZero() {
			wantStamp = want.Start
		}
		if err != nil || !stamp.Equal(wantStamp) {
			t.Errorf("%s DTSTAMP %s (%v), want %s", ev.Id(), stamp, err, wantStamp)
		}
		if want.URL != "" {
			if u := ev.GetProperty(ics.ComponentPropertyUrl); u == nil || u.Value != want.URL {
				t.Errorf("%s URL %v", ev.Id(), u)
			}
		}
		if want.Duration > 0 {
			end, err := ev.GetEndAt()
			if err != nil || end.Sub(want.Start) != want.Duration {
				t.Errorf("%s DTEND %s (%v)", ev.Id(), end, err)
			}
		} else if ev.GetProperty(ics.ComponentPropertyDtEnd) != nil {
			t.Errorf("%s has a DTEND", ev.Id())
		}
	}
	wantOrder := []string{"pst_3@rythme", "pst_1@rythme", "pst_4@rythme", "pst_5@rythme", "pst_2@rythme"}
	if strings.Join(order, " ") != strings.Join(wantOrder, " ") {
		t.Errorf("event order %v, want %v", order, wantOrder)
	}

	var zones []string
	for _, tz := range cal.Timezones() {
		zones = append(zones, tz.GetProperty(ics.ComponentPropertyTzid).Value)
	}
	sort.Strings(zones)
	if strings.Join(zones, " ") != "America/New_York Europe/Paris" {
		t.Errorf("VTIMEZONEs %v", zones)
	}
	for _, p := range []string{"X-WR-CALNAME:Rythme — Équipe vélo", "X-WR-TIMEZONE:Europe/Paris", "VERSION:2.0"} {
		if !strings.Contains(out, p) {
			t.Errorf("feed lacks %q", p)
		}
	}
}

// TestFeedVTimezone reads the VTIMEZONE observances back and checks that,
// applied as RFC 5545 §3.6.5 says (the latest onset at or before the
// time wins), they give every event the offset Go's zone data gives: a
// reader with no zone database sees the right instants.
func TestFeedVTimezone(t *testing.T) {
	t.Parallel()
	out := calendars.Feed("x", "UTC", feedEvents(t))
	cal, err := ics.ParseCalendar(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	type onset struct {
		at  time.Time
		off time.Duration
		dst bool
	}
	obs := map[string][]onset{}
	for _, tz := range cal.Timezones() {
		id := tz.GetProperty(ics.ComponentPropertyTzid).Value
		for _, sub := range tz.SubComponents() {
			var cb *ics.ComponentBase
			dst := false
			switch c := sub.(type) {
			case *ics.Standard:
				cb = &c.ComponentBase
			case *ics.Daylight:
				cb, dst = &c.ComponentBase, true
			default:
				t.Fatalf("unexpected %T in VTIMEZONE", sub)
			}
			from := parseOffset(t, cb.GetProperty(ics.ComponentProperty("TZOFFSETFROM")).Value)
			to := parseOffset(t, cb.GetProperty(ics.ComponentProperty("TZOFFSETTO")).Value)
			wall, err := time.Parse("20060102T150405", cb.GetProperty(ics.ComponentPropertyDtStart).Value)
			if err != nil {
				t.Fatal(err)
			}
			obs[id] = append(obs[id], onset{at: wall.Add(-from), off: to, dst: dst})
		}
	}
	if len(obs["Europe/Paris"]) < 3 {
		t.Errorf("Paris events span both 2026 changes; observances: %v", obs["Europe/Paris"])
	}
	sawDST := false
	for _, e := range feedEvents(t) {
		if e.Zone == "" || e.Zone == "UTC" {
			continue
		}
		var cur *onset
		for i := range obs[e.Zone] {
			if o := &obs[e.Zone][i]; !o.at.After(e.Start) && (cur == nil || o.at.After(cur.at)) {
				cur = o
			}
		}
		_, want := e.Start.In(mustZone(t, e.Zone)).Zone()
		if cur == nil || cur.off != time.Duration(want)*time.Second {
			t.Errorf("%s at %s: VTIMEZONE offset %v, Go says %ds", e.UID, e.Start, cur, want)
		}
		sawDST = sawDST || (cur != nil && cur.dst)
	}
	if !sawDST {
		t.Error("no event fell under a DAYLIGHT observance")
	}
}

func parseOffset(t *testing.T, s string) time.Duration {
	t.Helper()
	if len(s) != 5 && len(s) != 7 {
		t.Fatalf("offset %q", s)
	}
	d, err := time.ParseDuration(s[1:3] + "h" + s[3:5] + "m")
	if err != nil {
		t.Fatal(err)
	}
	if s[0] == '-' {
		d = -d
	}
	return d
}

func TestFeedEdgeCases(t *testing.T) {
	t.Parallel()
	// An unknown feed zone falls back to UTC; an empty feed is valid.
	out := calendars.Feed("empty", "Nowhere/Land", nil)
	cal, err := ics.ParseCalendar(strings.NewReader(out))
	if err != nil || len(cal.Events()) != 0 || !strings.Contains(out, "X-WR-TIMEZONE:UTC") {
		t.Errorf("empty feed: %v\n%s", err, out)
	}
	// A zone without DST today still gets a VTIMEZONE whose last
	// observance is its standard time.
	kolkata := mustZone(t, "Asia/Kolkata")
	out = calendars.Feed("k", "Asia/Kolkata", []calendars.Event{{UID: "pst_k", Start: time.Date(2026, 5, 1, 10, 0, 0, 0, kolkata), Summary: "x"}})
	cal, err = ics.ParseCalendar(strings.NewReader(out))
	if err != nil || len(cal.Timezones()) != 1 {
		t.Fatalf("Kolkata feed: %v\n%s", err, out)
	}
	subs := cal.Timezones()[0].SubComponents()
	if last, ok := subs[len(subs)-1].(*ics.Standard); !ok || last.GetProperty(ics.ComponentProperty("TZOFFSETTO")).Value != "+0530" {
		t.Errorf("Kolkata's last observance: %#v", subs[len(subs)-1])
	}
	if !strings.Contains(out, "DTSTART;TZID=Asia/Kolkata:20260501T100000") {
		t.Errorf("Kolkata feed:\n%s", out)
	}
}

func TestStatusForPost(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]calendars.EventStatus{
		"cancelled": calendars.EventCancelled, "draft": calendars.EventTentative, "pending_review": calendars.EventTentative,
		"scheduled": calendars.EventConfirmed, "published": calendars.EventConfirmed, "failed": calendars.EventConfirmed,
	} {
		if got := calendars.StatusForPost(in); got != want {
			t.Errorf("StatusForPost(%s) = %s, want %s", in, got, want)
		}
	}
}
