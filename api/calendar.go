package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
)

// maxCalendarDays bounds one calendar read.
const maxCalendarDays = 92

type calendarDay struct {
	Date  string     `json:"date"`
	Posts []postJSON `json:"posts"`
}

// calendarRange reads ?from=&to= (dates, to inclusive) in ?tz=.
func (s *server) calendarRange(c *gin.Context) (from, to time.Time, zone *time.Location, ok bool) {
	zone, ok = s.reportZone(c)
	if !ok {
		return
	}
	var fe fieldErrors
	day := func(field string) time.Time {
		d, err := calendars.ParseDate(c.Query(field))
		if err != nil {
			fe.add(field, "is required: a date such as 2026-11-30")
			return time.Time{}
		}
		at, _, _ := calendars.Resolve(d, calendars.Clock{}, zone)
		return at
	}
	from, to = day("from"), day("to")
	if err := fe.err(); err != nil {
		s.fail(c, err)
		return from, to, zone, false
	}
	dTo, _ := calendars.ParseDate(c.Query("to"))
	to, _, _ = calendars.Resolve(dTo.AddDays(1), calendars.Clock{}, zone)
	if !to.After(from) || to.Sub(from) > maxCalendarDays*24*time.Hour+2*time.Hour {
		s.fail(c, rythme.Invalid(rythme.FieldError{Field: "to", Message: fmt.Sprintf("must be on or after from, at most %d days later", maxCalendarDays)}))
		return from, to, zone, false
	}
	return from, to, zone, true
}

// calendar is GET /v1/calendar?from=&to=&tz=: every day of the range (in
// the zone) with its posts and each target's status, filtered by account,
// tag, campaign, author or status.
func (s *server) calendar(c *gin.Context) {
	from, to, zone, ok := s.calendarRange(c)
	if !ok {
		return
	}
	f := rythme.PostFilter{From: &from, To: &to, Limit: 200}
	var fe fieldErrors
	s.postFilterQuery(c, &fe, &f)
	if err := fe.err(); err != nil {
		s.fail(c, err)
		return
	}
	days := map[string][]postJSON{}
	for n := 0; ; n++ {
		page, next, err := s.store.ListPosts(c.Request.Context(), workspace(c), f)
		if err != nil {
			s.fail(c, err)
			return
		}
		for _, p := range page {
			d := p.ScheduledAt.In(zone).Format("2006-01-02")
			days[d] = append(days[d], postOut(p))
		}
		if next == "" || n > 50 {
			break
		}
		f.Cursor = next
	}
	out := []calendarDay{}
	for d := calendars.DateOf(from.In(zone)); ; d = d.AddDays(1) {
		at, _, _ := calendars.Resolve(d, calendars.Clock{}, zone)
		if !at.Before(to) {
			break
		}
		posts := days[d.String()]
		if posts == nil {
			posts = []postJSON{}
		}
		out = append(out, calendarDay{Date: d.String(), Posts: posts})
	}
	c.JSON(http.StatusOK, gin.H{"zone": zone.String(), "days": out})
}

// gaps is GET /v1/calendar/gaps?from=&to=: the weeks and accounts below
// their cadence goal (posts per week), weeks read in each account's zone.
func (s *server) gaps(c *gin.Context) {
	from, to, _, ok := s.calendarRange(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	accts, err := s.store.ListAccounts(ctx, workspace(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := []calendars.Gap{}
	for _, a := range accts {
		if a.Status != rythme.AccountConnected || a.Schedule == nil || a.Schedule.PostsPerWeek == 0 {
			continue
		}
		zone, err := calendars.LoadZone(a.Schedule.Timezone)
		if err != nil {
			continue
		}
		start, end := calendars.WeekRange(from, to, zone)
		taken, err := s.store.TakenTimes(ctx, workspace(c), []string{a.ID}, start, end)
		if err != nil {
			s.fail(c, err)
			return
		}
		out = append(out, calendars.Gaps(from, to, zone, map[string]int{a.ID: a.Schedule.PostsPerWeek}, taken)...)
	}
	c.JSON(http.StatusOK, gin.H{"data": out})
}
