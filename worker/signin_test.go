package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/rythmehq/rythme/worker"
)

// TestSignInLimiterIsShared: two replicas' limiters on one Redis draw from
// one bucket; another key has its own; the wait is the refill time.
func TestSignInLimiterIsShared(t *testing.T) {
	for name, backend := range redisBackends(t) {
		t.Run(name, func(t *testing.T) {
			rdb := backend(t)
			ctx := context.Background()
			a, b := worker.NewSignInLimiter(rdb), worker.NewSignInLimiter(rdb)
			key := "email:" + t.Name()
			for i := range 5 {
				l := a
				if i%2 == 1 {
					l = b
				}
				ok, _, err := l.Allow(ctx, key, time.Minute, 5)
				if err != nil || !ok {
					t.Fatalf("attempt %d: ok=%v err=%v; want allowed", i+1, ok, err)
				}
			}
			ok, wait, err := b.Allow(ctx, key, time.Minute, 5)
			if err != nil || ok {
				t.Fatalf("6th attempt on the other replica: ok=%v err=%v; want refused", ok, err)
			}
			if wait <= 0 || wait > time.Minute {
				t.Errorf("retry after %s; want within the refill minute", wait)
			}
			if ok, _, err := a.Allow(ctx, key+"-other", time.Minute, 5); err != nil || !ok {
				t.Errorf("another account: ok=%v err=%v; want its own bucket", ok, err)
			}
		})
	}
}
