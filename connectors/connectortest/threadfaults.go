package connectortest

import (
	"fmt"
	"net/http"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/fakenet"
)

// ThreadParts is the thread the fault matrix publishes: three parts.
var ThreadParts = []string{"1/3 the matrix starts", "2/3 it goes on", "3/3 it ends"}

// ThreadFault is one cell of the thread fault matrix: a fault on the
// publish request of one part (0: the first post) of ThreadParts.
type ThreadFault struct {
	Part int
	// Kind is 5xx (a 503), 429 (with Retry-After), timeout (acted on, no
	// answer until the client gives up) or reset (acted on, connection
	// cut).
	Kind string
}

// Name is "part2/503"-like, for subtests.
func (f ThreadFault) Name() string { return fmt.Sprintf("part%d/%s", f.Part+1, f.Kind) }

// ThreadFaultMatrix is every part position × every kind of fault.
func ThreadFaultMatrix() []ThreadFault {
	var out []ThreadFault
	for part := range ThreadParts {
		for _, kind := range []string{"5xx", "429", "timeout", "reset"} {
			out = append(out, ThreadFault{Part: part, Kind: kind})
		}
	}
	return out
}

// Fault is the fakenet fault for the cell on network: it lets the parts
// before through and hits the part's publish request once.
func (f ThreadFault) Fault(network string) fakenet.Fault {
	fault := fakenet.Fault{Network: network, Match: "publish", Skip: f.Part, Count: 1}
	switch f.Kind {
	case "5xx":
		fault.Kind, fault.Status = fakenet.FaultStatus, http.StatusServiceUnavailable
	case "429":
		fault.Kind, fault.Status, fault.RetryAfter = fakenet.FaultStatus, http.StatusTooManyRequests, 1
	case "timeout":
		fault.Kind = fakenet.FaultTimeout
	case "reset":
		fault.Kind = fakenet.FaultReset
	}
	return fault
}

// Acted reports whether the faulted request created its post on the
// network (the client cannot tell).
func (f ThreadFault) Acted() bool { return f.Kind == "timeout" || f.Kind == "reset" }

// Want is the target's final status once retries ran: published after a
// 5xx or a 429; after an unknown outcome, published where the server
// dedupes a retry, unconfirmed where it cannot (never re-sent blind).
func (f ThreadFault) Want(dedupes bool) rythme.TargetStatus {
	if f.Acted() && !dedupes {
		return rythme.TargetUnconfirmed
	}
	return rythme.TargetPublished
}
