package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
)

// NextSlot is the scheduled_at that takes the next free posting slot of
// every target account (a queue, as in Buffer).
const NextSlot = "next_slot"

// maxSlotTries bounds the retries when another request takes the same slot
// at the same moment (the store refuses the second: no two posts take one
// slot). Each lost race means another post got a slot, so a request among
// n concurrent ones loses at most n-1 times.
const maxSlotTries = 20

// setSchedule is PUT /v1/accounts/{id}/schedule.
func (s *server) setSchedule(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixAccount, "account")
	if !ok {
		return
	}
	var sched rythme.PostingSchedule
	if err := decodeJSON(c, &sched); err != nil {
		s.fail(c, err)
		return
	}
	if err := sched.Validate(); err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	if err := s.store.SetAccountSchedule(ctx, workspace(c), id, &sched); err != nil {
		s.fail(c, err)
		return
	}
	acc, err := s.store.GetAccount(ctx, workspace(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	acc.Token = rythme.Token{}
	c.JSON(http.StatusOK, acc)
}

// slotsOf turns an account's schedule into the calendars' slots.
func slotsOf(acc *rythme.Account) ([]calendars.Slot, *time.Location, bool) {
	if acc == nil || acc.Schedule == nil || len(acc.Schedule.Slots) == 0 {
		return nil, nil, false
	}
	zone, err := calendars.LoadZone(acc.Schedule.Timezone)
	if err != nil {
		return nil, nil, false
	}
	var out []calendars.Slot
	for _, sl := range acc.Schedule.Slots {
		var h, m int
		fmt.Sscanf(sl.Time, "%d:%d", &h, &m)
		out = append(out, calendars.Slot{Weekday: time.Weekday(sl.Weekday), Hour: h, Minute: m})
	}
	return out, zone, true
}

// nextSlot finds the next instant free in every target account's slots.
func (s *server) nextSlot(ctx context.Context, ws string, accts []*rythme.Account, after time.Time) (time.Time, error) {
	ids := make([]string, len(accts))
	for i, a := range accts {
		ids[i] = a.ID
	}
	taken, err := s.store.TakenTimes(ctx, ws, ids, after, after.Add(calendars.SlotSearchDays*24*time.Hour))
	if err != nil {
		return time.Time{}, fmt.Errorf("api: taken slots: %w", err)
	}
	var sets []calendars.AccountSlots
	for _, a := range accts {
		slots, zone, _ := slotsOf(a)
		times := map[int64]bool{}
		for _, t := range taken[a.ID] {
			times[t.UnixMicro()] = true
		}
		sets = append(sets, calendars.AccountSlots{AccountID: a.ID, Slots: slots, Zone: zone,
			Taken: func(t time.Time) bool { return times[t.UnixMicro()] }})
	}
	at, _, ok := calendars.NextCommonSlot(sets, after)
	if !ok {
		return time.Time{}, rythme.Invalid(rythme.FieldError{Field: "scheduled_at", Message: "no free posting slot within a year"})
	}
	return at.UTC(), nil
}

// slotAdjustments lists how a DST change moved the slot at of each account
// (one entry per zone): a slot whose wall time did not exist that day, or
// happened twice.
func slotAdjustments(accts []*rythme.Account, at time.Time) []calendars.Adjustment {
	var out []calendars.Adjustment
	seen := map[string]bool{}
	for _, a := range accts {
		slots, zone, ok := slotsOf(a)
		if !ok || seen[zone.String()] {
			continue
		}
		res, ok := calendars.SlotResolution(slots, zone, at)
		if !ok {
			continue
		}
		if adj, ok := calendars.AdjustInstant("scheduled_at", at, zone, res); ok {
			seen[zone.String()] = true
			out = append(out, adj)
		}
	}
	return out
}
