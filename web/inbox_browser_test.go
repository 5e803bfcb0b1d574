package web_test

// The inbox's moderation, assignment, filters, history and rules
// (#/inbox, issue 16), in real Chromium against the API: what a manager
// does, and what an editor is not offered.

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors/instagram"
	"github.com/rythmehq/rythme/connectors/linkedin"
)

// addBlueskyReply puts a reply to the launch post on Bluesky in the
// fixture's inbox: Bluesky lets the account hide and show again the
// replies in its threads (GET /v1/networks: moderation), Mastodon none.
func addBlueskyReply(t *testing.T, f *fixture) *rythme.InboxItem {
	t.Helper()
	launch := f.Posts["launch"]
	var tg *rythme.Target
	for _, x := range launch.Targets {
		if x.AccountID == f.Accounts["bsky"].ID {
			tg = x
		}
	}
	if tg == nil {
		t.Fatal("the launch post has no Bluesky target")
	}
	it := &rythme.InboxItem{WorkspaceID: f.TeamID, AccountID: f.Accounts["bsky"].ID, Network: "bluesky",
		ExternalID: "at://did:plc:troll/app.bsky.feed.post/3kq1", Kind: rythme.InboxReply, TargetID: tg.ID, PostID: launch.ID,
		InReplyTo: tg.ExternalID, Author: rythme.InboxAuthor{Handle: "troll.bsky.social", DisplayName: "Troll"},
		Text: "Free followers, click now", CreatedAt: time.Now().UTC().Add(5 * time.Minute).Truncate(time.Microsecond)}
	_, err := f.Store.SaveInboxItems(context.Background(), []*rythme.InboxItem{it})
	must(t, err)
	return it
}

// addNetworkComment connects an account of network to the fixture's
// workspace and puts a comment on it in the inbox, written age ago.
func addNetworkComment(t *testing.T, f *fixture, network, username, text string, age time.Duration) *rythme.InboxItem {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	acc := &rythme.Account{WorkspaceID: f.TeamID, Network: network, ExternalID: "ext-" + network, Username: username,
		DisplayName: "Team " + network, Status: rythme.AccountConnected,
		Token: rythme.Token{AccessToken: "at-" + network, TokenType: "Bearer"}, CreatedAt: now, UpdatedAt: now}
	must(t, f.Store.UpsertAccount(ctx, acc))
	it := &rythme.InboxItem{WorkspaceID: f.TeamID, AccountID: acc.ID, Network: network, ExternalID: "c-" + network,
		Kind: rythme.InboxComment, Author: rythme.InboxAuthor{Handle: "critic." + network, DisplayName: "Critic"},
		Text: text, CreatedAt: now.Add(-age)}
	_, err := f.Store.SaveInboxItems(ctx, []*rythme.InboxItem{it})
	must(t, err)
	return it
}

// apiItem is an inbox item as GET /v1/inbox/{id} answers it.
type apiItem struct {
	Status     string `json:"status"`
	AssigneeID string `json:"assignee_id"`
	Audit      []struct {
		Actor  string `json:"actor"`
		Action string `json:"action"`
		Reason string `json:"reason"`
	} `json:"audit"`
}

func (f *fixture) item(t *testing.T, id string) apiItem {
	t.Helper()
	var it apiItem
	if code := f.getJSON(t, "/v1/inbox/"+id, &it); code != http.StatusOK {
		t.Fatalf("GET /v1/inbox/%s: %d", id, code)
	}
	return it
}

