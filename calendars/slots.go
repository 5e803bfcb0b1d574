package calendars

import (
	"fmt"
	"slices"
	"time"

	"github.com/rythmehq/rythme"
)

// Slot is a weekly posting time of an account, on the wall clock of the
// account's zone: "Tuesday 09:30 Europe/Paris" stays 09:30 in Paris in
// winter and in summer.
type Slot struct {
	Weekday time.Weekday `json:"weekday"`
	Hour    int          `json:"hour"`
	Minute  int          `json:"minute"`
}

// Limits on posting slots.
const (
	// MaxSlots is the most slots one account may have (every half hour of
	// a week is 336).
	MaxSlots = 336
	// SlotSearchDays bounds how far ahead NextSlots and NextCommonSlot
	// look: a little over a year.
	SlotSearchDays = 371
)

// Valid reports whether the slot names a day of the week and a time of day
// between 00:00 and 23:59.
func (s Slot) Valid() bool {
	return s.Weekday >= time.Sunday && s.Weekday <= time.Saturday && Clock{s.Hour, s.Minute, 0}.Valid()
}

// String formats the slot as "Tuesday 09:30".
func (s Slot) String() string {
	return fmt.Sprintf("%s %02d:%02d", s.Weekday, s.Hour, s.Minute)
}

// ValidateSlots checks an account's slot set: at most MaxSlots, each valid,
// none listed twice. Field paths are "slots[i]".
func ValidateSlots(slots []Slot) []rythme.FieldError {
	var fe []rythme.FieldError
	if len(slots) > MaxSlots {
		fe = append(fe, rythme.FieldError{Field: "slots", Message: fmt.Sprintf("at most %d slots", MaxSlots)})
	}
	seen := map[Slot]bool{}
	for i, s := range slots {
		f := fmt.Sprintf("slots[%d]", i)
		switch {
		case !s.Valid():
			fe = append(fe, rythme.FieldError{Field: f, Message: "needs a weekday 0 (Sunday) to 6 (Saturday), hour 0 to 23 and minute 0 to 59"})
		case seen[s]:
			fe = append(fe, rythme.FieldError{Field: f, Message: "is listed twice"})
		}
		seen[s] = true
	}
	return fe
}

// NextSlots returns the next n instants after after (strictly) that are
// slots of the set and not taken, in ascending order, in zone (nil is
// UTC). Each slot is placed on the zone's wall clock and resolved as
// Resolve does, so daylight saving time never moves a slot: 09:30 stays
// 09:30 local across the change. A slot whose wall time falls in a DST gap
// is moved forward by the gap; one in a fold is taken once, at its first
// occurrence; two slots that land on the same instant count once.
//
// taken (nil means nothing is taken) is called with each candidate and
// should report whether the account already has a post then. Invalid slots
// are skipped (see ValidateSlots). The search stops SlotSearchDays after
// after, so fewer than n instants may come back; n <= 0 gives none. The
// result depends only on the arguments.
func NextSlots(slots []Slot, zone *time.Location, after time.Time, taken func(time.Time) bool, n int) []time.Time {
	if n <= 0 {
		return nil
	}
	var out []time.Time
	it := newSlotIter(slots, zone, after)
	for at, ok := it.next(); ok; at, ok = it.next() {
		if taken != nil && taken(at) {
			continue
		}
		out = append(out, at)
		if len(out) == n {
			break
		}
	}
	return out
}

// AccountSlots is one account's slot set, zone and bookings, as
// NextCommonSlot needs them.
type AccountSlots struct {
	AccountID string
	Slots     []Slot
	Zone      *time.Location // nil is UTC
	// Taken reports whether the account already has a post at an instant;
	// nil means nothing is taken.
	Taken func(time.Time) bool
}

// CommonMode says how NextCommonSlot chose its instant.
type CommonMode string

const (
	// SharedSlot: the instant is a free slot of every account.
	SharedSlot CommonMode = "shared_slot"
	// FirstAccountSlot: the accounts share no free slot within the search
	// window, so the instant is a slot of the first account only, free
	// (not taken) in every account.
	FirstAccountSlot CommonMode = "first_account_slot"
)

// NextCommonSlot picks the one instant at which a post to several accounts
// goes out (a post has a single scheduled time). The rule:
//
//  1. the earliest instant after after (strictly) that is a slot of every
//     account and taken in none (SharedSlot);
//  2. if there is none within SlotSearchDays, the earliest slot of the
//     first account that is taken in none (FirstAccountSlot): the first
//     account leads, the others follow it;
//  3. otherwise ok is false.
//
// Slots resolve as in NextSlots. With a single account it is the first
// result of NextSlots.
func NextCommonSlot(accounts []AccountSlots, after time.Time) (at time.Time, mode CommonMode, ok bool) {
	if len(accounts) == 0 {
		return time.Time{}, "", false
	}
	lead := accounts[0]
	var fallback time.Time
	it := newSlotIter(lead.Slots, lead.Zone, after)
	for t, more := it.next(); more; t, more = it.next() {
		free, shared := true, true
		for _, a := range accounts {
			if a.Taken != nil && a.Taken(t) {
				free = false
				break
			}
			if shared && !isSlot(a.Slots, a.Zone, t) {
				shared = false
			}
		}
		if !free {
			continue
		}
		if shared {
			return t, SharedSlot, true
		}
		if fallback.IsZero() {
			fallback = t
		}
	}
	if fallback.IsZero() {
		return time.Time{}, "", false
	}
	return fallback, FirstAccountSlot, true
}

