package web_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// compareAnswer is GET /v1/reports/compare's JSON.
type compareAnswer struct {
	A struct {
		Spec         string
		Posts        int
		Publications int
	} `json:"a"`
	B struct {
		Spec         string
		Posts        int
		Publications int
	} `json:"b"`
	Denominator string `json:"denominator"`
	Rows        []struct {
		Indicator string   `json:"indicator"`
		Label     string   `json:"label"`
		A         *float64 `json:"a"`
		B         *float64 `json:"b"`
		ChangePct *float64 `json:"change_pct"`
	} `json:"rows"`
	Definitions []struct {
		Indicator  string `json:"indicator"`
		Definition string `json:"definition"`
	} `json:"definitions"`
	Series map[string][]struct {
		Date           string   `json:"date"`
		EngagementRate *float64 `json:"engagement_rate_pct"`
	} `json:"series"`
}

// shownRow is one row of the comparison table: the raw values the page
// kept (data-value) and the text it shows.
type shownRow struct {
	Indicator, Label, Title string
	A, B, Change            string // data-value: "" for none
	AText, BText, ChangeTx  string
}

const compareRowsJS = `[...document.querySelectorAll("#compare-table tbody tr")].map((tr) => ({
	Indicator: tr.dataset.indicator, Label: tr.cells[0].textContent, Title: tr.cells[0].title,
	A: tr.cells[1].dataset.value, B: tr.cells[2].dataset.value, Change: tr.cells[3].dataset.value,
	AText: tr.cells[1].textContent, BText: tr.cells[2].textContent, ChangeTx: tr.cells[3].textContent,
}))`

// sameValue reports whether the page's data-value is the API's value.
func sameValue(shown string, api *float64) bool {
	if api == nil {
		return shown == ""
	}
	v, err := strconv.ParseFloat(shown, 64)
	return err == nil && math.Abs(v-*api) <= 1e-9*math.Max(1, math.Abs(*api))
}

// checkCompare compares what the page shows with the API's answer for
// the same cohorts: the table and both charts.
func checkCompare(t *testing.T, tb *tab, want compareAnswer) {
	t.Helper()
	rows := eval[[]shownRow](tb, compareRowsJS)
	if len(rows) != len(want.Rows) {
		t.Fatalf("%d rows shown, the API gave %d", len(rows), len(want.Rows))
	}
	bars := 0
	for i, r := range want.Rows {
		got := rows[i]
		if got.Indicator != r.Indicator || (r.Label != "" && got.Label != r.Label) {
			t.Errorf("row %d: %s %q, want %s %q", i, got.Indicator, got.Label, r.Indicator, r.Label)
		}
		// The row's definition, as the API words it, is its header's title.
		if i >= len(want.Definitions) || want.Definitions[i].Indicator != r.Indicator || got.Title != want.Definitions[i].Definition {
			t.Errorf("row %s: title %q, the API defines it %+v", r.Indicator, got.Title, want.Definitions)
		}
		if !sameValue(got.A, r.A) || !sameValue(got.B, r.B) || !sameValue(got.Change, r.ChangePct) {
			t.Errorf("%s: shows A=%q B=%q change=%q, the API says %v %v %v", r.Indicator, got.A, got.B, got.Change, fv(r.A), fv(r.B), fv(r.ChangePct))
		}
		for _, c := range []struct {
			text string
			v    *float64
		}{{got.AText, r.A}, {got.BText, r.B}, {got.ChangeTx, r.ChangePct}} {
			if (c.text == "—") != (c.v == nil) {
				t.Errorf("%s: text %q for value %v", r.Indicator, c.text, fv(c.v))
			}
		}
		if r.A != nil || r.B != nil {
			bars++
		}
		// The bar chart draws both sides of every indicator with a value.
		for side, v := range map[string]*float64{"a": r.A, "b": r.B} {
			if r.A == nil && r.B == nil {
				continue
			}
			sel := fmt.Sprintf(`document.querySelector('svg.bar-chart rect.bar[data-indicator="%s"][data-side="%s"]')?.dataset.value`, r.Indicator, side)
			if shown := eval[*string](tb, sel); shown == nil || !sameValue(*shown, v) {
				t.Errorf("bar %s %s: %v, want %v", r.Indicator, side, shown, fv(v))
			}
		}
	}
	if n := eval[int](tb, `document.querySelectorAll("svg.bar-chart rect.bar").length`); n != 2*bars {
		t.Errorf("%d bars, want %d", n, 2*bars)
	}
	// The line chart has one point per day with a rate, per cohort.
	for _, side := range []string{"a", "b"} {
		var dates []string
		for _, p := range want.Series[side] {
			if p.EngagementRate != nil {
				dates = append(dates, p.Date)
				sel := fmt.Sprintf(`document.querySelector('svg.line-chart circle.point.%s[data-date="%s"]')?.dataset.value`, side, p.Date)
				if shown := eval[*string](tb, sel); shown == nil || !sameValue(*shown, p.EngagementRate) {
					t.Errorf("series %s %s: point %v, want %v", side, p.Date, shown, *p.EngagementRate)
				}
			}
		}
		got := eval[[]string](tb, fmt.Sprintf(`[...document.querySelectorAll("svg.line-chart circle.point.%s")].map((c) => c.dataset.date)`, side))
		if !slices.Equal(got, dates) {
			t.Errorf("series %s: points on %v, want %v", side, got, dates)
		}
		if len(dates) > 1 && eval[int](tb, fmt.Sprintf(`document.querySelectorAll("svg.line-chart polyline.line.%s").length`, side)) != 1 {
			t.Errorf("series %s: no line through its %d points", side, len(dates))
		}
	}
}

