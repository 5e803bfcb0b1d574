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

func init() {
	register(suiteCase{"ListByTagAndAuthor", testListByTagAuthor})
}

func testListByTagAuthor(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	mk := func(author string, tags ...string) *rythme.Post {
		p := campaignPost(ws.ID, a, T0.Add(time.Hour))
		p.Author, p.Tags = author, tags
		must(t, s.CreatePost(ctx(t), p))
		return p
	}
	launch := mk("Ada", "launch", "green_week")
	mk("Bo", "greenXweek")
	mk("Bo", `back\slash`)
	count := func(f rythme.PostFilter) int {
		t.Helper()
		ps, _, err := s.ListPosts(ctx(t), ws.ID, f)
		must(t, err)
		return len(ps)
	}
	if n := count(rythme.PostFilter{Tag: "launch"}); n != 1 {
		t.Errorf("tag launch: %d posts", n)
	}
	if n := count(rythme.PostFilter{Tag: "green_week"}); n != 1 {
		t.Errorf("tag green_week matched %d posts (the _ must not be a wildcard)", n)
	}
	if n := count(rythme.PostFilter{Tag: "green%"}); n != 0 {
		t.Errorf("tag green%% matched %d posts (the %% must not be a wildcard)", n)
	}
	if n := count(rythme.PostFilter{Tag: `back\slash`}); n != 1 {
		t.Errorf("a tag with a backslash matched %d posts", n)
	}
	if n := count(rythme.PostFilter{Author: "Bo"}); n != 2 {
		t.Errorf("author Bo: %d posts", n)
	}
	if ps, _, _ := s.ListPosts(ctx(t), ws.ID, rythme.PostFilter{Author: "Ada", Tag: "launch"}); len(ps) != 1 || ps[0].ID != launch.ID {
		t.Errorf("author and tag: %v", ps)
	}
}
