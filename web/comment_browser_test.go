package web_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestComposeFirstComment writes a post with a first comment: the field
// is counted for each network, the API's own counting refuses a comment
// too long for Bluesky next to the field, a shorter one is accepted and
// previewed under the post, and the post is scheduled with it; the edit
// form shows it again.
func TestComposeFirstComment(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	tb.signIn(f.URL, "#/compose", f.Token)
	tb.waitFor(`document.querySelector("#compose input[name=account]")`)
	tb.click(fmt.Sprintf(`#compose input[value="%s"]`, f.Accounts["mast"].ID))
	tb.click(fmt.Sprintf(`#compose input[value="%s"]`, f.Accounts["bsky"].ID))
	tb.typeInto("#compose-content", "Our release notes are out")

	long := strings.Repeat("More in the notes. ", 17) // 323 characters: over Bluesky's 300
	tb.typeInto("#compose-first-comment", long)
	tb.waitFor(fmt.Sprintf(`document.querySelector("#compose-first-comment-error")?.textContent.includes("Bluesky: the post is %d characters long")`, len(long)))
	counts := eval[[]string](tb, `[...document.querySelectorAll("#compose-first-comment-counters .counter")].map((c) => c.dataset.network + ":" + c.dataset.count)`)
	slices.Sort(counts) // in the accounts' order
	if strings.Join(counts, ",") != fmt.Sprintf("bluesky:%d,mastodon:%d", len(long), len(long)) {
		t.Errorf("first comment counters %v", counts)
	}

	comment := "The notes: https://example.com/notes"
	tb.typeInto("#compose-first-comment", comment)
	tb.waitFor(`!document.querySelector("#compose-first-comment-error") && document.querySelector("#compose-check").textContent.includes("accepts")`)
	previews := eval[int](tb, `document.querySelectorAll(".compose-previews .preview-comment").length`)
	if previews != 2 {
		t.Errorf("%d first-comment previews, want one per network (2)", previews)
	}
	tb.axeCheck("compose-first-comment")

	loc := paris(t)
	when := time.Now().In(loc).AddDate(0, 0, 2)
	when = time.Date(when.Year(), when.Month(), when.Day(), 9, 45, 0, 0, loc)
	tb.do("set time", chromedp.SetValue(chromedp.CSS("#compose-at"), when.Format("2006-01-02T15:04")),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#compose-at").dispatchEvent(new Event("input", {bubbles: true}))`))
	tb.waitFor(`document.querySelector("#compose-check").textContent.includes("accepts")`)
	tb.click("#compose-submit")
	tb.waitFor(`location.hash.startsWith("#/calendar") && document.querySelector("#calendar")`)
	id := eval[string](tb, fmt.Sprintf(`[...document.querySelectorAll("#calendar .post")].find((p) => p.dataset.scheduledAt && new Date(p.dataset.scheduledAt).getTime() === %d)?.dataset.postId || ""`, when.UnixMilli()))
	if id == "" {
		tb.do("calendar at the post's date", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = "#/calendar?view=week&date=%s"`, when.Format("2006-01-02"))))
		tb.waitFor(fmt.Sprintf(`[...document.querySelectorAll("#calendar .post")].some((p) => p.dataset.scheduledAt && new Date(p.dataset.scheduledAt).getTime() === %d)`, when.UnixMilli()))
		id = eval[string](tb, fmt.Sprintf(`[...document.querySelectorAll("#calendar .post")].find((p) => p.dataset.scheduledAt && new Date(p.dataset.scheduledAt).getTime() === %d)?.dataset.postId || ""`, when.UnixMilli()))
	}
	p := f.post(t, id)
	if p.FirstComment != comment || p.Content != "Our release notes are out" || len(p.Targets) != 2 {
		t.Fatalf("post %+v", p)
	}

	tb.do("edit", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = "#/compose/%s"`, id)))
	tb.waitFor(`document.querySelector("#compose-title")?.textContent === "Edit post" && document.querySelector("#compose-first-comment")`)
	if got := eval[string](tb, `document.querySelector("#compose-first-comment").value`); got != comment {
		t.Errorf("edit form first comment %q, want %q", got, comment)
	}
}
