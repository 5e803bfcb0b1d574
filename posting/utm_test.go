package posting_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
	"github.com/rythmehq/rythme/posting"
)

func TestCampaignUTM(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		short, long := e.account(e.ws, "short"), e.account(e.ws, "long")
		pl := e.planner()
		v, err := pl.CreateCampaign(ctx, editor, e.ws, e.week([]string{"See https://e.io", "No link"}, short, long))
		if err != nil {
			t.Fatal(err)
		}
		id := v.Campaign.ID
		utm := rythme.UTMSettings{Default: rythme.UTM{Source: "{network}", Campaign: "{campaign}"},
			Networks: map[string]rythme.UTM{"long": {Medium: "social"}}}
		camp, outcomes, err := pl.SetCampaignUTM(ctx, editor, e.ws, id, utm)
		if err != nil {
			t.Fatal(err)
		}
		if camp.UTM == nil || camp.UTM.For("long").Medium != "social" {
			t.Fatalf("settings %+v", camp.UTM)
		}
		// Day one on "short" (20 characters) cannot take the parameters:
		// refused, left as it was; on "long" it would fit, but a post
		// changes whole or not at all.
		if len(outcomes) != 1 || outcomes[0].Err == nil || !strings.Contains(strings.Join(fieldsOf(outcomes[0].Err), ","), "content") {
			t.Fatalf("outcomes %+v", outcomes)
		}
		posts := e.campaignPosts(id)
		for _, tg := range posts["d0#0"].Targets {
			if tg.Content != "" {
				t.Errorf("the refused post changed on %s: %q", tg.Network, tg.Content)
			}
		}
		for _, tg := range posts["d1#0"].Targets {
			if tg.Content != "" {
				t.Errorf("a post without a link changed on %s: %q", tg.Network, tg.Content)
			}
		}

		// On "long" only, the links get the long network's parameters.
		v2, err := pl.CreateCampaign(ctx, editor, e.ws, e.week([]string{"Read https://ex.io/a#top, not https://ex.io/?utm_source=kept"}, long))
		if err != nil {
			t.Fatal(err)
		}
		if _, out, err := pl.SetCampaignUTM(ctx, editor, e.ws, v2.Campaign.ID, utm); err != nil || len(out) != 1 || out[0].Err != nil {
			t.Fatalf("set: %+v %v", out, err)
		}
		p := e.campaignPosts(v2.Campaign.ID)["d0#0"]
		want := "Read https://ex.io/a?utm_source=long&utm_medium=social&utm_campaign=Launch+week#top, not https://ex.io/?utm_source=kept"
		if got := p.TextFor(p.Targets[0]); got != want {
			t.Fatalf("published text %q, want %q", got, want)
		}
		if h := e.events(p.ID); h != "created,edited" {
			t.Errorf("history %q", h)
		}
		// Setting them again changes nothing (links with utm_ are kept).
		if _, out, err := pl.SetCampaignUTM(ctx, editor, e.ws, v2.Campaign.ID, utm); err != nil || len(out) != 0 {
			t.Fatalf("again: %+v %v", out, err)
		}
		// A clone carries them into its own posts.
		first, err := calendars.ParseDate(v2.Campaign.FirstDay)
		if err != nil {
			t.Fatal(err)
		}
		cl, err := pl.CloneCampaign(ctx, editor, e.ws, v2.Campaign.ID, first.AddDays(7).String(), "Copy")
		if err != nil {
			t.Fatal(err)
		}
		if cl.Campaign.UTM.Empty() || len(cl.Posts) != 1 || !strings.Contains(cl.Posts[0].TextFor(cl.Posts[0].Targets[0]), "utm_source=long") {
			t.Errorf("clone: %+v", cl.Posts)
		}
		// A new post of the plan gets them when it is made.
		v3, err := pl.CreateCampaign(ctx, editor, e.ws, e.week([]string{"plain"}, long))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := pl.SetCampaignUTM(ctx, editor, e.ws, v3.Campaign.ID, utm); err != nil {
			t.Fatal(err)
		}
		days := e.week([]string{"plain", "Now https://ex.io/b"}, long).Days
		if _, err := pl.UpdateCampaign(ctx, editor, e.ws, v3.Campaign.ID, posting.CampaignEdit{Days: &days}); err != nil {
			t.Fatal(err)
		}
		np := e.campaignPosts(v3.Campaign.ID)["d1#0"]
		if np == nil || np.TextFor(np.Targets[0]) != "Now https://ex.io/b?utm_source=long&utm_medium=social&utm_campaign=Launch+week" {
			t.Fatalf("the plan's new post: %+v", np)
		}
		// Bad settings: refused whole, named by field.
		_, _, err = pl.SetCampaignUTM(ctx, editor, e.ws, id, rythme.UTMSettings{Default: rythme.UTM{Source: "{nope}"},
			Networks: map[string]rythme.UTM{"myspace": {}}})
		if got := strings.Join(fieldsOf(err), ","); rythme.ErrorCode(err) != rythme.EINVALID || got != "utm.default.source,utm.networks.myspace" {
			t.Fatalf("bad settings: %v %s", err, got)
		}
		if _, _, err := pl.SetCampaignUTM(ctx, editor, e.ws, rythme.NewID(rythme.PrefixCampaign), utm); rythme.ErrorCode(err) != rythme.ENOTFOUND {
			t.Fatalf("unknown campaign: %v", err)
		}
	})
}
