package posting_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
	"github.com/rythmehq/rythme/posting"
)

const day = 24 * time.Hour

// planner is the env's planning use cases, a week of series horizon.
func (e *env) planner() *posting.Planner { return posting.NewPlanner(e.svc, e.store, 7*day) }

// sweep runs the worker's series sweep once, a week ahead.
func (e *env) sweep() (int, error) {
	sw := &posting.SeriesSweep{Store: e.store, Logger: slog.New(slog.NewTextHandler(e.logs, nil)),
		Now: func() time.Time { return e.now }, Horizon: 7 * day, Batch: 100}
	return sw.Run(context.Background())
}

// occurrencesOf lists the posts of series id.
func (e *env) occurrencesOf(id string) []*rythme.Post {
	e.t.Helper()
	posts, _, err := e.store.ListPosts(context.Background(), e.ws, rythme.PostFilter{SeriesID: id, Limit: 200})
	if err != nil {
		e.t.Fatalf("list posts: %v", err)
	}
	return posts
}

// newSeries creates a daily series of count occurrences from start (to
// the second, as a rule counts) on acc, written by a.
func (e *env) newSeries(a rythme.Actor, content string, start time.Time, count string, acc *rythme.Account) *posting.SeriesView {
	e.t.Helper()
	start = start.Truncate(time.Second)
	p := post(e.ws, content, start, e.now, acc)
	p.CreatedBy = a.ID
	rule, err := calendars.ParseRule("FREQ=DAILY;COUNT="+count, start)
	if err != nil {
		e.t.Fatal(err)
	}
	v, err := e.planner().CreateSeries(context.Background(), a, p, rule, "")
	if err != nil {
		e.t.Fatalf("create series: %v", err)
	}
	return v
}

func TestCreateSeriesMakesTheHorizonAndEnqueuesWhatIsDue(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		acc := e.account(e.ws, "long")
		start := e.now.Add(30 * time.Minute).Truncate(time.Second)
		v := e.newSeries(editor, "Daily tip", start, "10", acc)
		// Days 0 to 6 fall within the week of horizon; day 7 does not.
		if len(v.Posts) != 7 || v.Series.Status != rythme.SeriesActive || !v.Series.MaterialisedUntil.Equal(e.now.Add(7*day)) {
			t.Fatalf("created %d posts, status %s, materialised until %v", len(v.Posts), v.Series.Status, v.Series.MaterialisedUntil)
		}
		stored := e.occurrencesOf(v.Series.ID)
		if len(stored) != 7 || stored[0].Content != "Daily tip" || !stored[0].ScheduledAt.Equal(start) {
			t.Fatalf("stored %d occurrences, first %+v", len(stored), stored[0])
		}
		// Only the first is due within the hour.
		if got := e.queue.take(); len(got) != 1 || got[0] != v.Posts[0].Targets[0].ID {
			t.Fatalf("enqueued %v, want the first occurrence's target %s", got, v.Posts[0].Targets[0].ID)
		}
	})
}

func TestSeriesSweepKeepsTheHorizonRolling(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		acc := e.account(e.ws, "long")
		v := e.newSeries(editor, "Daily tip", e.now.Add(2*time.Hour), "10", acc)
		if n, err := e.sweep(); err != nil || n != 0 {
			t.Fatalf("sweep right after creation: %d, %v; want 0", n, err)
		}
		// Three days later, days 7 to 9 come within the horizon: the last
		// three, so the series is finished.
		e.now = e.now.Add(3 * day)
		if n, err := e.sweep(); err != nil || n != 3 {
			t.Fatalf("sweep three days later: %d, %v; want 3", n, err)
		}
		if n, err := e.sweep(); err != nil || n != 0 {
			t.Fatalf("second sweep: %d, %v; want 0", n, err)
		}
		if n := len(e.occurrencesOf(v.Series.ID)); n != 10 {
			t.Fatalf("%d occurrences, want 10", n)
		}
		se, err := e.store.GetSeries(ctx, e.ws, v.Series.ID)
		if err != nil {
			t.Fatal(err)
		}
		if se.Status != rythme.SeriesFinished {
			t.Fatalf("series %s, want finished", se.Status)
		}
		// The sweep's occurrences are the series' author's, made by rythme.
		evs, err := e.store.PostEvents(ctx, e.ws, e.occurrencesOf(v.Series.ID)[9].ID)
		if err != nil || len(evs) == 0 || evs[0].Action != posting.ActionCreated || evs[0].Actor != "rythme" || evs[0].ActorID != editor.ID {
			t.Fatalf("history of a swept occurrence: %+v, %v", evs, err)
		}
	})
}

