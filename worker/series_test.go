package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore/storetest"
	"github.com/rythmehq/rythme/worker"
)

// TestSweepKeepsTheSeriesHorizonRolling: the reconciler materialises a
// recurring post's occurrences a horizon ahead, extends them as time goes
// by, never twice (two reconcilers racing), and stops at the rule's end.
func TestSweepKeepsTheSeriesHorizonRolling(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	rdb := redisBackends(t)["miniredis"](t)
	q := worker.NewQueue(asynq.NewClientFromRedisClient(rdb), e.store, time.Hour, e.clock)
	newReconciler := func() *worker.Reconciler {
		return &worker.Reconciler{Store: e.store, Queue: q, Redis: rdb, Connectors: e.reg, Clock: e.clock, Logger: quiet,
			Horizon: time.Hour, Batch: 100, FullLimit: 1000, SeriesHorizon: 7 * 24 * time.Hour}
	}
	day := 24 * time.Hour
	now := e.clock.Now()
	se := &rythme.Series{ID: rythme.NewID(rythme.PrefixSeries), WorkspaceID: e.ws.ID, Rule: "FREQ=DAILY;COUNT=12",
		StartsAt: now.Add(day).Truncate(time.Second), Timezone: "Europe/Paris", Status: rythme.SeriesActive, CreatedBy: "tok_x",
		Template: rythme.SeriesTemplate{Content: "Daily tip", Tags: []string{}, Media: []string{}, Thread: []string{},
			Targets: []rythme.SeriesTarget{{AccountID: e.acct.ID, Network: e.acct.Network}}},
		CreatedAt: now, UpdatedAt: now}
	if err := e.store.CreateSeries(context.Background(), se, nil); err != nil {
		t.Fatal(err)
	}
	occurrences := func() []*rythme.Post {
		t.Helper()
		posts, _, err := e.store.ListPosts(context.Background(), e.ws.ID, rythme.PostFilter{SeriesID: se.ID, Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		return posts
	}
	sweep := func() int {
		t.Helper()
		st, err := newReconciler().Run(context.Background(), false)
		if err != nil {
			t.Fatal(err)
		}
		return st.Materialised
	}
	// Days 1 to 7 are within the horizon.
	if n := sweep(); n != 7 {
		t.Fatalf("first sweep materialised %d, want 7", n)
	}
	if n := sweep(); n != 0 {
		t.Fatalf("a second sweep materialised %d, want 0", n)
	}
	posts := occurrences()
	if len(posts) != 7 || posts[0].Content != "Daily tip" || posts[0].Targets[0].Status != rythme.TargetScheduled ||
		!posts[0].ScheduledAt.Equal(se.StartsAt) {
		t.Fatalf("occurrences after the first sweep: %d, first %+v", len(posts), posts[0])
	}
	// Three days later: days 8 to 10 come within the horizon; two
	// reconcilers racing create them once.
	e.clock.Set(now.Add(3 * day))
	done := make(chan int, 2)
	for range 2 {
		go func() {
			st, err := newReconciler().Run(context.Background(), false)
			if err != nil {
				t.Error(err)
			}
			done <- st.Materialised
		}()
	}
	if got := <-done + <-done; got != 3 {
		t.Fatalf("racing sweeps materialised %d in all, want 3", got)
	}
	if n := len(occurrences()); n != 10 {
		t.Fatalf("%d occurrences, want 10", n)
	}
	// The rule's end comes within the horizon: 12 in all, and the series
	// is finished.
	e.clock.Set(now.Add(9 * day))
	sweep()
	if n := len(occurrences()); n != 12 {
		t.Fatalf("%d occurrences at the end, want 12", n)
	}
	got, err := e.store.GetSeries(context.Background(), e.ws.ID, se.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != rythme.SeriesFinished {
		t.Fatalf("series status %s, want finished", got.Status)
	}
}
