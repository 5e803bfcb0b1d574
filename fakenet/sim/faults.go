package sim

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultKind names what a fault does.
type FaultKind string

// The kinds of fault; see the package documentation.
const (
	FaultLatency           FaultKind = "latency"
	FaultStatus            FaultKind = "status"
	FaultTimeout           FaultKind = "timeout"
	FaultReset             FaultKind = "reset"
	FaultRevoke            FaultKind = "revoke"
	FaultIgnoreIdempotency FaultKind = "ignore_idempotency"
)

// Fault changes how a network answers some requests.
type Fault struct {
	// Network is the network it applies to ("mastodon"). Required.
	Network string `json:"network"`
	// Match is an operation name (publish, get_status…) or a substring of
	// the request path; empty matches every request of the network.
	Match string    `json:"match,omitempty"`
	Kind  FaultKind `json:"kind"`
	// DelayMS is the latency to add (kind latency).
	DelayMS int `json:"delay_ms,omitempty"`
	// Status is the HTTP status to answer (kind status), RetryAfter the
	// Retry-After header in seconds (0: none) and Body the answer (empty:
	// the network's error shape with the status text).
	Status     int    `json:"status,omitempty"`
	RetryAfter int    `json:"retry_after,omitempty"`
	Body       string `json:"body,omitempty"`
	// User is whose tokens to revoke (kind revoke; empty: every user).
	User string `json:"user,omitempty"`
	// Skip is how many matching requests pass untouched before it applies
	// (Skip 1: from the 2nd matching request on).
	Skip int `json:"skip,omitempty"`
	// Count is how many requests it applies to; 0 until cleared.
	Count int `json:"count,omitempty"`
}

func (f Fault) validate(nets map[string]Network) error {
	if _, ok := nets[f.Network]; !ok {
		return fmt.Errorf("fault: unknown network %q", f.Network)
	}
	switch f.Kind {
	case FaultLatency:
		if f.DelayMS <= 0 {
			return fmt.Errorf("fault: latency needs delay_ms > 0")
		}
	case FaultStatus:
		if f.Status < 100 || f.Status > 599 {
			return fmt.Errorf("fault: status needs an HTTP status code")
		}
	case FaultTimeout, FaultReset, FaultRevoke, FaultIgnoreIdempotency:
	default:
		return fmt.Errorf("fault: unknown kind %q (latency, status, timeout, reset, revoke, ignore_idempotency)", f.Kind)
	}
	if f.Count < 0 || f.RetryAfter < 0 || f.Skip < 0 {
		return fmt.Errorf("fault: count, skip and retry_after must not be negative")
	}
	if f.Skip > 0 && f.Kind == FaultIgnoreIdempotency {
		return fmt.Errorf("fault: skip does not apply to ignore_idempotency")
	}
	return nil
}

func (f *Fault) matches(network, op, path string) bool {
	return f.Network == network && (f.Match == "" || f.Match == op || strings.Contains(path, f.Match))
}

// faultSet holds the active faults in the order they were injected.
type faultSet struct {
	mu     sync.Mutex
	active []*Fault
}

// take returns the faults (not ignore_idempotency) that apply to one
// request, using up one of each one's count.
func (fs *faultSet) take(network, op, path string) []Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var out []Fault
	keep := fs.active[:0]
	for _, f := range fs.active {
		if f.Kind != FaultIgnoreIdempotency && f.matches(network, op, path) {
			if f.Skip > 0 {
				f.Skip--
				keep = append(keep, f)
				continue
			}
			out = append(out, *f)
			if f.Count > 0 {
				f.Count--
				if f.Count == 0 {
					continue
				}
			}
		}
		keep = append(keep, f)
	}
	clear(fs.active[len(keep):])
	fs.active = keep
	return out
}

// ignoreIdempotency reports whether an ignore_idempotency fault applies;
// with consume it uses up one of its count.
func (fs *faultSet) ignoreIdempotency(network, op, path string, consume bool) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, f := range fs.active {
		if f.Kind != FaultIgnoreIdempotency || f.Network != network {
			continue
		}
		if consume && !f.matches(network, op, path) {
			continue
		}
		if consume && f.Count > 0 {
			f.Count--
			if f.Count == 0 {
				fs.active = append(fs.active[:i], fs.active[i+1:]...)
			}
		}
		return true
	}
	return false
}

func (fs *faultSet) add(f Fault) {
	fs.mu.Lock()
	fs.active = append(fs.active, &f)
	fs.mu.Unlock()
}

func (fs *faultSet) clear() {
	fs.mu.Lock()
	fs.active = nil
	fs.mu.Unlock()
}

func (fs *faultSet) list() []Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := make([]Fault, 0, len(fs.active))
	for _, f := range fs.active {
		out = append(out, *f)
	}
	return out
}

// InjectFault adds a fault. A revoke fault acts at once and is not kept.
func (s *Server) InjectFault(f Fault) error {
	if err := f.validate(s.networks); err != nil {
		return err
	}
	s.cfg.Logger.Info("fakenet: fault injected", slog.String("network", f.Network), slog.String("kind", string(f.Kind)),
		slog.String("match", f.Match), slog.Int("count", f.Count))
	if f.Kind == FaultRevoke {
		n := s.networks[f.Network].Revoke(f.User)
		s.cfg.Logger.Info("fakenet: tokens revoked", slog.String("network", f.Network), slog.String("user", f.User), slog.Int("tokens", n))
		return nil
	}
	s.faults.add(f)
	return nil
}

// ClearFaults removes every active fault.
func (s *Server) ClearFaults() { s.faults.clear() }

// dispatch applies the faults that match, then runs h.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, n Network, op string, h http.HandlerFunc) {
	for _, f := range s.faults.take(n.Name(), op, r.URL.Path) {
		s.faultsUsed.Add(1)
		switch f.Kind {
		case FaultLatency:
			if !s.wait(r, time.Duration(f.DelayMS)*time.Millisecond) {
				return
			}
		case FaultStatus:
			body := []byte(f.Body)
			if fb, ok := n.(interface{ FaultBody(Fault) []byte }); ok && f.Body == "" {
				body = fb.FaultBody(f) // the network's own words for the status
			} else if f.Body == "" {
				body = n.ErrorBody(http.StatusText(f.Status))
			}
			if f.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
			}
			if f.Status == http.StatusTooManyRequests {
				s.rateLimited.Add(1)
			}
			ct := "application/json; charset=utf-8"
			if et, ok := n.(interface{ ErrorContentType() string }); ok && f.Body == "" {
				ct = et.ErrorContentType()
			}
			w.Header().Set("Content-Type", ct)
			w.WriteHeader(f.Status)
			_, _ = w.Write(body)
			return
		case FaultReset:
			h(&discardWriter{h: http.Header{}}, r)
			// Cut the connection without an answer.
			panic(http.ErrAbortHandler)
		case FaultTimeout:
			h(&discardWriter{h: http.Header{}}, r)
			select {
			case <-r.Context().Done():
			case <-s.closing:
			}
			// Drop the connection without an answer.
			panic(http.ErrAbortHandler)
		}
	}
	h(w, r)
}

// wait sleeps d unless the client goes away or the server closes; it
// reports whether the request should go on.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.closing:
		return true
	}
}

// discardWriter swallows the answer of a request held by a timeout fault.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}
