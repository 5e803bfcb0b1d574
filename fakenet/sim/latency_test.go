package sim_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// The delays a server draws have the median and 99th percentile asked for,
// and replay from the seed: computed from the draws, never timed.
func TestLatencyQuantilesFromTheSeed(t *testing.T) {
	t.Parallel()
	l := sim.Latency{P50: 250 * time.Millisecond, P99: 800 * time.Millisecond}
	const n = 200_000
	draws := sim.LatencyDraws(42, "mastodon", l, n)
	again := sim.LatencyDraws(42, "mastodon", l, n)
	if !slices.Equal(draws, again) {
		t.Fatal("the same seed and network drew different delays")
	}
	if other := sim.LatencyDraws(43, "mastodon", l, 100); slices.Equal(other, draws[:100]) {
		t.Fatal("another seed drew the same delays")
	}
	if other := sim.LatencyDraws(42, "x", l, 100); slices.Equal(other, draws[:100]) {
		t.Fatal("another network drew the same delays")
	}
	for _, d := range draws[:1000] {
		if d <= 0 {
			t.Fatalf("a delay of %s", d)
		}
	}
	q := sim.Quantiles(slices.Clone(draws), 0.5, 0.99)
	within := func(name string, got, want time.Duration, tol float64) {
		t.Helper()
		if r := float64(got)/float64(want) - 1; math.Abs(r) > tol {
			t.Errorf("%s of %d draws: %s, want %s ±%.0f%%", name, n, got, want, tol*100)
		}
	}
	within("p50", q[0], l.P50, 0.02)
	within("p99", q[1], l.P99, 0.04)
	// The distribution's own quantiles, as the report states them.
	within("Quantile(0.5)", l.Quantile(0.5), l.P50, 1e-6)
	within("Quantile(0.99)", l.Quantile(0.99), l.P99, 1e-6)
	within("Quantile(0.9)", sim.Quantiles(draws, 0.9)[0], l.Quantile(0.9), 0.02)

	fixed := sim.LatencyDraws(1, "mastodon", sim.Latency{P50: 100 * time.Millisecond, P99: 100 * time.Millisecond}, 50)
	for _, d := range fixed {
		if d != 100*time.Millisecond {
			t.Fatalf("a fixed latency drew %s", d)
		}
	}
}

func TestParseLatency(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	for _, tc := range []struct {
		in   string
		want sim.LatencyProfile
		str  string
	}{
		{"", nil, "off"},
		{"off", nil, "off"},
		{"250ms/800ms", sim.LatencyProfile{"": {250 * ms, 800 * ms}}, "250ms/800ms"},
		{"100ms", sim.LatencyProfile{"": {100 * ms, 100 * ms}}, "100ms"},
		{"mastodon=250ms/800ms, default=50ms/1s", sim.LatencyProfile{"mastodon": {250 * ms, 800 * ms}, "": {50 * ms, time.Second}},
			"default=50ms/1s,mastodon=250ms/800ms"},
	} {
		got, err := sim.ParseLatency(tc.in)
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if len(got) != len(tc.want) {
			t.Fatalf("%q: %v, want %v", tc.in, got, tc.want)
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Fatalf("%q: %v, want %v", tc.in, got, tc.want)
			}
		}
		if got.String() != tc.str {
			t.Errorf("%q written back as %q, want %q", tc.in, got.String(), tc.str)
		}
	}
	for _, bad := range []string{"fast", "-5ms", "800ms/250ms", "=250ms", "250ms,300ms", "mastodon=1s,mastodon=2s", "0s"} {
		if _, err := sim.ParseLatency(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
	p, _ := sim.ParseLatency("mastodon=250ms")
	if _, ok := p.For("x"); ok {
		t.Error("a network without latency and no default got one")
	}
	if l, ok := p.For("mastodon"); !ok || l.P50 != 250*ms {
		t.Errorf("mastodon: %v %v", l, ok)
	}
}
