package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

type campaignOut struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Posts  []struct {
		ID          string    `json:"id"`
		ScheduledAt time.Time `json:"scheduled_at"`
		Format      string    `json:"format"`
		CampaignID  string    `json:"campaign_id"`
		Status      string    `json:"status"`
	} `json:"posts"`
}

func TestThemedWeekCampaign(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	paris, _ := time.LoadLocation("Europe/Paris")
	first := e.clock.Now().In(paris).AddDate(0, 0, 7)
	firstDay := first.Format("2006-01-02")
	week := func(day0Time string, content string) map[string]any {
		return map[string]any{"name": "Green week", "theme": "recycling", "first_day": firstDay, "zone": "Europe/Paris",
			"days": []map[string]any{
				{"offset": 0, "items": []map[string]any{{"time": day0Time, "format": "article", "content": content, "targets": []string{acc.ID}, "author": "Ada"}}},
				{"offset": 2, "items": []map[string]any{{"time": "18:00", "format": "live_qa", "content": "Live Q&A tonight", "targets": []string{acc.ID}}}},
			}}
	}
	res := e.as(rythme.RoleEditor, "POST", "/v1/campaigns", week("25:00", strings.Repeat("x", 150)))
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad plan: %d %s", res.Status, res.Body)
	}
	if !res.err(t).hasField("days[0].items[0].time") {
		t.Fatalf("the bad time is not named: %s", res.Body)
	}
	res = e.as(rythme.RoleEditor, "POST", "/v1/campaigns", week("09:30", strings.Repeat("x", 150)))
	if res.Status != http.StatusUnprocessableEntity || !res.err(t).hasField("days[0].items[0].content") {
		t.Fatalf("content over the network's limit: %d %s", res.Status, res.Body)
	}
	res = e.as(rythme.RoleEditor, "POST", "/v1/campaigns", week("09:30", "Day one: why recycle"))
	expect(t, res, http.StatusCreated)
	var camp campaignOut
	res.decode(t, &camp)
	if len(camp.Posts) != 2 || camp.Posts[0].CampaignID != camp.ID || camp.Posts[0].Format != "article" {
		t.Fatalf("campaign = %+v", camp)
	}
	if got := camp.Posts[0].ScheduledAt.In(paris); got.Format("2006-01-02 15:04") != firstDay+" 09:30" {
		t.Fatalf("day 0 at %s, want %s 09:30 in Paris", got, firstDay)
	}
	if got := camp.Posts[1].ScheduledAt.In(paris); got.Format("15:04") != "18:00" || got.Sub(camp.Posts[0].ScheduledAt) < 48*time.Hour {
		t.Fatalf("day 2 at %s", got)
	}
	var list struct {
		Data []struct{ ID string } `json:"data"`
	}
	e.as(rythme.RoleViewer, "GET", "/v1/campaigns", nil).decode(t, &list)
	if len(list.Data) != 1 {
		t.Fatalf("campaigns = %+v", list)
	}
	// Reused as a template a week later.
	next := first.AddDate(0, 0, 7).Format("2006-01-02")
	res = e.as(rythme.RoleEditor, "POST", "/v1/campaigns/"+camp.ID+"/clone", map[string]string{"first_day": next, "name": "Green week 2"})
	expect(t, res, http.StatusCreated)
	var clone campaignOut
	res.decode(t, &clone)
	if clone.ID == camp.ID || len(clone.Posts) != 2 || clone.Posts[0].ScheduledAt.In(paris).Format("2006-01-02 15:04") != next+" 09:30" {
		t.Fatalf("clone = %+v", clone)
	}
	// Cancelling cancels the posts not yet out.
	res = e.as(rythme.RoleEditor, "DELETE", "/v1/campaigns/"+camp.ID, nil)
	expect(t, res, http.StatusOK)
	var cancelled campaignOut
	res.decode(t, &cancelled)
	if cancelled.Status != "cancelled" || cancelled.Posts[0].Status != "cancelled" || cancelled.Posts[1].Status != "cancelled" {
		t.Fatalf("cancelled = %+v", cancelled)
	}
	expect(t, e.as(rythme.RoleViewer, "GET", "/v1/reports/campaigns/"+clone.ID, nil), http.StatusOK)
	expect(t, e.as(rythme.RoleViewer, "GET", "/v1/reports/campaigns/"+rythme.NewID(rythme.PrefixCampaign), nil), http.StatusNotFound)
}
