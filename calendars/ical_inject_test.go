package calendars_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme/calendars"
)

// A URL comes from a network's answer (or a person): a CR or LF in it must
// not end the line and inject properties or events into the feed.
func TestFeedRefusesURLInjection(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	evil := "https://mastodon.example/@a/1\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:forged@rythme\r\nSUMMARY:Forged"
	feed := calendars.Feed("Team", "UTC", []calendars.Event{
		{UID: "pst_1", Start: at, Summary: "Launch", URL: evil},
		{UID: "pst_2", Start: at, Summary: "Fine", URL: "https://mastodon.example/@a/2"},
		{UID: "pst_3", Start: at, Summary: "Not a link", URL: "javascript:alert(1)"},
	})
	if n := strings.Count(feed, "BEGIN:VEVENT"); n != 3 {
		t.Fatalf("%d events in the feed, want 3:\n%s", n, feed)
	}
	if strings.Contains(feed, "forged") || strings.Contains(feed, "javascript:") {
		t.Fatalf("an unsafe URL reached the feed:\n%s", feed)
	}
	if !strings.Contains(feed, "URL:https://mastodon.example/@a/2") {
		t.Fatalf("a safe URL is missing:\n%s", feed)
	}
}

// Text stored before control characters were refused (a NUL, an escape)
// does not reach the feed raw.
func TestFeedDropsControlCharacters(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	feed := calendars.Feed("Team", "UTC", []calendars.Event{
		{UID: "pst_1", Start: at, Summary: "Laun\x00ch\x1b[2J", Description: "line\tone\nline two\x7f"},
	})
	for _, c := range []string{"\x00", "\x1b", "\x7f"} {
		if strings.Contains(feed, c) {
			t.Fatalf("the feed holds control character %q:\n%q", c, feed)
		}
	}
	if !strings.Contains(feed, "SUMMARY:Launch[2J") {
		t.Fatalf("the summary lost more than its control characters:\n%s", feed)
	}
}