// TestInboxModeration: a manager (the fixture's admin token) sees Hide
// on the Bluesky reply and none on the Mastodon comments (Mastodon allows
// no moderation); no moderation but a Reply box on LinkedIn (rythme reads
// the comments of an app granted the scope and answers with a nested
// comment); Hide and Delete on Instagram, Delete only after a
// confirmation. Hiding the Bluesky reply asks the worker, and the item shows hidden
// once the worker recorded it, with the request and the outcome in its
// history; showing it again fails with the network's reason, shown on the
// item. The filters narrow the list as GET /v1/inbox does; an item is
// assigned to a member. A rule is added and deleted; a regular expression
// that does not compile is refused with the API's message next to its
// field. At 1280 and 390 px, axe finds nothing serious and nothing
// scrolls sideways.
func TestInboxModeration(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t, linkedin.New(linkedin.Config{Scopes: append(slices.Clone(linkedin.DefaultScopes), linkedin.ScopeReadComments)}),
		instagram.New(instagram.Config{}))
	bsky := addBlueskyReply(t, f)
	sl := addNetworkComment(t, f, "linkedin", "team-page", "Your page is dull", time.Hour)
	ig := addNetworkComment(t, f, "instagram", "team.ig", "Scam link in bio", 2*time.Hour)
	mast := f.Inbox[0]
	sel := func(it *rythme.InboxItem) string { return fmt.Sprintf(`#inbox .inbox-item[data-item-id="%s"]`, it.ID) }
	bskySel, mastSel, liSel, igSel := sel(bsky), sel(mast), sel(sl), sel(ig)
	all := []string{bsky.ID, f.Inbox[0].ID, f.Inbox[1].ID, sl.ID, ig.ID}
	tb.signIn(f.URL, "#/inbox", f.Token)
	tb.waitFor(fmt.Sprintf(`document.querySelectorAll("#inbox .inbox-item").length === 5 && document.querySelector(%q)`, bskySel+" button.moderate-hide"))
	buttons := func(sel string) []string {
		return eval[[]string](tb, fmt.Sprintf(`[...document.querySelectorAll(%q)].map((b) => b.className.split(" ").find((c) => c.startsWith("moderate-")))`, sel+" .inbox-moderation button"))
	}

	// Exactly the actions each network allows: Bluesky hide (unhide once
	// hidden; delete is not its account's to do), Mastodon none.
	for _, c := range []struct {
		name, sel string
		want      []string
		replies   int
	}{
		{"Bluesky reply", bskySel, []string{"moderate-hide"}, 1},
		{"Mastodon comment", mastSel, []string{}, 1},
		{"flagged Mastodon comment", sel(f.Inbox[1]), []string{}, 1},
		{"LinkedIn comment", liSel, []string{}, 1},
		{"Instagram comment", igSel, []string{"moderate-hide", "moderate-delete"}, 1},
	} {
		if got := buttons(c.sel); !slices.Equal(got, c.want) {
			t.Errorf("the %s's moderation buttons: %v, want %v", c.name, got, c.want)
		}
		if n := eval[int](tb, fmt.Sprintf(`document.querySelectorAll(%q).length`, c.sel+" textarea[id^=replies-], "+c.sel+" button.reply")); n != 2*c.replies {
			t.Errorf("the %s has %d reply controls, want %d", c.name, n, 2*c.replies)
		}
	}
	if n := eval[int](tb, fmt.Sprintf(`document.querySelectorAll(%q).length`, mastSel+" .inbox-moderation")); n != 0 {
		t.Error("a Mastodon comment has a moderation group")
	}
	// Every inbox network replies now: none says it cannot.
	if n := eval[int](tb, `document.querySelectorAll("#inbox .no-reply").length`); n != 0 {
		t.Errorf("%d items say rythme cannot reply", n)
	}

	// Delete asks first; only "Yes, delete" asks the worker.
	tb.click(igSel + " button.moderate-delete")
	tb.waitFor(fmt.Sprintf(`document.querySelector(%q)`, igSel+" .confirm .confirm-delete"))
	if n := len(f.Moderation); n != 0 {
		t.Fatalf("Delete asked the worker %d times before the confirmation", n)
	}
	tb.screenshot("inbox-delete-confirm")
	tb.click(igSel + " .confirm-delete")
	if task := f.moderated(t, "Instagram", ""); task.ItemID != ig.ID || task.Action != "delete" {
		t.Errorf("the worker was asked %+v, want delete of %s", task, ig.ID)
	}
	tb.waitFor(fmt.Sprintf(`document.querySelector(%q).dataset.status === "hidden" && document.querySelector(%q)?.textContent === "Deleted on Instagram."`, igSel, igSel+" .inbox-deleted"))
	if got := buttons(igSel); len(got) != 0 {
		t.Errorf("a deleted comment still offers %v", got)
	}

	// Filters: by network, by author, flagged; each is GET /v1/inbox's.
	shown := func() []string {
		return eval[[]string](tb, `[...document.querySelectorAll("#inbox .inbox-item")].map((e) => e.dataset.itemId)`)
	}
	waitShown := func(ids ...string) {
		t.Helper()
		list := `["` + strings.Join(ids, `","`) + `"]`
		tb.waitFor(fmt.Sprintf(`!document.querySelector("#inbox[aria-busy=true]") && JSON.stringify([...document.querySelectorAll("#inbox .inbox-item")].map((e) => e.dataset.itemId).sort()) === JSON.stringify(%s.sort())`, list))
	}
	tb.waitFor(`document.querySelectorAll("#inbox-network option").length === 5 && document.querySelectorAll("#inbox-account option").length === 5`)
	tb.choose("#inbox-network", "bluesky")
	waitShown(bsky.ID)
	if h := eval[string](tb, `location.hash`); h != "#/inbox?network=bluesky" {
		t.Errorf("the filter is not in the hash: %q", h)
	}
	tb.choose("#inbox-network", "")
	waitShown(all...)
	tb.choose("#inbox-account", f.Accounts["mast"].ID)
	waitShown(f.Inbox[0].ID, f.Inbox[1].ID)
	tb.choose("#inbox-account", "")
	waitShown(all...)
	tb.choose("#inbox-status", "hidden")
	waitShown(ig.ID)
	tb.choose("#inbox-status", "")
	tb.typeInto("#inbox-author", "@FAN1@social.example")
	tb.click("#inbox-filters button[type=submit]")
	waitShown(f.Inbox[1].ID)
	tb.click("#inbox-clear")
	waitShown(all...)
	tb.click("#inbox-flagged")
	waitShown(f.Inbox[1].ID)
	tb.click("#inbox-flagged")
	waitShown(all...)
	if got := shown(); !slices.Equal(got, []string{bsky.ID, f.Inbox[1].ID, f.Inbox[0].ID, sl.ID, ig.ID}) {
		t.Errorf("the inbox lists %v, want the newest first", got)
	}

	// Assignment: to a member of the workspace, through the members list.
	tb.waitFor(fmt.Sprintf(`document.querySelectorAll("#assign-%s option").length === 2`, mast.ID))
	tb.choose("#assign-"+mast.ID, f.Member.ID)
	tb.waitFor(fmt.Sprintf(`document.querySelector(%q)?.textContent === "Assigned to Ada Lovelace" && document.querySelector(%q).dataset.status === "assigned"`, mastSel+" .inbox-assignee", mastSel))
	if got := f.item(t, mast.ID); got.AssigneeID != f.Member.ID || got.Status != "assigned" {
		t.Errorf("after assigning, the API has %+v", got)
	}

	// Hide on Bluesky, with a reason: asked of the worker, shown hidden
	// once the worker recorded it.
	tb.typeInto("#reason-"+bsky.ID, "spam")
	tb.click(bskySel + " button.moderate-hide")
	tb.waitFor(fmt.Sprintf(`document.querySelector(%q)?.textContent.includes("Hiding on Bluesky")`, bskySel+" .moderation-pending"))
	task := f.moderated(t, "Bluesky", "")
	if task.ItemID != bsky.ID || task.Action != "hide" || task.Reason != "spam" {
		t.Errorf("the worker was asked %+v", task)
	}
	tb.waitFor(fmt.Sprintf(`document.querySelector(%q).dataset.status === "hidden" && !!document.querySelector(%q)`, bskySel, bskySel+" button.moderate-unhide"))
	tb.waitFor(`document.querySelector("#inbox-done").textContent.includes("Hidden on Bluesky.")`)
	if got := f.item(t, bsky.ID); got.Status != "hidden" {
		t.Errorf("the API says the hidden item is %q", got.Status)
	}
	history := eval[[]string](tb, fmt.Sprintf(`[...document.querySelectorAll(%q)].map((li) => li.textContent.replace(/\s+/g, " ").trim())`, bskySel+" .inbox-audit li"))
	want := []string{"browser asked to hide it on the network: spam", "browser hid it: done on Bluesky: spam"}
	if n := len(history); n < 2 || !strings.HasSuffix(history[n-2], want[0]) || !strings.HasSuffix(history[n-1], want[1]) {
		t.Errorf("the hidden item's history reads %q, want it to end with %q", history, want)
	}
	tb.screenshot("inbox-hidden")

	// Show again: the network refuses, and the item says why.
	tb.click(bskySel + " button.moderate-unhide")
	task = f.moderated(t, "Bluesky", "the thread gate could not be written")
	if task.Action != "unhide" {
		t.Errorf("the worker was asked to %s, want unhide", task.Action)
	}
	tb.waitFor(fmt.Sprintf(`document.querySelector(%q)?.textContent === "Bluesky refused: the thread gate could not be written"`, bskySel+" p.error"))
	if n := eval[int](tb, fmt.Sprintf(`document.querySelectorAll(%q).length`, bskySel+" .moderation-pending")); n != 0 {
		t.Error("the refused action still shows as under way")
	}
	if got := f.item(t, bsky.ID); got.Status != "hidden" {
		t.Errorf("after a refused unhide the item is %q, want still hidden", got.Status)
	}

	// Rules: one added; a regular expression that does not compile is
	// refused with the API's message next to its field; the rule deleted.
	tb.click("#inbox-rules summary")
	tb.waitFor(`document.querySelector("#no-rules") && document.querySelector("#rule-create")`)
	tb.typeInto("#rule-name", "Bought followers")
	tb.typeInto("#rule-terms", "followers\nlikes")
	tb.choose("#rule-action", "hide")
	tb.click("#rule-create button[type=submit]")
	tb.waitFor(`document.querySelectorAll("#rules li").length === 1`)
	if got := eval[string](tb, `document.querySelector("#rules li").textContent`); !strings.Contains(got, "Bought followers") || !strings.Contains(got, "Words: followers, likes") || !strings.Contains(got, "flags and hides") {
		t.Errorf("the rule is listed as %q", got)
	}
	if eval[string](tb, `document.querySelector("#rule-name").value`) != "" {
		t.Error("the form keeps the added rule")
	}
	tb.typeInto("#rule-name", "Broken")
	tb.choose("#rule-kind", "regex")
	tb.waitFor(`document.querySelector("#rule-terms").tagName === "INPUT"`)
	tb.typeInto("#rule-terms", "free(followers")
	tb.click("#rule-create button[type=submit]")
	tb.waitFor(`document.querySelector("#rule-terms-error")`)
	if msg := eval[string](tb, `document.querySelector("#rule-terms-error").textContent`); !strings.Contains(msg, "not a valid regular expression") {
		t.Errorf("the bad regular expression says %q", msg)
	}
	if !eval[bool](tb, `document.querySelector("#rule-terms").getAttribute("aria-invalid") === "true" && document.querySelector("#rule-terms").getAttribute("aria-describedby") === "rule-terms-error"`) {
		t.Error("the error is not tied to the regular expression's field")
	}
	var rules struct {
		Data []struct {
			Name   string   `json:"name"`
			Kind   string   `json:"kind"`
			Terms  []string `json:"terms"`
			Action string   `json:"action"`
		} `json:"data"`
	}
	f.getJSON(t, "/v1/moderation-rules", &rules)
	if len(rules.Data) != 1 || rules.Data[0].Kind != "words" || !slices.Equal(rules.Data[0].Terms, []string{"followers", "likes"}) || rules.Data[0].Action != "hide" {
		t.Errorf("the API has the rules %+v, want the words rule only", rules.Data)
	}
	tb.screenshot("inbox-rule-error")

	for _, w := range []int{1280, 390} {
		tb.setWidth(w)
		name := fmt.Sprintf("inbox-manager-%d", w)
		tb.axeCheck(name)
		tb.noRawWords(name)
		if w == 390 {
			tb.noSidewaysScroll("inbox-manager")
		}
		tb.screenshot(name)
	}
	tb.setWidth(1280)

	tb.click("#rules .delete-rule")
	tb.waitFor(`document.querySelector("#no-rules")`)
	f.getJSON(t, "/v1/moderation-rules", &rules)
	if len(rules.Data) != 0 {
		t.Errorf("after deleting, the API has %d rules", len(rules.Data))
	}
}

