package web_test

// The planning pages: the calendar's filters and bulk actions.

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rythmehq/rythme"
)

// shownPosts is the ids of the posts the calendar shows, sorted.
func shownPosts(tb *tab) []string {
	ids := eval[[]string](tb, `[...document.querySelectorAll("#calendar .post")].map((e) => e.dataset.postId)`)
	slices.Sort(ids)
	return ids
}

func TestCalendarFilters(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	ids := func(keys ...string) []string {
		var out []string
		for _, k := range keys {
			out = append(out, f.Posts[k].ID)
		}
		slices.Sort(out)
		return out
	}
	// Ready: the calendar drawn is the one of the address now (a hash just
	// changed still shows the old drawing until the router redraws).
	ready := `document.querySelector("#calendar")?.dataset.hash === location.hash && !document.querySelector("[aria-busy=true]")`
	tb.signIn(f.URL, "#/calendar?view=month&date=2026-10-01&network=bluesky", f.Token)
	tb.waitFor(ready)
	if got, want := shownPosts(tb), ids("launch", "late", "held"); !slices.Equal(got, want) {
		t.Errorf("network=bluesky shows %v, want %v", got, want)
	}
	if v := eval[string](tb, `document.querySelector("#filter-network").value`); v != "bluesky" {
		t.Errorf("the network filter shows %q", v)
	}
	if txt := eval[string](tb, `document.querySelector("#cal-count").textContent`); !strings.HasPrefix(txt, "3 posts matching the filters") {
		t.Errorf("count: %q", txt)
	}
	// A second filter from the form: it joins the first in the hash.
	tb.do("status failed", chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector("#filter-status");
		s.value = "failed"; s.dispatchEvent(new Event("change")); })()`))
	tb.waitFor(`location.hash.includes("status=failed") && ` + ready)
	// "late" failed on Mastodon but was published on Bluesky: one target
	// must be both on the network and in the status.
	if got := shownPosts(tb); len(got) != 0 {
		t.Errorf("network=bluesky&status=failed shows %v, want none", got)
	}
	tb.click("#filter-clear")
	tb.waitFor(`!location.hash.includes("network") && ` + ready)
	tb.typeInto("#filter-tag", "launch")
	tb.do("apply", chromedp.Click(chromedp.CSS("#cal-filters button[type=submit]")))
	tb.waitFor(`location.hash.includes("tag=launch") && ` + ready)
	if got, want := shownPosts(tb), ids("launch", "late"); !slices.Equal(got, want) {
		t.Errorf("tag=launch shows %v, want %v", got, want)
	}
	// Moving to the next month keeps the filters.
	tb.click("#cal-next")
	tb.waitFor(`location.hash.includes("date=2026-11") && ` + ready)
	if !strings.Contains(eval[string](tb, `location.hash`), "tag=launch") {
		t.Error("the next month lost the filter")
	}
	tb.do("campaign", chromedp.Evaluate[chromedp.Void](`location.hash = "#/calendar?view=month&date=2026-10-01&campaign=`+f.Campaign.ID+`"`))
	tb.waitFor(`location.hash.includes("campaign=") && ` + ready)
	if got, want := shownPosts(tb), ids("launch", "late"); !slices.Equal(got, want) {
		t.Errorf("the campaign shows %v, want %v", got, want)
	}
	if v := eval[string](tb, `document.querySelector("#filter-campaign").selectedOptions[0].textContent`); v != "Launch week" {
		t.Errorf("the campaign filter names %q", v)
	}
	tb.axeCheck("calendar-filtered")
	tb.noRawWords("calendar-filtered")
	tb.setWidth(390)
	tb.noSidewaysScroll("calendar filtered")
	tb.screenshot("calendar-filters-390")
	tb.setWidth(1280)
	tb.screenshot("calendar-filters-1280")
}

func TestCalendarBulk(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	loc := paris(t)
	now := time.Now().In(loc)
	monday := now.AddDate(0, 0, 7-((int(now.Weekday())+6)%7))
	at := func(day, hour int) time.Time {
		return time.Date(monday.Year(), monday.Month(), monday.Day()+day, hour, 0, 0, 0, loc)
	}
	a := f.createPost(t, "Bulk A", at(1, 9), false)
	b := f.createPost(t, "Bulk B", at(2, 10), false)
	c := f.createPost(t, "Bulk C", at(3, 11), false)
	d := f.createPost(t, "Bulk D", at(4, 12), false)
	week := monday.Format(time.DateOnly)
	// Ready: the calendar drawn is the one of the address now (a hash just
	// changed still shows the old drawing until the router redraws).
	ready := `document.querySelector("#calendar")?.dataset.hash === location.hash && !document.querySelector("[aria-busy=true]")`
	tb.signIn(f.URL, "#/calendar?view=week&date="+week, f.Token)
	tb.waitFor(ready)
	tb.click("#cal-select")
	tb.waitFor(`document.querySelectorAll("#calendar input.pick").length === 4`)
	box := func(id string) string { return fmt.Sprintf(`#calendar input.pick[data-post-id="%s"]`, id) }
	tb.click(box(a.ID))
	// Shift-click C: A, B and C are selected.
	tb.do("shift-click C", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).dispatchEvent(new MouseEvent("click", {shiftKey: true, bubbles: true, cancelable: true}))`, box(c.ID))))
	tb.waitFor(`document.querySelector("#bulk-count").textContent === "3 posts selected"`)
	if eval[bool](tb, fmt.Sprintf(`document.querySelector(%q).checked`, box(d.ID))) {
		t.Error("D is selected")
	}
	// B is cancelled behind the page's back: the bulk move leaves it, moves
	// the others and says why.
	if code := f.send(t, "DELETE", "/v1/posts/"+b.ID, nil, nil); code != 200 {
		t.Fatalf("cancel B: %d", code)
	}
	tb.typeInto("#bulk-shift", "2")
	tb.do("hours", chromedp.SetValue(chromedp.CSS("#bulk-unit"), "hours"))
	tb.click("#bulk-move")
	tb.waitFor(`document.querySelector("#bulk-failures") && ` + ready)
	for _, p := range []apiPost{a, c} {
		if got := f.post(t, p.ID); !got.ScheduledAt.Equal(p.ScheduledAt.Add(2 * time.Hour)) {
			t.Errorf("%s at %v, want 2 hours later", p.Content, got.ScheduledAt)
		}
	}
	if got := f.post(t, d.ID); !got.ScheduledAt.Equal(d.ScheduledAt) {
		t.Errorf("D moved: %v", got.ScheduledAt)
	}
	fails := eval[[]string](tb, `[...document.querySelectorAll("#bulk-failures li")].map((li) => li.dataset.postId + " " + li.textContent)`)
	if len(fails) != 1 || !strings.HasPrefix(fails[0], b.ID+" Bulk B — ") {
		t.Errorf("failures shown: %q", fails)
	}
	if msg := eval[string](tb, `document.querySelector("#status").textContent`); msg != "2 posts moved; 1 could not be." {
		t.Errorf("status: %q", msg)
	}
	// A and C are no longer selected; B, cancelled, cannot be.
	if got := eval[string](tb, `document.querySelector("#bulk-count")?.textContent || ""`); !strings.HasPrefix(got, "Tick posts") {
		t.Errorf("after the move: %q", got)
	}
	tb.screenshot("calendar-bulk-result")

	// To a day, from the keyboard: A and D to next week's Friday, each at
	// its own time.
	tb.click("#bulk-clear")
	tb.do("tick A and D", chromedp.Focus(chromedp.CSS(box(a.ID))), chromedp.KeyEvent(" "), chromedp.Focus(chromedp.CSS(box(d.ID))), chromedp.KeyEvent(" "))
	tb.waitFor(`document.querySelector("#bulk-count").textContent === "2 posts selected"`)
	friday := at(4, 0).AddDate(0, 0, 7)
	tb.do("date", chromedp.SetValue(chromedp.CSS("#bulk-date"), friday.Format(time.DateOnly)))
	tb.click("#bulk-move-date")
	tb.waitFor(`document.querySelector("#status").textContent === "2 posts moved." && ` + ready)
	if got := f.post(t, a.ID).ScheduledAt.In(loc); got.Format("2006-01-02 15:04") != friday.Format("2006-01-02")+" 11:00" {
		t.Errorf("A at %v, want Friday 11:00 (its time kept)", got)
	}
	if got := f.post(t, d.ID).ScheduledAt.In(loc); got.Format("2006-01-02 15:04") != friday.Format("2006-01-02")+" 12:00" {
		t.Errorf("D at %v", got)
	}

	// Cancel C, asked twice. Nothing is selected any more: selecting is off.
	if eval[bool](tb, `!!document.querySelector("#calendar input.pick")`) {
		t.Error("selecting stays on with nothing selected")
	}
	tb.click("#cal-select")
	tb.waitFor(`document.querySelector(` + fmt.Sprintf("%q", box(c.ID)) + `)`)
	tb.click(box(c.ID))
	tb.click("#bulk-cancel")
	tb.waitFor(`document.activeElement?.id === "bulk-cancel-yes"`)
	tb.axeCheck("calendar-bulk-confirm")
	tb.noRawWords("calendar-bulk-confirm")
	tb.setWidth(390)
	tb.noSidewaysScroll("calendar bulk")
	tb.screenshot("calendar-bulk-390")
	tb.setWidth(1280)
	tb.click("#bulk-cancel-yes")
	tb.waitFor(`document.querySelector("#status").textContent === "1 post cancelled."`)
	if got := f.post(t, c.ID); got.Status != "cancelled" {
		t.Errorf("C is %s", got.Status)
	}
}

func TestSeriesPage(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	loc := paris(t)
	ctx := context.Background()
	// Every Tuesday and Thursday at 09:00 in Paris, until next year's
	// 1 March; its first occurrence is put a week in the past, published.
	now := time.Now().In(loc)
	start := time.Date(now.Year(), now.Month(), now.Day()+1, 9, 0, 0, 0, loc)
	for start.Weekday() != time.Tuesday {
		start = start.AddDate(0, 0, 1)
	}
	until := fmt.Sprintf("%d0301T120000Z", now.Year()+1)
	var se struct {
		ID    string    `json:"id"`
		Posts []apiPost `json:"posts"`
	}
	if code := f.send(t, "POST", "/v1/posts", map[string]any{
		"content": "Tip of the day", "scheduled_at": start.Format(time.RFC3339), "timezone": browserZone,
		"recurrence": "FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=" + until,
		"targets":    []map[string]string{{"account_id": f.Accounts["mast"].ID}},
	}, &se); code != http.StatusCreated || len(se.Posts) < 2 {
		t.Fatalf("create series: %d %+v", code, se)
	}
	first := se.Posts[0]
	past := start.AddDate(0, 0, -14)
	p, err := f.Store.UpdatePost(ctx, f.TeamID, first.ID, func(p *rythme.Post) error {
		p.ScheduledAt = past.UTC()
		for _, tg := range p.Targets {
			tg.ScheduledAt = past.UTC()
		}
		return nil
	})
	must(t, err)
	finish(t, f.Store, f.TeamID, p, p.Targets[0], rythme.TargetPublished, nil)

	// From the post's dialog to its series.
	second := se.Posts[1]
	tb.signIn(f.URL, "#/calendar?view=week&date="+second.ScheduledAt.In(loc).Format(time.DateOnly), f.Token)
	tb.waitFor(fmt.Sprintf(`document.querySelector('#calendar .post[data-post-id="%s"]')`, second.ID))
	if n := eval[int](tb, `document.querySelectorAll('[data-series-id="undefined"]').length`); n != 0 {
		t.Errorf("%d chips say data-series-id=undefined", n)
	}
	tb.click(fmt.Sprintf(`#calendar .post[data-post-id="%s"]`, second.ID))
	tb.waitFor(`document.querySelector("#post-series-link")`)
	if txt := eval[string](tb, `document.querySelector("#post-dialog").innerText`); strings.Contains(txt, se.ID) || strings.Contains(txt, "ser_") {
		t.Errorf("the dialog shows the series id: %q", txt)
	}
	tb.click("#post-series-link")
	tb.waitFor(`location.hash.startsWith("#/series/") && document.querySelector("#series-rule") && !document.querySelector("[aria-busy=true]")`)
	wantRule := fmt.Sprintf("Every Tuesday and Thursday at 09:00, until 1 March %d", now.Year()+1)
	if got := eval[string](tb, `document.querySelector("#series-rule strong").textContent`); got != wantRule {
		t.Errorf("rule in words %q, want %q", got, wantRule)
	}
	past1 := eval[[]string](tb, `[...document.querySelectorAll("#series-past li")].map((li) => li.dataset.postId + " " + li.querySelector(".badge").textContent)`)
	if len(past1) != 1 || past1[0] != first.ID+" Published" {
		t.Errorf("past occurrences %q", past1)
	}
	next := eval[int](tb, `document.querySelectorAll("#series-next li").length`)
	if next < 2 {
		t.Errorf("%d next occurrences", next)
	}
	if txt := eval[string](tb, `document.body.innerText`); strings.Contains(txt, "ser_") || strings.Contains(txt, "pst_") {
		t.Errorf("the page shows a raw id: %q", txt)
	}
	tb.axeCheck("series")
	tb.noRawWords("series")
	tb.setWidth(390)
	tb.noSidewaysScroll("series")
	tb.screenshot("series-390")
	tb.setWidth(1280)
	tb.screenshot("series-1280")

	// Edit: the text changes for the coming occurrences.
	tb.typeInto("#series-edit-content", "Tip of the week")
	tb.click("#series-save")
	tb.waitFor(`document.querySelector("#status").textContent.startsWith("The series is saved") && document.querySelector("#series-content")?.textContent === "Tip of the week"`)
	if got := f.post(t, second.ID); got.Content != "Tip of the week" {
		t.Errorf("the next occurrence says %q", got.Content)
	}
	if got := f.post(t, first.ID); got.Content != "Tip of the day" {
		t.Errorf("the published occurrence changed: %q", got.Content)
	}
	// A bad rule: the API's message, nothing changed.
	tb.typeInto("#series-edit-rule", "FREQ=SECONDLY;COUNT=3")
	tb.click("#series-save")
	tb.waitFor(`document.querySelector("#series-problem .error")`)

	// End it.
	tb.click("#series-end")
	tb.waitFor(`document.activeElement?.id === "series-end-yes"`)
	tb.click("#series-end-yes")
	tb.waitFor(`document.querySelector("#series-status")?.dataset.status === "ended"`)
	if got := f.post(t, second.ID); got.Status != "cancelled" {
		t.Errorf("after the end, the next occurrence is %s", got.Status)
	}
	tb.screenshot("series-ended")
}

