package api

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/rythmehq/rythme"
)

// tokenLimits holds one token bucket per API token (RateLimit requests a
// second, bursts of RateBurst): a runaway script with one token cannot
// starve the others. Kept per replica.
type tokenLimits struct {
	mu      sync.Mutex
	perSec  rate.Limit
	burst   int
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	l    *rate.Limiter
	used time.Time
}

func newTokenLimits(perSec float64, burst int) *tokenLimits {
	return &tokenLimits{perSec: rate.Limit(perSec), burst: burst, buckets: map[string]*bucket{}}
}

// allow reports whether the token may make a request now, or how long to
// wait.
func (t *tokenLimits) allow(tokenID string, now time.Time) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.sweep) > 10*time.Minute { // forget idle tokens
		for id, b := range t.buckets {
			if now.Sub(b.used) > 10*time.Minute {
				delete(t.buckets, id)
			}
		}
		t.sweep = now
	}
	b := t.buckets[tokenID]
	if b == nil {
		b = &bucket{l: rate.NewLimiter(t.perSec, t.burst)}
		t.buckets[tokenID] = b
	}
	b.used = now
	r := b.l.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// retryAfter is the Retry-After value of a wait, in whole seconds (at
// least 1).
func retryAfter(d time.Duration) string {
	return strconv.Itoa(int(math.Max(1, math.Ceil(d.Seconds()))))
}

var errRateLimited = rythme.Errorf(rythme.ERATELIMITED, "too many requests with this token; slow down and retry after the time in Retry-After")

// errAddressLimited answers a client address over the limit of the routes
// that take no bearer token.
var errAddressLimited = rythme.Errorf(rythme.ERATELIMITED, "too many requests from this address; slow down and retry after the time in Retry-After")

// addressLimit bounds the routes that take no bearer token (the iCalendar
// feed, the OAuth callback, signed media links) per client address: the
// connection's peer, never a forwarded header a client could forge (behind
// a reverse proxy, every client shares its address and its limit).
func (s *server) addressLimit(c *gin.Context) {
	if s.publicLimits == nil {
		return
	}
	if ok, wait := s.publicLimits.allow("ip:"+c.RemoteIP(), time.Now()); !ok {
		c.Header("Retry-After", retryAfter(wait))
		s.fail(c, errAddressLimited)
	}
}
