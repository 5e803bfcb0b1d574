package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// carryEnv is an api whose fake network takes polls and first comments,
// with an account on it (brand) and one on a second network that takes
// neither (plain).
func carryEnv(t *testing.T) (e *env, brand, plain *rythme.Account) {
	t.Helper()
	other := &fakeConnector{info: rythme.Network{Name: "plainnet", Title: "Plainnet", Auth: "oauth2", MaxLength: 500}}
	e = newEnv(t, storetest.SQLite(t), func(c *api.Config) {
		fake := c.Connectors.All()[0].(*fakeConnector)
		fake.info.Polls = &rythme.PollLimits{MaxOptions: 4, MaxOptionLength: 25, MinDurationMinutes: 5, MaxDurationMinutes: 10080, Multiple: true}
		c.Connectors = connectors.NewRegistry(commenter{fake}, other)
	})
	brand = e.account(e.ws, "brand", rythme.AccountConnected)
	now := time.Now().UTC()
	plain = &rythme.Account{WorkspaceID: e.ws, Network: "plainnet", ExternalID: "plain-1", Username: "plain",
		Status: rythme.AccountConnected, Token: rythme.Token{AccessToken: "at-plain"}, CreatedAt: now, UpdatedAt: now}
	if err := e.store.UpsertAccount(context.Background(), plain); err != nil {
		t.Fatal(err)
	}
	return e, brand, plain
}

// carried is what the tests read of each post an answer shows.
type carried struct {
	ID           string       `json:"id"`
	FirstComment string       `json:"first_comment"`
	Poll         *rythme.Poll `json:"poll"`
}

// seriesCarried is what the tests read of a series answer.
type seriesCarried struct {
	ID       string `json:"id"`
	Template struct {
		FirstComment string       `json:"first_comment"`
		Poll         *rythme.Poll `json:"poll"`
	} `json:"template"`
	Posts []carried `json:"posts"`
}

var carryPoll = map[string]any{"options": []string{"Tea", "Coffee"}, "duration_minutes": 60, "multiple": true}

// checkCarried fails unless every post has the poll and first comment, as
// shown and as stored (what the worker publishes).
func checkCarried(t *testing.T, e *env, what string, posts []carried) {
	t.Helper()
	if len(posts) == 0 {
		t.Fatalf("%s: no posts", what)
	}
	for _, p := range posts {
		if p.FirstComment != "More below" || p.Poll == nil || len(p.Poll.Options) != 2 || p.Poll.Options[1] != "Coffee" ||
			p.Poll.DurationMinutes != 60 || !p.Poll.Multiple {
			t.Fatalf("%s: post %s shows first_comment %q, poll %+v", what, p.ID, p.FirstComment, p.Poll)
		}
		got, err := e.store.GetPost(context.Background(), e.ws, p.ID)
		if err != nil || got.FirstComment != "More below" || got.Poll == nil || got.Poll.Options[0] != "Tea" {
			t.Fatalf("%s: stored post %s: %+v, %v", what, p.ID, got, err)
		}
		tg, err := e.store.GetTarget(context.Background(), got.Targets[0].ID)
		if err != nil || tg.Poll == nil || tg.CommentText != "More below" {
			t.Fatalf("%s: stored target of %s: %+v, %v", what, p.ID, tg, err)
		}
	}
}

// refusedPoll fails unless res is a 422 on field naming plain's target as
// taking no polls.
func refusedPoll(t *testing.T, what string, res *response, field string, plain *rythme.Account) {
	t.Helper()
	if res.Status != http.StatusUnprocessableEntity || !res.err(t).hasField(field) ||
		!strings.Contains(string(res.Body), "Plainnet does not take polls: drop the poll or target 1 (account "+plain.ID+")") {
		t.Fatalf("%s: a poll for a network without polls: %d %s", what, res.Status, res.Body)
	}
}

// nothingStored fails when the workspace has any post.
func nothingStored(t *testing.T, e *env, what string) {
	t.Helper()
	posts, _, err := e.store.ListPosts(context.Background(), e.ws, rythme.PostFilter{})
	if err != nil || len(posts) != 0 {
		t.Fatalf("%s: refused request stored %d posts (%v)", what, len(posts), err)
	}
	if q := e.queue.take(); len(q) != 0 {
		t.Fatalf("%s: refused request queued %v", what, q)
	}
}

