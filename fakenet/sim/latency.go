package sim

import (
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Latency is a network's answer time: log-normal, given by its median (P50)
// and its 99th percentile (P99 ≥ P50). Real networks answer a publish in
// some 100–800 ms, with a long tail; a log-normal is the usual model of it.
type Latency struct {
	P50, P99 time.Duration
}

// z99 is the standard normal's 99th percentile.
const z99 = 2.3263478740408408

// sigma is the log-normal's shape: ln(P99/P50) / z99.
func (l Latency) sigma() float64 {
	if l.P99 <= l.P50 {
		return 0
	}
	return math.Log(float64(l.P99)/float64(l.P50)) / z99
}

// Quantile is the latency's q-quantile (0 < q < 1), the value a share q of
// the draws stays under.
func (l Latency) Quantile(q float64) time.Duration {
	return time.Duration(float64(l.P50) * math.Exp(l.sigma()*normalQuantile(q)))
}

// draw turns a standard normal draw into a delay.
func (l Latency) draw(z float64) time.Duration {
	return time.Duration(float64(l.P50) * math.Exp(l.sigma()*z))
}

func (l Latency) String() string {
	if l.P99 <= l.P50 {
		return l.P50.String()
	}
	return l.P50.String() + "/" + l.P99.String()
}

// LatencyProfile is the latency of each network by name; the key "" (written
// default) is every other network's. A network without one answers at once.
type LatencyProfile map[string]Latency

// For returns the latency of network and whether it has one.
func (p LatencyProfile) For(network string) (Latency, bool) {
	if l, ok := p[network]; ok {
		return l, l.P50 > 0
	}
	l, ok := p[""]
	return l, ok && l.P50 > 0
}

// String writes the profile as ParseLatency reads it.
func (p LatencyProfile) String() string {
	if len(p) == 0 {
		return "off"
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 1 && keys[0] == "" {
		return p[""].String()
	}
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		name := k
		if name == "" {
			name = "default"
		}
		parts = append(parts, name+"="+p[k].String())
	}
	return strings.Join(parts, ",")
}

// ParseLatency reads a latency profile: "250ms/800ms" (median/p99, every
// network), "250ms" (a fixed delay), "mastodon=250ms/800ms,default=100ms/300ms"
// (per network, default for the others), or "off" / "" (none).
func ParseLatency(s string) (LatencyProfile, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "off" {
		return nil, nil
	}
	p := LatencyProfile{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		name, spec, ok := strings.Cut(part, "=")
		if !ok {
			name, spec = "", part
		} else if name = strings.TrimSpace(name); name == "default" {
			name = ""
		} else if name == "" {
			return nil, fmt.Errorf("latency %q: a network name before =", part)
		}
		if _, dup := p[name]; dup {
			return nil, fmt.Errorf("latency %q: %s given twice", s, cmpOr(name, "default"))
		}
		l, err := parseOneLatency(spec)
		if err != nil {
			return nil, fmt.Errorf("latency %q: %w", part, err)
		}
		p[name] = l
	}
	return p, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func parseOneLatency(spec string) (Latency, error) {
	a, b, two := strings.Cut(strings.TrimSpace(spec), "/")
	p50, err := time.ParseDuration(strings.TrimSpace(a))
	if err != nil || p50 <= 0 {
		return Latency{}, fmt.Errorf("%q is not a positive duration such as 250ms", a)
	}
	p99 := p50
	if two {
		if p99, err = time.ParseDuration(strings.TrimSpace(b)); err != nil || p99 < p50 {
			return Latency{}, fmt.Errorf("the 99th percentile %q is not a duration at least the median %s", b, p50)
		}
	}
	return Latency{P50: p50, P99: p99}, nil
}

// latencyDraws is the sequence of a network's delays: the n-th request
// to reach the network waits the n-th draw of a generator seeded by
// (Config.Seed, network), so that a run replays with its seed.
type latencyDraws struct {
	mu  sync.Mutex
	lat Latency
	rng *rand.Rand
}

func newLatencyDraws(seed int64, network string, l Latency) *latencyDraws {
	h := fnv.New64a()
	h.Write([]byte(network))
	return &latencyDraws{lat: l, rng: rand.New(rand.NewPCG(uint64(seed), h.Sum64()))}
}

func (d *latencyDraws) next() time.Duration {
	d.mu.Lock()
	z := d.rng.NormFloat64()
	d.mu.Unlock()
	return d.lat.draw(z)
}

// LatencyDraws returns the first n delays the requests of network wait on a
// server with seed and latency l: the same sequence the server draws.
func LatencyDraws(seed int64, network string, l Latency, n int) []time.Duration {
	d := newLatencyDraws(seed, network, l)
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d.next()
	}
	return out
}

// SetLatency replaces the latency profile (nil: none); every network's
// sequence of draws starts again from the seed.
func (s *Server) SetLatency(p LatencyProfile) {
	draws := map[string]*latencyDraws{}
	for name := range s.networks {
		if l, ok := p.For(name); ok {
			draws[name] = newLatencyDraws(s.cfg.Seed, name, l)
		}
	}
	s.latMu.Lock()
	s.latency = maps.Clone(p)
	s.draws = draws
	s.latMu.Unlock()
}

// Latency returns the latency profile in force.
func (s *Server) Latency() LatencyProfile {
	s.latMu.Lock()
	defer s.latMu.Unlock()
	return maps.Clone(s.latency)
}

// delay is the wait of the next request to network (0: none).
func (s *Server) delay(network string) time.Duration {
	s.latMu.Lock()
	d := s.draws[network]
	s.latMu.Unlock()
	if d == nil {
		return 0
	}
	return d.next()
}

// Quantiles returns the q-quantiles of ds (sorted in place), nearest rank.
func Quantiles(ds []time.Duration, qs ...float64) []time.Duration {
	slices.Sort(ds)
	out := make([]time.Duration, len(qs))
	if len(ds) == 0 {
		return out
	}
	for i, q := range qs {
		out[i] = ds[min(len(ds)-1, int(math.Ceil(q*float64(len(ds))))-1)]
	}
	return out
}

// normalQuantile is the standard normal's inverse CDF (Acklam's rational
// approximation, relative error below 1.2e-9).
func normalQuantile(p float64) float64 {
	const (
		a1, a2, a3, a4, a5, a6 = -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00
		b1, b2, b3, b4, b5     = -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01
		c1, c2, c3, c4, c5, c6 = -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00
		d1, d2, d3, d4         = 7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00
		low                    = 0.02425
	)
	switch {
	case p <= 0:
		return math.Inf(-1)
	case p >= 1:
		return math.Inf(1)
	case p < low:
		q := math.Sqrt(-2 * math.Log(p))
		return (((((c1*q+c2)*q+c3)*q+c4)*q+c5)*q + c6) / ((((d1*q+d2)*q+d3)*q+d4)*q + 1)
	case p > 1-low:
		q := math.Sqrt(-2 * math.Log(1-p))
		return -(((((c1*q+c2)*q+c3)*q+c4)*q+c5)*q + c6) / ((((d1*q+d2)*q+d3)*q+d4)*q + 1)
	}
	q := p - 0.5
	r := q * q
	return (((((a1*r+a2)*r+a3)*r+a4)*r+a5)*r + a6) * q / (((((b1*r+b2)*r+b3)*r+b4)*r+b5)*r + 1)
}
