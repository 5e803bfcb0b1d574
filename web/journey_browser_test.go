package web_test

// The "Done when" journey of issue 14, in real Chromium against the API,
// the worker (on the test's Redis database) and fakenet: a content manager
// who never opens a terminal invites a colleague, connects accounts (one
// through the network's OAuth page and back), composes a post with an
// image for two networks, drags it to tomorrow and submits it; the
// colleague, in a browser of their own, approves it; the worker publishes
// it when it is due (the browsers live a day behind the server, so that
// their tomorrow is due within minutes) and its
// readings show on the post.

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

func TestDoneWhenJourney(t *testing.T) {
	ada := newTab(t)
	l := newLive(t)
	f := &fixture{URL: l.URL, Token: l.Token}
	shots := func(tb *tab, name string) {
		t.Helper()
		tb.screenshot("journey-" + name + "-1280")
		tb.setWidth(390)
		tb.noSidewaysScroll("journey " + name)
		tb.screenshot("journey-" + name + "-390")
		tb.setWidth(1280)
	}

	// 1. Ada, the content manager (an admin of the workspace), signs in,
	// asks for approval of what is written, and invites Cat as a manager.
	if now := time.Now().In(paris(t)); now.Add(5*time.Minute).Day() != now.Day() {
		time.Sleep(time.Until(now.Add(6 * time.Minute))) // the browser's day must stay one behind the server's
	}
	ada.liveAt(-24 * time.Hour)
	ada.signInMember(l.URL, "", l.Admin.Email, l.Password)
	ada.click(`#nav a[data-route="settings"]`)
	ada.waitFor(`document.querySelector("#approval-required") && document.querySelector("#invite-email")`)
	ada.click("#approval-required")
	ada.waitFor(`document.querySelector("#settings-approval .ok-note")`)
	ada.typeInto("#invite-email", "cat@example.com")
	ada.choose("#invite-role", "manager")
	ada.click("#invite-create button[type=submit]")
	ada.waitFor(`document.querySelector("#invite-link")?.value`)
	link := eval[string](ada, `document.querySelector("#invite-link").value`)
	shots(ada, "invite")

	// 2. Cat opens the link in a browser of her own, joins, signs out and
	// signs in again with her password.
	cat := newTab(t) // a browser context of its own, as every tab
	cat.liveAt(-24 * time.Hour)
	cat.navigate(link)
	cat.waitFor(`document.querySelector("#invite-name") && !document.querySelector("#invite").hidden`)
	cat.typeInto("#invite-name", "Cat Colleague")
	cat.typeInto("#invite-password", "cat's own long password")
	cat.click("#invite-form button[type=submit]")
	cat.waitFor(`document.querySelector("#calendar") && !document.querySelector("#app").hidden`)
	cat.click("#signout button")
	cat.waitFor(`!document.querySelector("#signin").hidden`)
	cat.signInMember(l.URL, "", "cat@example.com", "cat's own long password")
	if who := eval[string](cat, `document.querySelector("#who").textContent`); who != "Cat Colleague" {
		t.Fatalf("Cat is signed in as %q", who)
	}

	// 3. Ada connects Mastodon through fakenet's authorize page and back,
	// and Bluesky with an app password.
	ada.click(`#nav a[data-route="accounts"]`)
	mastID := ada.connectOAuth(l)
	ident, pw, ok := l.Fakenet.BlueskyAppPassword("studio")
	if !ok {
		t.Fatal("fakenet made no app password")
	}
	ada.choose("#connect-network", "bluesky")
	ada.waitFor(`document.querySelector("#connect-identifier")`)
	ada.typeInto("#connect-identifier", ident)
	ada.typeInto("#connect-app_password", pw)
	ada.click("#connect-submit")
	ada.waitFor(`document.querySelector('#accounts tr[data-network="bluesky"]')`)
	bskyID := l.account(t, "bluesky").ID
	shots(ada, "accounts")

	// 4. Ada composes a post with an image for both accounts, for the day
	// after tomorrow, as a draft. Her browser lives a day behind the
	// server (liveAt), so that its "tomorrow" is due for the worker, whose
	// queue runs on real time, a few minutes from now.
	loc := paris(t)
	tomorrow := time.Now().In(loc).Add(90 * time.Second).Truncate(time.Minute).Add(time.Minute)
	first := tomorrow.AddDate(0, 0, 1)
	ada.do("compose", chromedp.Evaluate[chromedp.Void](`location.hash = "#/compose"`))
	ada.waitFor(`document.querySelectorAll("#compose input[name=account]").length === 2`)
	ada.click(fmt.Sprintf(`#compose input[value="%s"]`, mastID))
	ada.click(fmt.Sprintf(`#compose input[value="%s"]`, bskyID))
	const text = "Our spring collection is here: come and see it in the shop."
	ada.typeInto("#compose-content", text)
	ada.dropFile("#compose-drop", "spring.png", testPNG(t, 96, 64))
	ada.waitFor(`document.querySelectorAll("#compose-media .media-item").length === 1 && document.querySelector("#compose-media input")`)
	alt := eval[string](ada, `document.querySelector("#compose-media input").id`)
	ada.typeInto("#"+alt, "Three spring jackets on a rail")
	ada.do("set time", chromedp.SetValue(chromedp.CSS("#compose-at"), first.Format("2006-01-02T15:04")),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#compose-at").dispatchEvent(new Event("input", {bubbles: true}))`))
	ada.waitFor(`document.querySelector("#compose-check").textContent.includes("accepts")`)
	shots(ada, "compose")
	// An admin's new post is scheduled without review: the button says
	// so; her draft, submitted, waits for one (step 6).
	if got := eval[string](ada, `document.querySelector("#compose-submit").textContent.trim()`); got != "Schedule" {
		t.Errorf("an admin's new post: the button says %q", got)
	}
	ada.click("#compose-draft")
	ada.waitFor(`location.hash.startsWith("#/calendar") && document.querySelector("#calendar")`)
	var list struct{ Data []apiPost }
	f.send(t, "GET", "/v1/posts?status=draft", nil, &list)
	i := slices.IndexFunc(list.Data, func(p apiPost) bool { return p.Content == text })
	if i < 0 {
		t.Fatalf("the draft was not made: %+v", list.Data)
	}
	post := list.Data[i]
	if len(post.Media) != 1 || len(post.Targets) != 2 || !post.ScheduledAt.Equal(first) {
		t.Fatalf("draft %+v", post)
	}

	// 5. Ada drags it to tomorrow: in the week (or month) that shows both
	// days; when no grid does (tomorrow is the last Sunday of a month),
	// Alt+← moves it a day, as the calendar's keyboard users do.
	chip := fmt.Sprintf(`#calendar .post[data-post-id="%s"]`, post.ID)
	day := func(d time.Time) string { return d.Format(time.DateOnly) }
	dragged := false
	for _, view := range []string{"week", "month"} {
		ada.do("open the "+view, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = "#/calendar?view=%s&date=%s"`, view, day(tomorrow))))
		ada.waitFor(fmt.Sprintf(`document.querySelector('#calendar[data-view="%s"]') && !document.querySelector("#calendar [aria-busy=true]")`, view))
		if !eval[bool](ada, fmt.Sprintf(`!!document.querySelector(%q) && !!document.querySelector('#calendar .day[data-date="%s"]')`, chip, day(tomorrow))) {
			continue
		}
		ada.do("drag to tomorrow", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
			const chip = document.querySelector(%q), cell = document.querySelector('#calendar .day[data-date="%s"]');
			const dt = new DataTransfer();
			chip.dispatchEvent(new DragEvent("dragstart", {dataTransfer: dt, bubbles: true}));
			cell.dispatchEvent(new DragEvent("dragover", {dataTransfer: dt, bubbles: true, cancelable: true}));
			cell.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
			chip.dispatchEvent(new DragEvent("dragend", {dataTransfer: dt, bubbles: true}));
		})()`, chip, day(tomorrow))))
		dragged = true
		break
	}
	if !dragged {
		ada.do("open the day after", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = "#/calendar?view=week&date=%s"`, day(first))))
		ada.waitFor(fmt.Sprintf(`document.querySelector(%q)`, chip))
		ada.do("Alt+left", chromedp.Focus(chromedp.CSS(chip)), chromedp.KeyEvent(kb.ArrowLeft, chromedp.KeyModifiers(chromedp.ModifierAlt)))
	}
	waitUntil(t, func() bool { return f.post(t, post.ID).ScheduledAt.Equal(tomorrow) })
	ada.waitFor(`!document.querySelector("[aria-busy=true]")`)
	shots(ada, "dragged")

	// 6. Ada submits it for review from its edit form.
	ada.do("edit", chromedp.Evaluate[chromedp.Void](`location.hash = "#/compose/`+post.ID+`"`))
	ada.waitFor(`document.querySelector("#compose-title")?.textContent === "Edit post" && document.querySelector("#compose-submit")`)
	if got := eval[string](ada, `document.querySelector("#compose-submit").textContent.trim()`); got != "Submit for review" {
		t.Errorf("with approval asked for, the button says %q", got)
	}
	ada.click("#compose-submit")
	ada.waitFor(`location.hash.startsWith("#/calendar")`)
	if p := f.post(t, post.ID); p.Status != "pending_review" || !p.ScheduledAt.Equal(tomorrow) {
		t.Fatalf("after submitting: %s at %v", p.Status, p.ScheduledAt)
	}

	// 7. Cat approves it in her review queue.
	cat.do("review", chromedp.Evaluate[chromedp.Void](`location.hash = "#/review"`))
	item := fmt.Sprintf(`#review .review-item[data-post-id="%s"]`, post.ID)
	cat.waitFor(fmt.Sprintf(`document.querySelector(%q)`, item))
	shots(cat, "review")
	cat.typeInto(fmt.Sprintf("#comment-%s", post.ID), "Lovely, go.")
	cat.click(item + " .approve")
	cat.waitFor(`document.querySelector("#review-done .ok-note")`)
	if p := f.post(t, post.ID); p.Status != "scheduled" {
		t.Fatalf("after approval the post is %s", p.Status)
	}

	// 8. Tomorrow comes: the worker publishes it on both networks, not
	// before.
	if n := len(l.Fakenet.Posts()); n != 0 || time.Now().After(tomorrow) {
		t.Fatalf("fakenet got %d posts before the post was due, or the journey took too long (due %v)", n, tomorrow)
	}
	waitUntilFor(t, time.Until(tomorrow)+time.Minute, func() bool {
		p := f.post(t, post.ID)
		if p.Status == "failed" || p.Status == "held" {
			t.Fatalf("the worker did not publish: %+v", p)
		}
		return p.Status == "published"
	})
	got := l.Fakenet.Posts()
	nets := []string{}
	for _, p := range got {
		if p.Created {
			nets = append(nets, p.Network)
			// fakenet records Mastodon's media ids; Bluesky's record is
			// checked for its image embed as it is created, and the image
			// is an uploaded blob (below).
			if p.Text != text || (p.Network == "mastodon" && len(p.Media) != 1) {
				t.Errorf("%s got %q with %d media, want the text and the image", p.Network, p.Text, len(p.Media))
			}
			if p.ReceivedAt.Before(tomorrow) {
				t.Errorf("%s got the post at %v, before it was due at %v", p.Network, p.ReceivedAt, tomorrow)
			}
		}
	}
	slices.Sort(nets)
	if !slices.Equal(nets, []string{"bluesky", "mastodon"}) {
		t.Errorf("fakenet holds posts on %v, want one on Bluesky and one on Mastodon", nets)
	}
	if n := l.Fakenet.Stats().Operations["bluesky.upload_blob"]; n != 1 {
		t.Errorf("Bluesky got %d image uploads, want 1", n)
	}

	// 9. Ada asks for the readings; they show on the post.
	ada.do("accounts", chromedp.Evaluate[chromedp.Void](`location.hash = "#/accounts"`))
	for _, id := range []string{mastID, bskyID} {
		row := fmt.Sprintf(`#accounts tr[data-account-id="%s"]`, id)
		ada.waitFor(fmt.Sprintf(`document.querySelector(%q)`, row+" button.poll-now"))
		ada.click(row + " button.poll-now")
		ada.waitFor(`/^Reads at /.test(document.querySelector('` + row + ` .poll-status').textContent)`)
	}
	var readings struct {
		Data []struct {
			TargetID string            `json:"target_id"`
			Readings []metricReading   `json:"readings"`
			Sources  map[string]string `json:"sources"`
		} `json:"data"`
	}
	waitUntil(t, func() bool {
		f.send(t, "GET", "/v1/posts/"+post.ID+"/metrics", nil, &readings)
		n := 0
		for _, tg := range readings.Data {
			if len(tg.Readings) > 0 {
				n++
			}
		}
		return n == 2
	})
	ada.do("calendar", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = "#/calendar?view=week&date=%s"`, day(tomorrow))))
	ada.waitFor(fmt.Sprintf(`document.querySelector(%q)`, chip))
	if st := eval[string](ada, fmt.Sprintf(`document.querySelector(%q).dataset.status`, chip)); st != "published" {
		t.Errorf("the calendar shows the post %q", st)
	}
	ada.click(chip)
	ada.waitFor(`document.querySelectorAll("#post-readings .target-readings").length === 2`)
	for _, tg := range readings.Data {
		box := fmt.Sprintf(`#post-readings .target-readings[data-target-id="%s"]`, tg.TargetID)
		shown := eval[[]string](ada, fmt.Sprintf(`[...document.querySelectorAll('%s td[data-figure="likes"]')].map((td) => td.dataset.value)`, box))
		var want []string
		for _, r := range tg.Readings {
			want = append(want, r.likes())
		}
		if !slices.Equal(shown, want) {
			t.Errorf("target %s: the post shows likes %v, the API %v", tg.TargetID, shown, want)
		}
	}
	eval[bool](ada, `(document.querySelector("#post-readings").scrollIntoView(), true)`)
	shots(ada, "measured")
}

// metricReading is one reading of GET /v1/posts/{id}/metrics.
type metricReading struct {
	At    string `json:"at"`
	Likes *int64 `json:"likes"`
}

func (r metricReading) likes() string {
	if r.Likes == nil {
		return ""
	}
	return fmt.Sprint(*r.Likes)
}
