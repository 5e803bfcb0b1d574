package connectors

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/oauth2"
)

// Kind says what the worker should do about a failed call.
type Kind int

const (
	// Retryable: 5xx, or the request never left (connection refused, DNS):
	// retry with backoff.
	Retryable Kind = iota + 1
	// RateLimited: 429 or an exhausted quota; retry after RetryAfter, the
	// attempt not counted.
	RateLimited
	// Auth: 401, a revoked or expired token: refresh once, else the account
	// needs reconnecting and its targets are held.
	Auth
	// Permanent: the network refused the content (400/403/422): failed, with
	// the network's own message, no retry.
	Permanent
	// Unknown: the request may have reached the network and no answer came
	// (a timeout after sending). Safe to retry only with an idempotency key
	// the server honours; otherwise the target becomes unconfirmed.
	Unknown
)

func (k Kind) String() string {
	switch k {
	case Retryable:
		return "retryable"
	case RateLimited:
		return "rate_limited"
	case Auth:
		return "auth"
	case Permanent:
		return "permanent"
	case Unknown:
		return "unknown_outcome"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Error is a connector failure. Message is the network's own explanation
// (safe to show a user: it never holds a token); Err is the cause.
type Error struct {
	Kind       Kind
	Status     int           // HTTP status, 0 when there was no answer
	Message    string        // the network's words, or ours
	RetryAfter time.Duration // with RateLimited: how long to wait
	Err        error
}

func (e *Error) Error() string {
	s := e.Kind.String()
	if e.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of err: the Kind of an *Error in its chain, or
// Retryable for anything else (an unexpected error is not a reason to give
// up on a post, nor to publish it blind: the caller's context decides). A
// nil error has no kind (0).
func KindOf(err error) Kind {
	if err == nil {
		return 0
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Retryable
}

// AsError returns the *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Errorf returns an *Error of the given kind.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// MaxErrorBody bounds how much of an error body is read.
const MaxErrorBody = 64 << 10

// Do sends req with client and classifies a transport failure: one that
// happened before the request was fully written is Retryable (the network
// never saw it), one after is Unknown (it may have been acted on). A
// response of any status is returned as is; see FromResponse.
func Do(client *http.Client, req *http.Request) (*http.Response, error) {
	// wrote is reset when the transport takes a new connection: Go's
	// transport may retry a request on a fresh connection (a GET; a POST
	// only when nothing of it was written, NoReplay sees to that), and a
	// refused dial then means the retry never left.
	var mu sync.Mutex
	var wrote bool
	trace := &httptrace.ClientTrace{
		GetConn: func(string) { mu.Lock(); wrote = false; mu.Unlock() },
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				mu.Lock()
				wrote = true
				mu.Unlock()
			}
		},
	}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	resp, err := client.Do(req)
	if err == nil {
		return resp, nil
	}
	mu.Lock()
	defer mu.Unlock()
	return nil, classifyTransport(req.Context(), err, wrote)
}

func classifyTransport(ctx context.Context, err error, wrote bool) error {
	// An *Error raised below the transport (the token source refusing to
	// refresh) keeps its kind.
	var ce *Error
	if errors.As(err, &ce) {
		return ce
	}
	// The token endpoint answered while refreshing the token (oauth2's
	// transport refreshes before it sends): a refusal means the grant is
	// gone; a 5xx is passing.
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.Response != nil && re.Response.StatusCode >= 500 {
			return &Error{Kind: Retryable, Status: re.Response.StatusCode, Message: "the token endpoint failed", Err: err}
		}
		return &Error{Kind: Auth, Message: "the network refused to refresh the token", Err: err}
	}
	var tlsErr *tls.CertificateVerificationError
	if errors.As(err, &tlsErr) {
		return &Error{Kind: Retryable, Message: "TLS certificate not trusted", Err: err}
	}
	if !wrote {
		return &Error{Kind: Retryable, Message: "could not reach the network", Err: err}
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		// Our own shutdown: still unknown, the request was on the wire.
		return &Error{Kind: Unknown, Message: "cancelled after the request was sent", Err: err}
	}
	return &Error{Kind: Unknown, Message: "no answer after the request was sent", Err: err}
}

// FromResponse turns a non-2xx response into an *Error of the right kind,
// reading at most MaxErrorBody of its body and closing it. message
// extracts the network's explanation from the body (nil: the body's text).
// A 429 or a 503 with Retry-After honours it; so do x-rate-limit-reset
// (epoch seconds) and x-ratelimit-reset (RFC 3339 or epoch) headers.
func FromResponse(resp *http.Response, message func(body []byte) string) *Error {
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, MaxErrorBody))
	msg := ""
	if message != nil {
		msg = message(body)
	}
	if msg == "" {
		msg = BodyMessage(body, resp.StatusCode)
	}
	e := &Error{Status: resp.StatusCode, Message: msg}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Kind = RateLimited
		e.RetryAfter = RetryAfter(resp.Header, time.Now())
	case resp.StatusCode == http.StatusUnauthorized:
		e.Kind = Auth
	case resp.StatusCode == http.StatusRequestTimeout:
		e.Kind = Retryable
	case resp.StatusCode >= 500:
		e.Kind = Retryable
		if d := RetryAfter(resp.Header, time.Now()); d > 0 && resp.StatusCode == http.StatusServiceUnavailable {
			e.RetryAfter = d
		}
	default:
		e.Kind = Permanent
	}
	return e
}

