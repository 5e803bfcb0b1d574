package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

type seriesOut struct {
	ID         string `json:"id"`
	Recurrence string `json:"recurrence"`
	Status     string `json:"status"`
	Review     string `json:"review"`
	Total      int    `json:"occurrences_total"`
	RuleText   string `json:"rule_text"`
	Upcoming   []struct {
		At         time.Time `json:"at"`
		Resolution string    `json:"resolution"`
		PostID     string    `json:"post_id"`
	} `json:"upcoming"`
	Adjustments []struct {
		Local       string    `json:"local"`
		Zone        string    `json:"zone"`
		Resolution  string    `json:"resolution"`
		ScheduledAt time.Time `json:"scheduled_at"`
		Message     string    `json:"message"`
	} `json:"adjustments"`
	Posts []struct {
		ID           string     `json:"id"`
		Content      string     `json:"content"`
		Status       string     `json:"status"`
		Review       string     `json:"review"`
		SeriesID     string     `json:"series_id"`
		OccurrenceAt *time.Time `json:"occurrence_at"`
		Detached     bool       `json:"detached"`
		ScheduledAt  time.Time  `json:"scheduled_at"`
		Targets      []struct {
			Status  string `json:"status"`
			Version int    `json:"version"`
		} `json:"targets"`
	} `json:"posts"`
}

