package sim

import (
	"sync"
	"time"
)

// Limiter counts requests per key in fixed windows aligned on the epoch,
// as Rack::Attack (which Mastodon uses) does.
type Limiter struct {
	limit  int // negative: unlimited
	window time.Duration

	mu      sync.Mutex
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	start time.Time
	n     int
}

func NewLimiter(limit int, window time.Duration) *Limiter {
	return &Limiter{limit: limit, window: window, buckets: map[string]*bucket{}}
}

// Take counts one request for key at now. It returns the limit, what
// remains, when the window resets, and whether the request is allowed.
func (l *Limiter) Take(key string, now time.Time) (limit, remaining int, reset time.Time, ok bool) {
	start := now.Truncate(l.window)
	reset = start.Add(l.window)
	if l.limit < 0 {
		return 0, 0, reset, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.sweep) > l.window {
		for k, b := range l.buckets {
			if b.start.Before(start) {
				delete(l.buckets, k)
			}
		}
		l.sweep = now
	}
	b := l.buckets[key]
	if b == nil || !b.start.Equal(start) {
		b = &bucket{start: start}
		l.buckets[key] = b
	}
	if b.n >= l.limit {
		return l.limit, 0, reset, false
	}
	b.n++
	return l.limit, l.limit - b.n, reset, true
}

func (l *Limiter) Reset() {
	l.mu.Lock()
	l.buckets = map[string]*bucket{}
	l.mu.Unlock()
}
