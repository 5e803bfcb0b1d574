package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Fakenet drives a `rythme fakenet` process through its control endpoints
// (see package fakenet): faults, the record of publish requests, stats.
type Fakenet struct {
	Base string // http://127.0.0.1:port
	HTTP *http.Client
}

// NewFakenet returns a client of the fakenet at base.
func NewFakenet(base string) *Fakenet {
	return &Fakenet{Base: strings.TrimRight(base, "/"), HTTP: &http.Client{Timeout: 30 * time.Second}}
}

// MastodonURL is the simulated Mastodon instance's base URL.
func (f *Fakenet) MastodonURL() string { return f.Base + "/mastodon" }

// Fault is fakenet's fault (see fakenet.Fault), as its control API takes
// it.
type Fault struct {
	Network    string `json:"network"`
	Match      string `json:"match,omitempty"`
	Kind       string `json:"kind"`
	DelayMS    int    `json:"delay_ms,omitempty"`
	Status     int    `json:"status,omitempty"`
	RetryAfter int    `json:"retry_after,omitempty"`
	User       string `json:"user,omitempty"`
	Count      int    `json:"count,omitempty"`
}

// String describes the fault for the report.
func (f Fault) String() string {
	var b strings.Builder
	switch f.Kind {
	case "latency":
		fmt.Fprintf(&b, "latency %dms", f.DelayMS)
	case "status":
		fmt.Fprintf(&b, "HTTP %d", f.Status)
		if f.RetryAfter > 0 {
			fmt.Fprintf(&b, " Retry-After %ds", f.RetryAfter)
		}
	case "timeout":
		b.WriteString("timeout after the request was received")
	case "revoke":
		fmt.Fprintf(&b, "tokens of %s revoked", f.User)
	default:
		b.WriteString(f.Kind)
	}
	if f.Match != "" {
		fmt.Fprintf(&b, " on %s", f.Match)
	}
	if f.Count > 0 {
		fmt.Fprintf(&b, " ×%d", f.Count)
	}
	return b.String()
}

// Record is one publish request that reached fakenet's handler.
type Record struct {
	Network        string    `json:"network"`
	Account        string    `json:"account"`
	ID             string    `json:"id"`
	Text           string    `json:"text"`
	IdempotencyKey string    `json:"idempotency_key"`
	ReceivedAt     time.Time `json:"received_at"`
	Created        bool      `json:"created"`
	Error          string    `json:"error"`
}

// Stats are fakenet's counters.
type Stats struct {
	RateLimited   int64 `json:"rate_limited"`
	FaultsApplied int64 `json:"faults_applied"`
	Created       int64 `json:"created"`
	Deduplicated  int64 `json:"deduplicated"`
}

func (f *Fakenet) call(ctx context.Context, method, path string, body, out any) error {
	status, b, err := exchange(ctx, f.HTTP, method, f.Base+path, nil, body)
	if err != nil {
		return fmt.Errorf("fakenet %s %s: %w", method, path, err)
	}
	if status/100 != 2 {
		return fmt.Errorf("fakenet %s %s: %d %s", method, path, status, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// Inject adds a fault.
func (f *Fakenet) Inject(ctx context.Context, fault Fault) error {
	return f.call(ctx, "POST", "/_fakenet/faults", fault, nil)
}

// Records returns every publish request fakenet received.
func (f *Fakenet) Records(ctx context.Context) ([]Record, error) {
	var out []Record
	err := f.call(ctx, "GET", "/_fakenet/posts", nil, &out)
	return out, err
}

// Stats returns fakenet's counters.
func (f *Fakenet) Stats(ctx context.Context) (Stats, error) {
	var out Stats
	err := f.call(ctx, "GET", "/_fakenet/stats", nil, &out)
	return out, err
}

// Faults returns the faults still active (a count not used up).
func (f *Fakenet) Faults(ctx context.Context) ([]Fault, error) {
	var out []Fault
	err := f.call(ctx, "GET", "/_fakenet/faults", nil, &out)
	return out, err
}

// Ready waits until fakenet answers.
func (f *Fakenet) Ready(ctx context.Context, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		_, err := f.Stats(ctx)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}
