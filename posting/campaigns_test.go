package posting_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
	"github.com/rythmehq/rythme/posting"
)

// week is a themed week from tomorrow: one post a day at 10:00 UTC for
// each content, on accts.
func (e *env) week(contents []string, accts ...*rythme.Account) calendars.ThemedWeek {
	ids := []string{}
	for _, a := range accts {
		ids = append(ids, a.ID)
	}
	w := calendars.ThemedWeek{Name: "Launch week", Theme: "launch", Zone: "UTC",
		FirstDay: calendars.DateOf(e.now.Add(day)).String()}
	for i, c := range contents {
		w.Days = append(w.Days, calendars.DayPlan{Offset: i, Items: []calendars.PlanItem{{Time: "10:00", Content: c, Targets: ids}}})
	}
	return w
}

// campaignPosts lists the campaign's posts by plan item.
func (e *env) campaignPosts(id string) map[string]*rythme.Post {
	e.t.Helper()
	posts, _, err := e.store.ListPosts(context.Background(), e.ws, rythme.PostFilter{CampaignID: id, Limit: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]*rythme.Post{}
	for _, p := range posts {
		out[p.PlanItem] = p
	}
	return out
}

func TestCreateCampaign(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		acc := e.account(e.ws, "long")
		pl := e.planner()
		v, err := pl.CreateCampaign(ctx, editor, e.ws, e.week([]string{"Day one", "Day two"}, acc))
		if err != nil {
			t.Fatal(err)
		}
		if v.Campaign.Status != rythme.CampaignActive || v.Campaign.CreatedBy != editor.ID || len(v.Posts) != 2 {
			t.Fatalf("campaign %+v with %d posts", v.Campaign, len(v.Posts))
		}
		stored := e.campaignPosts(v.Campaign.ID)
		if p := stored["d0#0"]; p == nil || p.Content != "Day one" || p.Targets[0].Status != rythme.TargetScheduled {
			t.Fatalf("day one's post: %+v", p)
		}

		// Anything wrong is reported on the plan's field paths, and
		// nothing is stored.
		bad := e.week([]string{"Day one"}, acc)
		bad.Days[0].Items[0].Targets = []string{rythme.NewID(rythme.PrefixAccount)}
		bad.FirstDay = calendars.DateOf(e.now.Add(-2 * day)).String()
		_, err = pl.CreateCampaign(ctx, editor, e.ws, bad)
		want := map[string]bool{"days[0].items[0].time": true, "days[0].items[0].targets[0]": true}
		if got := fieldsOf(err); rythme.ErrorCode(err) != rythme.EINVALID || len(got) != 2 || !want[got[0]] || !want[got[1]] {
			t.Fatalf("a past item on an unknown account: %v (fields %v)", err, got)
		}
		list, err := e.store.ListCampaigns(ctx, e.ws)
		if err != nil || len(list) != 1 {
			t.Fatalf("%d campaigns after a refused one (%v), want 1", len(list), err)
		}

		// Where the workspace asks for approval, an editor's posts wait
		// as drafts.
		e.ws = e.workspace(true)
		acc = e.account(e.ws, "long")
		v, err = pl.CreateCampaign(ctx, editor, e.ws, e.week([]string{"Day one"}, acc))
		if err != nil {
			t.Fatal(err)
		}
		if p := v.Posts[0]; p.Review != rythme.ReviewDraft || p.Targets[0].Status != rythme.TargetDraft {
			t.Fatalf("an editor's campaign post under approval: review %q, target %s", p.Review, p.Targets[0].Status)
		}
	})
}

