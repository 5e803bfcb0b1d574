package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rythmehq/rythme"
)

// TestComposePoll: the poll is offered when every chosen account's
// network takes one (Mastodon), the API's refusal names Bluesky when it is
// chosen too, the poll is scheduled with the post; once published and
// read, the post's dialog shows the votes per option and the turnout.
func TestComposePoll(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	tb.signIn(f.URL, "#/compose", f.Token)
	tb.waitFor(`document.querySelector("#compose input[name=account]")`)
	tb.click(fmt.Sprintf(`#compose input[value="%s"]`, f.Accounts["bsky"].ID))
	if eval[bool](tb, `!!document.querySelector("#compose-add-poll")`) {
		t.Error("a poll is offered for Bluesky, which has none")
	}
	tb.click(fmt.Sprintf(`#compose input[value="%s"]`, f.Accounts["bsky"].ID))
	tb.click(fmt.Sprintf(`#compose input[value="%s"]`, f.Accounts["mast"].ID))
	tb.waitFor(`document.querySelector("#compose-add-poll")`)
	tb.typeInto("#compose-content", "Tea or coffee?")
	tb.click("#compose-add-poll")
	tb.waitFor(`document.querySelector("#poll-option-1")`)
	tb.typeInto("#poll-option-0", "Tea")
	tb.typeInto("#poll-option-1", "Coffee")
	loc := paris(t)
	when := time.Now().In(loc).AddDate(0, 0, 3)
	when = time.Date(when.Year(), when.Month(), when.Day(), 10, 30, 0, 0, loc)
	tb.do("set time", chromedp.SetValue(chromedp.CSS("#compose-at"), when.Format("2006-01-02T15:04")),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#compose-at").dispatchEvent(new Event("input", {bubbles: true}))`))
	tb.waitFor(`document.querySelector("#compose-check").textContent.includes("accepts")`)
	if got := eval[string](tb, `[...document.querySelectorAll(".preview-poll li")].map((l) => l.textContent).join(",")`); got != "Tea,Coffee" {
		t.Errorf("preview's poll %q", got)
	}

	// Bluesky too: the API says which network takes no poll.
	tb.click(fmt.Sprintf(`#compose input[value="%s"]`, f.Accounts["bsky"].ID))
	tb.waitFor(`document.querySelector("#compose-poll-error")?.textContent.includes("Bluesky does not take polls")`)
	if !eval[bool](tb, `!!document.querySelector("#compose-poll-unsupported")`) {
		t.Error("the form does not say Bluesky takes no poll")
	}
	tb.axeCheck("compose-poll")
	tb.click(fmt.Sprintf(`#compose input[value="%s"]`, f.Accounts["bsky"].ID))
	tb.waitFor(`document.querySelector("#compose-check").textContent.includes("accepts")`)
	tb.click("#compose-submit")
	tb.waitFor(`location.hash.startsWith("#/calendar") && document.querySelector("#calendar")`)

	ctx := context.Background()
	posts, _, err := f.Store.ListPosts(ctx, f.TeamID, rythme.PostFilter{})
	must(t, err)
	var p *rythme.Post
	for _, x := range posts {
		if x.Content == "Tea or coffee?" {
			p = x
		}
	}
	if p == nil || p.Poll == nil || strings.Join(p.Poll.Options, ",") != "Tea,Coffee" || p.Poll.DurationMinutes != 1440 {
		t.Fatalf("scheduled post %+v", p)
	}

	finish(t, f.Store, f.TeamID, p, p.Targets[0], rythme.TargetPublished, nil)
	voters := int64(4)
	must(t, f.Store.SaveReading(ctx, p.Targets[0].ID, rythme.Metrics{At: p.ScheduledAt.Add(time.Hour),
		Poll: &rythme.PollResults{Votes: 4, Voters: &voters, Options: []rythme.PollOptionResult{{Title: "Tea", Votes: 3}, {Title: "Coffee", Votes: 1}}}}))
	tb.do("calendar", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = "#/calendar?view=week&date=%s"`, when.Format("2006-01-02"))))
	tb.waitFor(fmt.Sprintf(`document.querySelector('#calendar .post[data-post-id="%s"]')`, p.ID))
	tb.click(fmt.Sprintf(`#calendar .post[data-post-id="%s"]`, p.ID))
	tb.waitFor(`document.querySelector("#post-readings .poll-table")`)
	rows := eval[[]string](tb, `[...document.querySelectorAll("#post-readings .poll-table tbody tr")].map((r) => r.dataset.option + ":" + r.querySelector("[data-votes]").dataset.votes)`)
	if strings.Join(rows, ",") != "Tea:3,Coffee:1" {
		t.Errorf("poll rows %v", rows)
	}
	if got := eval[string](tb, `document.querySelector("#post-readings .poll-turnout").dataset.turnout`); got != "4" {
		t.Errorf("turnout %q", got)
	}
	tb.axeCheck("post-poll")
}
