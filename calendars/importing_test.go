package calendars_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme/calendars"
)

func errLines(errs []calendars.RowError) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = fmt.Sprintf("%d:%d:%s", e.Line, e.Row, e.Field)
	}
	return out
}

func TestParseImportCSV(t *testing.T) {
	t.Parallel()
	csvText := "\xef\xbb\xbfContent, Scheduled_At ,timezone,accounts,tags,author\n" +
		"Hello,2026-03-29T09:30:00+02:00,,ACC1,launch;spring,Léa\n" + // line 2: ok (RFC 3339)
		"\"Multi\nline, quoted\",2026-03-29 02:30,Europe/Paris,ACC1;ACC2,,\n" + // lines 3-4: ok, in the gap
		",2026-03-30 09:00,,ACC1,,\n" + // line 5: no content
		"Bad time,tomorrow,,ACC1,,\n" + // line 6
		"Bad zone,2026-03-30 09:00,Mars/Base,ACC1,,\n" + // line 7
		"No accounts,2026-03-30 09:00,,,,\n" + // line 8
		"Bad account,2026-03-30 09:00,,twitter;ACC1;ACC1,,\n" + // line 9: two errors
		"Short row,2026-03-30 09:00\n" + // line 10
		"\n" + // blank line: skipped by encoding/csv
		"Default zone,2026-11-01 01:30,,ACC2,,\n" // line 12: New York fold
	csvText = strings.NewReplacer("ACC1", accA, "ACC2", accB).Replace(csvText)

	rows, errs := calendars.ParseImport(strings.NewReader(csvText), "csv", "America/New_York")
	wantErrs := []string{"5:3:content", "6:4:scheduled_at", "7:5:timezone", "8:6:accounts", "9:7:accounts", "9:7:accounts", "10:8:"}
	if got := errLines(errs); !slices.Equal(got, wantErrs) {
		t.Errorf("errors %q\nwant %q\n%v", got, wantErrs, errs)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows: %+v", len(rows), rows)
	}
	r := rows[0]
	if r.Line != 2 || r.Row != 1 || r.Content != "Hello" || !r.ScheduledAt.Equal(utc(2026, 3, 29, 7, 30)) ||
		r.Timezone != "America/New_York" || r.Resolution != calendars.Exact || r.Author != "Léa" ||
		!slices.Equal(r.Tags, []string{"launch", "spring"}) || !slices.Equal(r.Accounts, []string{accA}) {
		t.Errorf("row 1 = %+v", r)
	}
	r = rows[1]
	if r.Line != 3 || r.Content != "Multi\nline, quoted" || !r.ScheduledAt.Equal(utc(2026, 3, 29, 1, 30)) ||
		r.Resolution != calendars.GapShifted || r.Timezone != "Europe/Paris" || len(r.Accounts) != 2 || r.Tags != nil {
		t.Errorf("row 2 = %+v", r)
	}
	r = rows[2]
	if r.Line != 12 || r.Row != 9 || !r.ScheduledAt.Equal(utc(2026, 11, 1, 5, 30)) || r.Resolution != calendars.FoldFirst {
		t.Errorf("row 9 = %+v", r)
	}
	if r.ScheduledAt.Location() != time.UTC {
		t.Errorf("ScheduledAt not in UTC: %s", r.ScheduledAt)
	}
}

func TestParseImportCSVSemicolons(t *testing.T) {
	t.Parallel()
	in := "content;scheduled_at;accounts;\n\"Bonjour, le monde\";2026-03-30 09:00;\"" + accA + ";" + accB + "\";\n"
	rows, errs := calendars.ParseImport(strings.NewReader(in), "CSV", "Europe/Paris")
	if len(errs) > 0 || len(rows) != 1 || rows[0].Content != "Bonjour, le monde" || len(rows[0].Accounts) != 2 {
		t.Errorf("rows %+v errs %v", rows, errs)
	}
}

