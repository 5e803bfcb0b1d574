package sqlstore_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// Migration 00021 partitions the readings on PostgreSQL and keeps them:
// the rows, their ids (the targets' pointers to their latest reading), the
// sequence, and what a comparison reads. Undone, it puts them back in one
// table; done again, partitioned again.
func TestReadingsPartitionMigrationKeepsData(t *testing.T) {
	t.Parallel()
	s := storetest.Postgres(t)
	ctx := t.Context()
	ws := newWorkspace(t, s)
	acct := newAccount(t, s, ws.ID)
	// Two targets: one published in January 2024 and read then, one
	// published this month and read now.
	now := time.Now().UTC().Truncate(time.Microsecond)
	old := time.Date(2024, 1, 10, 10, 0, 0, 0, time.UTC)
	var targets []string
	var posts []string
	for i, pub := range []time.Time{old, now.Add(-2 * time.Hour)} {
		p := newPost(t, s, ws.ID, acct, pub)
		tg := p.Targets[0]
		if _, err := s.ClaimTarget(ctx, tg.ID, tg.Version, pub, pub.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FinishTarget(ctx, tg.ID, tg.Version, rythme.Outcome{Status: rythme.TargetPublished, ExternalID: "x", URL: "u", At: pub}); err != nil {
			t.Fatal(err)
		}
		for h := range 3 {
			likes := int64(10*i + h)
			if err := s.SaveReading(ctx, tg.ID, rythme.Metrics{At: pub.Add(time.Duration(h+1) * 15 * time.Minute), Likes: &likes}); err != nil {
				t.Fatal(err)
			}
		}
		targets, posts = append(targets, tg.ID), append(posts, p.ID)
	}
	type state struct {
		rows     int
		ids      string
		latest   string
		readings int
	}
	// read takes the state; LatestSnapshots and PostReadings only when
	// every migration is in (they read the poll column of 00024, which
	// MigrateDownTo(20) undoes): before, the latest readings are those the
	// targets' pointers name, which LatestSnapshots follows as of now.
	read := func(all bool) state {
		t.Helper()
		var st state
		db := s.DB()
		if err := db.QueryRowContext(ctx, `SELECT count(*), string_agg(id::text, ',' ORDER BY id) FROM metric_snapshots`).Scan(&st.rows, &st.ids); err != nil {
			t.Fatal(err)
		}
		var latest []string
		if all {
			got, err := s.LatestSnapshots(ctx, ws.ID, old.AddDate(0, -1, 0), now.Add(time.Hour), now.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range got {
				latest = append(latest, g.TargetID+"="+g.Metrics.At.UTC().Format(time.RFC3339Nano))
			}
		} else {
			rows, err := db.QueryContext(ctx, `SELECT t.id, m.at FROM targets t
				JOIN metric_snapshots m ON m.id = t.latest_snapshot_id AND m.at = t.latest_snapshot_at
				WHERE t.workspace_id = $1`, ws.ID)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var id string
				var at time.Time
				if err := rows.Scan(&id, &at); err != nil {
					t.Fatal(err)
				}
				latest = append(latest, id+"="+at.UTC().Format(time.RFC3339Nano))
			}
			if err := rows.Close(); err != nil {
				t.Fatal(err)
			}
		}
		slices.Sort(latest)
		st.latest = strings.Join(latest, ";")
		for _, p := range posts {
			if !all {
				break
			}
			rs, err := s.PostReadings(ctx, ws.ID, p, 0)
			if err != nil {
				t.Fatal(err)
			}
			st.readings += len(rs)
		}
		return st
	}
	kind := func() string {
		t.Helper()
		var k string
		if err := s.DB().QueryRowContext(ctx, `SELECT relkind::text FROM pg_class WHERE oid = 'metric_snapshots'::regclass`).Scan(&k); err != nil {
			t.Fatal(err)
		}
		return k
	}
	partitioned := read(true)
	if partitioned.rows != 6 || partitioned.readings != 6 || strings.Count(partitioned.latest, "=") != 2 || kind() != "p" {
		t.Fatalf("partitioned: %+v, relkind %s", partitioned, kind())
	}
	if err := s.MigrateDownTo(ctx, 20); err != nil { // undoes 00021 and any later one
		t.Fatalf("migrate down: %v", err)
	}
	if got := read(false); got.rows != partitioned.rows || got.ids != partitioned.ids || got.latest != partitioned.latest || kind() != "r" {
		t.Fatalf("after undoing 00021: %+v (relkind %s), want %+v in one table", got, kind(), partitioned)
	}
	if err := s.MigrateUp(ctx); err != nil {
		t.Fatalf("migrate up: %v", err)
	}
	if got := read(true); got != partitioned || kind() != "p" {
		t.Fatalf("after 00021 on data: %+v (relkind %s), want %+v partitioned", got, kind(), partitioned)
	}
	// Each month from the first reading's to two months ahead has its
	// partition, and the January readings are in theirs, not the default.
	parts, err := s.ReadingPartitions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	last := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 2, 0)
	want := 0
	for m := first; !m.After(last); m = m.AddDate(0, 1, 0) {
		want++
	}
	if len(parts) != want || parts[0] != "metric_snapshots_p202401" || parts[len(parts)-1] != "metric_snapshots_p"+last.Format("200601") {
		t.Fatalf("partitions %v, want %d from metric_snapshots_p202401 to %s", parts, want, last.Format("200601"))
	}
	var inJan, inDefault int
	s.DB().QueryRowContext(ctx, `SELECT count(*) FROM metric_snapshots_p202401`).Scan(&inJan)
	s.DB().QueryRowContext(ctx, `SELECT count(*) FROM metric_snapshots_default`).Scan(&inDefault)
	if inJan != 3 || inDefault != 0 {
		t.Fatalf("January's partition holds %d readings, the default %d; want 3 and 0", inJan, inDefault)
	}
	// New readings get new ids from the same sequence.
	likes := int64(99)
	if err := s.SaveReading(ctx, targets[1], rythme.Metrics{At: now, Likes: &likes}); err != nil {
		t.Fatal(err)
	}
	var maxID, newID int64
	s.DB().QueryRowContext(ctx, `SELECT max(id) FROM metric_snapshots WHERE likes <> 99`).Scan(&maxID)
	s.DB().QueryRowContext(ctx, `SELECT id FROM metric_snapshots WHERE likes = 99`).Scan(&newID)
	if newID <= maxID {
		t.Fatalf("a new reading has id %d, not after the migrated ones (%d)", newID, maxID)
	}
}

