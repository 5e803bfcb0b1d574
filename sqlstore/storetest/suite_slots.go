package storetest

import (
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

func init() {
	register(suiteCase{"SlotsAndSchedules", testSlots})
}

func testSlots(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	sched := &rythme.PostingSchedule{Timezone: "Europe/Paris", PostsPerWeek: 3,
		Slots: []rythme.PostingSlot{{Weekday: 2, Time: "09:30"}, {Weekday: 4, Time: "09:30"}}}
	must(t, s.SetAccountSchedule(ctx(t), ws.ID, a.ID, sched))
	got, err := s.GetAccount(ctx(t), ws.ID, a.ID)
	must(t, err)
	deepEqual(t, "schedule", got.Schedule, sched)
	wantCode(t, s.SetAccountSchedule(ctx(t), newWorkspace(t, s).ID, a.ID, sched), rythme.ENOTFOUND)

	slot := us(T0.Add(24 * time.Hour))
	slotted := func() *rythme.Post {
		p := campaignPost(ws.ID, a, slot)
		p.Targets[0].Slotted = true
		return p
	}
	first := slotted()
	must(t, s.CreatePost(ctx(t), first))
	// The same slot again: refused, whoever asks.
	wantCode(t, s.CreatePost(ctx(t), slotted()), rythme.ECONFLICT)
	// A post not taken through the slots may share the time.
	must(t, s.CreatePost(ctx(t), campaignPost(ws.ID, a, slot)))
	taken, err := s.TakenTimes(ctx(t), ws.ID, []string{a.ID}, T0, T0.Add(48*time.Hour))
	must(t, err)
	if len(taken[a.ID]) != 2 || !taken[a.ID][0].Equal(slot) {
		t.Fatalf("taken = %v", taken)
	}
	// Cancelling frees the slot.
	_, err = s.UpdatePost(ctx(t), ws.ID, first.ID, func(p *rythme.Post) error { return p.Cancel(T0) })
	must(t, err)
	must(t, s.CreatePost(ctx(t), slotted()))
}
