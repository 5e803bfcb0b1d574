package api_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

func TestNextSlot(t *testing.T) {
	t.Parallel()
	for name, open := range map[string]func(testing.TB) rythme.Store{
		"sqlite":   func(t testing.TB) rythme.Store { return storetest.SQLite(t) },
		"postgres": func(t testing.TB) rythme.Store { return storetest.Postgres(t) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, open(t))
			acc := e.account(e.ws, "brand", rythme.AccountConnected)
			bare := e.account(e.ws, "bare", rythme.AccountConnected)
			// Tue and Thu 09:30 in Paris.
			sched := map[string]any{"timezone": "Europe/Paris", "posts_per_week": 2,
				"slots": []map[string]any{{"weekday": 2, "time": "09:30"}, {"weekday": 4, "time": "09:30"}}}
			if res := e.as(rythme.RoleManager, "PUT", "/v1/accounts/"+acc.ID+"/schedule", map[string]any{"timezone": "Mars/Base", "slots": []any{}}); res.Status != 422 {
				t.Fatalf("bad zone: %d", res.Status)
			}
			expect(t, e.as(rythme.RoleManager, "PUT", "/v1/accounts/"+acc.ID+"/schedule", sched), http.StatusOK)
			post := func(account string) *response {
				return e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": "queued", "scheduled_at": "next_slot",
					"targets": []map[string]string{{"account_id": account}}})
			}
			if res := post(bare.ID); res.Status != 422 || !res.err(t).hasField("targets[0].account_id") {
				t.Fatalf("an account without slots: %d %s", res.Status, res.Body)
			}
			paris, _ := time.LoadLocation("Europe/Paris")
			var mu sync.Mutex
			seen := map[time.Time]bool{}
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res := post(acc.ID)
					if res.Status != http.StatusCreated {
						t.Errorf("next_slot: %d %s", res.Status, res.Body)
						return
					}
					var p struct {
						ScheduledAt time.Time `json:"scheduled_at"`
					}
					res.decode(t, &p)
					mu.Lock()
					defer mu.Unlock()
					if seen[p.ScheduledAt] {
						t.Errorf("two posts took the slot %s", p.ScheduledAt)
					}
					seen[p.ScheduledAt] = true
					local := p.ScheduledAt.In(paris)
					if local.Format("15:04") != "09:30" || (local.Weekday() != time.Tuesday && local.Weekday() != time.Thursday) {
						t.Errorf("slot %s is not Tue/Thu 09:30 in Paris", local)
					}
					if !p.ScheduledAt.After(e.clock.Now()) {
						t.Errorf("slot %s is not in the future", p.ScheduledAt)
					}
				}()
			}
			wg.Wait()
			if len(seen) != 8 {
				t.Fatalf("%d distinct slots for 8 posts", len(seen))
			}
		})
	}
}

// TestNextSlotInDSTGap: a Sunday 02:30 slot on the spring-forward day in
// Paris is taken at 03:30 CEST, and the answer says so.
func TestNextSlotInDSTGap(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	e.clock.now = utc("2027-03-22T00:00:00Z").Add(-7 * 24 * time.Hour) // Monday 15 March
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	expect(t, e.as(rythme.RoleManager, "PUT", "/v1/accounts/"+acc.ID+"/schedule", map[string]any{"timezone": "Europe/Paris",
		"slots": []map[string]any{{"weekday": 0, "time": "02:30"}}}), http.StatusOK)
	var got []struct {
		ScheduledAt time.Time `json:"scheduled_at"`
		Adjustments []struct {
			Local      string `json:"local"`
			Resolution string `json:"resolution"`
		} `json:"adjustments"`
	}
	for range 2 {
		res := e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": "queued", "scheduled_at": "next_slot",
			"targets": []map[string]string{{"account_id": acc.ID}}})
		expect(t, res, http.StatusCreated)
		var p struct {
			ScheduledAt time.Time `json:"scheduled_at"`
			Adjustments []struct {
				Local      string `json:"local"`
				Resolution string `json:"resolution"`
			} `json:"adjustments"`
		}
		res.decode(t, &p)
		got = append(got, p)
	}
	if !got[0].ScheduledAt.Equal(utc("2027-03-21T01:30:00Z")) || len(got[0].Adjustments) != 0 {
		t.Fatalf("first slot: %+v", got[0])
	}
	if !got[1].ScheduledAt.Equal(utc("2027-03-28T01:30:00Z")) || len(got[1].Adjustments) != 1 ||
		got[1].Adjustments[0].Resolution != "gap_shifted" || got[1].Adjustments[0].Local != "2027-03-28 02:30" {
		t.Fatalf("slot on the DST day: %+v", got[1])
	}
}
