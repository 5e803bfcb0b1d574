package worker

import (
	"context"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// SignInLimiter counts the API's sign-in attempts in Redis, so that every
// API replica draws from the same buckets (api.SignInLimiter): five
// attempts a minute for an account stay five with ten replicas.
type SignInLimiter struct{ limiter *redis_rate.Limiter }

// NewSignInLimiter returns a limiter kept in rdb.
func NewSignInLimiter(rdb redis.UniversalClient) *SignInLimiter {
	return &SignInLimiter{limiter: redis_rate.NewLimiter(rdb)}
}

// Allow takes one attempt from key's bucket of burst attempts, refilled one
// per every (GCRA); when it is empty, ok is false and retryAfter says when
// the next attempt is allowed.
func (l *SignInLimiter) Allow(ctx context.Context, key string, every time.Duration, burst int) (bool, time.Duration, error) {
	res, err := l.limiter.Allow(ctx, "rythme:signin:"+key, redis_rate.Limit{Rate: 1, Period: every, Burst: burst})
	if err != nil {
		return false, 0, err
	}
	return res.Allowed > 0, res.RetryAfter, nil
}
