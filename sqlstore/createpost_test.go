package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// createPostFixture is a workspace with an account, and another
// workspace's account.
func createPostFixture(t *testing.T, s *sqlstore.Store) (ws string, mine, foreign *rythme.Account) {
	t.Helper()
	ctx := context.Background()
	var accs []*rythme.Account
	for _, name := range []string{"a", "b"} {
		w := &rythme.Workspace{Name: name}
		if err := s.CreateWorkspace(ctx, w); err != nil {
			t.Fatal(err)
		}
		a := &rythme.Account{WorkspaceID: w.ID, Network: "mastodon", InstanceURL: "https://m.example", ExternalID: w.ID, Username: "u"}
		if err := s.UpsertAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		accs = append(accs, a)
	}
	return accs[0].WorkspaceID, accs[0], accs[1]
}

func newTestPost(ws string, acc *rythme.Account, now time.Time) *rythme.Post {
	p := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: ws, Content: "x", ScheduledAt: now.Add(time.Hour),
		Timezone: "UTC", CreatedAt: now, UpdatedAt: now, Targets: []*rythme.Target{{ID: rythme.NewID(rythme.PrefixTarget),
			AccountID: acc.ID, Status: rythme.TargetScheduled, Version: 1, ScheduledAt: now.Add(time.Hour), CreatedAt: now, UpdatedAt: now}}}
	p.Record(rythme.Actor{ID: "tok_1", Name: "t", Role: rythme.RoleEditor}, "created", "", now)
	return p
}

// A CreatePost that fails leaves the post as it was given, events
// included, so that a retry (the API retries a lost posting slot) records
// them: they were rolled back with the rest.
func TestCreatePostRetryKeepsEvents(t *testing.T) {
	for _, be := range storetest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			s := be.Open(t)
			ctx := context.Background()
			ws, mine, foreign := createPostFixture(t, s)
			p := newTestPost(ws, foreign, time.Now().UTC())
			if err := s.CreatePost(ctx, p); rythme.ErrorCode(err) != rythme.EINVALID {
				t.Fatalf("another workspace's account: %v, want EINVALID", err)
			}
			p.Targets[0].AccountID = mine.ID
			if err := s.CreatePost(ctx, p); err != nil {
				t.Fatal(err)
			}
			evs, err := s.PostEvents(ctx, ws, p.ID)
			if err != nil || len(evs) != 1 || evs[0].Action != "created" {
				t.Fatalf("events after the retry: %+v, %v; want the one created event", evs, err)
			}
		})
	}
}

// A series occurrence created twice: the second CreatePost fails and
// writes nothing (no post, event nor target).
func TestCreatePostOccurrenceTaken(t *testing.T) {
	for _, be := range storetest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			s := be.Open(t)
			ctx := context.Background()
			ws, mine, _ := createPostFixture(t, s)
			now := time.Now().UTC()
			at := now.Add(time.Hour).Truncate(time.Second)
			first, second := newTestPost(ws, mine, now), newTestPost(ws, mine, now)
			for _, p := range []*rythme.Post{first, second} {
				p.SeriesID, p.OccurrenceAt = "ser_test", &at
			}
			if err := s.CreatePost(ctx, first); err != nil {
				t.Fatal(err)
			}
			if err := s.CreatePost(ctx, second); err == nil {
				t.Fatal("the occurrence was created twice")
			}
			if _, err := s.GetPost(ctx, ws, second.ID); rythme.ErrorCode(err) != rythme.ENOTFOUND {
				t.Fatalf("the second post: %v, want ENOTFOUND", err)
			}
			if _, err := s.GetTarget(ctx, second.Targets[0].ID); rythme.ErrorCode(err) != rythme.ENOTFOUND {
				t.Fatalf("the second post's target: %v, want ENOTFOUND", err)
			}
			var n int
			if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM post_events WHERE post_id = $1`, second.ID).Scan(&n); err != nil || n != 0 {
				t.Fatalf("the second post's events: %d, %v", n, err)
			}
		})
	}
}
