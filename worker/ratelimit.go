package worker

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme"
)

// Limits holds each network's publishing limits for every worker at once,
// in Redis: the documented limits (a GCRA limiter, redis_rate), and the
// blocks the networks themselves announce (a 429's Retry-After, a quota
// used up until its reset). A worker asks before calling the network and
// waits when told to, rather than earn a 429.
type Limits struct {
	rdb     redis.UniversalClient
	limiter *redis_rate.Limiter
}

// NewLimits returns limits kept in rdb.
func NewLimits(rdb redis.UniversalClient) *Limits {
	return &Limits{rdb: rdb, limiter: redis_rate.NewLimiter(rdb)}
}

func blockKey(network, accountID string) string {
	return "rythme:rl:block:" + network + ":" + accountID
}

// Wait reports how long to wait before publishing a post on acct (0: go):
// a block the network announced, or a posting quota (limits that count
// posts) used up. A go-ahead counts one post against those quotas. Limits
// that count requests are charged by each request (Request).
func (l *Limits) Wait(ctx context.Context, info rythme.Network, acct *rythme.Account) (time.Duration, error) {
	return l.take(ctx, info, acct, func(rl rythme.RateLimit) bool { return rl.PerPost() })
}

// Request reports how long to wait before sending one HTTP request of
// method to path on acct's behalf (0: go): a block the network announced,
// or a limit that counts such requests used up. A go-ahead counts the
// request.
func (l *Limits) Request(ctx context.Context, info rythme.Network, acct *rythme.Account, method, path string) (time.Duration, error) {
	return l.take(ctx, info, acct, func(rl rythme.RateLimit) bool { return rl.Matches(method, path) })
}

// Blocked reports how long the network asked every worker to wait on the
// account (0: no block).
func (l *Limits) Blocked(ctx context.Context, network, accountID string) (time.Duration, error) {
	ttl, err := l.rdb.PTTL(ctx, blockKey(network, accountID)).Result()
	if err != nil {
		return 0, fmt.Errorf("rate limits: %w", err)
	}
	return max(ttl, 0), nil
}

func (l *Limits) take(ctx context.Context, info rythme.Network, acct *rythme.Account, counts func(rythme.RateLimit) bool) (time.Duration, error) {
	if ttl, err := l.Blocked(ctx, info.Name, acct.ID); err != nil || ttl > 0 {
		return ttl, err
	}
	for i, rl := range info.RateLimits {
		if rl.Requests <= 0 || rl.PeriodSeconds <= 0 || !counts(rl) {
			continue
		}
		key := "rythme:rl:" + info.Name + ":" + strconv.Itoa(i) + ":"
		if rl.Scope == "app" {
			key += "app"
		} else {
			key += acct.ID
		}
		res, err := l.limiter.Allow(ctx, key, redis_rate.Limit{Rate: rl.Requests, Burst: rl.Requests, Period: time.Duration(rl.PeriodSeconds) * time.Second})
		if err != nil {
			return 0, fmt.Errorf("rate limits: %w", err)
		}
		if res.Allowed == 0 {
			return res.RetryAfter, nil
		}
	}
	return 0, nil
}

// Block makes every worker wait d before calling the network on the
// account again (the network said so). A longer block already in place is
// kept.
func (l *Limits) Block(ctx context.Context, network, accountID string, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	key := blockKey(network, accountID)
	if cur, err := l.rdb.PTTL(ctx, key).Result(); err == nil && cur >= d {
		return nil
	}
	return l.rdb.Set(ctx, key, "1", d).Err()
}