// PrepareReadings creates the months ahead, and moves into a new month
// the readings the default partition took while it did not exist.
func TestPrepareReadingsMovesDefaultRows(t *testing.T) {
	t.Parallel()
	s := storetest.Postgres(t)
	ctx := t.Context()
	ws := newWorkspace(t, s)
	acct := newAccount(t, s, ws.ID)
	future := time.Date(2031, 5, 20, 12, 0, 0, 0, time.UTC)
	p := newPost(t, s, ws.ID, acct, future)
	for _, at := range []time.Time{future, future.AddDate(0, 1, 0)} { // May and June 2031: no partition yet
		if err := s.SaveReading(ctx, p.Targets[0].ID, rythme.Metrics{At: at}); err != nil {
			t.Fatal(err)
		}
	}
	count := func(table string) int {
		var n int
		if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count("metric_snapshots_default"); n != 2 {
		t.Fatalf("default partition holds %d readings, want 2", n)
	}
	if err := s.PrepareReadings(ctx, future, future); err != nil {
		t.Fatal(err)
	}
	if d, may, all := count("metric_snapshots_default"), count("metric_snapshots_p203105"), count("metric_snapshots"); d != 1 || may != 1 || all != 2 {
		t.Fatalf("after preparing May 2031: default %d, May %d, all %d; want 1, 1, 2", d, may, all)
	}
}

func newWorkspace(t *testing.T, s *sqlstore.Store) *rythme.Workspace {
	t.Helper()
	ws := &rythme.Workspace{ID: rythme.NewID(rythme.PrefixWorkspace), Name: "w", CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if err := s.CreateWorkspace(t.Context(), ws); err != nil {
		t.Fatal(err)
	}
	return ws
}

func newAccount(t *testing.T, s *sqlstore.Store, workspaceID string) *rythme.Account {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Microsecond)
	a := &rythme.Account{WorkspaceID: workspaceID, Network: "mastodon", InstanceURL: "https://mastodon.example",
		ExternalID: rythme.NewID("ext"), Username: "alice", Status: rythme.AccountConnected,
		Token: rythme.Token{AccessToken: "access", TokenType: "Bearer"}, CreatedAt: now, UpdatedAt: now}
	if err := s.UpsertAccount(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

func newPost(t *testing.T, s *sqlstore.Store, workspaceID string, a *rythme.Account, at time.Time) *rythme.Post {
	t.Helper()
	p := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: workspaceID, Content: "p", ScheduledAt: at,
		Timezone: "UTC", CreatedAt: at, UpdatedAt: at,
		Targets: []*rythme.Target{{ID: rythme.NewID(rythme.PrefixTarget), AccountID: a.ID, Network: a.Network,
			Status: rythme.TargetScheduled, Version: 1, ScheduledAt: at, CreatedAt: at, UpdatedAt: at}}}
	if err := s.CreatePost(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	return p
}
