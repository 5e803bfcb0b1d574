package calendars_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
)

// Account ids of the right shape.
var (
	accA = "acc_" + strings.Repeat("0", 25) + "A"
	accB = "acc_" + strings.Repeat("0", 25) + "B"
)

// springWeek is a themed week in Paris from Friday 27 March 2026, across
// the spring-forward change of Sunday 29 March.
func springWeek() calendars.ThemedWeek {
	return calendars.ThemedWeek{
		Name: "Semaine du vélo", Theme: "Cycling to work", FirstDay: "2026-03-27", Zone: "Europe/Paris",
		Days: []calendars.DayPlan{
			{Offset: 2, Items: []calendars.PlanItem{
				{Time: "18:00", Format: calendars.FormatLiveQA, Content: "Live Q&A", Targets: []string{accA}},
				{Time: "02:30", Format: calendars.FormatPost, Content: "Night ride", Targets: []string{accB}},
			}},
			{Offset: 0, Items: []calendars.PlanItem{
				{Time: "09:30", Format: calendars.FormatArticle, Content: "Why cycle", Targets: []string{accA, accB}, Author: "Léa"},
			}},
			{Offset: 6, Items: []calendars.PlanItem{
				{Time: "09:30", Content: "Recap", Targets: []string{accA}},
			}},
		},
	}
}

func TestExpand(t *testing.T) {
	t.Parallel()
	paris := mustZone(t, "Europe/Paris")
	posts, fe := calendars.Expand(springWeek())
	if len(fe) > 0 {
		t.Fatalf("field errors: %v", fe)
	}
	type row struct {
		field, local string
		res          calendars.Resolution
		format       calendars.Format
	}
	var got []row
	for _, p := range posts {
		got = append(got, row{p.Field, p.At.In(paris).Format("Mon 2006-01-02 15:04 MST"), p.Resolution, p.Format})
		if p.Theme != "Cycling to work" || p.Week != "Semaine du vélo" {
			t.Errorf("theme/week not carried: %+v", p)
		}
	}
	want := []row{
		{"days[1].items[0]", "Fri 2026-03-27 09:30 CET", calendars.Exact, calendars.FormatArticle},
		{"days[0].items[1]", "Sun 2026-03-29 03:30 CEST", calendars.GapShifted, calendars.FormatPost},
		{"days[0].items[0]", "Sun 2026-03-29 18:00 CEST", calendars.Exact, calendars.FormatLiveQA},
		{"days[2].items[0]", "Thu 2026-04-02 09:30 CEST", calendars.Exact, calendars.FormatPost},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Expand =\n%v\nwant\n%v", got, want)
	}
	if posts[0].Date != (calendars.Date{Year: 2026, Month: 3, Day: 27}) || posts[0].Time != (calendars.Clock{Hour: 9, Minute: 30}) || posts[0].Author != "Léa" {
		t.Errorf("first post %+v", posts[0])
	}
}

func TestExpandFieldErrors(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", rythme.MaxContentBytes+1)
	cases := []struct {
		name   string
		edit   func(w *calendars.ThemedWeek)
		fields []string
	}{
		{"no name", func(w *calendars.ThemedWeek) { w.Name = " " }, []string{"name"}},
		{"bad first day", func(w *calendars.ThemedWeek) { w.FirstDay = "2026-02-30" }, []string{"first_day"}},
		{"bad zone", func(w *calendars.ThemedWeek) { w.Zone = "Europe/Atlantis" }, []string{"zone"}},
		{"no posts", func(w *calendars.ThemedWeek) { w.Days = nil }, []string{"days"}},
		{"offset out of week", func(w *calendars.ThemedWeek) { w.Days[2].Offset = 7 }, []string{"days[2].offset"}},
		{"negative offset", func(w *calendars.ThemedWeek) { w.Days[1].Offset = -1 }, []string{"days[1].offset"}},
		{"day twice", func(w *calendars.ThemedWeek) { w.Days[2].Offset = 0 }, []string{"days[2].offset"}},
		{"bad time", func(w *calendars.ThemedWeek) { w.Days[0].Items[1].Time = "25:00" }, []string{"days[0].items[1].time"}},
		{"time without minutes", func(w *calendars.ThemedWeek) { w.Days[1].Items[0].Time = "9h" }, []string{"days[1].items[0].time"}},
		{"empty content", func(w *calendars.ThemedWeek) { w.Days[0].Items[0].Content = "  " }, []string{"days[0].items[0].content"}},
		{"content too long", func(w *calendars.ThemedWeek) { w.Days[0].Items[0].Content = long }, []string{"days[0].items[0].content"}},
		{"no targets", func(w *calendars.ThemedWeek) { w.Days[2].Items[0].Targets = nil }, []string{"days[2].items[0].targets"}},
		{"bad and repeated target", func(w *calendars.ThemedWeek) {
			w.Days[1].Items[0].Targets = []string{accA, "twitter", accA}
		}, []string{"days[1].items[0].targets[1]", "days[1].items[0].targets[2]"}},
		{"unknown format", func(w *calendars.ThemedWeek) { w.Days[0].Items[0].Format = "podcast" }, []string{"days[0].items[0].format"}},
		{"author too long", func(w *calendars.ThemedWeek) {
			w.Days[0].Items[0].Author = strings.Repeat("é", rythme.MaxAuthorLength+1)
		}, []string{"days[0].items[0].author"}},
		{"several at once", func(w *calendars.ThemedWeek) {
			w.Zone = "Local"
			w.Days[0].Items[0].Time = ""
			w.Days[0].Items[0].Content = ""
		}, []string{"zone", "days[0].items[0].time", "days[0].items[0].content"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := springWeek()
			c.edit(&w)
			posts, fe := calendars.Expand(w)
			var fields []string
			for _, f := range fe {
				fields = append(fields, f.Field)
				if f.Message == "" {
					t.Errorf("%s has no message", f.Field)
				}
			}
			if !slices.Equal(fields, c.fields) || posts != nil {
				t.Errorf("fields %q, want %q (posts %d)", fields, c.fields, len(posts))
			}
		})
	}
}

