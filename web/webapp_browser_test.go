package web_test

// The journeys of the pages that edit (compose, review, rescheduling),
// every route checked by axe-core (vendored under testdata, injected by
// the test: the page never loads it) and at 390 px for sideways scroll.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// send calls the API with the fixture's admin token and decodes the
// answer into v (when not nil); it returns the status.
func (f *fixture) send(t *testing.T, method, path string, body, v any) int {
	t.Helper()
	return f.sendAs(t, f.Token, method, path, body, v)
}

// sendAs is send with another token.
func (f *fixture) sendAs(t *testing.T, token, method, path string, body, v any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		must(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, f.URL+path, rd)
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	must(t, err)
	if v != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(raw, v); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
	return res.StatusCode
}

// apiPost is a post as the API answers it, what the tests read of it.
type apiPost struct {
	ID          string    `json:"id"`
	Content     string    `json:"content"`
	Status      string    `json:"status"`
	ScheduledAt time.Time `json:"scheduled_at"`
	Media       []string  `json:"media"`
	Thread      []string  `json:"thread"`
	// FirstComment is the comment published right after the post.
	FirstComment string `json:"first_comment"`
	Targets      []struct {
		AccountID string `json:"account_id"`
		Network   string `json:"network"`
		Content   string `json:"content"`
		Status    string `json:"status"`
	} `json:"targets"`
}

func (f *fixture) post(t *testing.T, id string) apiPost {
	t.Helper()
	var p apiPost
	if code := f.send(t, "GET", "/v1/posts/"+id, nil, &p); code != 200 {
		t.Fatalf("GET post %s: %d", id, code)
	}
	return p
}

// createPost schedules a post on the Mastodon account at at.
func (f *fixture) createPost(t *testing.T, content string, at time.Time, draft bool) apiPost {
	t.Helper()
	var p apiPost
	code := f.send(t, "POST", "/v1/posts", map[string]any{
		"content": content, "scheduled_at": at.Format(time.RFC3339), "timezone": browserZone, "draft": draft,
		"targets": []map[string]string{{"account_id": f.Accounts["mast"].ID}},
	}, &p)
	if code != http.StatusCreated {
		t.Fatalf("create post: %d", code)
	}
	return p
}

// setWidth resizes the tab's viewport (390: a phone).
func (tb *tab) setWidth(w int) {
	tb.t.Helper()
	tb.call(func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
			Width: int64(w), Height: 900, DeviceScaleFactor: 1, Mobile: w < 600,
		})
		return err
	})
}

var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile("testdata/axe-core-4.14.1/axe.min.js")
	return string(b), err
})

// axeCheck runs axe-core on the page as it is and fails on any serious or
// critical violation.
func (tb *tab) axeCheck(name string) {
	tb.t.Helper()
	src, err := axeSource()
	if err != nil {
		tb.t.Fatalf("axe-core: %v", err)
	}
	if !eval[bool](tb, `typeof window.axe === "object"`) {
		// Evaluated through the DevTools protocol: the page's CSP does not
		// apply, and the page itself never loads axe.
		tb.do("inject axe-core", chromedp.Evaluate[chromedp.Void](src))
	}
	type violation struct {
		ID     string   `json:"id"`
		Impact string   `json:"impact"`
		Help   string   `json:"help"`
		Nodes  []string `json:"nodes"`
	}
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[[]violation](`axe.run(document, {resultTypes: ["violations"]}).then((r) =>
		r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => ({
			id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")) })))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("%s: axe.run: %v", name, err)
	}
	for _, x := range v {
		tb.t.Errorf("%s: axe %s (%s): %s at %v", name, x.ID, x.Impact, x.Help, x.Nodes)
	}
}

// rawWords are what must never reach a person: an id (ser_…, pst_…), a
// JavaScript placeholder, or an enum word of the API (pending_review).
var rawWords = `/\b(ser|pst|cmp|acc|tok|ws|tgt|med)_[A-Za-z0-9]+|\bundefined\b|\bnull\b|\b[a-z]+_[a-z_]+\b/g`

// noRawWords fails when the page's visible text (the dialog's too) holds
// a raw id, a placeholder or a snake_case enum word. Web addresses (a
// post's link on its network) are shown as they are, and not scanned.
func (tb *tab) noRawWords(name string) {
	tb.t.Helper()
	found := eval[[]string](tb, `(document.body.innerText.replace(/https?:\/\/\S+/g, "").match(`+rawWords+`) || []).slice(0, 10)`)
	if len(found) > 0 {
		tb.t.Errorf("%s: the page shows %q", name, found)
	}
}

// noSidewaysScroll fails when the page is wider than the viewport.
func (tb *tab) noSidewaysScroll(name string) {
	tb.t.Helper()
	type widths struct{ Page, View int }
	w := eval[widths](tb, `({page: document.documentElement.scrollWidth, view: window.innerWidth})`)
	if w.Page > w.View {
		wide := eval[[]string](tb, `[...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
			.slice(0, 5).map((e) => e.tagName + (e.id ? "#" + e.id : "") + "." + e.className)`)
		tb.t.Errorf("%s at %d px: the page is %d px wide (sideways scroll); too wide: %v", name, w.View, w.Page, wide)
	}
}

// testPNG is an image of w × h pixels.
func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(40 + x%200), uint8(90 + y%150), 200, 255})
		}
	}
	var buf bytes.Buffer
	must(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// dropFile drops a PNG on the selector, as a file dragged from the desktop.
func (tb *tab) dropFile(sel, name string, data []byte) {
	tb.t.Helper()
	tb.do("drop "+name, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const bin = atob(%q); const bytes = new Uint8Array(bin.length);
		for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
		const dt = new DataTransfer(); dt.items.add(new File([bytes], %q, {type: "image/png"}));
		const zone = document.querySelector(%q);
		zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: dt, bubbles: true, cancelable: true}));
		zone.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
	})()`, base64.StdEncoding.EncodeToString(data), name, sel)))
}

