package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// BenchmarkSnapshots100kPostgres reads 100,000 readings (10,000 posts × 10)
// as a report does.
func BenchmarkSnapshots100kPostgres(b *testing.B) { benchSnapshots(b, "all") }

// benchSnapshots reads the readings as a report does ("all"), or each
// post's last one as of now ("now") or as of a time when half of each
// post's readings were taken ("past"). Statistics are as a fresh load
// leaves them (no ANALYZE), as in `rythme bench`.
func benchSnapshots(b *testing.B, mode string) {
	s := storetest.Postgres(b)
	ctx := context.Background()
	ws := &rythme.Workspace{Name: "bench"}
	if err := s.CreateWorkspace(ctx, ws); err != nil {
		b.Fatal(err)
	}
	t0 := time.Now().Add(-time.Hour).UTC()
	db := s.DB()
	for _, q := range []string{
		`INSERT INTO accounts (id, workspace_id, network, instance_url, external_id, username, display_name, profile_url, status, status_reason, meta, created_at, updated_at)
		 VALUES ('acc_b', '` + ws.ID + `', 'x', '', '1', 'u', '', '', 'connected', '', '{}', now(), now())`,
		`INSERT INTO posts (id, workspace_id, content, scheduled_at, timezone, tags, author, created_by, created_at, updated_at)
		 SELECT 'p' || g, '` + ws.ID + `', 'x', now(), 'UTC', '["launch"]', 'Ada', '', now(), now() FROM generate_series(1, 10000) g`,
		`INSERT INTO targets (id, post_id, workspace_id, account_id, position, network, content, status, version, queued_version,
			scheduled_at, external_id, url, last_error, attempts, published_at, created_at, updated_at)
		 SELECT 't' || g, 'p' || g, '` + ws.ID + `', 'acc_b', 0, 'x', '', 'published', 1, 1, now(), 'e' || g, '', '', 1,
			$1::timestamptz + g * interval '100 ms', now(), now() FROM generate_series(1, 10000) g`,
		`INSERT INTO metric_snapshots (workspace_id, target_id, account_id, network, at, impressions, likes, comments, shares, deleted)
		 SELECT '` + ws.ID + `', 't' || g, 'acc_b', 'x', now() - r * interval '1 hour', 1000, r, r, r, false FROM generate_series(1, 10000) g, generate_series(1, 10) r`,
	} {
		var err error
		if strings.Contains(q, "$1") {
			_, err = db.ExecContext(ctx, q, t0)
		} else {
			_, err = db.ExecContext(ctx, q)
		}
		if err != nil {
			b.Fatalf("%v: %s", err, q[:60])
		}
	}
	if err := s.IndexLatestReadings(ctx); err != nil { // as SaveMetrics keeps it
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if mode != "all" {
			asOf := time.Now().Add(time.Hour)
			if mode == "past" {
				asOf = time.Now().Add(-5*time.Hour - 30*time.Minute) // readings 6 to 10 hours old
			}
			snaps, err := s.LatestSnapshots(ctx, ws.ID, t0.Add(-time.Hour), time.Now().Add(time.Hour), asOf)
			if err != nil || len(snaps) != 10000 {
				b.Fatalf("%d latest snapshots, %v", len(snaps), err)
			}
			if mode == "past" && *snaps[0].Metrics.Likes != 6 {
				b.Fatalf("as of 5.5 hours ago: %d likes, want the reading of 6 hours ago", *snaps[0].Metrics.Likes)
			}
			continue
		}
		snaps, err := s.Snapshots(ctx, ws.ID, t0.Add(-time.Hour), time.Now().Add(time.Hour))
		if err != nil || len(snaps) != 100000 {
			b.Fatalf("%d snapshots, %v", len(snaps), err)
		}
	}
}

// BenchmarkLatestSnapshots100kPostgres picks each post's last reading out
// of 100,000, as a comparison does.
func BenchmarkLatestSnapshots100kPostgres(b *testing.B) {
	b.Run("now", func(b *testing.B) { benchSnapshots(b, "now") })
	b.Run("past", func(b *testing.B) { benchSnapshots(b, "past") })
}