func TestSeriesSweepLeavesAnUnreadableRule(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		acc := e.account(e.ws, "long")
		bad := &rythme.Series{ID: rythme.NewID(rythme.PrefixSeries), WorkspaceID: e.ws, Rule: "NOT A RULE", StartsAt: e.now,
			Timezone: "UTC", Status: rythme.SeriesActive, CreatedAt: e.now, UpdatedAt: e.now,
			Template: rythme.SeriesTemplate{Content: "x", Targets: []rythme.SeriesTarget{{AccountID: acc.ID, Network: acc.Network}}}}
		if err := e.store.CreateSeries(ctx, bad, nil); err != nil {
			t.Fatal(err)
		}
		good := e.newSeries(editor, "Daily tip", e.now.Add(2*time.Hour), "30", acc)
		e.now = e.now.Add(3 * day)
		n, err := e.sweep()
		if err != nil || n != 3 {
			t.Fatalf("sweep: %d, %v; want the good series' 3 and no error", n, err)
		}
		if len(e.occurrencesOf(bad.ID)) != 0 || len(e.occurrencesOf(good.Series.ID)) != 10 {
			t.Fatalf("bad series has %d posts, good %d", len(e.occurrencesOf(bad.ID)), len(e.occurrencesOf(good.Series.ID)))
		}
		if !strings.Contains(e.logs.String(), "series rule unreadable") || !strings.Contains(e.logs.String(), bad.ID) {
			t.Fatalf("the unreadable series is not logged: %s", e.logs)
		}
	})
}

func TestUpdateSeries(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		short := e.account(e.ws, "short")
		pl := e.planner()
		v := e.newSeries(editor, "Daily tip", e.now.Add(2*time.Hour), "10", short)
		str := func(s string) *string { return &s }

		if _, err := pl.UpdateSeries(ctx, editor, v.Series, posting.SeriesEdit{}); rythme.ErrorCode(err) != rythme.EINVALID {
			t.Fatalf("empty edit: %v, want EINVALID", err)
		}
		_, err := pl.UpdateSeries(ctx, editor, v.Series, posting.SeriesEdit{Content: str(strings.Repeat("x", 30))})
		if got := strings.Join(fieldsOf(err), ","); rythme.ErrorCode(err) != rythme.EINVALID || got != "content" {
			t.Fatalf("content too long for the network: %v (fields %s)", err, got)
		}
		if e.occurrencesOf(v.Series.ID)[0].Content != "Daily tip" {
			t.Fatal("a refused edit changed an occurrence")
		}

		// New content: every future occurrence follows, a new version each.
		up, err := pl.UpdateSeries(ctx, editor, v.Series, posting.SeriesEdit{Content: str("New tip")})
		if err != nil {
			t.Fatal(err)
		}
		if up.Series.Template.Content != "New tip" || len(up.Posts) != 7 {
			t.Fatalf("edited series: template %q, %d posts", up.Series.Template.Content, len(up.Posts))
		}
		for _, p := range e.occurrencesOf(v.Series.ID) {
			if p.Content != "New tip" || p.Targets[0].Version != 2 {
				t.Fatalf("occurrence after the edit: content %q, version %d", p.Content, p.Targets[0].Version)
			}
		}

		// A shorter rule: the occurrences it no longer has are cancelled.
		up, err = pl.UpdateSeries(ctx, editor, up.Series, posting.SeriesEdit{Recurrence: str("FREQ=DAILY;COUNT=3")})
		if err != nil {
			t.Fatal(err)
		}
		if len(up.Posts) != 3 || up.Series.Status != rythme.SeriesFinished {
			t.Fatalf("after COUNT=3: %d posts, status %s", len(up.Posts), up.Series.Status)
		}
		cancelled := 0
		for _, p := range e.occurrencesOf(v.Series.ID) {
			if p.Status() == string(rythme.TargetCancelled) {
				cancelled++
				evs, err := e.store.PostEvents(ctx, e.ws, p.ID)
				if err != nil || evs[len(evs)-1].Action != posting.ActionCancelled {
					t.Fatalf("history of a cancelled occurrence: %+v, %v", evs, err)
				}
			}
		}
		if cancelled != 4 {
			t.Fatalf("%d occurrences cancelled, want 4", cancelled)
		}
	})
}