func TestShift(t *testing.T) {
	t.Parallel()
	paris := mustZone(t, "Europe/Paris")
	orig := springWeek()
	copyWeek := calendars.Shift(orig, calendars.Date{Year: 2026, Month: 10, Day: 23})
	if copyWeek.FirstDay != "2026-10-23" || orig.FirstDay != "2026-03-27" {
		t.Fatalf("FirstDay %s / %s", copyWeek.FirstDay, orig.FirstDay)
	}
	copyWeek.Days[1].Items[0].Targets[0] = "changed"
	copyWeek.Days[1].Items[0].Content = "changed"
	if orig.Days[1].Items[0].Targets[0] != accA || orig.Days[1].Items[0].Content != "Why cycle" {
		t.Error("Shift shares data with the original")
	}
	copyWeek = calendars.Shift(orig, calendars.Date{Year: 2026, Month: 10, Day: 23})
	posts, fe := calendars.Expand(copyWeek)
	if len(fe) > 0 {
		t.Fatal(fe)
	}
	var got []string
	for _, p := range posts {
		got = append(got, p.At.In(paris).Format("Mon 2006-01-02 15:04 MST")+" "+string(p.Resolution))
	}
	// Across the fall-back change: local times kept, 02:30 is now in the
	// fold (first occurrence).
	want := []string{
		"Fri 2026-10-23 09:30 CEST exact",
		"Sun 2026-10-25 02:30 CEST fold_first",
		"Sun 2026-10-25 18:00 CET exact",
		"Thu 2026-10-29 09:30 CET exact",
	}
	if !slices.Equal(got, want) {
		t.Errorf("shifted =\n%q\nwant\n%q", got, want)
	}
}

func TestFormats(t *testing.T) {
	t.Parallel()
	for _, f := range calendars.Formats {
		if !f.Known() {
			t.Errorf("%s not known", f)
		}
	}
	if calendars.Format("").Known() || calendars.Format("Video").Known() {
		t.Error("empty or miscased format known")
	}
}

func TestChallenge(t *testing.T) {
	t.Parallel()
	paris := mustZone(t, "Europe/Paris")
	w13 := calendars.ISOWeek{Year: 2026, Week: 13}
	cases := []struct {
		now  time.Time
		open bool
	}{
		{time.Date(2026, 3, 22, 23, 59, 59, 0, paris), false},
		{time.Date(2026, 3, 23, 0, 0, 0, 0, paris), true},
		{time.Date(2026, 3, 29, 23, 59, 59, 0, paris), true}, // Sunday night, after the DST change
		{time.Date(2026, 3, 30, 0, 0, 0, 0, paris), false},
		{utc(2026, 3, 22, 23, 30), true}, // Monday 00:30 in Paris, still Sunday in UTC
	}
	for _, c := range cases {
		if got := calendars.SubmissionOpen(w13, paris, c.now); got != c.open {
			t.Errorf("SubmissionOpen(%s) = %v, want %v", c.now, got, c.open)
		}
	}
	open, closeAt := calendars.Window(w13, paris)
	if closeAt.Sub(open) != 167*time.Hour {
		t.Errorf("window %s..%s", open, closeAt)
	}

	ch := calendars.Challenge{Name: "Photo of the week", Zone: "Europe/Paris", Weeks: []calendars.ChallengeWeek{
		{Week: w13, Theme: "Spring"}, {Week: w13.Next(), Theme: "Bikes"},
	}}
	if fe := ch.Validate(); len(fe) > 0 {
		t.Fatal(fe)
	}
	if cur, ok := ch.Current(time.Date(2026, 4, 1, 12, 0, 0, 0, paris)); !ok || cur.Theme != "Bikes" {
		t.Errorf("Current = %+v, %v", cur, ok)
	}
	if _, ok := ch.Current(time.Date(2026, 4, 10, 12, 0, 0, 0, paris)); ok {
		t.Error("Current after the last week")
	}

	bad := calendars.Challenge{Name: "", Zone: "Mars/Base", Weeks: []calendars.ChallengeWeek{
		{Week: w13, Theme: "x"}, {Week: w13, Theme: ""}, {Week: calendars.ISOWeek{Year: 2027, Week: 53}, Theme: "y"},
	}}
	var fields []string
	for _, f := range bad.Validate() {
		fields = append(fields, f.Field)
	}
	want := []string{"name", "zone", "weeks[1].week", "weeks[1].theme", "weeks[2].week"}
	if !slices.Equal(fields, want) {
		t.Errorf("Validate fields %q, want %q", fields, want)
	}
	if fe := (calendars.Challenge{Name: "x"}).Validate(); len(fe) != 1 || fe[0].Field != "weeks" {
		t.Errorf("no weeks: %v", fe)
	}
}
