package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/connectors/discord"
	"github.com/rythmehq/rythme/connectors/teams"
	"github.com/rythmehq/rythme/sqlstore/storetest"
	"github.com/rythmehq/rythme/worker"
)

// TestPollAccount asks for an account's readings now: 202 with runs_at and
// the poller's task queued, then 429 with Retry-After within five minutes;
// editors only, the workspace's connected accounts only.
func TestPollAccount(t *testing.T) {
	t.Parallel()
	m := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { rdb.Close() })
	e := newEnv(t, storetest.SQLite(t), func(c *api.Config) { c.Polls = worker.NewPollRequests(rdb, nil) })
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	path := "/v1/accounts/" + acc.ID + "/poll"

	expect(t, e.as(rythme.RoleViewer, "POST", path, nil), http.StatusForbidden)
	before := time.Now()
	res := e.as(rythme.RoleEditor, "POST", path, nil)
	expect(t, res, http.StatusAccepted)
	var out struct {
		AccountID string    `json:"account_id"`
		RunsAt    time.Time `json:"runs_at"`
	}
	res.decode(t, &out)
	if out.AccountID != acc.ID || out.RunsAt.Before(before.Truncate(time.Second)) {
		t.Fatalf("poll: %s (asked at %s)", res.Body, before)
	}
	info, err := asynq.NewInspectorFromRedisClient(rdb).GetTaskInfo(worker.MetricsQueue, worker.PollTaskID(acc.ID))
	if err != nil {
		t.Fatalf("no poll task queued: %v", err)
	}
	var pl worker.PollAccountPayload
	if err := json.Unmarshal(info.Payload, &pl); err != nil || !pl.Now || pl.AccountID != acc.ID {
		t.Fatalf("task payload %s", info.Payload)
	}

	res = e.as(rythme.RoleEditor, "POST", path, nil)
	expect(t, res, http.StatusTooManyRequests)
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 || s > int(worker.PollEvery/time.Second) {
		t.Fatalf("Retry-After %q, want 1 to 300 seconds", res.Header.Get("Retry-After"))
	}
	if code := res.err(t).Error.Code; code != rythme.ERATELIMITED {
		t.Fatalf("code %q", code)
	}

	other := e.account(e.workspace("Other"), "theirs", rythme.AccountConnected)
	expect(t, e.as(rythme.RoleEditor, "POST", "/v1/accounts/"+other.ID+"/poll", nil), http.StatusNotFound)
	expect(t, e.as(rythme.RoleEditor, "POST", "/v1/accounts/nope/poll", nil), http.StatusNotFound)
	gone := e.account(e.ws, "gone", rythme.AccountNeedsReconnect)
	expect(t, e.as(rythme.RoleEditor, "POST", "/v1/accounts/"+gone.ID+"/poll", nil), http.StatusConflict)

	// Without a queue for it, the route says so.
	bare := newEnv(t, storetest.SQLite(t))
	mine := bare.account(bare.ws, "brand", rythme.AccountConnected)
	expect(t, bare.as(rythme.RoleEditor, "POST", "/v1/accounts/"+mine.ID+"/poll", nil), http.StatusServiceUnavailable)
}

// TestPollAccountPollVotesOnly: Discord gives a webhook no engagement but
// reads its polls' votes back, so its accounts can be read now; Teams
// gives neither: 409.
func TestPollAccountPollVotesOnly(t *testing.T) {
	t.Parallel()
	m := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { rdb.Close() })
	e := newEnv(t, storetest.SQLite(t), func(c *api.Config) {
		c.Polls = worker.NewPollRequests(rdb, nil)
		c.Connectors.Register(discord.New(discord.Config{}))
		c.Connectors.Register(teams.New(teams.Config{}))
	})
	for network, want := range map[string]int{"discord": http.StatusAccepted, "teams": http.StatusConflict} {
		now := time.Now().UTC().Truncate(time.Microsecond)
		a := &rythme.Account{WorkspaceID: e.ws, Network: network, ExternalID: rythme.NewID("x"), Username: network + "-hook",
			Status: rythme.AccountConnected, Token: rythme.Token{AccessToken: "https://example.invalid/hook", TokenType: "webhook"},
			CreatedAt: now, UpdatedAt: now}
		if err := e.store.UpsertAccount(context.Background(), a); err != nil {
			t.Fatal(err)
		}
		expect(t, e.as(rythme.RoleEditor, "POST", "/v1/accounts/"+a.ID+"/poll", nil), want)
	}
}