// TestInboxEditor: an editor (Ada, a member) is not offered moderation or
// the rules' form (the API refuses both to it), still assigns, and sees
// what is assigned to her as hers.
func TestInboxEditor(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	bsky := addBlueskyReply(t, f)
	tb.signInMember(f.URL, "", f.Member.Email, f.MemberPassword)
	tb.choose("#workspace-select", f.TeamID)
	tb.waitFor(`document.querySelector("#workspace-select").value === "` + f.TeamID + `" && document.querySelector("#calendar")`)
	tb.do("inbox", chromedp.Evaluate[chromedp.Void](`location.hash = "#/inbox"`))
	sel := fmt.Sprintf(`#inbox .inbox-item[data-item-id="%s"]`, bsky.ID)
	tb.waitFor(fmt.Sprintf(`document.querySelector('#inbox[data-role="editor"]') && document.querySelectorAll("#inbox .inbox-item").length === 3 && document.querySelectorAll(%q).length === 2`, "#assign-"+bsky.ID+" option"))
	tb.click("#inbox-rules summary")
	tb.waitFor(`document.querySelector("#no-rules")`)
	if n := eval[int](tb, `document.querySelectorAll("#inbox .inbox-moderation, #inbox [class*=moderate-], #rule-create").length`); n != 0 {
		t.Errorf("an editor is offered %d moderation controls", n)
	}
	if got := tb.fetchStatus("POST", "/v1/inbox/"+bsky.ID+"/moderation", `{"action":"hide"}`); got != http.StatusForbidden {
		t.Errorf("an editor's hide: %d, want 403", got)
	}
	if got := tb.fetchStatus("POST", "/v1/moderation-rules", `{"name":"x","kind":"phrase","terms":["x"],"action":"flag"}`); got != http.StatusForbidden {
		t.Errorf("an editor's rule: %d, want 403", got)
	}
	if got := eval[[]string](tb, fmt.Sprintf(`[...document.querySelectorAll(%q)].map((o) => o.textContent)`, "#assign-"+bsky.ID+" option")); !slices.Equal(got, []string{"Nobody", "Ada Lovelace (you)"}) {
		t.Errorf("an editor assigns to %v", got)
	}
	tb.choose("#assign-"+bsky.ID, f.Member.ID)
	tb.waitFor(fmt.Sprintf(`document.querySelector(%q)?.textContent === "Assigned to you"`, sel+" .inbox-assignee"))
	// "Assigned to me" lists only hers (GET /v1/inbox?assignee_id=me).
	tb.click("#inbox-mine")
	tb.waitFor(fmt.Sprintf(`location.hash.includes("mine=me") && document.querySelectorAll("#inbox .inbox-item").length === 1 && document.querySelector(%q)`, sel))
	tb.click("#inbox-mine")
	tb.waitFor(`document.querySelectorAll("#inbox .inbox-item").length === 3`)
	// The history says who did it (the item's answer carries its trail);
	// it opens from the keyboard.
	tb.do("open the history", chromedp.Focus(chromedp.CSS(sel+" .inbox-history summary")), chromedp.KeyEvent(kb.Enter))
	tb.waitFor(fmt.Sprintf(`[...document.querySelectorAll(%q)].some((li) => li.textContent.includes("Ada Lovelace assigned it: assigned to Ada Lovelace"))`, sel+" .inbox-audit li"))
	tb.choose("#assign-"+bsky.ID, "")
	tb.waitFor(fmt.Sprintf(`!document.querySelector(%q) && document.querySelector(%q).dataset.status === "new"`, sel+" .inbox-assignee", sel))
	tb.setWidth(390)
	tb.axeCheck("inbox-editor-390")
	tb.noSidewaysScroll("inbox-editor")
	tb.screenshot("inbox-editor-390")
	tb.setWidth(1280)
}

