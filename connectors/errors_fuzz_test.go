package connectors_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rythmehq/rythme/connectors"
)

// fuzzHeader reads "Name: value" lines into a header, as a network could
// send them (names canonicalised, values trimmed as net/http does).
func fuzzHeader(s string) http.Header {
	h := http.Header{}
	for _, line := range strings.Split(s, "\n") {
		name, value, ok := strings.Cut(line, ":")
		if ok && name != "" && !strings.ContainsAny(name, " \t\r") {
			h.Add(name, strings.TrimSpace(value))
		}
	}
	return h
}

// closeCounter records that a body was closed.
type closeCounter struct {
	io.Reader
	closed bool
}

func (c *closeCounter) Close() error { c.closed = true; return nil }

// fuzzNow is the clock of the fuzz targets: epoch 1_800_000_000.
var fuzzNow = time.Unix(1_800_000_000, 0)

var rateHeaderSeeds = []string{
	"",
	"Retry-After: 120",
	"Retry-After: 1.5",
	"Retry-After: Wed, 15 Jan 2027 08:00:30 GMT",
	"Retry-After: -5\nX-Rate-Limit-Reset: 1800000060",
	"X-Rate-Limit-Reset: 1800000900\nX-Rate-Limit-Remaining: 0",
	"X-RateLimit-Reset: 2027-01-15T08:05:00.000Z\nX-RateLimit-Remaining: 0",
	"RateLimit-Remaining: 0\nRateLimit-Reset: 1800000030",
	"RateLimit-Remaining: 0.0\nRetry-After: 1e30",
	"Retry-After: NaN\nX-Ratelimit-Remaining: -1",
	"Retry-After: +Inf",
	"Retry-After: 99999999999999999999",
	"X-Rate-Limit-Reset: -9223372036854775808\nX-Rate-Limit-Remaining: 0",
	"Ratelimit-Remaining: 0\nRatelimit-Reset: 9223372036854775807",
}

// FuzzFromResponse: whatever status, headers and body a network answers,
// the error has the kind the status calls for, a message, and a wait of
// at most an hour; the body is closed.
func FuzzFromResponse(f *testing.F) {
	bodies := []string{"", `{"error":"invalid_token"}`, "<html>Bad gateway</html>", strings.Repeat("é", 200), "\xff\xfe\x00", "  \n\t "}
	for i, h := range rateHeaderSeeds {
		for _, status := range []int{400, 401, 408, 429, 503} {
			f.Add(status, h, []byte(bodies[i%len(bodies)]), i%2 == 0)
		}
	}
	f.Add(200, "", []byte("ok"), false)
	f.Add(-1, "", []byte(nil), true)
	f.Add(1000, "", []byte(strings.Repeat("x", 70<<10)), false)
	f.Fuzz(func(t *testing.T, status int, header string, body []byte, withMessage bool) {
		rc := &closeCounter{Reader: strings.NewReader(string(body))}
		resp := &http.Response{StatusCode: status, Header: fuzzHeader(header), Body: rc}
		var message func([]byte) string
		if withMessage {
			message = func(b []byte) string {
				if len(b) > connectors.MaxErrorBody {
					t.Fatalf("the message func got %d bytes, over MaxErrorBody", len(b))
				}
				return strings.TrimSpace(string(b[:min(len(b), 40)]))
			}
		}
		e := connectors.FromResponse(resp, message)
		if !rc.closed {
			t.Fatal("the body was not closed")
		}
		if e == nil || e.Error() == "" {
			t.Fatalf("FromResponse(%d, %q, %q) = %+v: want an error that says something", status, header, body, e)
		}
		if e.Status != status {
			t.Fatalf("status %d, want %d", e.Status, status)
		}
		want := connectors.Permanent
		switch {
		case status == http.StatusTooManyRequests:
			want = connectors.RateLimited
		case status == http.StatusUnauthorized:
			want = connectors.Auth
		case status == http.StatusRequestTimeout || status >= 500:
			want = connectors.Retryable
		}
		if e.Kind != want {
			t.Fatalf("FromResponse(%d) is %v, want %v", status, e.Kind, want)
		}
		if e.RetryAfter < 0 || e.RetryAfter > time.Hour {
			t.Fatalf("FromResponse(%d, %q) waits %v", status, header, e.RetryAfter)
		}
		if !withMessage && len(e.Message) > connectors.MaxMessage+len("…") {
			t.Fatalf("message of %d bytes, over %d", len(e.Message), connectors.MaxMessage)
		}
		if !withMessage && (e.Message == "" || !utf8.ValidString(e.Message)) {
			t.Fatalf("message %q: want non-empty, valid UTF-8", e.Message)
		}
		if e.Error() == "" || connectors.KindOf(e) != e.Kind {
			t.Fatalf("error %#v does not describe itself", e)
		}
	})
}

// FuzzRateHeaders: rate-limit headers come from networks. RetryAfter
// waits 0 to an hour and honours a Retry-After in seconds; QuotaExhausted
// is the zero time or a time within the next hour.
func FuzzRateHeaders(f *testing.F) {
	for _, h := range rateHeaderSeeds {
		f.Add(h, int64(0))
	}
	f.Fuzz(func(t *testing.T, header string, shift int64) {
		now := fuzzNow.Add(time.Duration(shift%(1<<40)) * time.Millisecond)
		h := fuzzHeader(header)
		d := connectors.RetryAfter(h, now)
		if d < 0 || d > time.Hour {
			t.Fatalf("RetryAfter(%q) = %v: want 0 to an hour", header, d)
		}
		at := connectors.QuotaExhausted(h, now)
		if !at.IsZero() && (!at.After(now) || at.Sub(now) > time.Hour) {
			t.Fatalf("QuotaExhausted(%q) = %v, %v after now: want zero or within the hour", header, at, at.Sub(now))
		}
	})
}
