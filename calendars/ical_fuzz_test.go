package calendars_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
)

// FuzzFeed: a feed carries text people and networks wrote (the
// workspace's name, posts' content, the post URLs networks answer).
// Whatever it is, the document parses back with golang-ical with one
// event per post, each keeping its UID, start, summary and (clean) URL, and no
// line is longer than 75 octets.
func FuzzFeed(f *testing.F) {
	base := time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC).Unix()
	f.Add("Rythme — Équipe vélo", "Europe/Paris", "pst_1", "Why cycle", "Line one\r\nLine two, with \\ and ;", "https://mastodon.example/@a/1", int64(0), "Europe/Paris", int64(900))
	f.Add("Team", "UTC", "pst_2", "Long "+strings.Repeat("é", 80), "", "", int64(86400*200), "America/New_York", int64(0))
	f.Add("a\nb", "Mars/Base", "pst_3", "semi;colon,comma\\", "x\ry", "https://x.example/a b", int64(-86400*365*20), "", int64(-5))
	f.Add("", "", "", "", "", "", int64(0), "UTC", int64(0))
	f.Add("Name:with:colons", "Pacific/Chatham", "pst_4@x", "\x00", "\t", "mailto:a@b", int64(86400*365*70), "Australia/Lord_Howe", int64(1<<40))
	f.Fuzz(func(t *testing.T, name, zone, uid, summary, desc, url string, offset int64, evZone string, dur int64) {
		for _, s := range []string{name, uid, summary, desc, url} {
			if !utf8.ValidString(s) {
				return // rythme validates post content and names as UTF-8
			}
		}
		if strings.ContainsFunc(uid, func(r rune) bool { return !isIDRune(r) }) {
			return // UIDs are post ids, made by rythme
		}
		start := time.Unix(base+offset%(80*365*86400), 0).UTC()
		events := []calendars.Event{
			{UID: uid, Start: start, Zone: evZone, Summary: summary, Description: desc, URL: url,
				Duration: time.Duration(dur%86400) * time.Second},
			{UID: "pst_fixed", Start: start.Add(time.Hour), Summary: "fixed", Status: calendars.EventCancelled},
		}
		out := calendars.Feed(name, zone, events)
		for _, line := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
			if len(line) > 75 {
				t.Fatalf("line longer than 75 octets: %q", line)
			}
		}
		cal, err := ics.ParseCalendar(strings.NewReader(out))
		if err != nil {
			t.Fatalf("the feed does not parse: %v\n%s", err, out)
		}
		got := cal.Events()
		if len(got) != len(events) {
			t.Fatalf("%d events, want %d\n%s", len(got), len(events), out)
		}
		var ev *ics.VEvent
		for _, e := range got {
			if e.Id() == uid+calendars.UIDSuffix {
				ev = e
			}
		}
		if ev == nil {
			t.Fatalf("no event with UID %q\n%s", uid+calendars.UIDSuffix, out)
		}
		if at, err := ev.GetStartAt(); err != nil || !at.Equal(start) {
			t.Fatalf("DTSTART %v (%v), want %v\n%s", at, err, start, out)
		}
		// golang-ical unescapes TEXT values as it parses them.
		// Control characters other than tab and newline (text stored before
		// rythme refused them) are left out of the feed.
		wantSummary := strings.Map(func(r rune) rune {
			if r != '\t' && r != '\n' && rythme.HasControlChar(string(r)) {
				return -1
			}
			return r
		}, strings.ReplaceAll(strings.ReplaceAll(summary, "\r\n", "\n"), "\r", "\n"))
		if p := ev.GetProperty(ics.ComponentPropertySummary); p == nil || p.Value != wantSummary {
			t.Fatalf("SUMMARY %v, want %q\n%s", p, wantSummary, out)
		}
		// A clean http(s) URL comes back as written; anything else (a
		// CR/LF that would forge properties, another scheme) is left out.
		p := ev.GetProperty(ics.ComponentPropertyUrl)
		switch {
		case calendars.SafeURL(url) && (p == nil || p.Value != url):
			t.Fatalf("URL %v, want %q\n%s", p, url, out)
		case !calendars.SafeURL(url) && p != nil:
			t.Fatalf("unsafe URL %q written as %q\n%s", url, p.Value, out)
		}
	})
}

func isIDRune(r rune) bool {
	return r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}
