package calendars_test

import (
	"slices"
	"testing"
	"time"

	"github.com/rythmehq/rythme/calendars"
)

func fmtLocal(ts []time.Time) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Format("Mon 2006-01-02 15:04 MST")
	}
	return out
}

func takenSet(ts ...time.Time) func(time.Time) bool {
	return func(t time.Time) bool {
		return slices.ContainsFunc(ts, t.Equal)
	}
}

func TestNextSlots(t *testing.T) {
	t.Parallel()
	paris := mustZone(t, "Europe/Paris")
	ny := mustZone(t, "America/New_York")
	tueThu := []calendars.Slot{{Weekday: time.Tuesday, Hour: 9, Minute: 30}, {Weekday: time.Thursday, Hour: 9, Minute: 30}}
	cases := []struct {
		name  string
		slots []calendars.Slot
		zone  *time.Location
		after time.Time
		taken func(time.Time) bool
		n     int
		want  []string
	}{
		{
			name: "across spring forward in Paris: 09:30 stays 09:30", slots: tueThu, zone: paris,
			after: utc(2026, 3, 23, 12, 0), n: 4,
			want: []string{"Tue 2026-03-24 09:30 CET", "Thu 2026-03-26 09:30 CET", "Tue 2026-03-31 09:30 CEST", "Thu 2026-04-02 09:30 CEST"},
		},
		{
			name: "across fall back in Paris", slots: tueThu, zone: paris,
			after: utc(2026, 10, 20, 12, 0), n: 3,
			want: []string{"Thu 2026-10-22 09:30 CEST", "Tue 2026-10-27 09:30 CET", "Thu 2026-10-29 09:30 CET"},
		},
		{
			name: "taken slots are skipped", slots: tueThu, zone: paris,
			after: utc(2026, 3, 23, 12, 0), n: 2,
			taken: takenSet(utc(2026, 3, 26, 8, 30), utc(2026, 3, 31, 7, 30)),
			want:  []string{"Tue 2026-03-24 09:30 CET", "Thu 2026-04-02 09:30 CEST"},
		},
		{
			name: "after is strict", slots: tueThu, zone: paris,
			after: utc(2026, 3, 24, 8, 30), n: 1,
			want: []string{"Thu 2026-03-26 09:30 CET"},
		},
		{
			name: "a slot in the gap moves forward, colliding slots count once", zone: paris,
			slots: []calendars.Slot{{Weekday: time.Sunday, Hour: 2, Minute: 30}, {Weekday: time.Sunday, Hour: 3, Minute: 30}},
			after: utc(2026, 3, 27, 0, 0), n: 3,
			want: []string{"Sun 2026-03-29 03:30 CEST", "Sun 2026-04-05 02:30 CEST", "Sun 2026-04-05 03:30 CEST"},
		},
		{
			name: "gap-shifted slot sorts after a slot inside the gap's span", zone: paris,
			slots: []calendars.Slot{{Weekday: time.Sunday, Hour: 2, Minute: 45}, {Weekday: time.Sunday, Hour: 3, Minute: 15}},
			after: utc(2026, 3, 27, 0, 0), n: 2,
			want: []string{"Sun 2026-03-29 03:15 CEST", "Sun 2026-03-29 03:45 CEST"},
		},
		{
			name: "a slot in the fold is taken once, first occurrence", zone: paris,
			slots: []calendars.Slot{{Weekday: time.Sunday, Hour: 2, Minute: 30}},
			after: utc(2026, 10, 24, 0, 0), n: 2,
			want: []string{"Sun 2026-10-25 02:30 CEST", "Sun 2026-11-01 02:30 CET"},
		},
		{
			name: "new york across both changes", zone: ny,
			slots: []calendars.Slot{{Weekday: time.Sunday, Hour: 1, Minute: 30}, {Weekday: time.Sunday, Hour: 2, Minute: 30}},
			after: utc(2026, 3, 7, 0, 0), n: 2,
			want: []string{"Sun 2026-03-08 01:30 EST", "Sun 2026-03-08 03:30 EDT"},
		},
		{
			name: "new york fall back", zone: ny,
			slots: []calendars.Slot{{Weekday: time.Sunday, Hour: 1, Minute: 30}},
			after: utc(2026, 10, 31, 0, 0), n: 2,
			want: []string{"Sun 2026-11-01 01:30 EDT", "Sun 2026-11-08 01:30 EST"},
		},
		{
			name: "invalid and repeated slots are ignored", zone: nil,
			slots: []calendars.Slot{{Weekday: 9, Hour: 9}, {Weekday: time.Monday, Hour: 25}, {Weekday: time.Monday, Hour: 8}, {Weekday: time.Monday, Hour: 8}},
			after: utc(2026, 3, 23, 0, 0), n: 2,
			want: []string{"Mon 2026-03-23 08:00 UTC", "Mon 2026-03-30 08:00 UTC"},
		},
		{name: "n zero", slots: tueThu, zone: paris, after: utc(2026, 3, 23, 0, 0), n: 0, want: []string{}},
		{name: "no slots", zone: paris, after: utc(2026, 3, 23, 0, 0), n: 3, want: []string{}},
		{
			name: "everything taken: the search ends", slots: tueThu, zone: paris,
			after: utc(2026, 3, 23, 0, 0), n: 1, taken: func(time.Time) bool { return true }, want: []string{},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := calendars.NextSlots(c.slots, c.zone, c.after, c.taken, c.n)
			if g := fmtLocal(got); !slices.Equal(g, c.want) {
				t.Errorf("NextSlots = %q\nwant %q", g, c.want)
			}
			for _, at := range got {
				if c.taken != nil && c.taken(at) {
					t.Errorf("returned taken slot %s", at)
				}
				if !at.After(c.after) {
					t.Errorf("returned %s, not after %s", at, c.after)
				}
			}
			if again := calendars.NextSlots(c.slots, c.zone, c.after, c.taken, c.n); !slices.EqualFunc(got, again, time.Time.Equal) {
				t.Errorf("not deterministic: %v then %v", got, again)
			}
		})
	}
}

