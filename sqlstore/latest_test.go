package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// TestLatestReadingPointer: the latest reading of a target is found
// through its pointer (kept by SaveMetrics, rebuilt by IndexLatestReadings
// after a bulk load), and through the readings themselves as of a past
// time or for a target without a pointer; both give the same answers.
func TestLatestReadingPointer(t *testing.T) {
	for _, be := range storetest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			s := be.Open(t)
			ctx := context.Background()
			ws := &rythme.Workspace{Name: "w"}
			if err := s.CreateWorkspace(ctx, ws); err != nil {
				t.Fatal(err)
			}
			acc := &rythme.Account{WorkspaceID: ws.ID, Network: "x", InstanceURL: "https://x.example", ExternalID: "1", Username: "u",
				Status: rythme.AccountConnected}
			if err := s.UpsertAccount(ctx, acc); err != nil {
				t.Fatal(err)
			}
			pub := time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Second)
			var ids []string
			for i := range 3 {
				p := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: ws.ID, Content: "x", ScheduledAt: pub, Timezone: "UTC",
					CreatedAt: pub, UpdatedAt: pub, Targets: []*rythme.Target{{ID: rythme.NewID(rythme.PrefixTarget), AccountID: acc.ID,
						Status: rythme.TargetPublished, Version: 1, ScheduledAt: pub, PublishedAt: &pub, ExternalID: "e" + string(rune('a'+i)),
						CreatedAt: pub, UpdatedAt: pub}}}
				if err := s.CreatePost(ctx, p); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, p.Targets[0].ID)
			}
			// Four readings an hour apart per target, loaded in bulk (no
			// pointer), likes = the hour.
			for _, id := range ids {
				for h := 1; h <= 4; h++ {
					if _, err := s.DB().ExecContext(ctx, `INSERT INTO metric_snapshots (workspace_id, target_id, account_id, network, at, likes, deleted)
						VALUES ($1, $2, $3, 'x', $4, $5, false)`, ws.ID, id, acc.ID, s.TS(pub.Add(time.Duration(h)*time.Hour)), h); err != nil {
						t.Fatal(err)
					}
				}
			}
			likes := func(asOf time.Time) map[string]int64 {
				t.Helper()
				snaps, err := s.LatestSnapshots(ctx, ws.ID, pub.Add(-time.Hour), pub.Add(time.Hour), asOf)
				if err != nil {
					t.Fatal(err)
				}
				out := map[string]int64{}
				for _, sn := range snaps {
					if _, dup := out[sn.TargetID]; dup {
						t.Fatalf("target %s twice", sn.TargetID)
					}
					out[sn.TargetID] = *sn.Metrics.Likes
				}
				return out
			}
			check := func(when string, asOf time.Time, want int64) {
				t.Helper()
				got := likes(asOf)
				if len(got) != len(ids) {
					t.Fatalf("%s: %d targets, want %d", when, len(got), len(ids))
				}
				for id, n := range got {
					if n != want {
						t.Errorf("%s: target %s at %d likes, want %d", when, id, n, want)
					}
				}
			}
			check("no pointer, as of now", time.Now(), 4)
			check("no pointer, as of hour 2", pub.Add(2*time.Hour+time.Minute), 2)
			if err := s.IndexLatestReadings(ctx); err != nil {
				t.Fatal(err)
			}
			check("pointer, as of now", time.Now(), 4)
			check("pointer, as of hour 3", pub.Add(3*time.Hour), 3)
			if got := likes(pub); len(got) != 0 {
				t.Errorf("as of before any reading: %v, want none", got)
			}

			// New readings keep the latest the target carries: a later one
			// replaces it (every number, the poll's too), an earlier one
			// does not; as of a past time, the readings still answer.
			n := func(v int64) *int64 { return &v }
			poll := &rythme.PollResults{Options: []rythme.PollOptionResult{{Title: "yes", Votes: 5}, {Title: "no", Votes: 2}}, Votes: 7, Voters: n(7)}
			if err := s.SaveReading(ctx, ids[0], rythme.Metrics{At: pub.Add(5 * time.Hour), Likes: n(9), Impressions: n(900),
				Comments: n(3), Reach: n(800), Poll: poll}); err != nil {
				t.Fatal(err)
			}
			if err := s.SaveReading(ctx, ids[0], rythme.Metrics{At: pub.Add(30 * time.Minute), Likes: n(1)}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.DB().ExecContext(ctx, `UPDATE targets SET metrics_next_at = $1, metrics_step = 2 WHERE id = $2`,
				s.TS(pub.Add(6*time.Hour)), ids[1]); err != nil {
				t.Fatal(err)
			}
			if err := s.SaveMetrics(ctx, rythme.MetricsDue{TargetID: ids[1], Step: 2}, rythme.Metrics{At: pub.Add(6 * time.Hour),
				Likes: n(11), Shares: n(4), Deleted: true}, nil); err != nil {
				t.Fatal(err)
			}
			snaps, err := s.LatestSnapshots(ctx, ws.ID, pub.Add(-time.Hour), pub.Add(time.Hour), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			byID := map[string]rythme.Metrics{}
			for _, sn := range snaps {
				byID[sn.TargetID] = sn.Metrics
			}
			a, b, c := byID[ids[0]], byID[ids[1]], byID[ids[2]]
			if a.Likes == nil || *a.Likes != 9 || a.Impressions == nil || *a.Impressions != 900 || a.Comments == nil || *a.Comments != 3 ||
				a.Reach == nil || *a.Reach != 800 || a.Shares != nil || !a.At.Equal(pub.Add(5*time.Hour)) || a.Deleted ||
				a.Poll == nil || len(a.Poll.Options) != 2 || a.Poll.Options[0].Votes != 5 || a.ExternalID != "ea" {
				t.Errorf("after a later reading: %+v (poll %+v)", a, a.Poll)
			}
			if b.Likes == nil || *b.Likes != 11 || b.Shares == nil || *b.Shares != 4 || !b.Deleted || b.Poll != nil || !b.At.Equal(pub.Add(6*time.Hour)) {
				t.Errorf("after a scheduled reading: %+v", b)
			}
			if c.Likes == nil || *c.Likes != 4 || !c.At.Equal(pub.Add(4*time.Hour)) {
				t.Errorf("untouched target: %+v", c)
			}
			check("pointer, as of hour 3, after new readings", pub.Add(3*time.Hour), 3)
		})
	}
}
