// Package sim is what fakenet's simulated networks share: the Server (its
// configuration, the networks mounted under their prefixes, the record of
// publish requests, counters), faults, the control endpoints under
// /_fakenet/, the rate limiter, the engagement curves and the request
// helpers (bearer tokens, PKCE S256, form or JSON parameters).
//
// Each network lives in a package of its own (fakenet/mastodon,
// fakenet/x, …) that imports this one and exports a Factory; the root
// package fakenet lists the factories and wraps the Server in its public
// API. See fakenet's package comment for the control endpoints and the
// faults.
package sim