// TestNextSlotsYear allocates a year of slots one by one, each call
// marking its result taken, and checks that no slot comes twice, none
// moves off 09:30 local, and they come in order.
func TestNextSlotsYear(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"Europe/Paris", "America/New_York"} {
		zone := mustZone(t, name)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			slots := []calendars.Slot{{Weekday: time.Tuesday, Hour: 9, Minute: 30}, {Weekday: time.Thursday, Hour: 9, Minute: 30}}
			booked := map[time.Time]bool{}
			taken := func(at time.Time) bool { return booked[at.UTC()] }
			after := utc(2026, 1, 1, 0, 0)
			var prev time.Time
			for i := 0; i < 104; i++ {
				got := calendars.NextSlots(slots, zone, after, taken, 1)
				if len(got) != 1 {
					t.Fatalf("call %d: %v", i, got)
				}
				at := got[0]
				if booked[at.UTC()] {
					t.Fatalf("slot %s handed out twice", at)
				}
				if at.In(zone).Format("15:04") != "09:30" {
					t.Fatalf("slot %s is not 09:30 local", at)
				}
				if !at.After(prev) {
					t.Fatalf("slot %s not after %s", at, prev)
				}
				booked[at.UTC()] = true
				prev = at
			}
		})
	}
}

func TestNextCommonSlot(t *testing.T) {
	t.Parallel()
	paris := mustZone(t, "Europe/Paris")
	london := mustZone(t, "Europe/London")
	ny := mustZone(t, "America/New_York")
	after := utc(2026, 3, 23, 0, 0)
	cases := []struct {
		name     string
		accounts []calendars.AccountSlots
		want     time.Time
		mode     calendars.CommonMode
		ok       bool
	}{
		{
			name: "shared slot across zones",
			accounts: []calendars.AccountSlots{
				{AccountID: "a", Zone: paris, Slots: []calendars.Slot{{Weekday: time.Monday, Hour: 9}, {Weekday: time.Tuesday, Hour: 9, Minute: 30}}},
				{AccountID: "b", Zone: london, Slots: []calendars.Slot{{Weekday: time.Tuesday, Hour: 8, Minute: 30}}},
			},
			want: utc(2026, 3, 24, 8, 30), mode: calendars.SharedSlot, ok: true,
		},
		{
			name: "the shared slot is taken in one account: next week",
			accounts: []calendars.AccountSlots{
				{AccountID: "a", Zone: paris, Slots: []calendars.Slot{{Weekday: time.Tuesday, Hour: 9, Minute: 30}}},
				{AccountID: "b", Zone: london, Slots: []calendars.Slot{{Weekday: time.Tuesday, Hour: 8, Minute: 30}}, Taken: takenSet(utc(2026, 3, 24, 8, 30))},
			},
			want: utc(2026, 3, 31, 7, 30), mode: calendars.SharedSlot, ok: true,
		},
		{
			name: "no shared slot: the first account leads",
			accounts: []calendars.AccountSlots{
				{AccountID: "a", Zone: paris, Slots: []calendars.Slot{{Weekday: time.Monday, Hour: 10}}},
				{AccountID: "b", Zone: ny, Slots: []calendars.Slot{{Weekday: time.Friday, Hour: 10}}, Taken: takenSet(utc(2026, 3, 23, 9, 0))},
			},
			want: utc(2026, 3, 30, 8, 0), mode: calendars.FirstAccountSlot, ok: true,
		},
		{
			name: "single account",
			accounts: []calendars.AccountSlots{
				{AccountID: "a", Zone: paris, Slots: []calendars.Slot{{Weekday: time.Monday, Hour: 10}}},
			},
			want: utc(2026, 3, 23, 9, 0), mode: calendars.SharedSlot, ok: true,
		},
		{
			name: "a slot moved out of the gap is shared with a 03:30 slot",
			accounts: []calendars.AccountSlots{
				{AccountID: "a", Zone: paris, Slots: []calendars.Slot{{Weekday: time.Sunday, Hour: 2, Minute: 30}}},
				{AccountID: "b", Zone: paris, Slots: []calendars.Slot{{Weekday: time.Sunday, Hour: 3, Minute: 30}}},
			},
			want: utc(2026, 3, 29, 1, 30), mode: calendars.SharedSlot, ok: true,
		},
		{name: "no accounts"},
		{
			name: "first account has no slot",
			accounts: []calendars.AccountSlots{
				{AccountID: "a", Zone: paris},
				{AccountID: "b", Zone: ny, Slots: []calendars.Slot{{Weekday: time.Friday, Hour: 10}}},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			at, mode, ok := calendars.NextCommonSlot(c.accounts, after)
			if ok != c.ok || !at.Equal(c.want) || mode != c.mode {
				t.Errorf("NextCommonSlot = %s %s %v; want %s %s %v", at, mode, ok, c.want, c.mode, c.ok)
			}
			for _, a := range c.accounts {
				if ok && a.Taken != nil && a.Taken(at) {
					t.Errorf("%s is taken in %s", at, a.AccountID)
				}
			}
		})
	}
}

