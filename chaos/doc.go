// Package chaos measures rythme's three promises — never early, never
// twice, never lost — while it is being broken on purpose. Its tests build
// the real `rythme` binary, start their own PostgreSQL cluster and Redis
// server on free ports, run `rythme fakenet`, `rythme serve` and several
// `rythme work` processes, schedule a few thousand posts through the HTTP
// API, and then kill workers with SIGKILL, restart or wipe Redis, crash
// PostgreSQL and inject network faults. The figures come from fakenet's own
// record of what reached the network and from the store, seen through the
// API; see docs/reliability.md.
//
// This package holds the helpers: the services ([Redis], [Postgres]), the
// processes ([Proc]), the API and fakenet clients ([Client], [Fakenet]) and
// the accounting ([Tally]). The suite itself is chaos_test.go; it runs only
// when RYTHME_CHAOS=1.
//
// It must never touch a service it did not start: every server it runs
// listens on loopback, on a free port, with its data in a temporary
// directory, so that it can be killed and restarted at will. It never
// weakens a measurement to make a run pass.
package chaos
