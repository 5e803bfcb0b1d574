package posting_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/posting"
)

func TestBulkReschedule(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		acc := e.account(e.ws, "long")
		paris, _ := time.LoadLocation("Europe/Paris")
		// 2 days ahead at 09:30 Paris time, and 3 days ahead at 18:00.
		base := e.now.In(paris)
		at1 := time.Date(base.Year(), base.Month(), base.Day()+2, 9, 30, 0, 0, paris)
		at2 := time.Date(base.Year(), base.Month(), base.Day()+3, 18, 0, 0, 0, paris)
		p1 := e.create(acc, "one", at1, false)
		p2 := e.create(acc, "two", at2, false)
		gone := e.create(acc, "gone", at2, false)
		if _, err := e.svc.Cancel(ctx, editor, e.ws, gone.ID); err != nil {
			t.Fatal(err)
		}
		missing := rythme.NewID(rythme.PrefixPost)

		out, err := e.svc.Bulk(ctx, editor, e.ws, posting.Bulk{Action: posting.BulkReschedule,
			PostIDs: []string{p1.ID, gone.ID, missing, p2.ID}, ShiftDays: 1, ShiftMinutes: 90, Timezone: "Europe/Paris"})
		if err != nil {
			t.Fatalf("bulk: %v", err)
		}
		if len(out) != 4 || out[0].ID != p1.ID || out[1].ID != gone.ID || out[2].ID != missing || out[3].ID != p2.ID {
			t.Fatalf("outcomes not in the request's order: %+v", out)
		}
		want1 := time.Date(at1.Year(), at1.Month(), at1.Day()+1, 11, 0, 0, 0, paris)
		if out[0].Err != nil || !out[0].Post.ScheduledAt.Equal(want1) {
			t.Fatalf("p1: %+v, want %v", out[0], want1)
		}
		if rythme.ErrorCode(out[1].Err) != rythme.ECONFLICT || out[1].Post != nil {
			t.Fatalf("a cancelled post is refused on its own: %+v", out[1])
		}
		if rythme.ErrorCode(out[2].Err) != rythme.ENOTFOUND {
			t.Fatalf("an unknown post: %+v", out[2])
		}
		want2 := time.Date(at2.Year(), at2.Month(), at2.Day()+1, 19, 30, 0, 0, paris)
		if out[3].Err != nil || !out[3].Post.ScheduledAt.Equal(want2) {
			t.Fatalf("p2 moved although another failed before it: %+v", out[3])
		}
		stored, err := e.store.GetPost(ctx, e.ws, p2.ID)
		if err != nil || !stored.ScheduledAt.Equal(want2) || stored.Targets[0].ScheduledAt.Equal(at2) {
			t.Fatalf("stored: %+v, %v", stored, err)
		}
		if h := e.events(p1.ID); h != "created,edited" {
			t.Fatalf("each move is an edit in the post's history: %q", h)
		}

		// To a date: each keeps its time of day in the zone.
		day := at1.AddDate(0, 0, 5)
		out, err = e.svc.Bulk(ctx, editor, e.ws, posting.Bulk{Action: posting.BulkReschedule,
			PostIDs: []string{p1.ID, p2.ID}, Date: day.Format("2006-01-02"), Timezone: "Europe/Paris"})
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []time.Time{
			time.Date(day.Year(), day.Month(), day.Day(), 11, 0, 0, 0, paris),
			time.Date(day.Year(), day.Month(), day.Day(), 19, 30, 0, 0, paris),
		} {
			if out[i].Err != nil || !out[i].Post.ScheduledAt.Equal(want) {
				t.Fatalf("to a date, post %d: %+v, want %v", i, out[i], want)
			}
		}

		// Into the past: refused per post, as one edit would be.
		out, err = e.svc.Bulk(ctx, editor, e.ws, posting.Bulk{Action: posting.BulkReschedule,
			PostIDs: []string{p1.ID}, ShiftDays: -30})
		if err != nil || rythme.ErrorCode(out[0].Err) != rythme.EINVALID {
			t.Fatalf("a move into the past: %+v, %v", out, err)
		}
	})
}

