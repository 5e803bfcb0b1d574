package worker_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/mastodon"
	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/sqlstore/storetest"
	"github.com/rythmehq/rythme/worker"
)

// TestLimitsSweepRefreshesDaily: an instance's limits are read again once
// a day old, once per instance for all its accounts, and saved in each
// account's meta, where post validation finds them; a server that cannot be
// read keeps its last limits.
func TestLimitsSweepRefreshesDaily(t *testing.T) {
	t.Parallel()
	sim := fakenet.New(fakenet.Config{GoToSocial: true})
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(sim.Close)
	store := storetest.SQLite(t)
	ctx := context.Background()
	ws := &rythme.Workspace{ID: rythme.NewID(rythme.PrefixWorkspace), Name: "team", CreatedAt: time.Now()}
	if err := store.CreateWorkspace(ctx, ws); err != nil {
		t.Fatal(err)
	}
	inst := sim.MastodonURL(srv.URL)
	acct := func(instance, user string) *rythme.Account {
		a := &rythme.Account{WorkspaceID: ws.ID, Network: "mastodon", InstanceURL: instance, ExternalID: rythme.NewID("x"),
			Username: user, Status: rythme.AccountConnected, Token: rythme.Token{AccessToken: "t"},
			// Limits read as Mastodon's two days ago.
			Meta: map[string]string{mastodon.MetaMaxCharacters: "500", mastodon.MetaLimitsAt: time.Now().Add(-48 * time.Hour).UTC().Format(time.RFC3339)}}
		if err := store.UpsertAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	alice, bob := acct(inst, "alice"), acct(inst, "bob")
	gone := acct("http://127.0.0.1:9", "carol") // nothing listens there
	clock := &fakeClock{now: time.Now()}
	sw := &worker.LimitsSweeper{Store: store, Connectors: connectors.NewRegistry(mastodon.New()), HTTPClient: srv.Client(),
		Clock: clock, Logger: quiet}

	st, err := sw.Run(ctx)
	if err != nil || st.Refreshed != 2 || st.Failed != 1 {
		t.Fatalf("first sweep: %+v, %v", st, err)
	}
	if n := sim.Stats().Operations["mastodon.instance"]; n != 1 {
		t.Errorf("the instance was read %d times for its two accounts, want once", n)
	}
	for _, a := range []*rythme.Account{alice, bob} {
		got, err := store.AccountByID(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Meta[mastodon.MetaMaxCharacters] != "5000" || got.Meta[mastodon.MetaMaxMedia] != "6" || got.Meta[mastodon.MetaStatusesBatch] != "false" ||
			got.Token.AccessToken != "t" {
			t.Errorf("%s after the sweep: meta %v", a.Username, got.Meta)
		}
	}
	if got, _ := store.AccountByID(ctx, gone.ID); got.Meta[mastodon.MetaMaxCharacters] != "500" {
		t.Errorf("an unreachable server's limits changed: %v", got.Meta)
	}

	// Fresh limits are left alone; a day later they are read again.
	if st, err := sw.Run(ctx); err != nil || st.Refreshed != 0 || st.Fresh != 2 {
		t.Errorf("second sweep: %+v, %v", st, err)
	}
	clock.Set(time.Now().Add(25 * time.Hour))
	if st, err := sw.Run(ctx); err != nil || st.Refreshed != 2 {
		t.Errorf("a day later: %+v, %v", st, err)
	}
}