func TestCampaignBuilder(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	loc := paris(t)
	now := time.Now().In(loc)
	monday := time.Date(now.Year(), now.Month(), now.Day()+7-((int(now.Weekday())+6)%7), 0, 0, 0, 0, loc)
	ready := `!document.querySelector("[aria-busy=true]")`
	tb.signIn(f.URL, "#/campaigns", f.Token)
	tb.waitFor(`document.querySelector("#new-themed-week")`)
	tb.click("#new-themed-week")
	tb.waitFor(`document.querySelector("#themed-week-form .plan-day")`)
	tb.typeInto("#tw-name", "Green week")
	tb.typeInto("#tw-theme", "Recycling")
	tb.do("first day", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const d = document.querySelector("#tw-first-day");
		d.value = %q; d.dispatchEvent(new Event("change")); })()`, monday.Format(time.DateOnly))))
	// Two posts: Monday 09:00 and Wednesday 18:30, the second a video.
	tb.click("#tw-add-0")
	tb.do("monday text", chromedp.SendKeys(chromedp.CSS(`.plan-day[data-offset="0"] textarea`), "Monday: why recycle?"))
	tb.click("#tw-add-2")
	tb.do("wednesday", chromedp.Evaluate[chromedp.Void](`(() => { const d = document.querySelector('.plan-day[data-offset="2"]');
		d.querySelector("[name=time]").value = "18:30"; d.querySelector("[name=format]").value = "video"; })()`),
		chromedp.SendKeys(chromedp.CSS(`.plan-day[data-offset="2"] textarea`), "Wednesday: the sorting video"))
	// Untick Bluesky: the posts go to Mastodon only.
	tb.click(fmt.Sprintf(`#tw-accounts input[value="%s"]`, f.Accounts["bsky"].ID))
	tb.axeCheck("themed-week-new")
	tb.setWidth(390)
	tb.noSidewaysScroll("themed week form")
	tb.screenshot("themed-week-new-390")
	tb.setWidth(1280)
	tb.click("#tw-save")
	tb.waitFor(`location.hash.startsWith("#/campaigns/cmp_") && document.querySelector("#campaign-name") && ` + ready)
	id := strings.TrimPrefix(eval[string](tb, `location.hash`), "#/campaigns/")
	var c struct {
		Kind  string    `json:"kind"`
		Name  string    `json:"name"`
		Posts []apiPost `json:"posts"`
	}
	if code := f.send(t, "GET", "/v1/campaigns/"+id, nil, &c); code != 200 || c.Name != "Green week" || len(c.Posts) != 2 {
		t.Fatalf("campaign %d %+v", code, c)
	}
	wed := c.Posts[1].ScheduledAt.In(loc)
	if wed.Format("2006-01-02 15:04") != monday.AddDate(0, 0, 2).Format("2006-01-02")+" 18:30" || len(c.Posts[1].Targets) != 1 || c.Posts[1].Targets[0].Network != "mastodon" {
		t.Errorf("Wednesday's post: %v %+v", wed, c.Posts[1].Targets)
	}
	if got := eval[string](tb, `document.querySelector("#campaign-kind").textContent`); got != "Themed week" {
		t.Errorf("kind shows %q", got)
	}
	if txt := eval[string](tb, `document.querySelector("#view").innerText`); strings.Contains(txt, "themed_week") || strings.Contains(txt, "cmp_") {
		t.Errorf("the page shows an enum or an id: %q", txt)
	}
	tb.axeCheck("themed-week")
	tb.noRawWords("themed-week")
	tb.screenshot("themed-week-1280")

	// Edit the plan: Monday's text changes.
	tb.do("edit monday", chromedp.Evaluate[chromedp.Void](`document.querySelector('#themed-week-form .plan-day[data-offset="0"] textarea').value = "Monday: why we recycle"`))
	tb.click("#tw-save")
	tb.waitFor(`document.querySelector("#status").textContent === "The plan is saved." && ` + ready)
	f.send(t, "GET", "/v1/campaigns/"+id, nil, &c)
	if len(c.Posts) != 2 || c.Posts[0].Content != "Monday: why we recycle" {
		t.Errorf("after the edit: %+v", c.Posts)
	}
	// A plan the API refuses: its message, the field in words.
	tb.do("too long", chromedp.Evaluate[chromedp.Void](`document.querySelector('#themed-week-form .plan-day[data-offset="0"] textarea').value = "x".repeat(600)`))
	tb.click("#tw-save")
	tb.waitFor(`document.querySelector("#tw-problem .error")`)
	if msg := eval[string](tb, `document.querySelector("#tw-problem").textContent`); !strings.Contains(msg, "Day 1, post 1, text") || strings.Contains(msg, "items[") {
		t.Errorf("refused plan says %q", msg)
	}

	// Clone it a week later.
	tb.click("#clone-go")
	tb.waitFor(`location.hash !== "#/campaigns/` + id + `" && document.querySelector("#campaign-name")?.textContent === "Green week (copy)" && ` + ready)

	// A weekly challenge: this week and the next.
	tb.do("new challenge", chromedp.Evaluate[chromedp.Void](`location.hash = "#/campaigns/new?kind=weekly_challenge"`))
	tb.waitFor(`document.querySelector("#challenge-form")`)
	tb.typeInto("#ch-name", "Desk challenge")
	tb.do("theme", chromedp.SendKeys(chromedp.CSS(`#weeks-rows [name=theme]`), "Show your desk"))
	tb.click("#ch-add-week")
	tb.do("theme 2", chromedp.SendKeys(chromedp.CSS(`#weeks-rows .week-row:last-child [name=theme]`), "Show your view"))
	tb.axeCheck("challenge-new")
	tb.click("#ch-save")
	tb.waitFor(`location.hash.startsWith("#/campaigns/cmp_") && document.querySelector("#challenge-weeks") && ` + ready)
	chID := strings.TrimPrefix(eval[string](tb, `location.hash`), "#/campaigns/")
	weeks := eval[[]string](tb, `[...document.querySelectorAll("#challenge-weeks tbody tr")].map((tr) => [...tr.cells].map((c) => c.textContent).join("|"))`)
	if len(weeks) != 2 || !strings.HasSuffix(weeks[0], "|Show your desk|Open now|0|0") || !strings.Contains(weeks[1], "|Upcoming|") {
		t.Errorf("weeks %q", weeks)
	}
	// A member submits; the manager picks it from the page.
	var sub apiPost
	if code := f.send(t, "POST", "/v1/campaigns/"+chID+"/submissions", map[string]any{"content": "My desk, tidy for once", "author": "Grace"}, &sub); code != http.StatusCreated {
		t.Fatalf("submit: %d", code)
	}
	tb.do("reload", chromedp.Evaluate[chromedp.Void](`location.hash = "#/calendar"`))
	tb.do("back", chromedp.Evaluate[chromedp.Void](`location.hash = "#/campaigns/`+chID+`"`))
	tb.waitFor(fmt.Sprintf(`document.querySelector('#submissions li[data-post-id="%s"] .pick-go') && `+ready, sub.ID))
	tb.axeCheck("challenge")
	tb.noRawWords("challenge")
	tb.setWidth(390)
	tb.noSidewaysScroll("challenge")
	tb.screenshot("challenge-390")
	tb.setWidth(1280)
	tb.do("next slot", chromedp.SetValue(chromedp.CSS("#pick-when-"+sub.ID), "now"))
	tb.click(fmt.Sprintf(`#submissions li[data-post-id="%s"] .pick-go`, sub.ID))
	tb.waitFor(`document.querySelector("#status").textContent.startsWith("Picked")`)
	if got := f.post(t, sub.ID); got.Status == "draft" || got.Status == "pending_review" {
		t.Errorf("picked submission is %s", got.Status)
	}
	// The weeks change: a third week.
	tb.waitFor(`document.querySelector("#weeks-add") && ` + ready)
	tb.click("#weeks-add")
	tb.do("theme 3", chromedp.SendKeys(chromedp.CSS(`#weeks-rows .week-row:last-child [name=theme]`), "Show your lunch"))
	tb.click("#weeks-save")
	tb.waitFor(`document.querySelectorAll("#challenge-weeks tbody tr").length === 3`)
	if txt := eval[string](tb, `document.querySelector("#view").innerText`); strings.Contains(txt, "weekly_challenge") || strings.Contains(txt, "cmp_") || strings.Contains(txt, "pst_") {
		t.Errorf("the challenge page shows an enum or an id: %q", txt)
	}
	tb.screenshot("challenge-1280")
}