// isSlot reports whether t is one of the slot instants of the set in zone.
func isSlot(slots []Slot, zone *time.Location, t time.Time) bool {
	if zone == nil {
		zone = time.UTC
	}
	local := t.In(zone)
	if local.Second() != 0 || local.Nanosecond() != 0 {
		return false
	}
	day := DateOf(local)
	check := func(d Date, s Slot) bool {
		at, _, err := Resolve(d, Clock{s.Hour, s.Minute, 0}, zone)
		return err == nil && at.Equal(t)
	}
	// The usual case: t shows the slot's own wall clock.
	for _, s := range slots {
		if s.Valid() && s.Weekday == day.Weekday() && s.Hour == local.Hour() && s.Minute == local.Minute() && check(day, s) {
			return true
		}
	}
	// A slot moved out of a DST gap shows a later wall clock, perhaps on
	// the next day (a gap at midnight). Only look near an offset change.
	start, end := local.ZoneBounds()
	if (start.IsZero() || t.Sub(start) > 48*time.Hour) && (end.IsZero() || end.Sub(t) > 48*time.Hour) {
		return false
	}
	for _, d := range []Date{day.AddDays(-1), day} {
		for _, s := range slots {
			if s.Valid() && s.Weekday == d.Weekday() && check(d, s) {
				return true
			}
		}
	}
	return false
}

// SlotResolution says how the slot instant t of the set was resolved in
// zone: Exact, FoldFirst (the slot's wall time happened twice that day)
// or GapShifted (it did not happen: moved forward). ok is false when t is
// not one of the set's slots.
func SlotResolution(slots []Slot, zone *time.Location, t time.Time) (res Resolution, ok bool) {
	if zone == nil {
		zone = time.UTC
	}
	day := DateOf(t.In(zone))
	for _, d := range []Date{day.AddDays(-1), day} {
		for _, s := range slots {
			if !s.Valid() || s.Weekday != d.Weekday() {
				continue
			}
			if at, r, err := Resolve(d, Clock{s.Hour, s.Minute, 0}, zone); err == nil && at.Equal(t) {
				return r, true
			}
		}
	}
	return "", false
}

// slotIter yields the slot instants after a given instant, ascending and
// without repeats, for SlotSearchDays. A wall time moved forward out of a
// DST gap can land after the wall times that follow it, so instants are
// buffered and only handed out once no later day can produce an earlier
// one.
type slotIter struct {
	byDay   [7][]Clock
	zone    *time.Location
	after   time.Time
	day     Date // the next day to generate
	lastDay Date
	buf     []time.Time // sorted
	last    time.Time
}

func newSlotIter(slots []Slot, zone *time.Location, after time.Time) *slotIter {
	if zone == nil {
		zone = time.UTC
	}
	it := &slotIter{zone: zone, after: after}
	for _, s := range slots {
		c := Clock{s.Hour, s.Minute, 0}
		if s.Valid() && !slices.Contains(it.byDay[s.Weekday], c) {
			it.byDay[s.Weekday] = append(it.byDay[s.Weekday], c)
		}
	}
	start := DateOf(after.In(zone))
	// Start a day early: a gap at midnight can move yesterday's late slot
	// past after.
	it.day = start.AddDays(-1)
	it.lastDay = start.AddDays(SlotSearchDays)
	return it
}

// floor is an instant no wall time on day d or later can resolve before:
// no zone is more than a day ahead of UTC, and gaps only move forward.
func floor(d Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Add(-24 * time.Hour)
}

func (it *slotIter) next() (time.Time, bool) {
	for {
		done := it.lastDay.Before(it.day)
		if len(it.buf) > 0 && (done || it.buf[0].Before(floor(it.day))) {
			at := it.buf[0]
			it.buf = it.buf[1:]
			if !it.last.IsZero() && !at.After(it.last) {
				continue // two slots on one instant
			}
			it.last = at
			return at, true
		}
		if done {
			return time.Time{}, false
		}
		for _, c := range it.byDay[it.day.Weekday()] {
			at, _, err := Resolve(it.day, c, it.zone)
			if err == nil && at.After(it.after) {
				it.buf = append(it.buf, at)
			}
		}
		slices.SortFunc(it.buf, func(a, b time.Time) int { return a.Compare(b) })
		it.day = it.day.AddDays(1)
	}
}
