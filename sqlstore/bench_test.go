package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// BenchmarkClaimFinish measures the store's side of one publish, as the
// worker does it: GetTarget, ClaimTarget, AccountByID, FinishTarget, from
// parallel goroutines. Each cycle finishes with a bumped retry, so a pool
// of targets is reused without end.
func BenchmarkClaimFinish(b *testing.B) {
	for _, be := range storetest.Backends {
		b.Run(be.Name, func(b *testing.B) {
			s := be.Open(b)
			benchClaimFinish(b, s)
		})
	}
}

func benchClaimFinish(b *testing.B, s *sqlstore.Store) {
	ctx := context.Background()
	ws := &rythme.Workspace{Name: "bench"}
	if err := s.CreateWorkspace(ctx, ws); err != nil {
		b.Fatal(err)
	}
	acc := &rythme.Account{WorkspaceID: ws.ID, Network: "mastodon", InstanceURL: "https://m.example",
		ExternalID: "1", Username: "bench", Token: rythme.Token{AccessToken: "tok"}}
	if err := s.UpsertAccount(ctx, acc); err != nil {
		b.Fatal(err)
	}
	type slot struct {
		id      string
		version int
	}
	const pool = 256
	slots := make(chan slot, pool)
	now := time.Now()
	for i := 0; i < pool; i++ {
		id := rythme.NewID(rythme.PrefixTarget)
		p := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: ws.ID, Content: "bench post",
			ScheduledAt: now, Timezone: "UTC", CreatedAt: now, UpdatedAt: now,
			Targets: []*rythme.Target{{ID: id, AccountID: acc.ID, Status: rythme.TargetScheduled, Version: 1,
				ScheduledAt: now, CreatedAt: now, UpdatedAt: now}}}
		if err := s.CreatePost(ctx, p); err != nil {
			b.Fatal(err)
		}
		slots <- slot{id, 1}
	}
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			sl := <-slots
			t, err := s.GetTarget(ctx, sl.id)
			if err != nil {
				b.Error(err)
				return
			}
			at := time.Now()
			if _, err := s.ClaimTarget(ctx, t.ID, t.Version, at, at.Add(time.Minute)); err != nil {
				b.Error(err)
				return
			}
			if _, err := s.AccountByID(ctx, t.AccountID); err != nil {
				b.Error(err)
				return
			}
			if _, err := s.FinishTarget(ctx, t.ID, t.Version, rythme.Outcome{Status: rythme.TargetScheduled,
				BumpVersion: true, At: at}); err != nil {
				b.Error(err)
				return
			}
			slots <- slot{sl.id, t.Version + 1}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "publishes/s")
}