func (s seriesOut) scheduled() map[time.Time]string {
	out := map[time.Time]string{}
	for _, p := range s.Posts {
		if p.Status == "scheduled" || p.Status == "pending_review" {
			out[p.ScheduledAt.UTC()] = p.Content
		}
	}
	return out
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// TestRecurringPost walks a weekly post across the spring DST change in
// Paris: created, one occurrence skipped, one edited on its own, the
// series edited (future occurrences only), its rule changed, then ended.
func TestRecurringPost(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b.open(t))
			e.clock.now = utc("2027-03-01T10:00:00Z")
			acc := e.account(e.ws, "brand", rythme.AccountConnected)
			create := map[string]any{"content": "Weekly tip", "scheduled_at": "2027-03-14T02:30:00+01:00", "timezone": "Europe/Paris",
				"recurrence": "FREQ=WEEKLY;COUNT=4", "targets": []map[string]string{{"account_id": acc.ID}}}
			res := e.as(rythme.RoleEditor, "POST", "/v1/posts", create)
			expect(t, res, http.StatusCreated)
			var se seriesOut
			res.decode(t, &se)
			// 02:30 does not exist on 28 March 2027 in Paris: 03:30 CEST.
			want := map[time.Time]string{
				utc("2027-03-14T01:30:00Z"): "Weekly tip", utc("2027-03-21T01:30:00Z"): "Weekly tip",
				utc("2027-03-28T01:30:00Z"): "Weekly tip", utc("2027-04-04T00:30:00Z"): "Weekly tip",
			}
			if se.Total != 4 || se.Status != "finished" || len(se.Posts) != 4 || !equalMaps(se.scheduled(), want) {
				t.Fatalf("series = %+v\nscheduled %v, want %v", se, se.scheduled(), want)
			}
			if se.RuleText != "Every Sunday at 02:30, 4 times" {
				t.Errorf("rule in words: %q", se.RuleText)
			}
			if len(se.Adjustments) != 1 || se.Adjustments[0].Resolution != "gap_shifted" || se.Adjustments[0].Local != "2027-03-28 02:30" ||
				!se.Adjustments[0].ScheduledAt.Equal(utc("2027-03-28T01:30:00Z")) || se.Adjustments[0].Message == "" {
				t.Fatalf("adjustments = %+v", se.Adjustments)
			}
			if se.Upcoming[2].Resolution != "gap_shifted" || se.Upcoming[2].PostID == "" || se.Posts[0].SeriesID != se.ID {
				t.Fatalf("upcoming = %+v", se.Upcoming)
			}

			// Skip the second occurrence; edit the third on its own.
			second, third := se.Posts[1], se.Posts[2]
			expect(t, e.as(rythme.RoleEditor, "DELETE", "/v1/posts/"+second.ID, nil), http.StatusOK)
			res = e.as(rythme.RoleEditor, "PATCH", "/v1/posts/"+third.ID, map[string]any{"content": "Special edition"})
			expect(t, res, http.StatusOK)

			// The series is edited: the first and the fourth change, the
			// skipped one stays skipped, the edited one keeps its edit.
			res = e.as(rythme.RoleEditor, "PATCH", "/v1/series/"+se.ID, map[string]any{"content": "Weekly tip, v2"})
			expect(t, res, http.StatusOK)
			var edited seriesOut
			res.decode(t, &edited)
			want = map[time.Time]string{
				utc("2027-03-14T01:30:00Z"): "Weekly tip, v2", utc("2027-03-28T01:30:00Z"): "Special edition",
				utc("2027-04-04T00:30:00Z"): "Weekly tip, v2",
			}
			if !equalMaps(edited.scheduled(), want) {
				t.Fatalf("after the series edit: %v, want %v", edited.scheduled(), want)
			}
			for _, p := range edited.Posts {
				switch {
				case p.ID == se.Posts[0].ID && p.Targets[0].Version != 2:
					t.Errorf("the edited occurrence is at version %d, want 2 (its queued task must do nothing)", p.Targets[0].Version)
				case p.ID == second.ID && p.Status != "cancelled":
					t.Errorf("the skipped occurrence is %s", p.Status)
				case p.ID == third.ID && !p.Detached:
					t.Errorf("the occurrence edited on its own is not detached")
				}
			}

			// Time passes: the first occurrence is out (past); a new rule at
			// 10:00 from 21 March replaces the coming ones.
			e.clock.now = utc("2027-03-15T10:00:00Z")
			res = e.as(rythme.RoleEditor, "PATCH", "/v1/series/"+se.ID, map[string]any{
				"recurrence": "FREQ=WEEKLY;BYDAY=SU;COUNT=3", "scheduled_at": "2027-03-21T10:00:00+01:00"})
			expect(t, res, http.StatusOK)
			var moved seriesOut
			res.decode(t, &moved)
			want = map[time.Time]string{
				utc("2027-03-21T09:00:00Z"): "Weekly tip, v2", utc("2027-03-28T08:00:00Z"): "Weekly tip, v2",
				utc("2027-04-04T08:00:00Z"): "Weekly tip, v2", utc("2027-03-28T01:30:00Z"): "Special edition",
			}
			if !equalMaps(moved.scheduled(), want) || moved.Total != 3 || moved.Recurrence != "FREQ=WEEKLY;BYDAY=SU;COUNT=3" {
				t.Fatalf("after the new rule: %v (total %d), want %v", moved.scheduled(), moved.Total, want)
			}
			old, err := e.store.GetPost(t.Context(), e.ws, se.Posts[3].ID)
			if err != nil {
				t.Fatal(err)
			}
			if old.Status() != "cancelled" || old.OccurrenceAt != nil {
				t.Fatalf("the occurrence the new rule dropped: status %s, occurrence %v", old.Status(), old.OccurrenceAt)
			}

			list := e.as(rythme.RoleViewer, "GET", "/v1/series", nil)
			expect(t, list, http.StatusOK)
			var l struct {
				Data []seriesOut `json:"data"`
			}
			list.decode(t, &l)
			if len(l.Data) != 1 || l.Data[0].ID != se.ID {
				t.Fatalf("series list = %s", list.Body)
			}

			// Ended: the coming occurrences are cancelled but the one edited
			// on its own; the series cannot change any more.
			res = e.as(rythme.RoleEditor, "DELETE", "/v1/series/"+se.ID, nil)
			expect(t, res, http.StatusOK)
			var ended seriesOut
			res.decode(t, &ended)
			want = map[time.Time]string{utc("2027-03-28T01:30:00Z"): "Special edition"}
			if ended.Status != "ended" || !equalMaps(ended.scheduled(), want) {
				t.Fatalf("ended series: %s, scheduled %v", ended.Status, ended.scheduled())
			}
			expect(t, e.as(rythme.RoleEditor, "PATCH", "/v1/series/"+se.ID, map[string]any{"content": "again"}), http.StatusConflict)
			expect(t, e.as(rythme.RoleViewer, "GET", "/v1/series/"+rythme.NewID(rythme.PrefixSeries), nil), http.StatusNotFound)
		})
	}
}

