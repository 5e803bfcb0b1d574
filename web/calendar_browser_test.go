package web_test

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// dayView is one day of the calendar as the page shows it.
type dayView struct {
	Date  string     `json:"date"`
	Other bool       `json:"other"`
	Posts []postView `json:"posts"`
}

// postView is one post chip of the calendar.
type postView struct {
	ID      string   `json:"id"`
	Status  string   `json:"status"`
	Time    string   `json:"time"`
	Text    string   `json:"text"`
	Targets []string `json:"targets"` // network:status
	Badges  []string `json:"badges"`  // the badges' text
}

const calendarJS = `[...document.querySelectorAll("#calendar .day")].map((d) => ({
	date: d.dataset.date, other: d.classList.contains("other-month"),
	posts: [...d.querySelectorAll(".post")].map((p) => ({
		id: p.dataset.postId, status: p.dataset.status,
		time: p.querySelector(".time").textContent, text: p.querySelector(".text").textContent,
		targets: [...p.querySelectorAll(".targets .badge")].map((b) => b.dataset.network + ":" + b.dataset.status),
		badges: [...p.querySelectorAll(".targets .badge")].map((b) => b.textContent),
	})),
}))`

func paris(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(browserZone)
	must(t, err)
	return loc
}

// expectedDays is what the calendar must show for [from, to) (days in the
// browser's zone): the seeded posts on their local day, at their local
// time, with their status and their targets' statuses.
func (f *fixture) expectedDays(t *testing.T, from, to string, long bool) map[string][]postView {
	t.Helper()
	loc := paris(t)
	out := map[string][]postView{}
	for _, sp := range seedPosts {
		at := mustTime(t, sp.at).In(loc)
		day := at.Format(time.DateOnly)
		if day < from || day >= to {
			continue
		}
		p := f.Posts[sp.key]
		max := 48
		if long {
			max = 140
		}
		text := sp.content
		if len(text) > max {
			text = text[:max] + "…"
		}
		pv := postView{ID: p.ID, Status: p.Status(), Time: at.Format("15:04"), Text: text}
		for _, tg := range p.Targets {
			pv.Targets = append(pv.Targets, tg.Network+":"+string(tg.Status))
		}
		slices.Sort(pv.Targets)
		out[day] = append(out[day], pv)
	}
	return out
}

// checkDays compares the calendar's days with the expected posts.
func checkDays(t *testing.T, days []dayView, want map[string][]postView) {
	t.Helper()
	got := map[string][]postView{}
	for _, d := range days {
		for _, p := range d.Posts {
			slices.Sort(p.Targets)
			p.Badges = nil
			got[d.Date] = append(got[d.Date], p)
		}
	}
	for day, posts := range want {
		if fmt.Sprint(got[day]) != fmt.Sprint(posts) {
			t.Errorf("%s shows %+v, want %+v", day, got[day], posts)
		}
	}
	for day, posts := range got {
		if _, ok := want[day]; !ok {
			t.Errorf("%s shows %+v, want nothing", day, posts)
		}
	}
}

