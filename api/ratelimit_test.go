package api_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

func TestPerTokenRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), func(c *api.Config) { c.RateLimit, c.RateBurst = 1, 5 })
	limited := 0
	for range 8 {
		res := e.as(rythme.RoleViewer, "GET", "/v1/posts", nil)
		switch res.Status {
		case http.StatusOK:
		case http.StatusTooManyRequests:
			limited++
			if n, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || n < 1 {
				t.Fatalf("429 without a Retry-After in seconds: %q", res.Header.Get("Retry-After"))
			}
			if res.err(t).Error.Code != "rate_limited" {
				t.Fatalf("429 body: %s", res.Body)
			}
		default:
			t.Fatalf("status %d", res.Status)
		}
	}
	if limited != 3 {
		t.Fatalf("%d of 8 quick requests limited with a burst of 5, want 3", limited)
	}
	// Another token has its own bucket.
	expect(t, e.as(rythme.RoleEditor, "GET", "/v1/posts", nil), http.StatusOK)
}