// MaxMessage bounds the part of an error body that becomes a message.
const MaxMessage = 300

// BodyMessage is the message of an error answer that carries none in a
// form the connector knows: the body's text, its invalid UTF-8 replaced
// and cut at a character boundary to at most MaxMessage bytes (an
// ellipsis marks the cut); for an empty body, the status's text, or
// "HTTP <status>" for a status net/http does not name (599). Never empty.
func BodyMessage(body []byte, status int) string {
	msg := strings.ToValidUTF8(strings.TrimSpace(string(body)), "\uFFFD")
	if len(msg) > MaxMessage {
		cut := MaxMessage
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	if msg == "" {
		msg = "HTTP " + strconv.Itoa(status)
	}
	return msg
}

// RetryAfter reads how long to wait from Retry-After (seconds or an HTTP
// date), x-rate-limit-reset (X: epoch seconds) or x-ratelimit-reset
// (Mastodon: an ISO 8601 time). It returns 0 when none is given or the time
// has passed, and never more than an hour.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	d := time.Duration(0)
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && s > 0 { // s > 0 is false for NaN
			// Capped before converting: a huge value (1e30) would
			// overflow to a negative duration, read as "retry now".
			d = time.Duration(math.Min(s, time.Hour.Seconds()) * float64(time.Second))
		} else if t, err := http.ParseTime(v); err == nil {
			d = t.Sub(now)
		}
	}
	for _, name := range []string{"X-Rate-Limit-Reset", "X-Ratelimit-Reset"} {
		v := strings.TrimSpace(h.Get(name))
		if v == "" || d > 0 {
			continue
		}
		if s, err := strconv.ParseInt(v, 10, 64); err == nil {
			d = time.Unix(s, 0).Sub(now)
		} else if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			d = t.Sub(now)
		}
	}
	if d < 0 {
		return 0
	}
	if d > time.Hour {
		return time.Hour
	}
	return d
}

// QuotaExhausted reads a successful answer's rate-limit headers: when the
// remaining count (X-RateLimit-Remaining, X-Rate-Limit-Remaining or
// RateLimit-Remaining) is 0, it returns when the quota frees up (from the
// reset headers RetryAfter reads, or RateLimit-Reset in epoch seconds); the
// zero time otherwise.
func QuotaExhausted(h http.Header, now time.Time) time.Time {
	rem := ""
	for _, name := range []string{"X-Ratelimit-Remaining", "X-Rate-Limit-Remaining", "Ratelimit-Remaining"} {
		if v := strings.TrimSpace(h.Get(name)); v != "" {
			rem = v
			break
		}
	}
	if n, err := strconv.ParseFloat(rem, 64); err != nil || n > 0 {
		return time.Time{}
	}
	d := RetryAfter(h, now)
	if d == 0 {
		if s, err := strconv.ParseInt(strings.TrimSpace(h.Get("Ratelimit-Reset")), 10, 64); err == nil {
			if t := time.Unix(s, 0); t.After(now) && t.Sub(now) <= time.Hour {
				d = t.Sub(now)
			}
		}
	}
	if d == 0 {
		return time.Time{}
	}
	return now.Add(d)
}