// TestSeriesCarriesPollAndComment: a recurring post's poll and first
// comment go to every occurrence, are shown on the series' template and
// follow an edit; a poll for a network without polls is a 422 naming the
// target, and nothing is made.
func TestSeriesCarriesPollAndComment(t *testing.T) {
	t.Parallel()
	e, brand, plain := carryEnv(t)
	at := e.clock.Now().Add(time.Hour).Format(time.RFC3339)
	create := func(accts ...string) *response {
		targets := []map[string]string{}
		for _, a := range accts {
			targets = append(targets, map[string]string{"account_id": a})
		}
		return e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": "Weekly vote", "scheduled_at": at,
			"targets": targets, "recurrence": "FREQ=WEEKLY;COUNT=3", "poll": carryPoll, "first_comment": "More below"})
	}
	refusedPoll(t, "series", create(brand.ID, plain.ID), "poll", plain)
	if list, err := e.store.ListSeries(context.Background(), e.ws); err != nil || len(list) != 0 {
		t.Fatalf("refused series stored: %d, %v", len(list), err)
	}
	nothingStored(t, e, "series")

	res := create(brand.ID)
	expect(t, res, http.StatusCreated)
	var se seriesCarried
	res.decode(t, &se)
	if se.Template.FirstComment != "More below" || se.Template.Poll == nil || len(se.Posts) != 3 {
		t.Fatalf("series: %s", res.Body)
	}
	checkCarried(t, e, "series", se.Posts)

	// An edit changes every future occurrence's poll and comment; null
	// and "" remove them.
	res = e.as(rythme.RoleEditor, "PATCH", "/v1/series/"+se.ID, map[string]any{"first_comment": "",
		"poll": map[string]any{"options": []string{"Yes", "No", "Maybe"}, "duration_minutes": 30}})
	expect(t, res, http.StatusOK)
	se = seriesCarried{}
	res.decode(t, &se)
	if se.Template.FirstComment != "" || se.Template.Poll == nil || len(se.Template.Poll.Options) != 3 || len(se.Posts) != 3 {
		t.Fatalf("edited series: %s", res.Body)
	}
	for _, p := range se.Posts {
		if p.FirstComment != "" || p.Poll == nil || len(p.Poll.Options) != 3 {
			t.Fatalf("edited occurrence %s: %q %+v", p.ID, p.FirstComment, p.Poll)
		}
	}
	res = e.as(rythme.RoleEditor, "PATCH", "/v1/series/"+se.ID, map[string]any{"poll": nil})
	expect(t, res, http.StatusOK)
	se = seriesCarried{}
	res.decode(t, &se)
	if se.Template.Poll != nil || se.Posts[0].Poll != nil {
		t.Fatalf("series without its poll: %s", res.Body)
	}
	// An edit is checked by the same rule: a poll with the plain target.
	res = e.as(rythme.RoleEditor, "PATCH", "/v1/series/"+se.ID, map[string]any{"poll": carryPoll,
		"targets": []map[string]string{{"account_id": brand.ID}, {"account_id": plain.ID}}})
	refusedPoll(t, "series edit", res, "poll", plain)
}

