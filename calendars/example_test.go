package calendars_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/rythmehq/rythme/calendars"
)

func ExampleResolve() {
	paris, _ := time.LoadLocation("Europe/Paris")
	for _, d := range []calendars.Date{{Year: 2026, Month: 3, Day: 29}, {Year: 2026, Month: 10, Day: 25}} {
		at, res, _ := calendars.Resolve(d, calendars.Clock{Hour: 2, Minute: 30}, paris)
		fmt.Println(d, "02:30 →", at.Format("15:04 MST"), at.UTC().Format("(15:04Z)"), res)
	}
	// Output:
	// 2026-03-29 02:30 → 03:30 CEST (01:30Z) gap_shifted
	// 2026-10-25 02:30 → 02:30 CEST (00:30Z) fold_first
}

func ExampleNextSlots() {
	paris, _ := time.LoadLocation("Europe/Paris")
	slots := []calendars.Slot{
		{Weekday: time.Tuesday, Hour: 9, Minute: 30},
		{Weekday: time.Thursday, Hour: 9, Minute: 30},
	}
	booked := time.Date(2026, 3, 26, 9, 30, 0, 0, paris)
	taken := func(at time.Time) bool { return at.Equal(booked) }
	after := time.Date(2026, 3, 23, 12, 0, 0, 0, paris)
	for _, at := range calendars.NextSlots(slots, paris, after, taken, 3) {
		fmt.Println(at.Format("Mon 2006-01-02 15:04 MST"))
	}
	// Output:
	// Tue 2026-03-24 09:30 CET
	// Tue 2026-03-31 09:30 CEST
	// Thu 2026-04-02 09:30 CEST
}

func ExampleNextCommonSlot() {
	paris, _ := time.LoadLocation("Europe/Paris")
	london, _ := time.LoadLocation("Europe/London")
	at, mode, ok := calendars.NextCommonSlot([]calendars.AccountSlots{
		{AccountID: "acc_fr", Zone: paris, Slots: []calendars.Slot{{Weekday: time.Tuesday, Hour: 9, Minute: 30}}},
		{AccountID: "acc_uk", Zone: london, Slots: []calendars.Slot{{Weekday: time.Tuesday, Hour: 8, Minute: 30}}},
	}, time.Date(2026, 3, 23, 0, 0, 0, 0, time.UTC))
	fmt.Println(at.In(paris).Format("Mon 15:04 MST"), at.In(london).Format("15:04 MST"), mode, ok)
	// Output: Tue 09:30 CET 08:30 GMT shared_slot true
}

func ExampleGaps() {
	paris, _ := time.LoadLocation("Europe/Paris")
	from := time.Date(2026, 3, 23, 0, 0, 0, 0, paris)
	to := from.AddDate(0, 0, 14)
	posts := map[string][]time.Time{"acc_fr": {from.Add(33 * time.Hour), from.Add(81 * time.Hour)}}
	for _, g := range calendars.Gaps(from, to, paris, map[string]int{"acc_fr": 2}, posts) {
		fmt.Printf("%s %s: %d planned, goal %d\n", g.Week, g.AccountID, g.Planned, g.Goal)
	}
	// Output: 2026-W14 acc_fr: 0 planned, goal 2
}

func ExampleParseRule() {
	paris, _ := time.LoadLocation("Europe/Paris")
	start := time.Date(2026, 3, 17, 9, 0, 0, 0, paris)
	rule, err := calendars.ParseRule("FREQ=WEEKLY;BYDAY=TU;COUNT=4", start)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, at := range calendars.Occurrences(rule, start, time.Time{}) {
		fmt.Println(at.Format("2006-01-02 15:04 MST"), at.UTC().Format("15:04Z"))
	}
	_, err = calendars.ParseRule("FREQ=WEEKLY", start)
	fmt.Println(err)
	// Output:
	// 2026-03-17 09:00 CET 08:00Z
	// 2026-03-24 09:00 CET 08:00Z
	// 2026-03-31 09:00 CEST 07:00Z
	// 2026-04-07 09:00 CEST 07:00Z
	// parse rule "FREQ=WEEKLY": needs COUNT or UNTIL (one of them, not both) so that it ends
}

