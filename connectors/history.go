package connectors

import (
	"context"
	"net/http"
	"time"

	"github.com/rythmehq/rythme"
)

// HistoryReader is implemented by networks whose API lists an account's
// own earlier posts with their engagement: rythme imports them when the
// account connects (and when a manager asks), so that a period before
// rythme can be compared with the periods after.
//
// ReadHistory reads one page of the account's own posts, newest first:
// req.Cursor is "" for the first page, else a Next an earlier page gave.
// It returns the page's posts published at or after req.Since (reposts of
// others' posts and, where the network tells, replies are left out), each
// with its engagement mapped as FetchMetrics maps it, and Next: the
// cursor of the page after, "" when there is none or the page reached
// posts older than req.Since. Errors are *Error values as for every
// network call (a rate limit is RateLimited with RetryAfter).
type HistoryReader interface {
	ReadHistory(ctx context.Context, acct *rythme.Account, client *http.Client, req HistoryRequest) (*HistoryPage, error)
}

// HistoryRequest asks for one page of an account's earlier posts.
type HistoryRequest struct {
	Since  time.Time
	Cursor string
	// Limit is the most posts wanted on the page; the connector asks for
	// min(Limit, the network's page size) (0: the network's page size).
	Limit int
}

// HistoryPage is one page of an account's earlier posts.
type HistoryPage struct {
	Posts []rythme.HistoryPost
	Next  string
}

// HasHistory reports whether c reads an account's earlier posts.
func HasHistory(c Connector) bool {
	_, ok := c.(HistoryReader)
	return ok
}
