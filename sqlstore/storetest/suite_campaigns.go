package storetest

import (
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

func init() {
	register(suiteCase{"Campaigns", testCampaigns})
}

func campaignPost(ws string, acc *rythme.Account, at time.Time) *rythme.Post {
	return &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: ws, Content: "Day", ScheduledAt: at, Timezone: "UTC",
		Format: "video", CreatedAt: T0, UpdatedAt: T0, Targets: []*rythme.Target{{ID: rythme.NewID(rythme.PrefixTarget),
			AccountID: acc.ID, Status: rythme.TargetScheduled, Version: 1, ScheduledAt: at, CreatedAt: T0, UpdatedAt: T0}}}
}

func testCampaigns(t *testing.T, s rythme.Store) {
	ws, other := newWorkspace(t, s), newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	foreign := newAccount(t, s, other.ID, "mastodon")
	c := &rythme.Campaign{WorkspaceID: ws.ID, Kind: rythme.CampaignThemedWeek, Name: "Green week", Theme: "recycling",
		FirstDay: "2030-03-11", Timezone: "Europe/Paris", Status: rythme.CampaignActive, Plan: []byte(`{"name":"Green week"}`), CreatedAt: T0}
	posts := []*rythme.Post{campaignPost(ws.ID, a, T0.Add(24*time.Hour)), campaignPost(ws.ID, a, T0.Add(48*time.Hour))}
	must(t, s.CreateCampaign(ctx(t), c, posts))
	got, err := s.GetCampaign(ctx(t), ws.ID, c.ID)
	must(t, err)
	if got.Name != "Green week" || string(got.Plan) != `{"name":"Green week"}` || got.Status != rythme.CampaignActive {
		t.Fatalf("campaign = %s", dump(got))
	}
	list, _, err := s.ListPosts(ctx(t), ws.ID, rythme.PostFilter{CampaignID: c.ID})
	must(t, err)
	if len(list) != 2 || list[0].CampaignID != c.ID || list[0].Format != "video" {
		t.Fatalf("campaign posts = %s", dump(list))
	}
	_, err = s.GetCampaign(ctx(t), other.ID, c.ID)
	wantCode(t, err, rythme.ENOTFOUND)
	if got.UTM != nil {
		t.Fatalf("a campaign made without UTM settings has %s", dump(got.UTM))
	}
	// UTM settings are saved by UpdateCampaign, read back by Get and List.
	utm := &rythme.UTMSettings{Default: rythme.UTM{Source: "{network}", Medium: "social"},
		Networks: map[string]rythme.UTM{"bluesky": {Campaign: "{campaign}-sky"}}}
	got.UTM = utm
	must(t, s.UpdateCampaign(ctx(t), got))
	again, err := s.GetCampaign(ctx(t), ws.ID, c.ID)
	must(t, err)
	if again.UTM == nil || again.UTM.Default != utm.Default || again.UTM.Networks["bluesky"] != utm.Networks["bluesky"] {
		t.Fatalf("utm read back = %s", dump(again.UTM))
	}
	got.Status = rythme.CampaignCancelled
	must(t, s.UpdateCampaign(ctx(t), got))
	cs, err := s.ListCampaigns(ctx(t), ws.ID)
	must(t, err)
	if len(cs) != 1 || cs[0].Status != rythme.CampaignCancelled || cs[0].UTM == nil || cs[0].UTM.For("bluesky").Campaign != "{campaign}-sky" {
		t.Fatalf("campaigns = %s", dump(cs))
	}
	// Emptied, they are gone.
	got.UTM = &rythme.UTMSettings{}
	must(t, s.UpdateCampaign(ctx(t), got))
	if again, _ = s.GetCampaign(ctx(t), ws.ID, c.ID); again.UTM != nil {
		t.Fatalf("emptied utm read back = %s", dump(again.UTM))
	}
	// All or nothing: a post on another workspace's account fails the whole campaign.
	bad := &rythme.Campaign{WorkspaceID: ws.ID, Kind: rythme.CampaignThemedWeek, Name: "Bad", Status: rythme.CampaignActive, Plan: []byte(`{}`)}
	err = s.CreateCampaign(ctx(t), bad, []*rythme.Post{campaignPost(ws.ID, a, T0), campaignPost(ws.ID, foreign, T0)})
	if err == nil {
		t.Fatal("a campaign with a foreign account was created")
	}
	if cs, _ := s.ListCampaigns(ctx(t), ws.ID); len(cs) != 1 {
		t.Fatalf("%d campaigns after a failed creation, want 1", len(cs))
	}
	if all, _, _ := s.ListPosts(ctx(t), ws.ID, rythme.PostFilter{}); len(all) != 2 {
		t.Fatalf("%d posts after a failed campaign, want the first campaign's 2", len(all))
	}
}
