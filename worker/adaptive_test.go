package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/rythmehq/rythme/worker"
)

// The bound grows by one per call completed while it is in use, shrinks by
// a quarter (once per round trip) on overload, stays within [min, max],
// and hands freed slots to waiters.
func TestAdaptiveGrowsAndShrinks(t *testing.T) {
	a := worker.NewAdaptive(4, 2, 6)
	ctx := context.Background()
	for range 4 {
		if err := a.Acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := a.Acquire(short); err == nil {
		t.Fatal("a 5th call got a slot under a bound of 4")
	}
	waiter := make(chan error, 1)
	go func() { waiter <- a.Acquire(ctx) }()
	for a.InFlight() != 4 || !waiting(a) {
		time.Sleep(time.Millisecond)
	}
	// A call completes in its usual time with the bound in use: 4 → 5, and
	// the waiter gets the freed slot and the new one is free.
	a.Release(250*time.Millisecond, false)
	if err := <-waiter; err != nil {
		t.Fatal(err)
	}
	if a.Limit() != 5 || a.InFlight() != 4 {
		t.Fatalf("after a good call: bound %d, in flight %d; want 5, 4", a.Limit(), a.InFlight())
	}
	for range 5 { // growth stops at max
		if err := a.Acquire(ctx); err != nil {
			t.Fatal(err)
		}
		a.Release(250*time.Millisecond, false)
	}
	if a.Limit() != 6 {
		t.Fatalf("bound %d, want the max 6", a.Limit())
	}
	// Overload: a quarter less, once per round trip (the calls in flight
	// all saw the same overload).
	a.Release(10*time.Second, true)
	if got := a.Limit(); got != 4 {
		t.Fatalf("after an overload: %d, want 6×0.75 = 4", got)
	}
	a.Release(10*time.Second, true)
	if got := a.Limit(); got != 4 {
		t.Fatalf("a second overload in the same round trip shrank it again: %d", got)
	}
	if a.InFlight() != 2 {
		t.Fatalf("in flight %d, want 2", a.InFlight())
	}
	b := worker.NewAdaptive(3, 3, 10)
	if err := b.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	b.Release(time.Second, true)
	if b.Limit() != 3 {
		t.Fatalf("below the min: %d", b.Limit())
	}
}

// waiting reports whether a call waits for a slot: one more Acquire with
// an ended context fails at once either way, so look at the bound instead.
func waiting(a *worker.Adaptive) bool { return a.Waiting() > 0 }

func TestNetworkLimitsOnePerNetwork(t *testing.T) {
	n := &worker.NetworkLimits{Initial: 64, Min: 4, Max: 1024}
	m := n.Of("mastodon")
	if n.Of("mastodon") != m || m == n.Of("x") || n.Of("x").Limit() != 64 {
		t.Fatal("one bound per network, starting at Initial")
	}
}
