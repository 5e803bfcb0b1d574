// Package faultproxy is a reverse proxy for tests that stands between
// rythme and a real server (GoToSocial in the peer suite) and breaks
// chosen requests the ways networks break: an error answered without
// forwarding (503, 429 with Retry-After), or the request forwarded — so
// the server acts on it — and then no answer: the connection held until
// the client gives up (a timeout after sending) or reset.
//
// It is test support only: it never runs in rythme, keeps no state beyond
// its counters, and never rewrites what it forwards.
package faultproxy

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// Kind is what the proxy does to a matching request.
type Kind int

const (
	// Status answers Rule.Status (with Retry-After when Rule.RetryAfter
	// is set) and does not forward the request.
	Status Kind = iota
	// TimeoutAfterSent forwards the request, lets the server answer, and
	// answers nothing: the connection is held until the client gives up
	// (or MaxHold passes, then it is closed).
	TimeoutAfterSent
	// ResetAfterSent forwards the request, lets the server answer, and
	// resets the client's connection (TCP RST) instead of answering.
	ResetAfterSent
)

func (k Kind) String() string {
	switch k {
	case Status:
		return "status"
	case TimeoutAfterSent:
		return "timeout after sent"
	case ResetAfterSent:
		return "reset after sent"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Rule breaks the N-th request (counted from 1, per method and path, from
// the proxy's start or its last Reset) whose method and path (without the
// query) are Method and Path.
type Rule struct {
	Method, Path string
	N            int
	Kind         Kind
	Status       int // for Kind Status, e.g. 503 or 429
	RetryAfter   int // seconds; 0 sends no Retry-After
}

// Proxy forwards to one upstream server, breaking the requests its rules
// match. Create it with New; it is an http.Handler.
type Proxy struct {
	// MaxHold bounds how long TimeoutAfterSent holds a connection
	// (default 2 minutes), so a client without a timeout cannot hang a
	// test forever.
	MaxHold time.Duration

	rp   *httputil.ReverseProxy
	done chan struct{}

	mu     sync.Mutex
	rules  []Rule
	counts map[string]int // method+" "+path → requests seen
	broken []string       // what was broken, in order, for failure messages
	closed bool
}

// New returns a proxy to upstream (scheme and host; its path is ignored).
func New(upstream *url.URL) *Proxy {
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: upstream.Scheme, Host: upstream.Host})
	return &Proxy{rp: rp, done: make(chan struct{}), counts: map[string]int{}, MaxHold: 2 * time.Minute}
}

// Add adds a rule.
func (p *Proxy) Add(r Rule) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = append(p.rules, r)
}

// Reset drops the rules and the counters.
func (p *Proxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules, p.counts, p.broken = nil, map[string]int{}, nil
}

// Count returns how many method requests to path the proxy has seen.
func (p *Proxy) Count(method, path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[method+" "+path]
}

// Broken lists the requests broken so far, e.g. "POST /api/v1/statuses #2:
// status 503".
func (p *Proxy) Broken() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.broken...)
}

// Close releases the connections TimeoutAfterSent holds.
func (p *Proxy) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		close(p.done)
	}
}

// match counts the request and returns the rule that breaks it, if any.
func (p *Proxy) match(r *http.Request) (Rule, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := r.Method + " " + r.URL.Path
	p.counts[key]++
	n := p.counts[key]
	for _, rule := range p.rules {
		if rule.Method == r.Method && rule.Path == r.URL.Path && rule.N == n {
			what := rule.Kind.String()
			if rule.Kind == Status {
				what += " " + strconv.Itoa(rule.Status)
			}
			p.broken = append(p.broken, key+" #"+strconv.Itoa(n)+": "+what)
			return rule, true
		}
	}
	return Rule{}, false
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rule, ok := p.match(r)
	if !ok {
		p.rp.ServeHTTP(w, r)
		return
	}
	switch rule.Kind {
	case Status:
		if rule.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(rule.RetryAfter))
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rule.Status)
		w.Write([]byte(`{"error":"injected by faultproxy"}`))
		return
	}
	// Forward and let the server finish, answer into nothing; the server
	// gets the request even if the client has given up meanwhile.
	p.rp.ServeHTTP(httptest.NewRecorder(), r.WithContext(context.WithoutCancel(r.Context())))
	switch rule.Kind {
	case TimeoutAfterSent:
		hold := time.NewTimer(p.MaxHold)
		defer hold.Stop()
		select {
		case <-r.Context().Done():
		case <-p.done:
		case <-hold.C:
		}
		reset(w)
	case ResetAfterSent:
		reset(w)
	}
}

// reset closes the client's connection with a TCP RST, answering nothing.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}