// typeInto focuses a field, empties it and types text as keys.
func (tb *tab) typeInto(sel, text string) {
	tb.t.Helper()
	tb.do("type into "+sel, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.focus(); e.select && e.select(); })()`, sel)),
		chromedp.KeyEvent(kb.Delete), chromedp.SendKeys(chromedp.CSS(sel), text))
}

// TestComposeJourney composes a post for Mastodon and Bluesky with an
// image and its alt text, sees the API's own counting refuse a text too
// long for Bluesky next to the field, writes a Bluesky variant, and
// schedules it; the post opens again in the same form.
func TestComposeJourney(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	shots := func(name string) {
		tb.screenshot(name + "-1280")
		tb.setWidth(390)
		tb.noSidewaysScroll(name)
		tb.screenshot(name + "-390")
		tb.setWidth(1280)
	}
	tb.signIn(f.URL, "#/calendar?view=week&date=2026-10-06", f.Token)
	tb.waitFor(`document.querySelector("#calendar")`)
	tb.click("#cal-new")
	tb.waitFor(`document.querySelector("#compose input[name=account]")`)

	tb.click(fmt.Sprintf(`#compose input[value="%s"]`, f.Accounts["mast"].ID))
	tb.click(fmt.Sprintf(`#compose input[value="%s"]`, f.Accounts["bsky"].ID))
	// 320 characters and a link: Mastodon (500, a link counts 23) takes
	// it, Bluesky (300 graphemes) does not, and the API says so.
	long := strings.Repeat("Launch week ", 26) + "https://example.com/a/very/long/path/to/the/launch/notes"
	tb.typeInto("#compose-content", long)
	// The API's count (once typing has stopped) is the counter's.
	tb.waitFor(fmt.Sprintf(`document.querySelector("#compose-content-error")?.textContent.includes("Bluesky: the post is %d characters long")`, len(long)))
	counts := eval[map[string]string](tb, `Object.fromEntries([...document.querySelectorAll("#compose-counters .counter")].map((c) => [c.dataset.network, c.dataset.count + "/" + c.dataset.max]))`)
	if want := map[string]string{"mastodon": "335/500", "bluesky": fmt.Sprint(len(long), "/300")}; !maps.Equal(counts, want) {
		t.Errorf("counters %v, want %v (Mastodon counts a link as 23, Bluesky as written)", counts, want)
	}
	if msg := eval[string](tb, `document.querySelector("#compose-content-error").textContent`); strings.Contains(msg, "Mastodon") {
		t.Errorf("Mastodon refused a text it takes: %q", msg)
	}
	tb.screenshot("compose-too-long")

	// A shorter text for Bluesky: the error goes.
	tb.click("#variant-bluesky-on")
	tb.typeInto("#variant-bluesky", "Launch week starts Monday! Notes: https://example.com/launch")
	tb.waitFor(`!document.querySelector("#compose-content-error") && document.querySelector("#compose-check").textContent.includes("accepts")`)

	tb.dropFile("#compose-drop", "desk.png", testPNG(t, 64, 48))
	tb.waitFor(`document.querySelectorAll("#compose-media .media-item").length === 1`)
	alt := eval[string](tb, `document.querySelector("#compose-media input").id`)
	tb.typeInto("#"+alt, "A desk with two screens and a plant")
	tb.click("#compose-add-part")
	tb.typeInto("#thread-0", "Part two: what is in the release.")
	loc := paris(t)
	when := time.Now().In(loc).AddDate(0, 0, 3)
	when = time.Date(when.Year(), when.Month(), when.Day(), 10, 30, 0, 0, loc)
	tb.do("set time", chromedp.SetValue(chromedp.CSS("#compose-at"), when.Format("2006-01-02T15:04")),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#compose-at").dispatchEvent(new Event("input", {bubbles: true}))`))
	tb.waitFor(`document.querySelector("#compose-check").textContent.includes("accepts")`)
	previews := eval[[]string](tb, `[...document.querySelectorAll(".compose-previews .preview")].map((p) =>
		p.dataset.network + ":" + p.querySelectorAll(".preview-card").length + ":" + p.querySelectorAll("img").length + ":" + p.querySelector(".preview-text").textContent.slice(0, 20))`)
	slices.Sort(previews)
	if want := []string{"bluesky:2:1:Launch week starts M", "mastodon:2:1:" + long[:20]}; !slices.Equal(previews, want) {
		t.Errorf("previews %v, want %v", previews, want)
	}
	tb.axeCheck("compose")
	shots("compose")

	tb.click("#compose-submit")
	tb.waitFor(`location.hash.startsWith("#/calendar") && document.querySelector("#calendar")`)
	if msg := eval[string](tb, `document.querySelector("#status").textContent`); !strings.HasPrefix(msg, "Scheduled") {
		t.Errorf("status after scheduling: %q", msg)
	}
	id := eval[string](tb, fmt.Sprintf(`[...document.querySelectorAll("#calendar .post")].find((p) => p.dataset.scheduledAt && new Date(p.dataset.scheduledAt).getTime() === %d)?.dataset.postId || ""`, when.UnixMilli()))
	if id == "" {
		t.Fatalf("the new post is not on the calendar at %v: %s", when, tb.visibleText())
	}
	p := f.post(t, id)
	if p.Content != long || p.Status != "scheduled" || !p.ScheduledAt.Equal(when) || len(p.Media) != 1 ||
		!slices.Equal(p.Thread, []string{"Part two: what is in the release."}) || len(p.Targets) != 2 {
		t.Fatalf("post %+v", p)
	}
	for _, tg := range p.Targets {
		want := ""
		if tg.Network == "bluesky" {
			want = "Launch week starts Monday! Notes: https://example.com/launch"
		}
		if tg.Content != want {
			t.Errorf("%s variant %q, want %q", tg.Network, tg.Content, want)
		}
	}
	var m struct {
		AltText string `json:"alt_text"`
	}
	if f.send(t, "GET", "/v1/media/"+p.Media[0], nil, &m); m.AltText != "A desk with two screens and a plant" {
		t.Errorf("alt text %q", m.AltText)
	}
	shots("calendar-after-compose")

	// Editing opens the same form, filled.
	tb.click(fmt.Sprintf(`#calendar .post[data-post-id="%s"]`, id))
	tb.waitFor(`document.querySelector("#post-edit")`)
	tb.click("#post-edit")
	tb.waitFor(`document.querySelector("#compose-title")?.textContent === "Edit post" && document.querySelector("#compose-content")`)
	if got := eval[string](tb, `document.querySelector("#compose-content").value`); got != long {
		t.Errorf("edit form text %q", got)
	}
	tb.typeInto("#compose-content", "Launch week, edited")
	tb.click("#compose-submit")
	tb.waitFor(`location.hash.startsWith("#/calendar")`)
	if got := f.post(t, id); got.Content != "Launch week, edited" || len(got.Media) != 1 || !got.ScheduledAt.Equal(when) {
		t.Errorf("after the edit: %+v", got)
	}
}