func TestCampaignUTM(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	first := time.Now().AddDate(0, 0, 3).Format(time.DateOnly)
	var c struct {
		ID    string    `json:"id"`
		Posts []apiPost `json:"posts"`
	}
	if code := f.send(t, "POST", "/v1/campaigns", map[string]any{"name": "Green week", "theme": "recycling", "first_day": first, "zone": browserZone,
		"days": []map[string]any{{"offset": 0, "items": []map[string]any{{"time": "10:00", "content": "Our guide: https://example.org/guide#start",
			"targets": []string{f.Accounts["mast"].ID, f.Accounts["bsky"].ID}}}}}}, &c); code != http.StatusCreated {
		t.Fatalf("create campaign: %d", code)
	}
	tb.signIn(f.URL, "#/campaigns/"+c.ID, f.Token)
	tb.waitFor(`document.querySelector("#utm-form") && !document.querySelector("[aria-busy=true]")`)
	tb.typeInto("#utm-default-source", "{network}")
	tb.typeInto("#utm-default-medium", "social")
	tb.typeInto("#utm-default-campaign", "{campaign}")
	tb.do("bluesky", chromedp.SetValue(chromedp.CSS("#utm-add-network"), "bluesky"))
	tb.click("#utm-add")
	tb.waitFor(`document.activeElement?.id === "utm-bluesky-source"`)
	tb.typeInto("#utm-bluesky-medium", "sky")
	if ex := eval[string](tb, `document.querySelector("#utm-example").textContent`); !strings.Contains(ex, "utm_source=bluesky&utm_medium=sky&utm_campaign=Green+week") {
		t.Errorf("example: %q", ex)
	}
	tb.axeCheck("campaign-utm")
	tb.noRawWords("campaign-utm")
	tb.setWidth(390)
	tb.noSidewaysScroll("campaign utm")
	tb.screenshot("campaign-utm-390")
	tb.setWidth(1280)
	tb.click("#utm-save")
	tb.waitFor(`document.querySelector("#status").textContent.startsWith("UTM parameters saved")`)
	if msg := eval[string](tb, `document.querySelector("#status").textContent`); msg != "UTM parameters saved; links updated in 1 post." {
		t.Errorf("status %q", msg)
	}
	p := f.post(t, c.Posts[0].ID)
	texts := map[string]string{}
	for _, tg := range p.Targets {
		texts[tg.Network] = tg.Content
	}
	if want := "Our guide: https://example.org/guide?utm_source=mastodon&utm_medium=social&utm_campaign=Green+week#start"; texts["mastodon"] != want {
		t.Errorf("mastodon text %q, want %q", texts["mastodon"], want)
	}
	if want := "Our guide: https://example.org/guide?utm_source=bluesky&utm_medium=sky&utm_campaign=Green+week#start"; texts["bluesky"] != want {
		t.Errorf("bluesky text %q, want %q", texts["bluesky"], want)
	}
	// The compose page previews the links as they will be published.
	tb.do("edit", chromedp.Evaluate[chromedp.Void](`location.hash = "#/compose/`+p.ID+`"`))
	tb.waitFor(`document.querySelector('.preview[data-network="bluesky"] .preview-text')?.textContent.includes("utm_")`)
	if got := eval[string](tb, `document.querySelector('.preview[data-network="bluesky"] .preview-text').textContent`); got != texts["bluesky"] {
		t.Errorf("bluesky preview %q", got)
	}
	tb.screenshot("compose-utm-preview")
}
