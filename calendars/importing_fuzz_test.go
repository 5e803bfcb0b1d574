package calendars_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
)

// Account ids for the fuzz seeds.
const (
	fuzzAcc1 = "acc_01J5Z3K8M9N0P1Q2R3S4T5V6W7"
	fuzzAcc2 = "acc_01J5Z3K8M9N0P1Q2R3S4T5V6W8"
)

// FuzzParseImport: an import file is a user's upload. Whatever its bytes,
// ParseImport returns rows that hold every documented rule, in file
// order, and errors that each name a line once a row is reached.
func FuzzParseImport(f *testing.F) {
	header := "content,scheduled_at,timezone,accounts,tags,author\n"
	for _, seed := range []struct {
		json bool
		zone string
		data string
	}{
		{false, "UTC", header + "Hello,2026-03-29T09:30:00+02:00,," + fuzzAcc1 + ",launch;spring,Léa\n"},
		{false, "Europe/Paris", header + "\"Multi\nline, quoted\",2026-03-29 02:30,Europe/Paris," + fuzzAcc1 + ";" + fuzzAcc2 + ",,\n"},
		{false, "America/New_York", "\xef\xbb\xbfContent; Scheduled_At ;accounts\nHi;2026-11-01 01:30;" + fuzzAcc1 + "\n"},
		{false, "UTC", header + ",2026-03-30 09:00,,acc_bad,,\nShort row\n\"unterminated"},
		{false, "UTC", "content,colour\n"},
		{false, "Mars/Base", header},
		{false, "UTC", ""},
		{false, "", "content,scheduled_at,accounts,\nx,2026-03-30T09:00:00Z," + fuzzAcc1 + "," + fuzzAcc1 + "\n"},
		{true, "UTC", `[{"content":"Hi","scheduled_at":"2026-03-29 09:30","accounts":["` + fuzzAcc1 + `"],"tags":"a;b"}]`},
		{true, "Europe/Paris", "[\n {\"content\": \"a\", \"scheduled_at\": \"2026-10-25T02:30\", \"accounts\": \"" + fuzzAcc1 + ";" + fuzzAcc1 + "\"},\n 42,\n {\"content\": 7, \"colour\": \"red\"}\n]"},
		{true, "UTC", `{"content":"not an array"}`},
		{true, "UTC", `[{"content":"x"}`},
		{true, "UTC", `[null, [], "s", {"author": null, "timezone": "Local"}]`},
		{true, "UTC", `[{"content":"\ud800","scheduled_at":"2026-01-01T00:00:00Z","accounts":[1]}]`},
	} {
		f.Add(seed.json, seed.zone, []byte(seed.data))
	}
	f.Fuzz(func(t *testing.T, asJSON bool, zone string, data []byte) {
		format := calendars.ImportCSV
		if asJSON {
			format = calendars.ImportJSON
		}
		rows, errs := calendars.ParseImport(strings.NewReader(string(data)), format, zone)
		if len(rows) == 0 && len(errs) == 0 {
			t.Fatalf("ParseImport(%s, %q, %q): neither rows nor errors", format, zone, data)
		}
		for _, e := range errs {
			if e.Message == "" || e.Error() == "" {
				t.Fatalf("error without a message: %+v", e)
			}
			if e.Row > 0 && e.Line < 1 {
				t.Fatalf("error of row %d has no line: %+v", e.Row, e)
			}
		}
		lastRow, lastLine := 0, 0
		for _, r := range rows {
			if r.Row <= lastRow || r.Line < lastLine || r.Line < 1 {
				t.Fatalf("rows out of file order: row %d line %d after row %d line %d", r.Row, r.Line, lastRow, lastLine)
			}
			lastRow, lastLine = r.Row, r.Line
			checkImportRow(t, r)
		}
	})
}

// checkImportRow fails unless r holds every rule ParseImport documents.
func checkImportRow(t *testing.T, r calendars.ImportRow) {
	t.Helper()
	switch {
	case strings.TrimSpace(r.Content) == "" || len(r.Content) > rythme.MaxContentBytes || !utf8.ValidString(r.Content):
		t.Fatalf("row %d: bad content %q", r.Row, r.Content)
	case r.ScheduledAt.IsZero() || r.ScheduledAt.Location() != time.UTC:
		t.Fatalf("row %d: scheduled_at %v is not a UTC instant", r.Row, r.ScheduledAt)
	case r.Resolution != calendars.Exact && r.Resolution != calendars.GapShifted && r.Resolution != calendars.FoldFirst:
		t.Fatalf("row %d: resolution %q", r.Row, r.Resolution)
	case len(r.Accounts) == 0 || len(r.Accounts) > rythme.MaxTargets:
		t.Fatalf("row %d: %d accounts", r.Row, len(r.Accounts))
	case len(r.Tags) > rythme.MaxTags:
		t.Fatalf("row %d: %d tags", r.Row, len(r.Tags))
	case utf8.RuneCountInString(r.Author) > rythme.MaxAuthorLength || !utf8.ValidString(r.Author):
		t.Fatalf("row %d: bad author %q", r.Row, r.Author)
	}
	if _, err := calendars.LoadZone(r.Timezone); err != nil || r.Timezone == "" {
		t.Fatalf("row %d: timezone %q does not load: %v", r.Row, r.Timezone, err)
	}
	seen := map[string]bool{}
	for _, id := range r.Accounts {
		if !rythme.ValidID(rythme.PrefixAccount, id) || seen[id] {
			t.Fatalf("row %d: account %q is not an id or is listed twice", r.Row, id)
		}
		seen[id] = true
	}
	for _, tag := range r.Tags {
		if tag == "" || utf8.RuneCountInString(tag) > rythme.MaxTagLength || !utf8.ValidString(tag) {
			t.Fatalf("row %d: bad tag %q", r.Row, tag)
		}
	}
}
