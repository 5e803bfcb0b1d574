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

// Wait reports how long to wait before publishing on acct (0: go). A
// go-ahead counts against the network's limits.
func (l *Limits) Wait(ctx context.Context, info rythme.Network, acct *rythme.Account) (time.Duration, error) {
	ttl, err := l.rdb.PTTL(ctx, blockKey(info.Name, acct.ID)).Result()
	if err != nil {
		return 0, fmt.Errorf("rate limits: %w", err)
	}
	if ttl > 0 {
		return ttl, nil
	}
	for i, rl := range info.RateLimits {
		if rl.Requests <= 0 || rl.PeriodSeconds <= 0 {
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

// Block makes every worker wait d before publishing on the account again
// (the network said so). A longer block already in place is kept.
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