// TestCampaignCarriesPollAndComment: a themed week's plan item carries a
// poll and a first comment to its post, and an edit of the plan changes
// them; a poll for a network without polls is a 422 naming the item and
// the target, and nothing is made.
func TestCampaignCarriesPollAndComment(t *testing.T) {
	t.Parallel()
	e, brand, plain := carryEnv(t)
	firstDay := e.clock.Now().AddDate(0, 0, 3).Format("2006-01-02")
	week := func(poll any, accts ...string) map[string]any {
		return map[string]any{"name": "Vote week", "theme": "Votes", "first_day": firstDay, "zone": "UTC",
			"days": []map[string]any{{"offset": 0, "items": []map[string]any{
				{"time": "09:30", "content": "Which one?", "targets": accts, "poll": poll, "first_comment": "More below"},
			}}}}
	}
	res := e.as(rythme.RoleEditor, "POST", "/v1/campaigns", week(carryPoll, brand.ID, plain.ID))
	refusedPoll(t, "campaign", res, "days[0].items[0].poll", plain)
	nothingStored(t, e, "campaign")

	res = e.as(rythme.RoleEditor, "POST", "/v1/campaigns", week(carryPoll, brand.ID))
	expect(t, res, http.StatusCreated)
	var camp struct {
		ID    string    `json:"id"`
		Posts []carried `json:"posts"`
	}
	res.decode(t, &camp)
	checkCarried(t, e, "campaign", camp.Posts)

	edited := week(map[string]any{"options": []string{"Yes", "No", "Maybe"}, "duration_minutes": 30}, brand.ID)
	res = e.as(rythme.RoleEditor, "PATCH", "/v1/campaigns/"+camp.ID, map[string]any{"days": edited["days"]})
	expect(t, res, http.StatusOK)
	camp.Posts = nil
	res.decode(t, &camp)
	if len(camp.Posts) != 1 || camp.Posts[0].Poll == nil || len(camp.Posts[0].Poll.Options) != 3 || camp.Posts[0].FirstComment != "More below" {
		t.Fatalf("edited campaign: %s", res.Body)
	}
	got, err := e.store.GetPost(context.Background(), e.ws, camp.Posts[0].ID)
	if err != nil || got.Poll == nil || got.Poll.Options[2] != "Maybe" {
		t.Fatalf("edited campaign post stored: %+v, %v", got, err)
	}

	// A clone of the plan carries them too.
	nextWeek := e.clock.Now().AddDate(0, 0, 10).Format("2006-01-02")
	res = e.as(rythme.RoleEditor, "POST", "/v1/campaigns/"+camp.ID+"/clone", map[string]any{"first_day": nextWeek})
	expect(t, res, http.StatusCreated)
	var clone struct {
		Posts []carried `json:"posts"`
	}
	res.decode(t, &clone)
	if len(clone.Posts) != 1 || clone.Posts[0].ID == camp.Posts[0].ID || clone.Posts[0].Poll == nil ||
		len(clone.Posts[0].Poll.Options) != 3 || clone.Posts[0].FirstComment != "More below" {
		t.Fatalf("cloned campaign: %s", res.Body)
	}
}

// TestImportCarriesPollAndComment: an imported row's first_comment and
// poll columns make the post's; a poll for a network without polls is a
// 422 naming the row and the target, and nothing is made.
func TestImportCarriesPollAndComment(t *testing.T) {
	t.Parallel()
	e, brand, plain := carryEnv(t)
	at := e.clock.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
	imp := func(accounts string) *response {
		return e.do(req{method: "POST", path: "/v1/posts/import", secret: e.secrets[rythme.RoleEditor],
			header: map[string]string{"Content-Type": "text/csv"},
			body: "content,scheduled_at,accounts,first_comment,poll_options,poll_duration_minutes,poll_multiple\n" +
				"Which one?," + at + "," + accounts + ",More below,Tea;Coffee,60,true\n"})
	}
	refusedPoll(t, "import", imp(brand.ID+";"+plain.ID), "rows[1].poll", plain)
	nothingStored(t, e, "import")

	res := imp(brand.ID)
	expect(t, res, http.StatusCreated)
	var out struct {
		PostIDs []string `json:"post_ids"`
	}
	res.decode(t, &out)
	var posts []carried
	for _, id := range out.PostIDs {
		var p carried
		r := e.as(rythme.RoleViewer, "GET", "/v1/posts/"+id, nil)
		expect(t, r, http.StatusOK)
		r.decode(t, &p)
		posts = append(posts, p)
	}
	checkCarried(t, e, "import", posts)

	// A bulk reschedule keeps them: it moves the post, nothing else.
	res = e.as(rythme.RoleEditor, "POST", "/v1/posts/bulk", map[string]any{"action": "reschedule", "post_ids": out.PostIDs, "shift_minutes": 30})
	expect(t, res, http.StatusOK)
	var bulk struct {
		Data []struct {
			Post carried `json:"post"`
		} `json:"data"`
	}
	res.decode(t, &bulk)
	if len(bulk.Data) != 1 {
		t.Fatalf("bulk: %s", res.Body)
	}
	checkCarried(t, e, "bulk reschedule", []carried{bulk.Data[0].Post})
}