func TestValidateSlots(t *testing.T) {
	t.Parallel()
	fe := calendars.ValidateSlots([]calendars.Slot{
		{Weekday: time.Monday, Hour: 9},
		{Weekday: 7, Hour: 9},
		{Weekday: time.Monday, Hour: 9},
		{Weekday: time.Monday, Hour: 9, Minute: 60},
	})
	var fields []string
	for _, f := range fe {
		fields = append(fields, f.Field)
	}
	if want := []string{"slots[1]", "slots[2]", "slots[3]"}; !slices.Equal(fields, want) {
		t.Errorf("fields %v, want %v", fields, want)
	}
	if fe := calendars.ValidateSlots(make([]calendars.Slot, calendars.MaxSlots+1)); len(fe) == 0 || fe[0].Field != "slots" {
		t.Errorf("too many slots: %v", fe)
	}
}

// BenchmarkNextCommonSlot is the worst case: two full slot sets that
// never meet, every candidate checked against the other account.
func BenchmarkNextCommonSlot(b *testing.B) {
	paris := mustZone(b, "Europe/Paris")
	ny := mustZone(b, "America/New_York")
	var half, other []calendars.Slot
	for d := time.Sunday; d <= time.Saturday; d++ {
		for h := 0; h < 24; h++ {
			half = append(half, calendars.Slot{Weekday: d, Hour: h, Minute: 15})
			other = append(other, calendars.Slot{Weekday: d, Hour: h, Minute: 45})
		}
	}
	all := func(time.Time) bool { return false }
	for i := 0; i < b.N; i++ {
		_, mode, ok := calendars.NextCommonSlot([]calendars.AccountSlots{
			{Zone: paris, Slots: half, Taken: all},
			{Zone: ny, Slots: other, Taken: all},
		}, utc(2026, 1, 1, 0, 0))
		if !ok || mode != calendars.FirstAccountSlot {
			b.Fatal(mode, ok)
		}
	}
}

func TestSlotResolution(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	ny, _ := time.LoadLocation("America/New_York")
	sunday := []calendars.Slot{{Weekday: time.Sunday, Hour: 2, Minute: 30}}
	nySunday := []calendars.Slot{{Weekday: time.Sunday, Hour: 1, Minute: 30}}
	for _, c := range []struct {
		slots []calendars.Slot
		zone  *time.Location
		at    string
		want  calendars.Resolution
		ok    bool
	}{
		{sunday, paris, "2027-03-21T01:30:00Z", calendars.Exact, true},
		{sunday, paris, "2027-03-28T01:30:00Z", calendars.GapShifted, true}, // 02:30 does not exist: 03:30 CEST
		{sunday, paris, "2027-03-28T00:30:00Z", "", false},
		{nySunday, ny, "2027-11-07T05:30:00Z", calendars.FoldFirst, true}, // the first 01:30, EDT
		{nySunday, ny, "2027-11-07T06:30:00Z", "", false},                 // the second 01:30 is not the slot
	} {
		at, _ := time.Parse(time.RFC3339, c.at)
		got, ok := calendars.SlotResolution(c.slots, c.zone, at)
		if got != c.want || ok != c.ok {
			t.Errorf("SlotResolution(%s in %s) = %q, %v; want %q, %v", c.at, c.zone, got, ok, c.want, c.ok)
		}
	}
}