func ExampleHorizon() {
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	rule, _ := calendars.ParseRule("FREQ=WEEKLY;COUNT=10", start)
	var last time.Time
	for _, now := range []time.Time{start.AddDate(0, 0, -1), start.AddDate(0, 0, 13)} {
		batch := calendars.Horizon(rule, last, now.AddDate(0, 0, 14))
		fmt.Println(len(batch), "to create, from", batch[0].At.Format("01-02"))
		last = batch[len(batch)-1].At
	}
	// Output:
	// 2 to create, from 01-05
	// 2 to create, from 01-19
}

func ExampleExpand() {
	week := calendars.ThemedWeek{
		Name: "Bike week", Theme: "Cycling to work", FirstDay: "2026-03-27", Zone: "Europe/Paris",
		Days: []calendars.DayPlan{
			{Offset: 0, Items: []calendars.PlanItem{{Time: "09:30", Format: calendars.FormatArticle, Content: "Why cycle", Targets: []string{accA}}}},
			{Offset: 2, Items: []calendars.PlanItem{{Time: "02:30", Format: calendars.FormatLiveQA, Content: "Night ride Q&A", Targets: []string{accA}}}},
		},
	}
	posts, _ := calendars.Expand(week)
	for _, p := range posts {
		fmt.Println(p.Field, p.At.Format("Mon 15:04 MST"), p.Resolution, p.Format)
	}
	week.Days[1].Items[0].Time = "26:00"
	_, fe := calendars.Expand(week)
	fmt.Println(fe[0].Field)
	// Output:
	// days[0].items[0] Fri 09:30 CET exact article
	// days[1].items[0] Sun 03:30 CEST gap_shifted live_qa
	// days[1].items[0].time
}

func ExampleSubmissionOpen() {
	paris, _ := time.LoadLocation("Europe/Paris")
	week, _ := calendars.ParseISOWeek("2026-W13")
	open, closeAt := calendars.Window(week, paris)
	fmt.Println(open.Format("Mon 01-02 15:04"), "to", closeAt.Format("Mon 01-02 15:04"))
	fmt.Println(calendars.SubmissionOpen(week, paris, time.Date(2026, 3, 29, 23, 0, 0, 0, paris)))
	fmt.Println(calendars.SubmissionOpen(week, paris, time.Date(2026, 3, 30, 0, 0, 0, 0, paris)))
	// Output:
	// Mon 03-23 00:00 to Mon 03-30 00:00
	// true
	// false
}

func ExampleFeed() {
	paris, _ := time.LoadLocation("Europe/Paris")
	out := calendars.Feed("Team calendar", "Europe/Paris", []calendars.Event{{
		UID: "pst_1", Start: time.Date(2026, 3, 24, 9, 30, 0, 0, paris), Zone: "Europe/Paris",
		Summary: "Why cycle", Stamp: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC),
	}})
	for _, line := range strings.Split(out, "\r\n") {
		if strings.HasPrefix(line, "DTSTART;") || strings.HasPrefix(line, "UID") || strings.HasPrefix(line, "TZID") {
			fmt.Println(line)
		}
	}
	// Output:
	// TZID:Europe/Paris
	// UID:pst_1@rythme
	// DTSTART;TZID=Europe/Paris:20260324T093000
}

func ExampleParseImport() {
	in := "content,scheduled_at,timezone,accounts\n" +
		"Hello,2026-03-29 09:30,Europe/Paris," + accA + "\n" +
		",2026-03-29 10:00,," + accA + "\n"
	rows, errs := calendars.ParseImport(strings.NewReader(in), calendars.ImportCSV, "UTC")
	for _, r := range rows {
		fmt.Println(r.Line, r.Content, r.ScheduledAt.Format(time.RFC3339), r.Timezone)
	}
	for _, e := range errs {
		fmt.Println(e)
	}
	// Output:
	// 2 Hello 2026-03-29T07:30:00Z Europe/Paris
	// line 3: content: is required
}