// TestComposeByKeyboard writes and schedules a post with the keyboard
// alone: Tab to each field, Space to tick, Enter to submit.
func TestComposeByKeyboard(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	tb.signIn(f.URL, "#/compose", f.Token)
	tb.waitFor(`document.querySelector("#compose input[name=account]")`)
	tb.do("focus the first account", chromedp.Evaluate[chromedp.Void](`document.querySelector("#compose-title").setAttribute("tabindex", "-1"); document.querySelector("#compose-title").focus()`))
	// Tab to the Mastodon account (accounts are listed in the API's
	// order), tick it, then Tab on to the text.
	for range 5 {
		tb.do("tab", chromedp.KeyEvent(kb.Tab))
		if eval[string](tb, `document.activeElement.dataset.network || ""`) == "mastodon" {
			break
		}
	}
	if eval[string](tb, `document.activeElement.dataset.network || ""`) != "mastodon" {
		t.Fatalf("Tab does not reach the Mastodon account: focus on %s", eval[string](tb, `document.activeElement.outerHTML.slice(0, 120)`))
	}
	tb.do("tick", chromedp.KeyEvent(" "))
	for range 5 {
		if eval[string](tb, `document.activeElement.id`) == "compose-content" {
			break
		}
		tb.do("tab", chromedp.KeyEvent(kb.Tab))
	}
	tb.do("type", chromedp.KeyEvent("Typed with the keyboard only"))
	tb.waitFor(`document.querySelector("#compose-check").textContent.includes("accepts")`)
	tb.do("submit", chromedp.Evaluate[chromedp.Void](`document.querySelector("#compose-tags").focus()`), chromedp.KeyEvent(kb.Enter))
	tb.waitFor(`location.hash.startsWith("#/calendar") && document.querySelector("#calendar")`)
	var list struct{ Data []apiPost }
	f.send(t, "GET", "/v1/posts?limit=200", nil, &list)
	if !slices.ContainsFunc(list.Data, func(p apiPost) bool { return p.Content == "Typed with the keyboard only" && p.Status == "scheduled" }) {
		t.Errorf("the keyboard's post is not scheduled")
	}
}

