package posting

import (
	"context"
	"fmt"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
)

// NextSlot is the scheduled_at that takes the next free posting slot of
// every target account (a queue, as in Buffer).
const NextSlot = "next_slot"

// MaxSlotTries bounds the retries when another request takes the same slot
// at the same moment (the store refuses the second: no two posts take one
// slot). Each lost race means another post got a slot, so a request among
// n concurrent ones loses at most n-1 times.
const MaxSlotTries = 20

// SlotsOf turns an account's schedule into the calendars' slots; false
// when it has none (or its zone is unknown).
func SlotsOf(acc *rythme.Account) ([]calendars.Slot, *time.Location, bool) {
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

// NextSlot finds the next instant after `after` free in every account's
// slots: not taken in the store, nor in lost (the instants this request
// already lost to another; nil: none).
func (s *Service) NextSlot(ctx context.Context, ws string, accts []*rythme.Account, after time.Time, lost map[int64]bool) (time.Time, error) {
	ids := make([]string, len(accts))
	for i, a := range accts {
		ids[i] = a.ID
	}
	taken, err := s.store.TakenTimes(ctx, ws, ids, after, after.Add(calendars.SlotSearchDays*24*time.Hour))
	if err != nil {
		return time.Time{}, fmt.Errorf("posting: taken slots: %w", err)
	}
	var sets []calendars.AccountSlots
	for _, a := range accts {
		slots, zone, _ := SlotsOf(a)
		times := map[int64]bool{}
		for _, t := range taken[a.ID] {
			times[t.UnixMicro()] = true
		}
		sets = append(sets, calendars.AccountSlots{AccountID: a.ID, Slots: slots, Zone: zone,
			Taken: func(t time.Time) bool { return times[t.UnixMicro()] || lost[t.UnixMicro()] }})
	}
	at, _, ok := calendars.NextCommonSlot(sets, after)
	if !ok {
		return time.Time{}, rythme.Invalid(rythme.FieldError{Field: "scheduled_at", Message: "no free posting slot within a year"})
	}
	return at.UTC(), nil
}

// createInSlot gives p the next free slot of accts and stores it. When
// another request took that slot meanwhile (the store refuses a second
// post in one slot: ECONFLICT, raised once the winner has committed), the
// slot is remembered as lost and the next one taken: each try moves on by
// at least one slot, so no wait is needed.
func (s *Service) createInSlot(ctx context.Context, p *rythme.Post, accts []*rythme.Account, now time.Time) error {
	lost := map[int64]bool{}
	for try := 0; ; try++ {
		at, err := s.NextSlot(ctx, p.WorkspaceID, accts, now, lost)
		if err != nil {
			return err
		}
		p.ScheduledAt = at
		for _, t := range p.Targets {
			t.ScheduledAt, t.Slotted = at, true
		}
		err = s.store.CreatePost(ctx, p)
		if err == nil {
			return nil
		}
		if rythme.ErrorCode(err) != rythme.ECONFLICT || try == MaxSlotTries {
			return fmt.Errorf("posting: create post in a slot: %w", err)
		}
		lost[at.UnixMicro()] = true
	}
}