func TestSignIn(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)

	tb.do("open", chromedp.Navigate(f.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#token")))
	// Hidden means not drawn: the stylesheet must not override [hidden].
	const shown = `["#app", "#nav", "#signout", "#signin"].filter((s) => getComputedStyle(document.querySelector(s)).display !== "none")`
	if got := eval[[]string](tb, shown); !slices.Equal(got, []string{"#signin"}) {
		t.Fatalf("before sign-in, the page shows %v", got)
	}
	tb.do("bad token", chromedp.SendKeys(chromedp.CSS("#token"), "rym_notarealtoken"), chromedp.Click(chromedp.CSS("#signin-form button[type=submit]")))
	tb.waitFor(`!document.querySelector("#signin-error").hidden`)
	if msg := eval[string](tb, `document.querySelector("#signin-error").textContent`); !strings.Contains(msg, "refused") {
		t.Errorf("bad token: error %q, want it to say the token was refused", msg)
	}
	if eval[bool](tb, `!document.querySelector("#app").hidden || sessionStorage.length > 0`) {
		t.Error("a refused token signed in or was kept")
	}
	tb.screenshot("signin-error")

	tb.do("good token", chromedp.Evaluate[chromedp.Void](`document.querySelector("#token").value = ""`), chromedp.SendKeys(chromedp.CSS("#token"), f.Token),
		chromedp.Click(chromedp.CSS("#signin-form button[type=submit]")))
	tb.waitFor(`document.querySelector("#calendar")`)
	if got := eval[[]string](tb, shown); !slices.Equal(got, []string{"#app", "#nav", "#signout"}) {
		t.Errorf("after sign-in, the page shows %v", got)
	}
	if got := eval[string](tb, `sessionStorage.getItem("rythme.token")`); got != f.Token {
		t.Error("the token is not in sessionStorage after sign-in")
	}
	if eval[string](tb, `document.querySelector("#token").value`) != "" {
		t.Error("the token stays in the input after sign-in")
	}
	if !eval[bool](tb, `document.querySelector("#signin").hidden && document.querySelector("#signin-error").hidden`) {
		t.Error("the sign-in form or its error still shows")
	}

	tb.click("#signout button")
	tb.waitFor(`!document.querySelector("#signin").hidden`)
	if eval[int](tb, `sessionStorage.length`) != 0 || eval[int](tb, `document.querySelectorAll("#view *").length`) != 0 {
		t.Error("sign-out left the token or the page's data behind")
	}
	if got := eval[[]string](tb, shown); !slices.Equal(got, []string{"#signin"}) {
		t.Errorf("after sign-out, the page shows %v", got)
	}

	// A token the server stops accepting sends the user back to sign-in.
	tb.do("stale token", chromedp.Evaluate[chromedp.Void](`sessionStorage.setItem("rythme.token", "rym_revoked")`), chromedp.Reload())
	tb.waitFor(`!document.querySelector("#signin-error").hidden`)
	if msg := eval[string](tb, `document.querySelector("#signin-error").textContent`); !strings.Contains(msg, "refused") {
		t.Errorf("stale token: %q", msg)
	}
	if eval[int](tb, `sessionStorage.length`) != 0 {
		t.Error("a refused token stays in sessionStorage")
	}
}

func TestCalendarMonth(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	tb.signIn(f.URL, "#/calendar?view=month&date=2026-10-01", f.Token)
	tb.waitFor(`document.querySelector("#calendar")`)

	if got := eval[string](tb, `document.querySelector("#cal-title").textContent`); got != "October 2026" {
		t.Errorf("title %q", got)
	}
	days := eval[[]dayView](tb, calendarJS)
	if len(days) != 35 || days[0].Date != "2026-09-28" || days[len(days)-1].Date != "2026-11-01" {
		t.Fatalf("month grid: %d days from %v", len(days), days[0].Date)
	}
	for _, d := range days {
		if d.Other != !strings.HasPrefix(d.Date, "2026-10") {
			t.Errorf("%s: other-month %v", d.Date, d.Other)
		}
	}
	checkDays(t, days, f.expectedDays(t, "2026-09-28", "2026-11-02", false))
	// "late" is on October 14 in UTC but October 15 in Paris.
	if eval[int](tb, `document.querySelectorAll('#calendar .day[data-date="2026-10-15"] .post').length`) != 1 {
		t.Error("the post of 22:30 UTC on October 14 is not on October 15 in Paris")
	}
	if !eval[bool](tb, `document.querySelector("#calendar b") === null`) {
		t.Error("post content was rendered as markup")
	}
	statuses := eval[[]string](tb, `[...document.querySelectorAll(".status-legend .legend-item")].map((e) => e.textContent)`)
	for _, s := range []string{"Scheduled", "Publishing", "Published", "Failed", "Unconfirmed", "Held", "Cancelled", "Draft", "Pending review"} {
		if !slices.Contains(statuses, s) {
			t.Errorf("legend lacks %s: %v", s, statuses)
		}
	}
	// Each status has its own colour.
	colours := eval[map[string]string](tb, `Object.fromEntries([...document.querySelectorAll("#calendar .post")].map((p) =>
		[p.dataset.status, getComputedStyle(p).borderLeftColor]))`)
	seen := map[string]string{}
	for status, c := range colours {
		if other, ok := seen[c]; ok {
			t.Errorf("%s and %s share the colour %s", status, other, c)
		}
		seen[c] = status
	}
	if len(colours) < 6 {
		t.Errorf("only %d statuses shown: %v", len(colours), colours)
	}
	tb.screenshot("calendar-month")

	tb.click("#cal-next")
	tb.waitFor(`document.querySelector("#cal-title")?.textContent === "November 2026" && document.querySelector("#calendar")`)
	checkDays(t, eval[[]dayView](tb, calendarJS), f.expectedDays(t, "2026-10-26", "2026-12-07", false))
	// An occurrence of a recurring post is marked; the others are not.
	marked := eval[[]string](tb, `[...document.querySelectorAll("#calendar .post")].filter((p) => p.querySelector(".recurring")).map((p) => p.dataset.postId + " " + p.dataset.seriesId)`)
	if want := []string{f.Posts["november"].ID + " " + f.SeriesID}; !slices.Equal(marked, want) {
		t.Errorf("posts marked recurring: %v, want %v", marked, want)
	}
	if !strings.Contains(eval[string](tb, `location.hash`), "date=2026-11-01") {
		t.Errorf("hash after next: %s", eval[string](tb, `location.hash`))
	}
	tb.click("#cal-prev")
	tb.waitFor(`document.querySelector("#cal-title")?.textContent === "October 2026" && document.querySelector("#calendar")`)
	tb.click("#cal-prev")
	tb.waitFor(`document.querySelector("#cal-title")?.textContent === "September 2026" && document.querySelector("#calendar")`)
	checkDays(t, eval[[]dayView](tb, calendarJS), f.expectedDays(t, "2026-08-31", "2026-10-05", false))
}

func TestCalendarWeek(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	tb.signIn(f.URL, "#/calendar?view=month&date=2026-10-06", f.Token)
	tb.waitFor(`document.querySelector("#calendar")`)

	tb.click("#cal-week")
	tb.waitFor(`document.querySelector('#calendar[data-view="week"]')`)
	week := func(from, to string) []dayView {
		t.Helper()
		tb.waitFor(fmt.Sprintf(`document.querySelector('#calendar[data-view="week"][data-from="%s"]')`, from))
		days := eval[[]dayView](tb, calendarJS)
		if len(days) != 7 || days[0].Date != from || days[6].Date >= to {
			t.Fatalf("week from %s: %+v", from, days)
		}
		checkDays(t, days, f.expectedDays(t, from, to, true))
		return days
	}
	days := week("2026-10-05", "2026-10-12")
	if got := days[1].Posts; len(got) != 1 || !slices.Equal(got[0].Badges, []string{"Mastodon · Published", "Bluesky · Published"}) {
		t.Errorf("October 6 in the week view: %+v", got)
	}
	tb.click("#cal-next")
	week("2026-10-12", "2026-10-19")
	tb.screenshot("calendar-week")
	tb.click("#cal-prev")
	week("2026-10-05", "2026-10-12")
	tb.click("#cal-prev")
	week("2026-09-28", "2026-10-05")

	loc := paris(t)
	now := time.Now().In(loc)
	monday := now.AddDate(0, 0, -((int(now.Weekday()) + 6) % 7)).Format(time.DateOnly)
	tb.click("#cal-today")
	tb.waitFor(fmt.Sprintf(`document.querySelector('#calendar[data-view="week"][data-from="%s"]')`, monday))
	tb.click("#cal-month")
	tb.waitFor(`document.querySelector('#calendar[data-view="month"]')`)
	if !strings.Contains(eval[string](tb, `location.hash`), "view=month") {
		t.Error("the month button did not switch the view")
	}
}

func TestPostDetails(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	tb.signIn(f.URL, "#/calendar?view=month&date=2026-10-01", f.Token)
	tb.waitFor(`document.querySelector("#calendar")`)

	late := f.Posts["late"]
	tb.click(fmt.Sprintf(`#calendar .post[data-post-id="%s"]`, late.ID))
	tb.waitFor(`document.querySelector("#post-dialog").open && document.querySelectorAll("#post-targets tbody tr").length > 0`)
	if got := eval[string](tb, `document.querySelector("#post-content").textContent`); got != late.Content {
		t.Errorf("content %q, want %q", got, late.Content)
	}
	type row struct {
		Network, Title, Account, Status, URL, Error string
	}
	rows := eval[[]row](tb, `[...document.querySelectorAll("#post-targets tbody tr")].map((tr) => ({
		Network: tr.dataset.network, Title: tr.cells[0].textContent, Account: tr.cells[1].textContent, Status: tr.dataset.status,
		URL: tr.querySelector("a.target-url")?.href || "", Error: tr.querySelector(".last-error")?.textContent || "",
	}))`)
	if len(rows) != len(late.Targets) {
		t.Fatalf("%d target rows, want %d", len(rows), len(late.Targets))
	}
	for _, tg := range late.Targets {
		i := slices.IndexFunc(rows, func(r row) bool { return r.Network == tg.Network })
		if i < 0 {
			t.Errorf("no row for %s", tg.Network)
			continue
		}
		r := rows[i]
		// The network by its title, as GET /v1/networks gives it.
		want := row{Network: tg.Network, Title: "Mastodon", Account: "@ada", Status: string(tg.Status), URL: tg.URL, Error: tg.LastError}
		if tg.Network == "bluesky" {
			want.Title, want.Account = "Bluesky", "@team.bsky.social"
		}
		if r != want {
			t.Errorf("row %+v, want %+v", r, want)
		}
	}
	if !slices.ContainsFunc(rows, func(r row) bool { return r.Error == failedError }) ||
		!slices.ContainsFunc(rows, func(r row) bool { return r.URL != "" }) {
		t.Errorf("the failed target's error or the published target's URL is missing: %+v", rows)
	}
	tb.screenshot("post-details")
	tb.click("#post-dialog .dialog-close button")
	tb.waitFor(`!document.querySelector("#post-dialog").open`)

	// The launch's readings: a chart and a table per published target,
	// every reading of GET /v1/posts/{id}/metrics with its figures.
	launch := f.Posts["launch"]
	var want struct {
		Data []struct {
			TargetID string            `json:"target_id"`
			Sources  map[string]string `json:"sources"`
			Readings []struct {
				At       string `json:"at"`
				Likes    *int64 `json:"likes"`
				Comments *int64 `json:"comments"`
				Shares   *int64 `json:"shares"`
				Reach    *int64 `json:"reach"`
			} `json:"readings"`
		} `json:"data"`
	}
	if code := f.getJSON(t, "/v1/posts/"+launch.ID+"/metrics", &want); code != http.StatusOK || len(want.Data) != 2 {
		t.Fatalf("GET metrics: %d %+v", code, want)
	}
	tb.click(fmt.Sprintf(`#calendar .post[data-post-id="%s"]`, launch.ID))
	tb.waitFor(`document.querySelectorAll("#post-readings .target-readings").length === 2`)
	points := 0
	for _, tg := range want.Data {
		box := fmt.Sprintf(`#post-readings .target-readings[data-target-id="%s"]`, tg.TargetID)
		for _, fig := range []string{"likes", "comments", "shares", "reach"} {
			shown := eval[[]string](tb, fmt.Sprintf(`[...document.querySelectorAll('%s td[data-figure="%s"]')].map((td) => td.dataset.value)`, box, fig))
			var api []string
			for _, r := range tg.Readings {
				v := map[string]*int64{"likes": r.Likes, "comments": r.Comments, "shares": r.Shares, "reach": r.Reach}[fig]
				if v == nil {
					api = append(api, "")
				} else {
					api = append(api, strconv.FormatInt(*v, 10))
				}
			}
			if !slices.Equal(shown, api) {
				t.Errorf("target %s %s: table shows %v, the API says %v", tg.TargetID, fig, shown, api)
			}
		}
		// The chart: a point per reading for likes (series a), at its time.
		got := eval[[]string](tb, fmt.Sprintf(`[...document.querySelectorAll('%s svg.line-chart circle.point.a')].map((c) => c.dataset.date + "=" + c.dataset.value)`, box))
		var wantPts []string
		for _, r := range tg.Readings {
			wantPts = append(wantPts, r.At+"="+strconv.FormatInt(*r.Likes, 10))
		}
		if !slices.Equal(got, wantPts) {
			t.Errorf("target %s: likes chart %v, want %v", tg.TargetID, got, wantPts)
		}
		points += len(got)
		if src := tg.Sources["likes"]; src == "" || !strings.Contains(eval[string](tb, fmt.Sprintf(`document.querySelector('%s .sources').textContent`, box)), src) {
			t.Errorf("target %s: the source of likes (%q) is not shown", tg.TargetID, src)
		}
	}
	if points != 3 {
		t.Errorf("%d points charted, want 3 (two readings on Mastodon, one on Bluesky)", points)
	}
	eval[bool](tb, `(document.querySelector("#post-readings").scrollIntoView(), true)`)
	tb.screenshot("post-readings")
}

func TestAccounts(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	tb.signIn(f.URL, "", f.Token)
	tb.waitFor(`document.querySelector("#calendar")`)

	tb.click(`#nav a[data-route="accounts"]`)
	tb.waitFor(`document.querySelector("#accounts")`)
	got := eval[[]string](tb, `[...document.querySelectorAll("#accounts tbody tr")].map((tr) =>
		tr.dataset.network + " " + tr.cells[1].querySelector("a").textContent + " " + tr.cells[2].querySelector(".badge").textContent).sort()`)
	// The status in words, not the API's value.
	want := []string{"bluesky @team.bsky.social (Team bsky) Connected", "mastodon @ada (Team mast) Connected"}
	if !slices.Equal(got, want) {
		t.Errorf("accounts %v, want %v", got, want)
	}
	if eval[string](tb, `document.querySelector('#nav a[aria-current="page"]').dataset.route`) != "accounts" {
		t.Error("the nav does not mark the current page")
	}
	// Poll now: the reads are queued and their time shown; asked again
	// within 5 minutes, the page says to wait.
	mast := fmt.Sprintf(`#accounts tr[data-account-id="%s"]`, f.Accounts["mast"].ID)
	tb.click(mast + " button.poll-now")
	tb.waitFor(`/^Reads at /.test(document.querySelector('` + mast + ` .poll-status').textContent)`)
	tb.screenshot("accounts")
	tb.click(mast + " button.poll-now")
	tb.waitFor(`/try again in/.test(document.querySelector('` + mast + ` .poll-status').textContent)`)
	if n := eval[int](tb, `document.querySelectorAll("#accounts button.poll-now").length`); n != 2 {
		t.Errorf("%d Poll now buttons, want one per connected account (2)", n)
	}
	// History: the Mastodon account's import is shown; the Bluesky one's
	// is asked for, and shows running.
	if got := eval[string](tb, `document.querySelector('`+mast+` .history-status').textContent`); !strings.HasPrefix(got, "History: 0 posts imported") {
		t.Errorf("Mastodon's history %q", got)
	}
	bsky := fmt.Sprintf(`#accounts tr[data-account-id="%s"]`, f.Accounts["bsky"].ID)
	tb.click(bsky + " button.import-history")
	tb.waitFor(`/^History: importing/.test(document.querySelector('` + bsky + ` .history-status').textContent)`)
}

func TestCampaigns(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	tb.signIn(f.URL, "#/campaigns", f.Token)
	tb.waitFor(`document.querySelector("#campaign-list, #no-campaigns, #campaigns .error-box")`)
	if f.getJSON(t, "/v1/campaigns", nil) == 404 {
		t.Fatal("GET /v1/campaigns answers 404: the campaign page needs it")
	}
	rows := eval[[]string](tb, `[...document.querySelectorAll("#campaign-list tbody tr")].map((tr) =>
		tr.dataset.campaignId + " " + [...tr.cells].map((c) => c.textContent).join("|"))`)
	if want := []string{f.Campaign.ID + " Launch week|rythme 1.0|2026-10-05|Themed week|Active"}; !slices.Equal(rows, want) {
		t.Errorf("campaign list %q, want %q", rows, want)
	}
	tb.screenshot("campaigns")

	tb.click(`#campaign-list a`)
	tb.waitFor(`document.querySelector("#campaign-name")`)
	if got := eval[string](tb, `document.querySelector("#campaign-name").textContent`); got != "Launch week" {
		t.Errorf("campaign name %q", got)
	}
	ids := eval[[]string](tb, `[...document.querySelectorAll("#campaign .campaign-posts .post")].map((p) => p.dataset.postId)`)
	if want := []string{f.Posts["launch"].ID, f.Posts["late"].ID}; !slices.Equal(ids, want) {
		t.Errorf("campaign posts %v, want %v (in time order)", ids, want)
	}
	var rep struct {
		Rows []struct {
			Day      int    `json:"day"`
			Network  string `json:"network"`
			Campaign struct {
				Posts int `json:"posts"`
			} `json:"campaign"`
		} `json:"rows"`
	}
	if code := f.getJSON(t, "/v1/reports/campaigns/"+f.Campaign.ID+"?tz="+browserZone, &rep); code == 200 {
		tb.waitFor(`document.querySelector("#campaign-totals, #campaign-report .hint")`)
		shown := eval[map[string]string](tb, `Object.fromEntries([...document.querySelectorAll("#campaign-totals tbody tr")].map((tr) =>
			[tr.dataset.network, tr.cells[1].textContent]))`)
		for _, r := range rep.Rows {
			if r.Day == 0 && shown[r.Network] != fmt.Sprint(r.Campaign.Posts) {
				t.Errorf("campaign report, %s: shows %q posts, the API says %d", r.Network, shown[r.Network], r.Campaign.Posts)
			}
		}
		if len(shown) == 0 {
			t.Error("the campaign report shows no totals")
		}
		// No post of the campaign had a poll read: no polls table
		// (TestCampaignPolls has one).
		if eval[bool](tb, `!!document.querySelector("#campaign-polls")`) {
			t.Error("a campaign without polls shows a polls table")
		}
	} else {
		t.Logf("GET /v1/reports/campaigns/{id} answers %d: the report part is not checked", code)
	}
	tb.screenshot("campaign")
	tb.click(fmt.Sprintf(`#campaign .post[data-post-id="%s"]`, f.Posts["launch"].ID))
	tb.waitFor(`document.querySelector("#post-dialog").open && document.querySelector("#post-content")`)
	if got := eval[string](tb, `document.querySelector("#post-content").textContent`); got != f.Posts["launch"].Content {
		t.Errorf("campaign post opens %q", got)
	}
}

// TestEmptyWorkspace checks the empty states: a workspace with no post,
// no account and no campaign.
func TestEmptyWorkspace(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	tb.signIn(f.URL, "#/calendar?view=month&date=2026-10-01", f.EmptyToken)
	tb.waitFor(`document.querySelector("#calendar")`)
	if n := eval[int](tb, `document.querySelectorAll("#calendar .post").length`); n != 0 {
		t.Errorf("another workspace's posts show: %d", n)
	}
	if got := eval[string](tb, `document.querySelector("#cal-count").textContent`); !strings.HasPrefix(got, "0 posts") {
		t.Errorf("count %q", got)
	}
	tb.click(`#nav a[data-route="campaigns"]`)
	tb.waitFor(`document.querySelector("#no-campaigns, #campaign-list, #campaigns .error-box")`)
	if msg := eval[string](tb, `document.querySelector("#campaigns").textContent`); !strings.Contains(msg, "No campaigns yet") {
		t.Errorf("campaigns page: %q", msg)
	}
	tb.screenshot("no-campaigns")
	tb.do("open a campaign", chromedp.Evaluate[chromedp.Void](`location.hash = "#/campaigns/cmp_unknown"`))
	tb.waitFor(`document.querySelector("#campaign .empty-state, #campaign .error-box")`)
	// Said in words: the raw id is not repeated to the reader.
	if msg := eval[string](tb, `document.querySelector("#campaign").textContent`); !strings.Contains(msg, "no such campaign") || strings.Contains(msg, "cmp_") {
		t.Errorf("unknown campaign: %q", msg)
	}
	tb.click(`#nav a[data-route="accounts"]`)
	tb.waitFor(`document.querySelector("#no-accounts, #accounts")`)
	if !eval[bool](tb, `!!document.querySelector("#no-accounts")`) {
		t.Error("an empty workspace lists accounts")
	}
}
