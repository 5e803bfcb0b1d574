package storetest

import (
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

func init() {
	register(suiteCase{"Series", testSeries}, suiteCase{"SeriesConcurrentMaterialise", testSeriesConcurrent})
}

func newSeries(ws string, acc *rythme.Account) *rythme.Series {
	return &rythme.Series{WorkspaceID: ws, Rule: "FREQ=WEEKLY;COUNT=10", StartsAt: T0.Add(24 * time.Hour), Timezone: "Europe/Paris",
		Template: rythme.SeriesTemplate{Content: "Weekly tip", Tags: []string{"tips"}, Media: []string{}, Thread: []string{},
			Targets: []rythme.SeriesTarget{{AccountID: acc.ID, Network: acc.Network}}},
		Status: rythme.SeriesActive, CreatedBy: "tok_x", CreatedAt: T0}
}

func testSeries(t *testing.T, s rythme.Store) {
	ws, other := newWorkspace(t, s), newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	se := newSeries(ws.ID, a)
	se.ID = rythme.NewID(rythme.PrefixSeries)
	week := 7 * 24 * time.Hour
	until := se.StartsAt.Add(week)
	se.MaterialisedUntil = &until
	actor := rythme.Actor{ID: "tok_x", Name: "Alice"}
	first := []*rythme.Post{se.Occurrence(se.StartsAt, actor, T0), se.Occurrence(se.StartsAt.Add(week), actor, T0)}
	must(t, s.CreateSeries(ctx(t), se, first))

	got, err := s.GetSeries(ctx(t), ws.ID, se.ID)
	must(t, err)
	if got.Rule != se.Rule || got.Template.Content != "Weekly tip" || len(got.Template.Targets) != 1 ||
		got.MaterialisedUntil == nil || !got.MaterialisedUntil.Equal(us(until)) || !got.StartsAt.Equal(us(se.StartsAt)) {
		t.Fatalf("series = %s", dump(got))
	}
	_, err = s.GetSeries(ctx(t), other.ID, se.ID)
	wantCode(t, err, rythme.ENOTFOUND)

	posts, _, err := s.ListPosts(ctx(t), ws.ID, rythme.PostFilter{SeriesID: se.ID})
	must(t, err)
	if len(posts) != 2 || posts[0].SeriesID != se.ID || posts[0].OccurrenceAt == nil || !posts[0].OccurrenceAt.Equal(us(se.StartsAt)) {
		t.Fatalf("occurrences = %s", dump(posts))
	}

	// The next horizon: the second occurrence again (already there: skipped)
	// and a third.
	later := []*rythme.Post{se.Occurrence(se.StartsAt.Add(week), actor, T0), se.Occurrence(se.StartsAt.Add(2*week), actor, T0)}
	until3 := se.StartsAt.Add(2 * week)
	created, err := s.AddOccurrences(ctx(t), se, later, until3, false)
	must(t, err)
	if len(created) != 1 || !created[0].OccurrenceAt.Equal(us(until3)) {
		t.Fatalf("created = %s, want the third occurrence only", dump(created))
	}
	posts, _, err = s.ListPosts(ctx(t), ws.ID, rythme.PostFilter{SeriesID: se.ID})
	must(t, err)
	if len(posts) != 3 {
		t.Fatalf("%d occurrences, want 3", len(posts))
	}

	// Due: materialised up to until3, so due before a later instant only.
	due, err := s.SeriesDue(ctx(t), until3, 10)
	must(t, err)
	for _, d := range due {
		if d.ID == se.ID {
			t.Fatalf("series due before %v although materialised up to it", until3)
		}
	}
	due, err = s.SeriesDue(ctx(t), until3.Add(time.Hour), 10)
	must(t, err)
	if len(due) != 1 || due[0].ID != se.ID {
		t.Fatalf("due = %s", dump(due))
	}

	// A skipped occurrence keeps its key: not created again.
	skipped := posts[1]
	_, err = s.UpdatePost(ctx(t), ws.ID, skipped.ID, func(p *rythme.Post) error { return p.Cancel(T0) })
	must(t, err)
	again, err := s.AddOccurrences(ctx(t), se, []*rythme.Post{se.Occurrence(*skipped.OccurrenceAt, actor, T0)}, until3, false)
	must(t, err)
	if len(again) != 0 {
		t.Fatalf("a skipped occurrence was created again: %s", dump(again))
	}
	// One taken off the series (its key cleared, as an edit of the rule
	// does) can be created again.
	_, err = s.UpdatePost(ctx(t), ws.ID, skipped.ID, func(p *rythme.Post) error { p.OccurrenceAt, p.Detached = nil, true; return nil })
	must(t, err)
	reread, err := s.GetPost(ctx(t), ws.ID, skipped.ID)
	must(t, err)
	if reread.OccurrenceAt != nil || !reread.Detached {
		t.Fatalf("post after clearing its occurrence = %s", dump(reread))
	}
	again, err = s.AddOccurrences(ctx(t), se, []*rythme.Post{se.Occurrence(*skipped.OccurrenceAt, actor, T0)}, until3, false)
	must(t, err)
	if len(again) != 1 {
		t.Fatalf("created %d, want the freed occurrence", len(again))
	}

	// Edited since it was read: nothing is written from the old template.
	got.Template.Content = "Weekly tip, edited"
	must(t, s.UpdateSeries(ctx(t), got))
	_, err = s.AddOccurrences(ctx(t), se, []*rythme.Post{se.Occurrence(se.StartsAt.Add(3*week), actor, T0)}, until3.Add(week), false)
	wantCode(t, err, rythme.ECONFLICT)
	if posts, _, _ := s.ListPosts(ctx(t), ws.ID, rythme.PostFilter{SeriesID: se.ID}); len(posts) != 4 {
		t.Fatalf("%d occurrences after a stale materialisation, want 4", len(posts))
	}
	// Complete: the series is finished, and no longer due.
	got, err = s.GetSeries(ctx(t), ws.ID, se.ID)
	must(t, err)
	_, err = s.AddOccurrences(ctx(t), got, nil, until3.Add(week), true)
	must(t, err)
	if got, _ = s.GetSeries(ctx(t), ws.ID, se.ID); got.Status != rythme.SeriesFinished {
		t.Fatalf("status after the last occurrence = %s, want finished", got.Status)
	}
	if due, _ := s.SeriesDue(ctx(t), until3.Add(100*week), 10); len(due) != 0 {
		t.Fatalf("a finished series is due: %s", dump(due))
	}

	// An ended series gets nothing more.
	got.Status = rythme.SeriesEnded
	must(t, s.UpdateSeries(ctx(t), got))
	none, err := s.AddOccurrences(ctx(t), got, []*rythme.Post{se.Occurrence(se.StartsAt.Add(3*week), actor, T0)}, until3.Add(week), false)
	must(t, err)
	if len(none) != 0 {
		t.Fatalf("an ended series got %d occurrences", len(none))
	}
	list, err := s.ListSeries(ctx(t), ws.ID)
	must(t, err)
	if len(list) != 1 || list[0].Status != rythme.SeriesEnded {
		t.Fatalf("series list = %s", dump(list))
	}
	if due, _ := s.SeriesDue(ctx(t), until3.Add(100*week), 10); len(due) != 0 {
		t.Fatalf("an ended series is due: %s", dump(due))
	}
}

// testSeriesConcurrent: materialisers racing over one horizon create each
// occurrence once.
func testSeriesConcurrent(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	se := newSeries(ws.ID, a)
	must(t, s.CreateSeries(ctx(t), se, nil))
	actor := rythme.Actor{ID: "tok_x"}
	day := 24 * time.Hour
	errs := runConcurrently(6, func(int) error {
		var posts []*rythme.Post
		for i := range 5 {
			posts = append(posts, se.Occurrence(se.StartsAt.Add(time.Duration(i)*day), actor, T0))
		}
		_, err := s.AddOccurrences(ctx(t), se, posts, se.StartsAt.Add(4*day), false)
		return err
	})
	for _, err := range errs {
		must(t, err)
	}
	posts, _, err := s.ListPosts(ctx(t), ws.ID, rythme.PostFilter{SeriesID: se.ID})
	must(t, err)
	if len(posts) != 5 {
		t.Fatalf("%d occurrences after 6 racing materialisers, want 5", len(posts))
	}
}