func TestUpdateSeriesReturnsOccurrencesToReview(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.ws = e.workspace(true)
		acc := e.account(e.ws, "long")
		v := e.newSeries(manager, "Daily tip", e.now.Add(2*time.Hour), "5", acc)
		content := "An editor's tip"
		up, err := e.planner().UpdateSeries(ctx, editor, v.Series, posting.SeriesEdit{Content: &content})
		if err != nil {
			t.Fatal(err)
		}
		if up.Series.Review != rythme.ReviewPending {
			t.Fatalf("series review %q, want pending", up.Series.Review)
		}
		for _, p := range e.occurrencesOf(v.Series.ID) {
			if p.Review != rythme.ReviewPending || p.Targets[0].Status != rythme.TargetDraft {
				t.Fatalf("occurrence after an editor's edit: review %q, target %s", p.Review, p.Targets[0].Status)
			}
		}
	})
}

func TestEndSeries(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		acc := e.account(e.ws, "long")
		pl := e.planner()
		v := e.newSeries(editor, "Daily tip", e.now.Add(2*time.Hour), "30", acc)
		ended, err := pl.EndSeries(ctx, manager, e.ws, v.Series.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ended.Series.Status != rythme.SeriesEnded {
			t.Fatalf("status %s, want ended", ended.Series.Status)
		}
		for _, p := range e.occurrencesOf(v.Series.ID) {
			if p.Status() != string(rythme.TargetCancelled) {
				t.Fatalf("occurrence %s is %s after the end", p.ID, p.Status())
			}
		}
		e.now = e.now.Add(3 * day)
		if n, err := e.sweep(); err != nil || n != 0 {
			t.Fatalf("sweep after the end: %d, %v; want 0", n, err)
		}
		content := "again"
		if _, err := pl.UpdateSeries(ctx, editor, ended.Series, posting.SeriesEdit{Content: &content}); rythme.ErrorCode(err) != rythme.ECONFLICT {
			t.Fatalf("editing an ended series: %v, want ECONFLICT", err)
		}
		if _, err := pl.EndSeries(ctx, manager, e.workspace(false), v.Series.ID); rythme.ErrorCode(err) != rythme.ENOTFOUND {
			t.Fatalf("ending another workspace's series: %v, want ENOTFOUND", err)
		}
	})
}

// staleStore answers SeriesDue with the series as they were read before
// an edit: a sweep that raced the edit.
type staleStore struct {
	posting.OccurrenceStore
	due []*rythme.Series
}

func (s staleStore) SeriesDue(context.Context, time.Time, int) ([]*rythme.Series, error) {
	return s.due, nil
}

func TestSeriesSweepNeverUsesAnOldTemplate(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		acc := e.account(e.ws, "long")
		v := e.newSeries(editor, "Old tip", e.now.Add(2*time.Hour), "20", acc)
		old, err := e.store.GetSeries(ctx, e.ws, v.Series.ID)
		if err != nil {
			t.Fatal(err)
		}
		e.now = e.now.Add(3 * day)
		content := "New tip"
		if _, err := e.planner().UpdateSeries(ctx, editor, v.Series, posting.SeriesEdit{Content: &content}); err != nil {
			t.Fatal(err)
		}
		// The edit made the occurrences up to the new horizon already: move
		// on so that the stale sweep would have some to make.
		e.now = e.now.Add(3 * day)
		sw := &posting.SeriesSweep{Store: staleStore{e.store, []*rythme.Series{old}}, Logger: slog.New(slog.NewTextHandler(e.logs, nil)),
			Now: func() time.Time { return e.now }, Horizon: 7 * day, Batch: 100}
		if n, err := sw.Run(ctx); err != nil || n != 0 {
			t.Fatalf("a sweep holding the series as it was before the edit made %d (%v), want 0", n, err)
		}
		if n, err := e.sweep(); err != nil || n != 3 {
			t.Fatalf("the next sweep made %d (%v), want 3", n, err)
		}
		for _, p := range e.occurrencesOf(v.Series.ID) {
			if p.ScheduledAt.After(e.now) && p.Content != "New tip" {
				t.Fatalf("occurrence at %v has %q", p.ScheduledAt, p.Content)
			}
		}
	})
}