func TestBulkCancel(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		acc := e.account(e.ws, "long")
		p1 := e.create(acc, "one", e.now.Add(3*time.Hour), false)
		p2 := e.create(acc, "two", e.now.Add(4*time.Hour), true)
		out, err := e.svc.Bulk(ctx, editor, e.ws, posting.Bulk{Action: posting.BulkCancel, PostIDs: []string{p1.ID, p2.ID}})
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range out {
			if o.Err != nil || o.Post.Targets[0].Status != rythme.TargetCancelled {
				t.Fatalf("post %d: %+v", i, o)
			}
		}
		if h := e.events(p1.ID); h != "created,cancelled" {
			t.Fatalf("history %q", h)
		}
		// Another workspace's post is not found, and stays as it is.
		other := e.workspace(false)
		oacc := e.account(other, "long")
		op, err := e.svc.Create(ctx, editor, other, posting.NewPost{Content: "theirs", ScheduledAt: e.now.Add(time.Hour).Format(time.RFC3339),
			Targets: []posting.TargetInput{{AccountID: oacc.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		out, _ = e.svc.Bulk(ctx, editor, e.ws, posting.Bulk{Action: posting.BulkCancel, PostIDs: []string{op.Post.ID}})
		if rythme.ErrorCode(out[0].Err) != rythme.ENOTFOUND {
			t.Fatalf("another workspace's post: %+v", out[0])
		}
		if got, _ := e.store.GetPost(ctx, other, op.Post.ID); got.Targets[0].Status != rythme.TargetScheduled {
			t.Fatalf("another workspace's post changed: %+v", got)
		}
	})
}

func TestBulkInvalid(t *testing.T) {
	e := newEnv(t, backends[0].open(t))
	ctx := context.Background()
	id := rythme.NewID(rythme.PrefixPost)
	many := make([]string, posting.MaxBulkPosts+1)
	for i := range many {
		many[i] = rythme.NewID(rythme.PrefixPost)
	}
	for _, tc := range []struct {
		name string
		b    posting.Bulk
		want string
	}{
		{"no action", posting.Bulk{PostIDs: []string{id}}, "action"},
		{"unknown action", posting.Bulk{Action: "delete_forever", PostIDs: []string{id}, ShiftDays: 1}, "action"},
		{"no posts", posting.Bulk{Action: posting.BulkCancel}, "post_ids"},
		{"too many", posting.Bulk{Action: posting.BulkCancel, PostIDs: many}, "post_ids"},
		{"bad id, twice", posting.Bulk{Action: posting.BulkCancel, PostIDs: []string{"ser_x", id, id}}, "post_ids[0],post_ids[2]"},
		{"nothing to move by", posting.Bulk{Action: posting.BulkReschedule, PostIDs: []string{id}}, "shift_days"},
		{"date and shift", posting.Bulk{Action: posting.BulkReschedule, PostIDs: []string{id}, ShiftDays: 1, Date: "2030-01-01"}, "date"},
		{"bad date", posting.Bulk{Action: posting.BulkReschedule, PostIDs: []string{id}, Date: "1/1/2030"}, "date"},
		{"bad zone", posting.Bulk{Action: posting.BulkReschedule, PostIDs: []string{id}, ShiftDays: 1, Timezone: "Mars/Olympus"}, "timezone"},
		{"shift on cancel", posting.Bulk{Action: posting.BulkCancel, PostIDs: []string{id}, ShiftDays: 1}, "action"},
		{"too far", posting.Bulk{Action: posting.BulkReschedule, PostIDs: []string{id}, ShiftDays: 99999}, "shift_days"},
	} {
		out, err := e.svc.Bulk(ctx, editor, e.ws, tc.b)
		if got := strings.Join(fieldsOf(err), ","); rythme.ErrorCode(err) != rythme.EINVALID || got != tc.want || out != nil {
			t.Errorf("%s: %v, fields %q, want %q", tc.name, err, got, tc.want)
		}
	}
}