func TestUpdateCampaignFollowsThePlan(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		acc := e.account(e.ws, "long")
		pl := e.planner()
		v, err := pl.CreateCampaign(ctx, editor, e.ws, e.week([]string{"Day one", "Day two", "Day three"}, acc))
		if err != nil {
			t.Fatal(err)
		}
		before := e.campaignPosts(v.Campaign.ID)
		// Day three's post is cancelled on its own: the plan cannot change it.
		if _, err := e.store.UpdatePost(ctx, e.ws, before["d2#0"].ID, func(p *rythme.Post) error { return p.Cancel(e.now) }); err != nil {
			t.Fatal(err)
		}

		// Day one changes, day two goes, day three changes (but is out),
		// day four comes.
		days := e.week([]string{"Day one, again", "", "Day three, again", "Day four"}, acc).Days
		days = append(days[:1], days[2:]...)
		name := "Launch week 2"
		up, err := pl.UpdateCampaign(ctx, editor, e.ws, v.Campaign.ID, posting.CampaignEdit{Name: &name, Days: &days})
		if err != nil {
			t.Fatal(err)
		}
		after := e.campaignPosts(v.Campaign.ID)
		if p := after["d0#0"]; p.ID != before["d0#0"].ID || p.Content != "Day one, again" || p.Targets[0].Version != 2 {
			t.Fatalf("day one's post: id %s (was %s), content %q, version %d", p.ID, before["d0#0"].ID, p.Content, p.Targets[0].Version)
		}
		if p := after["d1#0"]; p.Status() != string(rythme.TargetCancelled) {
			t.Fatalf("day two's post, removed from the plan, is %s", p.Status())
		}
		if p := after["d3#0"]; p == nil || p.Content != "Day four" {
			t.Fatalf("day four's post: %+v", p)
		}
		if p := after["d2#0"]; p.Content != "Day three" {
			t.Fatalf("day three's cancelled post changed: %q", p.Content)
		}
		if len(up.Unchanged) != 1 || up.Unchanged[0].PostID != before["d2#0"].ID || up.Unchanged[0].Field != "days[1].items[0]" {
			t.Fatalf("unchanged: %+v", up.Unchanged)
		}
		if up.Campaign.Name != name || len(up.Posts) != 4 {
			t.Fatalf("campaign %q with %d posts", up.Campaign.Name, len(up.Posts))
		}
		var plan calendars.ThemedWeek
		if err := json.Unmarshal(up.Campaign.Plan, &plan); err != nil || len(plan.Days) != 3 {
			t.Fatalf("stored plan: %+v, %v", plan, err)
		}

		if _, err := pl.UpdateCampaign(ctx, editor, e.ws, v.Campaign.ID, posting.CampaignEdit{}); rythme.ErrorCode(err) != rythme.EINVALID {
			t.Fatalf("empty edit: %v, want EINVALID", err)
		}
	})
}

func TestCancelAndCloneCampaign(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		acc := e.account(e.ws, "long")
		pl := e.planner()
		v, err := pl.CreateCampaign(ctx, editor, e.ws, e.week([]string{"Day one", "Day two"}, acc))
		if err != nil {
			t.Fatal(err)
		}
		first := calendars.DateOf(e.now.Add(15 * day))
		clone, err := pl.CloneCampaign(ctx, manager, e.ws, v.Campaign.ID, first.String(), "Launch again")
		if err != nil {
			t.Fatal(err)
		}
		if clone.Campaign.ID == v.Campaign.ID || clone.Campaign.Name != "Launch again" || clone.Campaign.FirstDay != first.String() ||
			len(clone.Posts) != 2 || !clone.Posts[0].ScheduledAt.Equal(time.Date(first.Year, first.Month, first.Day, 10, 0, 0, 0, time.UTC)) {
			t.Fatalf("clone %+v, first post at %v", clone.Campaign, clone.Posts[0].ScheduledAt)
		}
		if _, err := pl.CloneCampaign(ctx, manager, e.ws, v.Campaign.ID, "someday", ""); rythme.ErrorCode(err) != rythme.EINVALID {
			t.Fatalf("clone to a bad day: %v, want EINVALID", err)
		}

		if err := pl.CancelCampaign(ctx, manager, e.ws, v.Campaign.ID); err != nil {
			t.Fatal(err)
		}
		camp, posts, err := pl.Campaign(ctx, e.ws, v.Campaign.ID)
		if err != nil {
			t.Fatal(err)
		}
		if camp.Status != rythme.CampaignCancelled {
			t.Fatalf("campaign %s, want cancelled", camp.Status)
		}
		for _, p := range posts {
			if p.Status() != string(rythme.TargetCancelled) {
				t.Fatalf("post %s is %s after the campaign was cancelled", p.ID, p.Status())
			}
		}
		name := "too late"
		if _, err := pl.UpdateCampaign(ctx, editor, e.ws, v.Campaign.ID, posting.CampaignEdit{Name: &name}); rythme.ErrorCode(err) != rythme.ECONFLICT {
			t.Fatalf("editing a cancelled campaign: %v, want ECONFLICT", err)
		}
		if err := pl.CancelCampaign(ctx, manager, e.workspace(false), clone.Campaign.ID); rythme.ErrorCode(err) != rythme.ENOTFOUND {
			t.Fatalf("cancelling another workspace's campaign: %v, want ENOTFOUND", err)
		}
	})
}
