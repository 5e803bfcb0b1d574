package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
	"github.com/rythmehq/rythme/posting"
)

// NextSlot is the scheduled_at that takes the next free posting slot of
// every target account (posting.NextSlot).
const NextSlot = posting.NextSlot

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
