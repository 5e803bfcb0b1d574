package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

func TestCalendarAndGaps(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	paris, _ := time.LoadLocation("Europe/Paris")
	// A Monday a few weeks ahead, 23:30 UTC: already Tuesday in Paris.
	mon := e.clock.Now().In(paris).AddDate(0, 0, 14)
	for mon.Weekday() != time.Monday {
		mon = mon.AddDate(0, 0, 1)
	}
	late := time.Date(mon.Year(), mon.Month(), mon.Day(), 23, 30, 0, 0, time.UTC)
	post := func(at time.Time, tag string) {
		expect(t, e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": "c", "scheduled_at": at.Format(time.RFC3339),
			"tags": []string{tag}, "targets": []map[string]string{{"account_id": acc.ID}}}), http.StatusCreated)
	}
	post(late, "launch")
	post(late.Add(-12*time.Hour), "other")
	from, to := mon.Format("2006-01-02"), mon.AddDate(0, 0, 6).Format("2006-01-02")
	var cal struct {
		Zone string `json:"zone"`
		Days []struct {
			Date  string `json:"date"`
			Posts []struct {
				Tags []string `json:"tags"`
			} `json:"posts"`
		} `json:"days"`
	}
	e.as(rythme.RoleViewer, "GET", "/v1/calendar?from="+from+"&to="+to+"&tz=Europe/Paris", nil).decode(t, &cal)
	if cal.Zone != "Europe/Paris" || len(cal.Days) != 7 {
		t.Fatalf("calendar: zone %q, %d days", cal.Zone, len(cal.Days))
	}
	if len(cal.Days[0].Posts) != 1 || len(cal.Days[1].Posts) != 1 || cal.Days[1].Posts[0].Tags[0] != "launch" {
		t.Fatalf("23:30 UTC on Monday belongs to Tuesday in Paris: %+v", cal.Days[:2])
	}
	e.as(rythme.RoleViewer, "GET", "/v1/calendar?from="+from+"&to="+to+"&tz=UTC&tag=launch", nil).decode(t, &cal)
	if len(cal.Days[0].Posts) != 1 || len(cal.Days[1].Posts) != 0 {
		t.Fatalf("in UTC with the launch tag: %+v", cal.Days[:2])
	}
	if res := e.as(rythme.RoleViewer, "GET", "/v1/calendar?from="+to+"&to="+from, nil); res.Status != 422 {
		t.Fatalf("reversed range: %d", res.Status)
	}
	if res := e.as(rythme.RoleViewer, "GET", "/v1/calendar?from=2026-01-01&to=2027-01-01", nil); res.Status != 422 {
		t.Fatalf("a year at once: %d", res.Status)
	}

	// Three posts a week wanted; that week has two: a gap of one.
	expect(t, e.as(rythme.RoleManager, "PUT", "/v1/accounts/"+acc.ID+"/schedule", map[string]any{"timezone": "Europe/Paris",
		"posts_per_week": 3, "slots": []any{}}), http.StatusOK)
	var gaps struct {
		Data []struct {
			AccountID string `json:"account_id"`
			Planned   int    `json:"planned"`
			Goal      int    `json:"goal"`
		} `json:"data"`
	}
	res := e.as(rythme.RoleViewer, "GET", "/v1/calendar/gaps?from="+from+"&to="+to+"&tz=Europe/Paris", nil)
	t.Logf("gaps: %s", res.Body)
	res.decode(t, &gaps)
	if len(gaps.Data) != 1 || gaps.Data[0].Planned != 2 || gaps.Data[0].Goal != 3 || gaps.Data[0].AccountID != acc.ID {
		t.Fatalf("gaps = %+v", gaps.Data)
	}
}
