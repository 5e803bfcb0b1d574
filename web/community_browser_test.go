package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

// TestCommunityLeaderboard: the leaderboard page shows, beside the authors'
// leaderboard, the community's — the outside people ranked as
// GET /v1/reports/community ranks them, with the networks' titles and what
// is counted — at 1280 and 390 pixels, without sideways scrolling, and
// passes axe's serious and critical checks. Its CSV is the community's.
func TestCommunityLeaderboard(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	f := newFixture(t)
	f.requireEndpoint(t, "/v1/reports/community")

	// Besides the fixture's fan0 and fan1 (one comment each on the launch),
	// fan2 wrote two comments and mentioned the account once: 3, first.
	ctx := context.Background()
	mast, launch := f.Accounts["mast"], f.Posts["launch"]
	now := time.Now().UTC()
	for i, kind := range []rythme.InboxKind{rythme.InboxComment, rythme.InboxComment, rythme.InboxMention} {
		it := &rythme.InboxItem{WorkspaceID: f.TeamID, AccountID: mast.ID, Network: mast.Network, ExternalID: fmt.Sprintf("fan2-%d", i),
			Kind: kind, Author: rythme.InboxAuthor{Handle: "fan2@social.example", DisplayName: "Fan Two",
				ProfileURL: "https://social.example/@fan2"}, Text: "Well done", CreatedAt: now.Add(-time.Duration(i+1) * time.Hour)}
		if kind == rythme.InboxComment {
			it.PostID, it.TargetID = launch.ID, launch.Targets[0].ID
		}
		_, err := f.Store.SaveInboxItems(ctx, []*rythme.InboxItem{it})
		must(t, err)
	}

	type row struct {
		Rank    int    `json:"rank"`
		Handle  string `json:"handle"`
		Network string `json:"network"`
		Total   int    `json:"contributions"`
	}
	zone, err := time.LoadLocation(browserZone)
	must(t, err)
	today := time.Now().In(zone)
	from, to := today.AddDate(0, 0, -30).Format("2006-01-02"), today.Format("2006-01-02")
	var ans struct {
		Definition string `json:"definition"`
		Rows       []row  `json:"rows"`
	}
	f.getJSON(t, "/v1/reports/community?"+url.Values{"from": {from}, "to": {to}, "tz": {browserZone}}.Encode(), &ans)
	if len(ans.Rows) != 3 || ans.Rows[0].Handle != "fan2@social.example" || ans.Rows[0].Total != 3 {
		t.Fatalf("the API ranks %+v, want fan2 first with 3, then fan1 and fan0", ans.Rows)
	}

	tb.signIn(f.URL, "#/leaderboard?from="+from+"&to="+to, f.Token)
	tb.waitFor(`document.querySelector("#community tbody tr") && document.querySelector("#leaderboard, #leaderboard-result .empty-state")`)
	raw := eval[json.RawMessage](tb, `[...document.querySelectorAll("#community tbody tr")].map((tr) => ({
		rank: Number(tr.cells[0].textContent), handle: tr.querySelector(".handle").textContent,
		network: tr.querySelector(".network").textContent, contributions: Number(tr.cells[4].textContent)}))`)
	var shown []row
	must(t, json.Unmarshal(raw, &shown))
	want := slices.Clone(ans.Rows)
	for i := range want {
		want[i].Network = "Mastodon" // the network's title, not its name
	}
	if len(shown) != len(want) {
		t.Fatalf("the page shows %+v, the API says %+v", shown, want)
	}
	for i := range want {
		if shown[i].Rank != want[i].Rank || shown[i].Handle != want[i].Handle || shown[i].Network != want[i].Network ||
			shown[i].Total != want[i].Total {
			t.Errorf("row %d shows %+v, the API says %+v", i, shown[i], want[i])
		}
	}
	if got := eval[string](tb, `document.querySelector("#community-definition").textContent`); got != ans.Definition {
		t.Errorf("definition shown %q, the API's %q", got, ans.Definition)
	}
	if href := eval[string](tb, `document.querySelector("#community tbody a")?.getAttribute("href") || ""`); href != "https://social.example/@fan2" {
		t.Errorf("fan2's name links to %q", href)
	}
	if href := eval[string](tb, `document.querySelector("#community-result button.csv")?.dataset.href || ""`); !strings.HasPrefix(href, "/v1/reports/community?") {
		t.Errorf("the community's CSV button fetches %q", href)
	}
	tb.screenshot("leaderboard-community-1280")
	tb.noSidewaysScroll("leaderboard-community")
	tb.axeCheck("leaderboard-community-1280")
	tb.setWidth(390)
	tb.screenshot("leaderboard-community-390")
	tb.noSidewaysScroll("leaderboard-community")
	tb.axeCheck("leaderboard-community-390")
}
