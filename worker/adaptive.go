package worker

import (
	"context"
	"sync"
	"time"
)

// Adaptive bounds the calls in flight to one network, and moves the bound
// with what the calls show (AIMD, as TCP and Netflix's concurrency-limits
// do): it grows by one per call that completes while the bound is in use,
// so it doubles about once per round trip; it shrinks by a quarter, at most
// once per round trip (the mean latency), when a call shows the network
// overloaded: a 429, a 5xx, a call whose outcome is unknown. Latency alone
// does not shrink it: on a busy machine the calls slow down because this
// process waits for a core, and fewer calls in flight would only make the
// queue longer. The account's and the network's rate limits are charged
// apart (Limits): this bound keeps an overloaded network from taking every
// goroutine.
type Adaptive struct {
	min, max int

	mu           sync.Mutex
	limit        float64
	inFlight     int
	waiters      []chan struct{}
	mean         float64 // EWMA of the latency, seconds, over the last ~100 calls
	lastDecrease time.Time
	now          func() time.Time
}

// NewAdaptive returns a bound starting at initial, kept within [min, max].
func NewAdaptive(initial, min, max int) *Adaptive {
	initial = clamp(initial, min, max)
	return &Adaptive{min: min, max: max, limit: float64(initial), now: time.Now}
}

func clamp(v, lo, hi int) int { return max(lo, min(hi, v)) }

// Limit is the bound now.
func (a *Adaptive) Limit() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return int(a.limit)
}

// InFlight is the calls holding a slot now.
func (a *Adaptive) InFlight() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.inFlight
}

// Waiting is the calls waiting for a slot now.
func (a *Adaptive) Waiting() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.waiters)
}

// Acquire waits for a slot (or for ctx to end).
func (a *Adaptive) Acquire(ctx context.Context) error {
	a.mu.Lock()
	if a.inFlight < int(a.limit) {
		a.inFlight++
		a.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	a.waiters = append(a.waiters, ch)
	a.mu.Unlock()
	select {
	case <-ch: // the slot was handed over
		return nil
	case <-ctx.Done():
		a.mu.Lock()
		defer a.mu.Unlock()
		for i, w := range a.waiters {
			if w == ch {
				a.waiters = append(a.waiters[:i], a.waiters[i+1:]...)
				return ctx.Err()
			}
		}
		// Handed over as ctx ended: give it back.
		a.inFlight--
		a.handOver()
		return ctx.Err()
	}
}

// Release gives the slot back, with the call's latency and whether it
// showed overload.
func (a *Adaptive) Release(latency time.Duration, overloaded bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	inUse := a.inFlight*2 >= int(a.limit)
	a.inFlight--
	s := latency.Seconds()
	if a.mean == 0 {
		a.mean = s
	} else {
		a.mean += (s - a.mean) * 0.01
	}
	now := a.now()
	switch {
	case overloaded:
		// Once per round trip: the calls in flight when it began all saw
		// the same overload.
		if now.Sub(a.lastDecrease) >= time.Duration(a.mean*float64(time.Second)) {
			a.limit = max(float64(a.min), a.limit*0.75)
			a.lastDecrease = now
		}
	case inUse:
		a.limit = min(float64(a.max), a.limit+1)
	}
	a.handOver()
}

// handOver gives free slots to waiters, oldest first.
func (a *Adaptive) handOver() {
	for len(a.waiters) > 0 && a.inFlight < int(a.limit) {
		a.inFlight++
		close(a.waiters[0])
		a.waiters = a.waiters[1:]
	}
}

// NetworkLimits holds an Adaptive bound per network, each made on first
// use from Initial, Min and Max.
type NetworkLimits struct {
	Initial, Min, Max int

	mu sync.Mutex
	by map[string]*Adaptive
}

// Of returns the bound of network.
func (n *NetworkLimits) Of(network string) *Adaptive {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.by == nil {
		n.by = map[string]*Adaptive{}
	}
	a := n.by[network]
	if a == nil {
		a = NewAdaptive(n.Initial, n.Min, n.Max)
		n.by[network] = a
	}
	return a
}