func TestParseImportJSON(t *testing.T) {
	t.Parallel()
	in := `[
  {"content": "Hello", "scheduled_at": "2026-03-29T09:30:00Z", "accounts": ["ACC1", "ACC2"], "tags": "a;b"},
  {"content": "", "scheduled_at": "2026-03-29 09:30",
   "accounts": "ACC1"},
  {"content": 42, "scheduled_at": "2026-03-29 09:30", "accounts": "ACC1", "colour": "red"},
  "not an object",
  {"content": "Local", "scheduled_at": "2026-03-29 02:30", "timezone": "Europe/Paris", "accounts": "ACC1;ACC2", "author": null}
]`
	in = strings.NewReplacer("ACC1", accA, "ACC2", accB).Replace(in)
	rows, errs := calendars.ParseImport(strings.NewReader(in), "json", "")
	want := []string{"3:2:content", "5:3:colour", "5:3:content", "6:4:"}
	if got := errLines(errs); !slices.Equal(got, want) {
		t.Errorf("errors %q, want %q\n%v", got, want, errs)
	}
	if len(rows) != 2 {
		t.Fatalf("rows %+v", rows)
	}
	if r := rows[0]; r.Line != 2 || !slices.Equal(r.Accounts, []string{accA, accB}) || !slices.Equal(r.Tags, []string{"a", "b"}) || r.Timezone != "UTC" {
		t.Errorf("row 1 = %+v", r)
	}
	if r := rows[1]; r.Line != 7 || r.Row != 5 || r.Resolution != calendars.GapShifted || !r.ScheduledAt.Equal(utc(2026, 3, 29, 1, 30)) {
		t.Errorf("row 5 = %+v", r)
	}
}

func TestParseImportFileErrors(t *testing.T) {
	t.Parallel()
	header := "content,scheduled_at,accounts\n"
	row := "x,2026-03-30 09:00," + accA + "\n"
	cases := []struct {
		name, format, zone, in string
		want                   []string // "line:row:field"
		msg                    string   // part of the first message
	}{
		{"unknown format", "xml", "", "", []string{"0:0:format"}, "csv or json"},
		{"bad default zone", "csv", "Local", header + row, []string{"0:0:timezone"}, "IANA"},
		{"empty csv", "csv", "", "", []string{"0:0:"}, "empty"},
		{"header only", "csv", "", header, []string{"0:0:"}, "no rows"},
		{"unknown and missing columns", "csv", "", "content,when,content\n", []string{"1:0:when", "1:0:content", "1:0:scheduled_at", "1:0:accounts"}, "not a known column"},
		{"broken quotes", "csv", "", header + row + "\"unterminated,2026-03-30 09:00,x\n", []string{"3:0:"}, "CSV syntax"},
		{"too many rows", "csv", "", header + strings.Repeat(row, calendars.MaxImportRows+1), []string{"0:0:"}, "more than 5000 rows"},
		{"too large", "csv", "", header + strings.Repeat("x", calendars.MaxImportBytes), []string{"0:0:"}, "larger than"},
		{"json not an array", "json", "", `{"content": "x"}`, []string{"1:0:"}, "array"},
		{"json syntax", "json", "", "[\n{\"content\": \"x\",\n}\n]", []string{"3:0:"}, "JSON syntax"},
		{"json empty array", "json", "", "[]", []string{"0:0:"}, "no rows"},
		{"json empty", "json", "", " ", []string{"0:0:"}, "empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rows, errs := calendars.ParseImport(strings.NewReader(c.in), c.format, c.zone)
			if rows != nil {
				t.Errorf("rows %d", len(rows))
			}
			if got := errLines(errs); !slices.Equal(got, c.want) {
				t.Errorf("errors %q, want %q (%v)", got, c.want, errs)
			}
			if len(errs) > 0 && !strings.Contains(errs[0].Message, c.msg) {
				t.Errorf("message %q lacks %q", errs[0].Message, c.msg)
			}
		})
	}
}