// TestRecurringPostFallBack: a daily 01:30 in New York across the autumn
// change happens twice on the day; the first is taken, and reported. The
// rule ends with UNTIL.
func TestRecurringPostFallBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	e.clock.now = utc("2027-11-01T12:00:00Z")
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	res := e.as(rythme.RoleManager, "POST", "/v1/posts", map[string]any{"content": "Good night", "scheduled_at": "2027-11-06T01:30:00-04:00",
		"timezone": "America/New_York", "recurrence": "FREQ=DAILY;UNTIL=20271108T235959Z", "targets": []map[string]string{{"account_id": acc.ID}}})
	expect(t, res, http.StatusCreated)
	var se seriesOut
	res.decode(t, &se)
	want := map[time.Time]string{utc("2027-11-06T05:30:00Z"): "Good night", utc("2027-11-07T05:30:00Z"): "Good night",
		utc("2027-11-08T06:30:00Z"): "Good night"}
	if !equalMaps(se.scheduled(), want) || se.Status != "finished" {
		t.Fatalf("scheduled %v (status %s), want %v", se.scheduled(), se.Status, want)
	}
	if len(se.Adjustments) != 1 || se.Adjustments[0].Resolution != "fold_first" || se.Adjustments[0].Local != "2027-11-07 01:30" {
		t.Fatalf("adjustments = %+v", se.Adjustments)
	}
}

// TestRecurringPostRefusals: rules that would not end, flood an account or
// say nothing are refused on "recurrence", and nothing is stored.
func TestRecurringPostRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	at := e.clock.Now().Add(24 * time.Hour).Format(time.RFC3339)
	for _, rule := range []string{"FREQ=HOURLY;COUNT=3", "FREQ=WEEKLY", "FREQ=WEEKLY;COUNT=2000", "FREQ=WEEKLY;COUNT=3;UNTIL=20300101", "not a rule",
		"FREQ=WEEKLY;UNTIL=20000101"} {
		res := e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": "x", "scheduled_at": at, "recurrence": rule,
			"targets": []map[string]string{{"account_id": acc.ID}}})
		if res.Status != http.StatusUnprocessableEntity || !res.err(t).hasField("recurrence") {
			t.Errorf("rule %q: %d %s", rule, res.Status, res.Body)
		}
	}
	res := e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": "x", "scheduled_at": "next_slot", "recurrence": "FREQ=DAILY;COUNT=2",
		"targets": []map[string]string{{"account_id": acc.ID}}})
	if res.Status != http.StatusUnprocessableEntity || !res.err(t).hasField("recurrence") {
		t.Errorf("next_slot with a rule: %d %s", res.Status, res.Body)
	}
	list := e.as(rythme.RoleViewer, "GET", "/v1/series", nil)
	if string(list.Body) != `{"data":[]}` {
		t.Fatalf("series after refusals: %s", list.Body)
	}
}

// TestRecurringPostReview: where approval is required, an editor's
// recurring post waits for a manager occurrence by occurrence.
func TestRecurringPostReview(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	expect(t, e.as(rythme.RoleAdmin, "PATCH", "/v1/workspace", map[string]any{"approval_required": true}), http.StatusOK)
	res := e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": "Monthly recap",
		"scheduled_at": e.clock.Now().Add(24 * time.Hour).Format(time.RFC3339), "recurrence": "FREQ=WEEKLY;COUNT=3",
		"targets": []map[string]string{{"account_id": acc.ID}}})
	expect(t, res, http.StatusCreated)
	var se seriesOut
	res.decode(t, &se)
	if se.Review != "pending" || len(se.Posts) != 3 {
		t.Fatalf("series = %+v", se)
	}
	for _, p := range se.Posts {
		if p.Status != "pending_review" || p.Targets[0].Status != "draft" {
			t.Fatalf("occurrence %s is %s / %s, want pending_review / draft", p.ID, p.Status, p.Targets[0].Status)
		}
	}
	if refs := e.queue.take(); len(refs) != 0 {
		t.Fatalf("occurrences waiting for review were queued: %v", refs)
	}
	expect(t, e.as(rythme.RoleManager, "POST", "/v1/posts/"+se.Posts[0].ID+"/approve", map[string]any{}), http.StatusOK)
}

func equalMaps(a, b map[time.Time]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
