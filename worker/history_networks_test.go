package worker_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/linkedin"
	"github.com/rythmehq/rythme/connectors/tiktok"
	"github.com/rythmehq/rythme/connectors/x"
	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/fakenet/sim"
	"github.com/rythmehq/rythme/sqlstore/storetest"
	"github.com/rythmehq/rythme/worker"
)

// TestHistoryImportXLinkedInTikTok: the import of an account of X,
// LinkedIn and TikTok on fakenet stores every earlier post of the window
// once, with its engagement; a page that fails is read again by the retry
// (after the pages stored before it, where the window takes more than one
// page), and a second import adds nothing.
func TestHistoryImportXLinkedInTikTok(t *testing.T) {
	t.Parallel()
	root := func(base, name string) string { return strings.TrimSuffix(base, "/"+name) }
	for _, c := range []struct {
		name, op string
		new      func(base string) connectors.Connector
		direct   func(e *connectortest.Env, user string) connectors.ConnectParams
		// failAfter is the listing requests that succeed before one fails:
		// X gives the whole window in one page of 100.
		failAfter int
	}{
		{name: x.Name, op: "user_tweets", failAfter: 0,
			new: func(base string) connectors.Connector { return x.New(x.FakenetConfig(root(base, x.Name))) },
			direct: func(e *connectortest.Env, user string) connectors.ConnectParams {
				k := e.Fake.XBotKeys(user)
				return connectors.ConnectParams{x.ParamConsumerKey: k.ConsumerKey, x.ParamConsumerSecret: k.ConsumerSecret,
					x.ParamAccessToken: k.AccessToken, x.ParamAccessTokenSecret: k.AccessTokenSecret}
			}},
		{name: linkedin.Name, op: "find_posts", failAfter: 1,
			new: func(base string) connectors.Connector {
				return linkedin.New(linkedin.FakenetConfig(root(base, linkedin.Name)))
			}},
		{name: tiktok.Name, op: "video_list", failAfter: 1,
			new: func(base string) connectors.Connector {
				return tiktok.New(tiktok.FakenetConfig(root(base, tiktok.Name)))
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			fn := connectortest.Start(t, connectortest.Harness{Network: c.name, New: c.new, Direct: c.direct,
				Params:  func(string) connectors.ConnectParams { return connectors.ConnectParams{} },
				Fakenet: func(cfg *fakenet.Config) { cfg.HistoryDays = 90 }})
			e := newEnv(t, storetest.SQLite(t))
			e.reg = connectors.NewRegistry(fn.Connector)
			e.clock.Set(fn.Clock.Now())
			connected := fn.Clock.Now()
			acct := fn.Connect("alice").Account
			acct.ID, acct.WorkspaceID = "", e.ws.ID
			if err := e.store.UpsertAccount(ctx, acct); err != nil {
				t.Fatal(err)
			}
			rdb := redisBackends(t)["miniredis"](t)
			imp := &worker.HistoryImporter{Store: e.store, Connectors: e.reg, HTTPClient: connectors.NewHTTPClient(), Clock: e.clock,
				Logger: quiet, RedirectURI: func(string) string { return connectortest.RedirectURI }, Limits: worker.NewLimits(rdb), Redis: rdb}
			starts := worker.NewHistoryRequests(rdb, e.store, e.clock)
			run := func() error {
				b, _ := json.Marshal(worker.HistoryPayload{AccountID: acct.ID})
				return imp.ProcessTask(ctx, asynq.NewTask(worker.TypeImportHistory, b))
			}
			history := func() *rythme.HistoryImport {
				a, err := e.store.AccountByID(ctx, acct.ID)
				if err != nil || a.History == nil {
					t.Fatalf("account %+v, %v", a, err)
				}
				return a.History
			}
			hi, err := starts.Start(ctx, acct)
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			for _, p := range sim.History(42, c.name, "alice", 90) {
				if !connected.Add(-p.Age).Before(hi.Since) {
					want++
				}
			}
			if want < 25 {
				t.Fatalf("fakenet gave alice %d earlier posts in the window", want)
			}
			if err := fn.Fake.InjectFault(fakenet.Fault{Network: c.name, Match: c.op, Kind: fakenet.FaultStatus,
				Status: 503, Skip: c.failAfter, Count: 1}); err != nil {
				t.Fatal(err)
			}
			if err := run(); err == nil || !worker.IsFailure(err) {
				t.Fatalf("a failed page: %v, want a retryable failure", err)
			}
			mid := history()
			if mid.Status != rythme.HistoryRunning || (c.failAfter > 0) != (mid.Cursor != "") || (c.failAfter > 0) != (mid.Imported > 0) {
				t.Fatalf("after %d pages and a failure: %+v", c.failAfter, mid)
			}
			if err := run(); err != nil {
				t.Fatalf("the retry: %v", err)
			}
			if done := history(); done.Status != rythme.HistoryDone || done.Imported != want || done.Read != want {
				t.Fatalf("done: %+v; want all %d earlier posts imported", done, want)
			}
			posts, _, err := e.store.ListPosts(ctx, e.ws.ID, rythme.PostFilter{Limit: 200})
			if err != nil {
				t.Fatal(err)
			}
			engaged := 0
			for _, p := range posts {
				if p.Origin != rythme.OriginImported {
					t.Fatalf("post %s is not imported: %+v", p.ID, p)
				}
				readings, err := e.store.PostReadings(ctx, e.ws.ID, p.ID, 0)
				if err != nil || len(readings) == 0 {
					t.Fatalf("post %s: readings %v, %v", p.ID, readings, err)
				}
				if m := readings[len(readings)-1]; m.Likes != nil && *m.Likes > 0 {
					engaged++
				}
			}
			if len(posts) != want || engaged == 0 {
				t.Fatalf("%d posts stored (%d with likes), want %d with engagement", len(posts), engaged, want)
			}
			// Again: adds nothing.
			e.clock.Set(e.clock.Now().Add(time.Minute))
			if _, err := starts.Start(ctx, acct); err != nil {
				t.Fatal(err)
			}
			if err := run(); err != nil {
				t.Fatal(err)
			}
			if again := history(); again.Status != rythme.HistoryDone || again.Imported != 0 || again.Read != want {
				t.Fatalf("a second import: %+v, want 0 imported of %d read", again, want)
			}
		})
	}
}