func TestParseImportRowLimits(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	b.WriteString("content,scheduled_at,accounts,tags,author\n")
	tags := strings.Repeat("t;", 21)
	fmt.Fprintf(&b, "x,2026-03-30 09:00,%s,%s,\n", accA, tags)                                            // line 2: too many tags
	fmt.Fprintf(&b, "x,2026-03-30 09:00,%s,%s,\n", accA, strings.Repeat("t", 65))                         // line 3: tag too long
	fmt.Fprintf(&b, "x,2026-03-30 09:00,%s,,%s\n", accA, strings.Repeat("a", 201))                        // line 4: author too long
	fmt.Fprintf(&b, "\"%s\",2026-03-30 09:00,%s,,\n", strings.Repeat("c", 64<<10+1), accA)                // line 5: content too long
	fmt.Fprintf(&b, "x,2026-03-30 09:00,%s,,\n", strings.Repeat(accA+";", 1)+strings.Repeat(accB+";", 1)) // line 6: fine
	fmt.Fprintf(&b, "\xff,2026-03-30 09:00,%s,,\n", accA)                                                 // line 7: not UTF-8
	rows, errs := calendars.ParseImport(&b, "csv", "UTC")
	want := []string{"2:1:tags", "3:2:tags", "4:3:author", "5:4:content", "7:6:content"}
	if got := errLines(errs); !slices.Equal(got, want) {
		t.Errorf("errors %q, want %q", got, want)
	}
	if len(rows) != 1 || rows[0].Line != 6 {
		t.Errorf("rows %+v", rows)
	}
	if s := errs[0].Error(); !strings.HasPrefix(s, "line 2: tags: ") {
		t.Errorf("Error() = %q", s)
	}
}

// TestParseImportPollAndComment: a row's first comment and poll columns,
// in CSV and JSON (whose array keeps an option's semicolon); a poll
// without options or duration, or with a bad one, is reported on its
// column.
func TestParseImportPollAndComment(t *testing.T) {
	t.Parallel()
	csvText := "content,scheduled_at,accounts,first_comment,poll_options,poll_duration_minutes,poll_multiple\n" +
		"Which?,2026-03-30 09:00,ACC1,More below,Tea;Coffee,60,yes\n" + // line 2: ok
		"Plain,2026-03-30 09:00,ACC1,,,,\n" + // line 3: ok, no poll
		"No options,2026-03-30 09:00,ACC1,,,60,\n" + // line 4
		"No duration,2026-03-30 09:00,ACC1,,A;B,,\n" + // line 5
		"Bad duration,2026-03-30 09:00,ACC1,,A;B,soon,maybe\n" // line 6: two errors
	csvText = strings.ReplaceAll(csvText, "ACC1", accA)
	rows, errs := calendars.ParseImport(strings.NewReader(csvText), "csv", "UTC")
	wantErrs := []string{"4:3:poll_options", "5:4:poll_duration_minutes", "6:5:poll_duration_minutes", "6:5:poll_multiple"}
	if got := errLines(errs); !slices.Equal(got, wantErrs) {
		t.Errorf("errors %q\nwant %q\n%v", got, wantErrs, errs)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows: %+v", len(rows), rows)
	}
	if p := rows[0].Poll; rows[0].FirstComment != "More below" || p == nil || !slices.Equal(p.Options, []string{"Tea", "Coffee"}) ||
		p.DurationMinutes != 60 || !p.Multiple {
		t.Errorf("row 1 = %+v, poll %+v", rows[0], p)
	}
	if rows[1].Poll != nil || rows[1].FirstComment != "" {
		t.Errorf("row 2 = %+v, poll %+v", rows[1], rows[1].Poll)
	}

	jsonText := `[{"content": "Which?", "scheduled_at": "2026-03-30 09:00", "accounts": ["` + accA + `"], "first_comment": "More",
	  "poll_options": ["Tea; hot", "Coffee"], "poll_duration_minutes": 30, "poll_multiple": false},
	 {"content": "Bad", "scheduled_at": "2026-03-30 09:00", "accounts": "` + accA + `", "poll_options": "A;B", "poll_duration_minutes": true}]`
	rows, errs = calendars.ParseImport(strings.NewReader(jsonText), "json", "UTC")
	if got := errLines(errs); !slices.Equal(got, []string{"3:2:poll_duration_minutes"}) {
		t.Errorf("JSON errors %q: %v", got, errs)
	}
	if len(rows) != 1 || rows[0].Poll == nil || !slices.Equal(rows[0].Poll.Options, []string{"Tea; hot", "Coffee"}) ||
		rows[0].Poll.DurationMinutes != 30 || rows[0].Poll.Multiple || rows[0].FirstComment != "More" {
		t.Fatalf("JSON rows %+v", rows)
	}
}
