package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// BenchmarkCreatePost measures the store's side of POST /v1/posts: one
// post with its "created" event and one target, from parallel goroutines.
func BenchmarkCreatePost(b *testing.B) {
	for _, be := range storetest.Backends {
		b.Run(be.Name, func(b *testing.B) {
			s := be.Open(b)
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
			actor := rythme.Actor{ID: rythme.NewID(rythme.PrefixToken), Name: "bench", Role: rythme.RoleEditor}
			b.SetParallelism(4)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					now := time.Now().UTC()
					p := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: ws.ID, Content: "bench post",
						ScheduledAt: now.Add(time.Hour), Timezone: "UTC", CreatedBy: actor.ID, CreatedAt: now, UpdatedAt: now,
						Targets: []*rythme.Target{{ID: rythme.NewID(rythme.PrefixTarget), AccountID: acc.ID,
							Status: rythme.TargetScheduled, Version: 1, ScheduledAt: now.Add(time.Hour), CreatedAt: now, UpdatedAt: now}}}
					p.Record(actor, "created", "", now)
					if err := s.CreatePost(ctx, p); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
		})
	}
}
