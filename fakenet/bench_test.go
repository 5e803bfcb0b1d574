package fakenet_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/fakenet/internal/fntest"
)

// BenchmarkPublish measures POST /api/v1/statuses through the handler
// (no network), from parallel goroutines over 100 accounts.
func BenchmarkPublish(b *testing.B) {
	e := fntest.Start(b, fakenet.Config{RateLimit: -1})
	tokens := make([]string, 100)
	for i := range tokens {
		tokens[i] = fntest.Connect(b, e, fmt.Sprintf("user%d", i))
	}
	h := e.Srv.Handler()
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			body := url.Values{"status": {fmt.Sprintf("post %d", i)}}.Encode()
			req := httptest.NewRequest("POST", "http://fakenet/mastodon/api/v1/statuses", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", "Bearer "+tokens[i%100])
			req.Header.Set("Idempotency-Key", fmt.Sprint(i))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
	})
}