// checkSameEverywhere reads the comparison of query three ways — the
// API's JSON (exact), its CSV and the page's table (both rounded to 2
// decimals, changes to 1) — and checks every indicator says the same in
// all three: the CSV cell is the JSON value rounded, and the page shows
// the CSV's number.
func checkSameEverywhere(t *testing.T, f *fixture, tb *tab, query string, want compareAnswer) {
	t.Helper()
	table := f.getCSV(t, "/v1/reports/compare?"+query)
	if len(table) < len(want.Rows)+1 {
		t.Fatalf("CSV has %d lines for %d rows", len(table), len(want.Rows))
	}
	shown := eval[[]shownRow](tb, compareRowsJS)
	if len(shown) != len(want.Rows) {
		t.Fatalf("%d rows shown, the API gave %d", len(shown), len(want.Rows))
	}
	round := func(v *float64, places int) string {
		if v == nil {
			return ""
		}
		p := math.Pow(10, float64(places))
		r := math.Round(*v*p) / p
		if r == 0 {
			r = 0
		}
		return strconv.FormatFloat(r, 'f', -1, 64)
	}
	// pageNumber turns the page's text ("1,000", "9.58 %", "+139.6 %",
	// "−12.5 %", "—") into the plain number a CSV cell holds.
	pageNumber := func(text string) string {
		if text == "—" {
			return ""
		}
		text = strings.NewReplacer(",", "", " %", "", "+", "", "−", "-").Replace(text)
		v, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return "unreadable " + text
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	for i, r := range want.Rows {
		line := table[i+1]
		if line[0] != r.Indicator || shown[i].Indicator != r.Indicator {
			t.Errorf("row %d: CSV %q, page %q, JSON %q", i, line[0], shown[i].Indicator, r.Indicator)
			continue
		}
		for _, c := range []struct {
			side    string
			json    *float64
			places  int
			csvCell string
			page    string
		}{
			{"A", r.A, 2, line[1], shown[i].AText},
			{"B", r.B, 2, line[2], shown[i].BText},
			{"change", r.ChangePct, 1, line[3], shown[i].ChangeTx},
		} {
			if want := round(c.json, c.places); c.csvCell != want {
				t.Errorf("%s %s: CSV %q, JSON %v rounded is %q", r.Indicator, c.side, c.csvCell, fv(c.json), want)
			}
			if got := pageNumber(c.page); got != c.csvCell {
				t.Errorf("%s %s: the page shows %q (%s), the CSV %q", r.Indicator, c.side, c.page, got, c.csvCell)
			}
		}
	}
}

func fv(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// csvDownload clicks the page's Download CSV button, which fetches the
// report as text/csv with the token, and checks it got a file.
func csvDownload(t *testing.T, tb *tab, pathPrefix string) {
	t.Helper()
	href := eval[string](tb, `document.querySelector("button.csv")?.dataset.href || ""`)
	if !strings.HasPrefix(href, pathPrefix) {
		t.Fatalf("CSV button fetches %q, want %s…", href, pathPrefix)
	}
	tb.click("button.csv")
	tb.waitFor(`/^(Downloaded|CSV failed)/.test(document.querySelector(".csv-status").textContent)`)
	if msg := eval[string](tb, `document.querySelector(".csv-status").textContent`); !strings.HasPrefix(msg, "Downloaded") || strings.Contains(msg, "(0 bytes)") {
		t.Errorf("CSV download: %q", msg)
	}
}

func TestCompare(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	f.requireEndpoint(t, "/v1/reports/compare?a=all&b=all")

	a, b := "period:2026-09-01..2026-09-30", "period:2026-10-01..2026-10-31"
	var want compareAnswer
	if code := f.getJSON(t, "/v1/reports/compare?"+url.Values{"a": {a}, "b": {b}, "tz": {browserZone}}.Encode(), &want); code != http.StatusOK {
		t.Fatalf("GET compare: %d", code)
	}
	if want.A.Posts == 0 || want.B.Posts == 0 {
		t.Fatalf("the seeded cohorts are empty: %+v", want)
	}
	tb.signIn(f.URL, "#/compare?"+url.Values{"a": {a}, "b": {b}}.Encode(), f.Token)
	tb.waitFor(`document.querySelector("#compare-table")`)
	if got := eval[[]string](tb, `[document.querySelector("#cohort-a").value, document.querySelector("#cohort-b").value]`); !slices.Equal(got, []string{a, b}) {
		t.Errorf("cohort inputs %v", got)
	}
	for id, want := range map[string]string{"#cohort-a-summary": fmt.Sprintf("A: %s — %s", a, counted(want.A.Posts, want.A.Publications)), "#cohort-b-summary": fmt.Sprintf("B: %s — %s", b, counted(want.B.Posts, want.B.Publications))} {
		if got := eval[string](tb, fmt.Sprintf(`document.querySelector(%q).textContent`, id)); got != want {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
	checkCompare(t, tb, want)
	checkSameEverywhere(t, f, tb, url.Values{"a": {a}, "b": {b}, "tz": {browserZone}}.Encode(), want)
	if want.Denominator != "" && eval[string](tb, `document.querySelector("#denominator")?.textContent || ""`) == "" {
		t.Error("the denominator is not explained")
	}
	tb.screenshot("compare")
	csvDownload(t, tb, "/v1/reports/compare?")
	// Each cohort's readings, as CSV: the export of GET /v1/reports/readings.
	for side, spec := range map[string]string{"a": a, "b": b} {
		btn := fmt.Sprintf(`.readings-csv[data-side="%s"] button.csv`, side)
		want := "/v1/reports/readings?" + url.Values{"cohort": {spec}, "tz": {browserZone}}.Encode()
		if href := eval[string](tb, `document.querySelector('`+btn+`').dataset.href`); href != want {
			t.Errorf("readings of %s: %q, want %q", side, href, want)
		}
		tb.click(btn)
		status := fmt.Sprintf(`document.querySelector('.readings-csv[data-side="%s"] .csv-status').textContent`, side)
		tb.waitFor(`/^(Downloaded|CSV failed)/.test(` + status + `)`)
		if msg := eval[string](tb, status); !strings.HasPrefix(msg, "Downloaded readings-"+side+".csv") {
			t.Errorf("readings of %s: %q", side, msg)
		}
	}
	if rows := f.getCSV(t, "/v1/reports/readings?"+url.Values{"cohort": {b}, "tz": {browserZone}}.Encode()); len(rows) < 2 {
		t.Errorf("readings of B: %d CSV lines, want the header and a reading per target at least", len(rows))
	}

	// Another cohort, typed into the form.
	tb.do("cohort B", chromedp.SetValue(chromedp.CSS("#cohort-b"), "tag:launch+network:bluesky"), chromedp.Click(chromedp.CSS("#compare-form button[type=submit]")))
	tb.waitFor(`document.querySelector("#cohort-b-summary")?.textContent.includes("tag:launch+network:bluesky")`)
	if h := eval[string](tb, `location.hash`); !strings.Contains(h, "b=tag%3Alaunch%2Bnetwork%3Abluesky") {
		t.Errorf("hash %s does not keep the cohort", h)
	}
	var want2 compareAnswer
	f.getJSON(t, "/v1/reports/compare?"+url.Values{"a": {a}, "b": {"tag:launch+network:bluesky"}, "tz": {browserZone}}.Encode(), &want2)
	checkCompare(t, tb, want2)
	checkSameEverywhere(t, f, tb, url.Values{"a": {a}, "b": {"tag:launch+network:bluesky"}, "tz": {browserZone}}.Encode(), want2)

	// An invalid cohort: the API's message and field errors are shown.
	tb.do("bad cohort", chromedp.SetValue(chromedp.CSS("#cohort-a"), "bogus:1"), chromedp.Click(chromedp.CSS("#compare-form button[type=submit]")))
	tb.waitFor(`document.querySelector("#compare-result .error-box")`)
	apiErr := f.getError(t, "/v1/reports/compare?"+url.Values{"a": {"bogus:1"}, "b": {"tag:launch+network:bluesky"}, "tz": {browserZone}}.Encode())
	shown := eval[string](tb, `document.querySelector("#compare-result .error-box").textContent`)
	if !strings.Contains(shown, apiErr.Error.Message) {
		t.Errorf("error shown %q lacks the API's message %q", shown, apiErr.Error.Message)
	}
	for _, fe := range apiErr.Error.Fields {
		if !strings.Contains(shown, fe.Field+": "+fe.Message) {
			t.Errorf("error shown %q lacks field %s: %s", shown, fe.Field, fe.Message)
		}
	}
	tb.screenshot("compare-error")
}

func TestLeaderboard(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	f.requireEndpoint(t, "/v1/reports/leaderboard?from=2026-09-01&to=2026-10-31")

	type lbRow struct {
		Rank         int    `json:"rank"`
		Author       string `json:"author"`
		Posts        int    `json:"posts"`
		Publications int    `json:"publications"`
	}
	get := func(from, to string) []lbRow {
		t.Helper()
		var ans struct{ Rows []lbRow }
		if code := f.getJSON(t, "/v1/reports/leaderboard?"+url.Values{"from": {from}, "to": {to}, "tz": {browserZone}}.Encode(), &ans); code != http.StatusOK {
			t.Fatalf("GET leaderboard: %d", code)
		}
		return ans.Rows
	}
	shown := func() []lbRow {
		t.Helper()
		raw := eval[json.RawMessage](tb, `[...document.querySelectorAll("#leaderboard tbody tr")].map((tr) => ({
			rank: Number(tr.cells[0].textContent), author: tr.cells[1].textContent, posts: Number(tr.cells[2].textContent),
			publications: Number(tr.cells[3].textContent)}))`)
		var rows []lbRow
		must(t, json.Unmarshal(raw, &rows))
		return rows
	}

	want := get("2026-09-01", "2026-10-31")
	if len(want) < 2 {
		t.Fatalf("the seeded leaderboard has %d rows, want Ada and Bo at least: %+v", len(want), want)
	}
	tb.signIn(f.URL, "#/leaderboard?from=2026-09-01&to=2026-10-31", f.Token)
	tb.waitFor(`document.querySelector("#leaderboard")`)
	if got := shown(); !slices.Equal(got, want) {
		t.Errorf("leaderboard shows %+v, the API says %+v", got, want)
	}
	tb.screenshot("leaderboard")
	csvDownload(t, tb, "/v1/reports/leaderboard?")

	// A shorter span, through the form.
	tb.do("dates", chromedp.SetValue(chromedp.CSS("#lb-from"), "2026-10-10"), chromedp.SetValue(chromedp.CSS("#lb-to"), "2026-10-20"),
		chromedp.Click(chromedp.CSS("#leaderboard-form button[type=submit]")))
	tb.waitFor(`location.hash.includes("from=2026-10-10") && document.querySelector("#leaderboard, #leaderboard-result .empty-state")`)
	want = get("2026-10-10", "2026-10-20")
	// The page of the first span may still be shown while the new one
	// loads: wait until the rows are the API's (or time out and fail).
	if len(want) == 0 {
		tb.waitFor(`document.querySelector("#leaderboard-result .empty-state") && !document.querySelector("#leaderboard tbody tr")`)
	} else {
		b, _ := json.Marshal(want)
		tb.waitFor(`JSON.stringify([...document.querySelectorAll("#leaderboard tbody tr")].map((tr) => ({
			rank: Number(tr.cells[0].textContent), author: tr.cells[1].textContent, posts: Number(tr.cells[2].textContent),
			publications: Number(tr.cells[3].textContent)}))) === ` + strconv.Quote(string(b)))
	}
	if got := shown(); !slices.Equal(got, want) {
		t.Errorf("leaderboard from 2026-10-10 shows %+v, the API says %+v", got, want)
	}
}

func TestBestTimes(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	path := "/v1/reports/best-times?tz=" + url.QueryEscape(browserZone)
	f.requireEndpoint(t, path)
	var want struct {
		Basis string `json:"basis"`
		Cells []struct {
			Weekday, Hour, Posts, Publications int
			EngagementRate                     *float64 `json:"engagement_rate_pct"`
		}
	}
	if code := f.getJSON(t, path, &want); code != http.StatusOK {
		t.Fatalf("GET best-times: %d", code)
	}
	tb.signIn(f.URL, "#/best-times", f.Token)
	tb.waitFor(`document.querySelector("svg.heat-grid")`)
	if n := eval[int](tb, `document.querySelectorAll("svg.heat-grid rect.cell").length`); n != 7*24 {
		t.Errorf("%d cells, want 168", n)
	}
	withPosts := 0
	for _, c := range want.Cells {
		if c.Posts == 0 {
			continue
		}
		withPosts++
		sel := fmt.Sprintf(`document.querySelector('svg.heat-grid rect.cell[data-weekday="%d"][data-hour="%d"]').dataset`, c.Weekday, c.Hour)
		ds := eval[map[string]string](tb, `({...`+sel+`})`)
		if ds["posts"] != strconv.Itoa(c.Posts) || ds["publications"] != strconv.Itoa(c.Publications) || !sameValue(ds["rate"], c.EngagementRate) {
			t.Errorf("cell %d/%d shows %v, the API says %d posts, %d publications at %v", c.Weekday, c.Hour, ds, c.Posts, c.Publications, fv(c.EngagementRate))
		}
	}
	if withPosts == 0 {
		t.Fatal("the API gave no cell with posts for the seeded data")
	}
	if n := eval[int](tb, `document.querySelectorAll("svg.heat-grid rect.cell:not(.empty)").length`); n != withPosts {
		t.Errorf("%d cells coloured, the API has %d with posts", n, withPosts)
	}
	// The page says what the rates were divided by (reach, impressions, or both).
	if want.Basis == "" || eval[string](tb, `document.querySelector("#best-times-basis")?.textContent || ""`) == "" {
		t.Errorf("basis %q: the page does not say what the rates were divided by", want.Basis)
	}
	if eval[int](tb, `document.querySelectorAll("#best-slots li").length`) == 0 {
		t.Error("no best slot listed")
	}
	tb.screenshot("best-times")
	csvDownload(t, tb, "/v1/reports/best-times?")
}

// counted is how the page counts posts and publications ("1 post, 2
// publications").
func counted(posts, publications int) string {
	plural := func(n int, word string) string {
		if n == 1 {
			return "1 " + word
		}
		return strconv.Itoa(n) + " " + word + "s"
	}
	return plural(posts, "post") + ", " + plural(publications, "publication")
}
