package connectors

import (
	"context"
	"net/http"

	"github.com/rythmehq/rythme"
)

// AccountLimiter is implemented by networks whose servers announce their
// own limits (a Mastodon instance says in GET /api/v2/instance how long a
// status may be, how many files it takes and how large): what Info() says
// is then only the default, and validation of a post for an account uses
// the account's server's limits, which the connector keeps in the
// account's Meta at connect time (and RefreshLimits renews).
type AccountLimiter interface {
	// Limits returns Info() with acct's server's limits in place of the
	// network's defaults (acct nil, or without them: Info()).
	Limits(acct *rythme.Account) rythme.Network
	// ValidateFor is Validate against acct's server's limits.
	ValidateFor(acct *rythme.Account, text string) []string
}

// LimitsRefresher is implemented by networks whose servers' limits can
// change: the worker's daily sweep asks again and saves the answer in the
// account's Meta (only the keys returned change).
type LimitsRefresher interface {
	RefreshLimits(ctx context.Context, acct *rythme.Account, client *http.Client) (map[string]string, error)
}

// LimitsFor returns the limits that apply to posts for acct on c's network:
// its server's own where the connector knows them, else the network's.
func LimitsFor(c Connector, acct *rythme.Account) rythme.Network {
	if l, ok := c.(AccountLimiter); ok && acct != nil {
		return l.Limits(acct)
	}
	return c.Info()
}

// ValidateFor checks text for acct as LimitsFor says.
func ValidateFor(c Connector, acct *rythme.Account, text string) []string {
	if l, ok := c.(AccountLimiter); ok && acct != nil {
		return l.ValidateFor(acct, text)
	}
	return c.Validate(text)
}

// MetaLimitsAt is the account meta key of when its server's limits were
// last read (RFC 3339): the worker's sweep reads them again once they are a
// day old.
const MetaLimitsAt = "limits_at"
