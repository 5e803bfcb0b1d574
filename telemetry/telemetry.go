// Package telemetry holds rythme's Prometheus metrics: HTTP requests,
// publishes by network and outcome, publishing lateness, queue depth. It
// only counts; it never decides anything, and labels never hold ids,
// content or secrets (their number must stay small).
package telemetry

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics is the set of collectors one process registers.
type Metrics struct {
	Registry *prometheus.Registry

	HTTPRequests *prometheus.CounterVec   // method, route, status
	HTTPDuration *prometheus.HistogramVec // method, route
	Publishes    *prometheus.CounterVec   // network, outcome
	Lateness     *prometheus.HistogramVec // network: seconds from scheduled time to the network call
	Reconciled   *prometheus.CounterVec   // action: enqueued, requeued, unconfirmed
}

// New registers every collector on a fresh registry, with the Go and
// process collectors.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rythme_http_requests_total", Help: "HTTP requests served, by route and status.",
		}, []string{"method", "route", "status"}),
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "rythme_http_request_duration_seconds", Help: "HTTP request latency.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"method", "route"}),
		Publishes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rythme_publishes_total", Help: "Publish attempts by network and outcome (published, failed, unconfirmed, held, retry, rate_limited).",
		}, []string{"network", "outcome"}),
		Lateness: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "rythme_publish_lateness_seconds", Help: "Seconds from a post's scheduled time to the start of its network call.",
			Buckets: []float64{0, .05, .1, .25, .5, 1, 2, 5, 10, 30, 60, 300},
		}, []string{"network"}),
		Reconciled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rythme_reconciled_total", Help: "Targets put right by the reconciler, by action.",
		}, []string{"action"}),
	}
	m.Registry.MustRegister(m.HTTPRequests, m.HTTPDuration, m.Publishes, m.Lateness, m.Reconciled,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
