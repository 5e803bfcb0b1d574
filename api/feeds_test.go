package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

func TestCalendarFeed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	at := e.clock.Now().Add(72 * time.Hour).Truncate(time.Minute)
	res := e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": "Themed week kick-off\nMore text",
		"scheduled_at": at.Format(time.RFC3339), "timezone": "Europe/Paris", "targets": []map[string]string{{"account_id": acc.ID}}})
	expect(t, res, http.StatusCreated)
	var p struct{ ID string }
	res.decode(t, &p)

	res = e.as(rythme.RoleManager, "POST", "/v1/calendar/feeds", map[string]string{"name": "Team calendar"})
	expect(t, res, http.StatusCreated)
	var feed struct {
		ID  string `json:"id"`
		URL string `json:"url"`
	}
	res.decode(t, &feed)
	u, err := url.Parse(feed.URL)
	if err != nil || !strings.HasPrefix(feed.URL, "https://rythme.test/v1/calendar.ics?token=rymfeed_") {
		t.Fatalf("feed url %q", feed.URL)
	}
	e.mu.Lock()
	e.leaks = append(e.leaks, u.Query().Get("token"))
	e.mu.Unlock()
	get := func(token string) *response {
		return e.do(req{method: "GET", path: "/v1/calendar.ics?token=" + url.QueryEscape(token)})
	}
	res = get(u.Query().Get("token"))
	if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("feed: %d %q", res.Status, res.Header.Get("Content-Type"))
	}
	cal, err := ics.ParseCalendar(strings.NewReader(string(res.Body)))
	if err != nil {
		t.Fatalf("the feed does not parse: %v", err)
	}
	evs := cal.Events()
	if len(evs) != 1 || !strings.HasPrefix(evs[0].Id(), p.ID) {
		t.Fatalf("%d events (%v), want the post", len(evs), evs)
	}
	start, err := evs[0].GetStartAt()
	if err != nil || !start.Equal(at) {
		t.Fatalf("DTSTART %s (%v), want %s", start, err, at)
	}
	if prop := evs[0].GetProperty(ics.ComponentPropertyDtStart); prop == nil || !strings.Contains(strings.Join(prop.ICalParameters["TZID"], ""), "Europe/Paris") {
		t.Fatalf("DTSTART is not in the post's zone: %+v", prop)
	}
	if s := evs[0].GetProperty(ics.ComponentPropertySummary); s == nil || s.Value != "Themed week kick-off" {
		t.Fatalf("summary %+v", s)
	}
	expect(t, get("rymfeed_not-a-real-token"), http.StatusNotFound)
	expect(t, e.as(rythme.RoleManager, "DELETE", "/v1/calendar/feeds/"+feed.ID, nil), http.StatusNoContent)
	expect(t, get(u.Query().Get("token")), http.StatusNotFound)
	expect(t, e.as(rythme.RoleEditor, "POST", "/v1/calendar/feeds", map[string]string{}), http.StatusForbidden)
}