// TestInboxViewer: a viewer reads the items, their history and the rules,
// and is offered no change (the API refuses every one to it).
func TestInboxViewer(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	viewer := rythme.TokenSecretPrefix + strings.ReplaceAll(rythme.NewID("s"), "_", "")
	must(t, f.Store.CreateAPIToken(context.Background(), &rythme.APIToken{ID: rythme.NewID(rythme.PrefixToken), WorkspaceID: f.TeamID,
		Name: "reader", Role: rythme.RoleViewer, Hash: rythme.HashToken(viewer), CreatedAt: time.Now().UTC()}))
	tb.signIn(f.URL, "#/inbox", viewer)
	tb.waitFor(`document.querySelector('#inbox[data-role="viewer"]') && document.querySelectorAll("#inbox .inbox-item").length === 2 && document.querySelector("#no-rules")`)
	sel := fmt.Sprintf(`#inbox .inbox-item[data-item-id="%s"]`, f.Inbox[0].ID)
	tb.click(sel + " .inbox-history summary")
	tb.waitFor(fmt.Sprintf(`document.querySelector(%q)?.textContent.includes("Nothing yet.")`, sel+" .inbox-history"))
	if n := eval[int](tb, `document.querySelectorAll("#inbox .inbox-item textarea, #inbox .inbox-item select, #inbox .inbox-item input, #inbox .inbox-item button, #rule-create").length`); n != 0 {
		t.Errorf("a viewer is offered %d controls on the items", n)
	}
	if got := tb.fetchStatus("PATCH", "/v1/inbox/"+f.Inbox[0].ID, `{"status":"done"}`); got != http.StatusUnauthorized && got != http.StatusForbidden {
		t.Errorf("a viewer's triage: %d, want a refusal", got)
	}
	tb.axeCheck("inbox-viewer")
	tb.noRawWords("inbox-viewer")
}
