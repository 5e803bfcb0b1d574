package worker_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/worker"
)

// One question charges every matching limit or none: a request refused by
// one limit does not use up another; the app's limits are shared by every
// account; a block answers its own time to live. On in-process Redis, real
// Redis and a Redis Cluster (the account's keys share one slot).
func TestLimitsChargeAllOrNothing(t *testing.T) {
	for name, newRedis := range redisBackends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			rdb := newRedis(t)
			l := worker.NewLimits(rdb)
			net := "lim" + rythme.NewID("t")[2:10] // fresh keys on a shared Redis
			info := rythme.Network{Name: net, RateLimits: []rythme.RateLimit{
				{Scope: "account", Requests: 3, PeriodSeconds: 3600},                                          // every request
				{Scope: "account", Requests: 1, PeriodSeconds: 3600, Method: http.MethodPost, Path: "/media"}, // uploads
				{Scope: "app", Requests: 4, PeriodSeconds: 3600},                                              // the whole app
			}}
			a, b := &rythme.Account{ID: "acc_a"}, &rythme.Account{ID: "acc_b"}
			ask := func(acct *rythme.Account, method, path string) time.Duration {
				t.Helper()
				d, err := l.Request(ctx, info, acct, method, path)
				if err != nil {
					t.Fatal(err)
				}
				return d
			}
			if d := ask(a, http.MethodPost, "/api/v2/media"); d != 0 {
				t.Fatalf("first upload waits %s", d)
			}
			// The upload limit is used up: the next upload waits, and
			// charges neither the account's request limit nor the app's.
			for range 3 {
				if d := ask(a, http.MethodPost, "/api/v2/media"); d < 59*time.Minute {
					t.Fatalf("second upload waits %s, want about an hour", d)
				}
			}
			// A Redis that lost its scripts (restarted) gets it again.
			if err := rdb.ScriptFlush(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			// So two more requests of a go through (3 in all), then its
			// request limit is used up.
			if d := ask(a, http.MethodGet, "/x"); d != 0 {
				t.Fatalf("request 2 of a waits %s: a refused upload was charged", d)
			}
			if d := ask(a, http.MethodGet, "/x"); d != 0 {
				t.Fatalf("request 3 of a waits %s", d)
			}
			if d := ask(a, http.MethodGet, "/x"); d < 15*time.Minute {
				t.Fatalf("request 4 of a waits %s, want its limit's wait", d)
			}
			// The app has taken 3 of 4: b gets one request, then waits on
			// the app's limit although its own has room.
			if d := ask(b, http.MethodGet, "/x"); d != 0 {
				t.Fatalf("b's first request waits %s", d)
			}
			if d := ask(b, http.MethodGet, "/x"); d < 10*time.Minute {
				t.Fatalf("b's second request waits %s, want the app's limit", d)
			}
			// A block the network announced comes first, whatever the limits.
			if err := l.Block(ctx, net, "acc_c", 30*time.Second); err != nil {
				t.Fatal(err)
			}
			c := &rythme.Account{ID: "acc_c"}
			if d := ask(c, http.MethodGet, "/x"); d < 29*time.Second || d > 30*time.Second {
				t.Fatalf("blocked account waits %s, want the block's 30s", d)
			}
			if d, err := l.Blocked(ctx, net, "acc_c"); err != nil || d < 29*time.Second {
				t.Fatalf("Blocked = %s, %v", d, err)
			}
			// Posting quotas are asked by Wait, not by requests.
			info.RateLimits = append(info.RateLimits, rythme.RateLimit{Scope: "account", Requests: 1, PeriodSeconds: 60, Counts: rythme.CountsPosts})
			d := &rythme.Account{ID: "acc_d"}
			if w, err := l.Wait(ctx, info, d); err != nil || w != 0 {
				t.Fatalf("first post: %s %v", w, err)
			}
			if w, err := l.Wait(ctx, info, d); err != nil || w < 59*time.Second {
				t.Fatalf("second post within the minute waits %s (%v)", w, err)
			}
		})
	}
}
