package chaos

import (
	"fmt"
	"sort"
	"time"
)

// Tally is the account of one run: every target the suite scheduled,
// checked against what fakenet received (its record, keyed by the
// idempotency key, which is the target id) and what the store says (the
// API). Every target falls in exactly one of ExactlyOnce, Duplicates,
// Unconfirmed, Failed, Held, Lost and Mismatch; Early is counted apart.
type Tally struct {
	Posts int // targets scheduled

	// ExactlyOnce: created once on the network, published in the store,
	// with the external id of the status the network created.
	ExactlyOnce int
	// Duplicates: created more than once on the network.
	Duplicates int
	// Unconfirmed: the store says unconfirmed (raised to a person).
	Unconfirmed int
	// Failed and Held: not on the network, and the store says so.
	Failed, Held int
	// Lost: not on the network, and the store does not say why (still
	// scheduled or publishing after the drain, or published without a
	// post on the network).
	Lost int
	// Mismatch: on the network once, but the store disagrees (not
	// published, or another external id).
	Mismatch int
	// Early: a publish request reached the network before the target's
	// scheduled time.
	Early int

	// Of the unconfirmed: how many the network received more than once
	// (re-sent blind), how many GET /v1/posts?status=unconfirmed does not
	// list, and how many are on accounts whose server dedupes (where an
	// unknown outcome must be retried, not raised).
	UnconfirmedResent, UnconfirmedNotListed, UnconfirmedIdempotent int
	// UnconfirmedOnNetwork: unconfirmed ones that did reach the network
	// (the person resolving them will find the post there).
	UnconfirmedOnNetwork int

	// Requests: publish requests that reached the network; Deduplicated:
	// those answered from the idempotency key; Stray: requests whose key
	// is no target of the run.
	Requests, Deduplicated, Stray int

	// Lateness of the first creation on the network after the scheduled
	// time: median, 99th percentile, maximum.
	LateP50, LateP99, LateMax time.Duration

	// Problems lists up to 50 targets in a bad bucket, for the log.
	Problems []string
}

// Count checks targets against the network's records. idempotent says
// whether an account's server dedupes (the account's meta); unconfirmed is
// the set of target ids GET /v1/posts?status=unconfirmed listed.
func Count(targets []Target, records []Record, idempotent map[string]bool, unconfirmed map[string]bool) Tally {
	var t Tally
	byKey := map[string][]Record{}
	for _, r := range records {
		byKey[r.IdempotencyKey] = append(byKey[r.IdempotencyKey], r)
		t.Requests++
		if !r.Created && r.ID != "" {
			t.Deduplicated++
		}
	}
	known := map[string]bool{}
	problem := func(format string, args ...any) {
		if len(t.Problems) < 50 {
			t.Problems = append(t.Problems, fmt.Sprintf(format, args...))
		}
	}
	var late []time.Duration
	for _, tg := range targets {
		known[tg.ID] = true
		t.Posts++
		recs := byKey[tg.ID]
		var created []Record
		early := false
		for _, r := range recs {
			if r.Created {
				created = append(created, r)
			}
			if r.ReceivedAt.Before(tg.ScheduledAt) {
				early = true
			}
		}
		if early {
			t.Early++
			problem("EARLY %s: scheduled %s, a request reached the network at %s", tg.ID,
				tg.ScheduledAt.Format(time.RFC3339Nano), recs[0].ReceivedAt.Format(time.RFC3339Nano))
		}
		if len(created) > 0 {
			late = append(late, created[0].ReceivedAt.Sub(tg.ScheduledAt))
		}
		switch {
		case len(created) > 1:
			t.Duplicates++
			problem("DUPLICATE %s: created %d times on the network (store: %s, %d attempts)", tg.ID, len(created), tg.Status, tg.Attempts)
		case tg.Status == "unconfirmed":
			t.Unconfirmed++
			if len(created) == 1 {
				t.UnconfirmedOnNetwork++
			}
			if len(recs) > 1 {
				t.UnconfirmedResent++
				problem("RESENT %s: unconfirmed, yet the network received it %d times", tg.ID, len(recs))
			}
			if !unconfirmed[tg.ID] {
				t.UnconfirmedNotListed++
				problem("NOT SURFACED %s: unconfirmed but not listed by GET /v1/posts?status=unconfirmed", tg.ID)
			}
			if idempotent[tg.AccountID] {
				t.UnconfirmedIdempotent++
				problem("UNCONFIRMED ON A DEDUPING SERVER %s: %s", tg.ID, tg.LastError)
			}
		case len(created) == 1 && tg.Status == "published" && tg.ExternalID == created[0].ID:
			t.ExactlyOnce++
		case len(created) == 0 && tg.Status == "failed":
			t.Failed++
			problem("FAILED %s: %s", tg.ID, tg.LastError)
		case len(created) == 0 && tg.Status == "held":
			t.Held++
			problem("HELD %s: %s", tg.ID, tg.LastError)
		case len(created) == 0:
			t.Lost++
			problem("LOST %s: never reached the network; store says %s (attempts %d, last error %q)", tg.ID, tg.Status, tg.Attempts, tg.LastError)
		default:
			t.Mismatch++
			problem("MISMATCH %s: created on the network as %s; store says %s with external id %q", tg.ID, created[0].ID, tg.Status, tg.ExternalID)
		}
	}
	for key, recs := range byKey {
		if !known[key] {
			t.Stray += len(recs)
			problem("STRAY request with idempotency key %q (%d times): no target of this run", key, len(recs))
		}
	}
	if len(late) > 0 {
		sort.Slice(late, func(i, j int) bool { return late[i] < late[j] })
		t.LateP50 = late[len(late)/2]
		t.LateP99 = late[min(len(late)-1, len(late)*99/100)]
		t.LateMax = late[len(late)-1]
	}
	return t
}

// Failures lists the goals the tally misses: 0 lost, 0 duplicates, 0
// early, every post accounted for, and every unconfirmed one surfaced,
// on a server that cannot dedupe, and never re-sent.
func (t Tally) Failures() []string {
	var out []string
	check := func(n int, what string) {
		if n != 0 {
			out = append(out, fmt.Sprintf("%d %s", n, what))
		}
	}
	check(t.Lost, "lost (never reached the network, and the store does not say why)")
	check(t.Duplicates, "duplicates (created more than once on the network)")
	check(t.Early, "early (reached the network before their time)")
	check(t.Mismatch, "on the network but not recorded as such in the store")
	check(t.Failed, "failed (no fault of this run refuses a post)")
	check(t.Held, "still held (their account was reconnected)")
	check(t.UnconfirmedResent, "unconfirmed yet re-sent")
	check(t.UnconfirmedNotListed, "unconfirmed but not listed by status=unconfirmed")
	check(t.UnconfirmedIdempotent, "unconfirmed on a server that dedupes (a retry was safe)")
	check(t.Stray, "requests on the network that no target of the run made")
	return out
}