// TestReviewJourney sends one post back with a comment, which its author
// reads in the post's dialog, and approves another.
func TestReviewJourney(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	if code := f.send(t, "PATCH", "/v1/workspace", map[string]any{"approval_required": true}, nil); code != 200 {
		t.Fatalf("approval rule: %d", code)
	}
	// An editor writes; the workspace's rule sends the posts to review.
	var editor struct {
		Secret string `json:"secret"`
	}
	if code := f.send(t, "POST", "/v1/tokens", map[string]any{"name": "Eddie", "role": "editor"}, &editor); code != http.StatusCreated {
		t.Fatalf("editor token: %d", code)
	}
	at := time.Now().Add(72 * time.Hour).Truncate(time.Minute)
	var pending []apiPost
	for _, text := range []string{"Please approve me", "Needs another look"} {
		var p apiPost
		if code := f.sendAs(t, editor.Secret, "POST", "/v1/posts", map[string]any{
			"content": text, "scheduled_at": at.Format(time.RFC3339), "timezone": browserZone,
			"targets": []map[string]string{{"account_id": f.Accounts["mast"].ID}},
		}, &p); code != http.StatusCreated {
			t.Fatalf("create post: %d", code)
		}
		var sub apiPost
		if code := f.sendAs(t, editor.Secret, "POST", "/v1/posts/"+p.ID+"/submit", nil, &sub); code != 200 || sub.Status != "pending_review" {
			t.Fatalf("submit: %d %+v", code, sub)
		}
		pending = append(pending, sub)
	}
	tb.signIn(f.URL, "#/review", f.Token)
	tb.waitFor(`document.querySelectorAll("#review .review-item").length === 2`)
	if got := eval[[]string](tb, `[...document.querySelectorAll("#review .review-head .hint")].map((e) => e.textContent)`); !slices.Equal(got, []string{"Mastodon @ada", "Mastodon @ada"}) {
		t.Errorf("review targets read %q, want the network's title and the account", got)
	}
	tb.axeCheck("review")
	tb.screenshot("review-1280")
	tb.setWidth(390)
	tb.noSidewaysScroll("review")
	tb.screenshot("review-390")
	tb.setWidth(1280)

	ok, back := pending[0].ID, pending[1].ID
	tb.click(fmt.Sprintf(`.review-item[data-post-id="%s"] button.reject`, back))
	tb.waitFor(fmt.Sprintf(`document.querySelector('.review-item[data-post-id="%s"] .error')`, back))
	tb.typeInto("#comment-"+back, "The link is missing: add the release notes.")
	tb.click(fmt.Sprintf(`.review-item[data-post-id="%s"] button.reject`, back))
	// The list shifts when the sent-back post leaves it and its note shows:
	// wait for that before the next click, which lands on coordinates.
	tb.waitFor(fmt.Sprintf(`!document.querySelector('.review-item[data-post-id="%s"]') && document.querySelector("#review-done .ok-note")`, back))
	tb.click(fmt.Sprintf(`.review-item[data-post-id="%s"] button.approve`, ok))
	tb.waitFor(`document.querySelectorAll("#review .review-item").length === 0 && document.querySelector("#review-empty")`)
	if got := f.post(t, ok); got.Status != "scheduled" {
		t.Errorf("approved post is %s", got.Status)
	}
	if got := f.post(t, back); got.Status != "rejected" {
		t.Errorf("sent-back post is %s", got.Status)
	}
	tb.screenshot("review-done")

	// The author opens the post sent back and reads why.
	tb.do("open calendar", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = "#/calendar?view=week&date=%s"`, at.In(paris(t)).Format(time.DateOnly))))
	tb.waitFor(fmt.Sprintf(`document.querySelector('#calendar .post[data-post-id="%s"]')`, back))
	tb.click(fmt.Sprintf(`#calendar .post[data-post-id="%s"]`, back))
	tb.waitFor(`document.querySelector("#post-review .review-comment")`)
	if got := eval[string](tb, `document.querySelector("#post-review .review-comment").textContent`); got != "The link is missing: add the release notes." {
		t.Errorf("comment in the dialog: %q", got)
	}
	tb.axeCheck("post dialog with review")
	tb.screenshot("post-sent-back")
}

// TestRescheduleJourney drags a post to the next day, moves it an hour
// with the keyboard, and sees a refused move put the post back with the
// API's message.
func TestRescheduleJourney(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	loc := paris(t)
	now := time.Now().In(loc)
	// Wednesday of next week at 10:00: the next day is in the same week.
	monday := now.AddDate(0, 0, 7-((int(now.Weekday())+6)%7))
	at := time.Date(monday.Year(), monday.Month(), monday.Day()+2, 10, 0, 0, 0, loc)
	p := f.createPost(t, "Drag me to tomorrow", at, false)
	day := func(d time.Time) string { return d.Format(time.DateOnly) }
	chip := fmt.Sprintf(`#calendar .post[data-post-id="%s"]`, p.ID)

	tb.signIn(f.URL, "#/calendar?view=week&date="+day(at), f.Token)
	tb.waitFor(`document.querySelector("` + strings.ReplaceAll(chip, `"`, `\"`) + `")`)
	drag := func(toDay string) {
		tb.do("drag to "+toDay, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
			const chip = document.querySelector(%q), cell = document.querySelector('#calendar .day[data-date="%s"]');
			const dt = new DataTransfer();
			chip.dispatchEvent(new DragEvent("dragstart", {dataTransfer: dt, bubbles: true}));
			cell.dispatchEvent(new DragEvent("dragover", {dataTransfer: dt, bubbles: true, cancelable: true}));
			cell.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
			chip.dispatchEvent(new DragEvent("dragend", {dataTransfer: dt, bubbles: true}));
		})()`, chip, toDay)))
	}
	tomorrow := at.AddDate(0, 0, 1)
	drag(day(tomorrow))
	tb.waitFor(fmt.Sprintf(`document.querySelector('#calendar .day[data-date="%s"] .post[data-post-id="%s"][data-scheduled-at]') && !document.querySelector('[aria-busy]')`, day(tomorrow), p.ID))
	if got := f.post(t, p.ID); !got.ScheduledAt.Equal(tomorrow) {
		t.Fatalf("after the drag: %v, want %v", got.ScheduledAt, tomorrow)
	}
	tb.waitFor(fmt.Sprintf(`document.querySelector(%q)?.dataset.scheduledAt && new Date(document.querySelector(%q).dataset.scheduledAt).getTime() === %d`, chip, chip, tomorrow.UnixMilli()))
	tb.screenshot("rescheduled-1280")

	// The keyboard: Alt+↓ moves it an hour later.
	tb.do("focus", chromedp.Focus(chromedp.CSS(chip)))
	tb.do("alt+down", chromedp.KeyEvent(kb.ArrowDown, chromedp.KeyModifiers(chromedp.ModifierAlt)))
	later := tomorrow.Add(time.Hour)
	tb.waitFor(fmt.Sprintf(`document.querySelector(%q) && new Date(document.querySelector(%q).dataset.scheduledAt).getTime() === %d`, chip, chip, later.UnixMilli()))
	if got := f.post(t, p.ID); !got.ScheduledAt.Equal(later) {
		t.Errorf("after Alt+↓: %v, want %v", got.ScheduledAt, later)
	}
	if !eval[bool](tb, `document.activeElement?.dataset.postId === `+fmt.Sprintf("%q", p.ID)) {
		t.Error("the moved post lost the focus")
	}

	// Into the past: the API refuses (422), the post goes back with the
	// API's message.
	at2 := now.Add(5 * time.Minute).Truncate(time.Minute)
	p2 := f.createPost(t, "Not into the past", at2, false)
	chip2 := fmt.Sprintf(`#calendar .post[data-post-id="%s"]`, p2.ID)
	past := day(at2.AddDate(0, 0, -1))
	tb.do("open this month", chromedp.Evaluate[chromedp.Void](`location.hash = "#/calendar?view=month&date=`+day(at2)+`"`))
	tb.waitFor(`document.querySelector("` + strings.ReplaceAll(chip2, `"`, `\"`) + `")`)
	if !eval[bool](tb, `!!document.querySelector('#calendar .day[data-date="`+past+`"]')`) {
		t.Logf("the month grid starts today: the refused move is not checked")
	} else {
		chip = chip2
		drag(past)
		tb.waitFor(`document.querySelector("#cal-move .error")`)
		if msg := eval[string](tb, `document.querySelector("#cal-move").textContent`); !strings.Contains(msg, "Not moved") || !strings.Contains(strings.ToLower(msg), "past") {
			t.Errorf("refused move says %q", msg)
		}
		if got := eval[string](tb, fmt.Sprintf(`document.querySelector(%q)?.closest(".day")?.dataset.date || ""`, chip2)); got != day(at2) {
			t.Errorf("the refused post shows on %s, want back on %s", got, day(at2))
		}
		if got := f.post(t, p2.ID); !got.ScheduledAt.Equal(p2.ScheduledAt) {
			t.Errorf("a refused move changed the post: %v", got.ScheduledAt)
		}
		tb.screenshot("reschedule-refused")
	}
	tb.do("open the week", chromedp.Evaluate[chromedp.Void](`location.hash = "#/calendar?view=week&date=`+day(at)+`"`))
	tb.waitFor(`document.querySelector('#calendar[data-view="week"]')`)
	tb.setWidth(390)
	tb.noSidewaysScroll("calendar week")
	tb.screenshot("calendar-week-390")
	tb.setWidth(1280)
}

// TestEveryRouteAccessible opens every page at 1280 and 390 px: axe-core
// finds no serious or critical violation, and no page scrolls sideways
// on a phone.
func TestEveryRouteAccessible(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	tb.signIn(f.URL, "#/calendar?view=month&date=2026-10-01", f.Token)
	routes := []struct{ name, hash, ready string }{
		{"calendar-month", "#/calendar?view=month&date=2026-10-01", `#calendar`},
		{"calendar-week", "#/calendar?view=week&date=2026-10-05", `#calendar`},
		{"compose", "#/compose", `#compose input[name=account]`},
		{"review", "#/review", `#review-empty, #review .review-item`},
		{"inbox", "#/inbox", `#inbox-empty, #inbox .inbox-item`},
		{"campaigns", "#/campaigns", `#campaign-list, #no-campaigns`},
		{"campaign", "#/campaigns/" + f.Campaign.ID, `#campaign-name`},
		{"compare", "#/compare", `#compare, .page[data-route=compare] form`},
		{"leaderboard", "#/leaderboard", `table, .empty-state`},
		{"best-times", "#/best-times", `svg, .empty-state`},
		{"accounts", "#/accounts", `#accounts, #no-accounts`},
		{"calendar-filtered", "#/calendar?view=month&date=2026-10-01&network=bluesky&status=published", `#calendar`},
		{"campaign-new-themed-week", "#/campaigns/new?kind=themed_week", `#themed-week-form .plan-day`},
		{"campaign-new-challenge", "#/campaigns/new?kind=weekly_challenge", `#challenge-form`},
		{"series-none", "#/series", `#series-title`},
		{"settings", "#/settings", `#settings #members tbody tr`},
	}
	for _, r := range routes {
		for _, w := range []int{1280, 390} {
			tb.setWidth(w)
			tb.do("open "+r.name, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = %q`, r.hash)))
			tb.waitFor(fmt.Sprintf(`document.querySelector(%q) && !document.querySelector("[aria-busy=true]")`, r.ready))
			name := fmt.Sprintf("%s-%d", r.name, w)
			tb.axeCheck(name)
			tb.noRawWords(name)
			if w == 390 {
				tb.noSidewaysScroll(r.name)
			}
			tb.screenshot("route-" + name)
		}
	}
	tb.setWidth(1280)
	tb.do("open calendar", chromedp.Evaluate[chromedp.Void](`location.hash = "#/calendar?view=month&date=2026-10-01"`))
	tb.waitFor(`document.querySelector("#calendar .post")`)
	tb.click(fmt.Sprintf(`#calendar .post[data-post-id="%s"]`, f.Posts["late"].ID))
	tb.waitFor(`document.querySelector("#post-dialog").open && document.querySelector("#post-targets")`)
	tb.axeCheck("post-dialog")
	tb.noRawWords("post-dialog")
}

// TestComposeSlotsAndRepeat schedules in the next free posting slot (the
// API's message shows next to the accounts while they have none) and a
// post that repeats every week.
func TestComposeSlotsAndRepeat(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	mast := f.Accounts["mast"].ID
	tb.signIn(f.URL, "#/compose", f.Token)
	tb.waitFor(`document.querySelector("#compose input[name=account]")`)
	tb.click(fmt.Sprintf(`#compose input[value="%s"]`, mast))
	tb.typeInto("#compose-content", "In the next slot")
	tb.click("#compose-next-slot")
	tb.waitFor(`document.querySelector("#compose-accounts-error")?.textContent.includes("no posting slots")`)

	if code := f.send(t, "PUT", "/v1/accounts/"+mast+"/schedule", map[string]any{
		"timezone": browserZone, "slots": []map[string]any{{"weekday": 2, "time": "09:30"}},
	}, nil); code != 200 {
		t.Fatalf("set slots: %d", code)
	}
	tb.typeInto("#compose-content", "In the next slot!") // typing checks again
	tb.waitFor(`!document.querySelector("#compose-accounts-error") && document.querySelector("#compose-check").textContent.includes("accepts")`)
	tb.click("#compose-submit")
	tb.waitFor(`location.hash.startsWith("#/calendar") && document.querySelector("#calendar")`)
	var list struct{ Data []apiPost }
	f.send(t, "GET", "/v1/posts?limit=200&from=2026-12-01T00:00:00Z&to=2099-01-01T00:00:00Z", nil, &list)
	i := slices.IndexFunc(list.Data, func(p apiPost) bool { return p.Content == "In the next slot!" })
	if i < 0 {
		t.Fatal("the slotted post was not made")
	}
	at := list.Data[i].ScheduledAt.In(paris(t))
	if at.Weekday() != time.Tuesday || at.Format("15:04") != "09:30" || !at.After(time.Now()) {
		t.Errorf("slotted post at %v, want the next Tuesday 09:30 in Paris", at)
	}

	tb.do("new post", chromedp.Evaluate[chromedp.Void](`location.hash = "#/compose"`))
	tb.waitFor(`document.querySelector("#compose input[name=account]") && document.querySelector("#compose-content").value === ""`)
	tb.click(fmt.Sprintf(`#compose input[value="%s"]`, mast))
	tb.typeInto("#compose-content", "Every week, three times")
	tb.do("repeat weekly", chromedp.SetValue(chromedp.CSS("#compose-repeat"), "WEEKLY"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#compose-repeat").dispatchEvent(new Event("change", {bubbles: true}))`))
	tb.waitFor(`document.querySelector("#compose-count")`)
	tb.typeInto("#compose-count", "3")
	tb.waitFor(`document.querySelector("#compose-check").textContent.includes("accepts")`)
	tb.click("#compose-submit")
	tb.waitFor(`location.hash.startsWith("#/calendar")`)
	if msg := eval[string](tb, `document.querySelector("#status").textContent`); !strings.HasPrefix(msg, "Recurring post scheduled") {
		t.Errorf("status after a recurring post: %q", msg)
	}
	var series struct {
		Data []struct {
			Recurrence string `json:"recurrence"`
		} `json:"data"`
	}
	f.send(t, "GET", "/v1/series", nil, &series)
	if len(series.Data) != 1 || !strings.Contains(series.Data[0].Recurrence, "FREQ=WEEKLY") || !strings.Contains(series.Data[0].Recurrence, "COUNT=3") {
		t.Errorf("series %+v, want one, weekly, 3 times", series.Data)
	}
}

// TestComposeDraftAndSubmit: where the workspace asks for approval, an
// editor's compose page submits for review, and a draft stays a draft.
func TestComposeDraftAndSubmit(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	if code := f.send(t, "PATCH", "/v1/workspace", map[string]any{"approval_required": true}, nil); code != 200 {
		t.Fatalf("approval rule: %d", code)
	}
	var editor struct {
		Secret string `json:"secret"`
	}
	if code := f.send(t, "POST", "/v1/tokens", map[string]any{"name": "Eddie", "role": "editor"}, &editor); code != http.StatusCreated {
		t.Fatalf("editor token: %d", code)
	}
	tb.signIn(f.URL, "#/compose", editor.Secret)
	compose := func(text, button string) apiPost {
		t.Helper()
		tb.do("new post", chromedp.Evaluate[chromedp.Void](`location.hash = "#/compose"`))
		tb.waitFor(`document.querySelector("#compose input[name=account]") && document.querySelector("#compose-content").value === ""`)
		tb.click(fmt.Sprintf(`#compose input[value="%s"]`, f.Accounts["mast"].ID))
		tb.typeInto("#compose-content", text)
		tb.waitFor(`document.querySelector("#compose-check").textContent.includes("accepts")`)
		tb.click(button)
		tb.waitFor(`location.hash.startsWith("#/calendar")`)
		var list struct{ Data []apiPost }
		f.send(t, "GET", "/v1/posts?limit=200&from=2026-12-01T00:00:00Z&to=2099-01-01T00:00:00Z", nil, &list)
		i := slices.IndexFunc(list.Data, func(p apiPost) bool { return p.Content == text })
		if i < 0 {
			t.Fatalf("%q was not made", text)
		}
		return list.Data[i]
	}
	tb.waitFor(`document.querySelector("#compose-submit")`)
	if got := eval[string](tb, `document.querySelector("#compose-submit").textContent.trim()`); got != "Submit for review" {
		t.Errorf("with approval required, the button says %q", got)
	}
	if p := compose("For the manager", "#compose-submit"); p.Status != "pending_review" {
		t.Errorf("submitted post is %s, want pending_review", p.Status)
	}
	if msg := eval[string](tb, `document.querySelector("#status").textContent`); !strings.HasPrefix(msg, "Submitted for review") {
		t.Errorf("status: %q", msg)
	}
	if p := compose("Not ready yet", "#compose-draft"); p.Status != "draft" {
		t.Errorf("draft is %s", p.Status)
	}
}

// TestInboxJourney: the inbox lists the comments newest first; a note is
// added and shows under the comment; a reply is made from the comment's
// account (a post answering it, queued like any post); the comment is
// marked done and the status filter then finds it among the done ones.
func TestInboxJourney(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	tb.signIn(f.URL, "#/inbox", f.Token)
	first := f.Inbox[0]
	sel := fmt.Sprintf(`#inbox .inbox-item[data-item-id="%s"]`, first.ID)
	tb.waitFor(fmt.Sprintf(`document.querySelectorAll("#inbox .inbox-item").length === 2 && document.querySelector(%q)`, sel))
	order := eval[[]string](tb, `[...document.querySelectorAll("#inbox .inbox-item")].map(e => e.dataset.itemId)`)
	if len(order) != 2 || order[0] != f.Inbox[1].ID {
		t.Fatalf("inbox order %v, want the newest (%s) first", order, f.Inbox[1].ID)
	}
	tb.typeInto(sel+" textarea[id^=notes-]", "Thank them in Friday's post")
	tb.click(sel + " button.add-note")
	tb.waitFor(fmt.Sprintf(`(document.querySelector(%q + " .inbox-notes") || {}).textContent?.includes("Thank them in Friday's post")`, sel))
	tb.typeInto(sel+" textarea[id^=replies-]", "Thank you, fan!")
	tb.click(sel + " button.reply")
	tb.waitFor(`document.querySelector("#inbox-done").textContent.includes("Reply scheduled")`)
	tb.click(sel + " button.mark-done")
	tb.waitFor(fmt.Sprintf(`document.querySelector(%q).dataset.status === "done"`, sel))
	tb.do("filter done", chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector("#inbox-status"); s.value = "done"; s.dispatchEvent(new Event("change", {bubbles: true})); })()`))
	tb.waitFor(fmt.Sprintf(`document.querySelectorAll("#inbox .inbox-item").length === 1 && document.querySelector(%q)`, sel))

	var out struct {
		Data []struct {
			Content string `json:"content"`
			Targets []struct {
				InReplyTo string `json:"in_reply_to"`
			} `json:"targets"`
		} `json:"data"`
	}
	req, _ := http.NewRequest("GET", f.URL+"/v1/posts?limit=200", nil)
	req.Header.Set("Authorization", "Bearer "+f.Token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	replies := 0
	for _, p := range out.Data {
		if p.Content == "Thank you, fan!" && len(p.Targets) == 1 && p.Targets[0].InReplyTo == first.ExternalID {
			replies++
		}
	}
	if replies != 1 {
		t.Fatalf("%d reply posts answering %s, want 1", replies, first.ExternalID)
	}
}
