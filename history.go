package rythme

import (
	"context"
	"time"
)

// Where a post comes from (Post.Origin): "" for a post made in rythme;
// OriginImported for one an account published outside rythme, read back
// from the network with its engagement (history on connect). An imported
// post is published already: no sweep or worker ever publishes it, and
// only its tags and author can be edited.
const OriginImported = "imported"

// History import: how far back an account's earlier posts are read, and
// at most how many, when it connects or a manager asks.
const (
	HistoryWindow   = 90 * 24 * time.Hour
	HistoryMaxPosts = 300
)

// HistoryStatus says where an account's history import stands.
type HistoryStatus string

const (
	HistoryRunning HistoryStatus = "running" // queued or reading: imported and cursor grow
	HistoryDone    HistoryStatus = "done"    // every post of the window read (or HistoryMaxPosts)
	HistoryFailed  HistoryStatus = "failed"  // stopped on Error; asking again resumes at the cursor
)

// HistoryImport is how reading an account's earlier posts fares, shown on
// the account (GET /v1/accounts/{id}).
type HistoryImport struct {
	Status HistoryStatus `json:"status"`
	// Since is the oldest publication time read (the start of the window).
	Since time.Time `json:"since"`
	// Imported counts the posts this import stored; posts already known
	// (imported before, or published by rythme) are not counted again.
	Imported int `json:"imported"`
	// Read counts the posts the network listed so far (HistoryMaxPosts at
	// most); Cursor is where the next page starts (the network's own
	// paging token): a crashed import continues from it.
	Read       int        `json:"read"`
	Cursor     string     `json:"cursor,omitempty"`
	StartedAt  time.Time  `json:"started_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Error      string     `json:"error,omitempty"`
}

// HistoryPost is one of an account's posts as the network lists it: what
// an import stores as an imported post with one reading.
type HistoryPost struct {
	ExternalID  string
	URL         string
	Text        string
	PublishedAt time.Time
	// Metrics is its engagement when listed (Metrics.At: when read).
	Metrics Metrics
}

// HistoryStore keeps the posts an account published outside rythme and
// how their import fares.
type HistoryStore interface {
	// StartHistory marks the account's import running from since, at now.
	// An import that finished (done), or none, starts over (cursor, read
	// and imported counts cleared); one that failed, or is running but
	// has not moved since staleBefore (its task was lost), goes on from
	// its cursor with its counts and window. ECONFLICT when one is running
	// and moved at or after staleBefore; ENOTFOUND if no such account.
	// It returns the import as it now stands.
	StartHistory(ctx context.Context, accountID string, since, now, staleBefore time.Time) (*HistoryImport, error)
	// SaveHistoryPage stores, in one transaction, the page's posts the
	// account does not have yet (unique on account and the network's
	// post id, rythme's own posts and their thread parts included) as
	// imported posts, each published with one reading, and moves the
	// cursor; done finishes the import. It returns how many posts were
	// added. ECONFLICT when the import is not running (nothing stored).
	SaveHistoryPage(ctx context.Context, accountID string, posts []HistoryPost, cursor string, done bool, now time.Time) (int, error)
	// FailHistory stops a running import with reason (its cursor kept).
	FailHistory(ctx context.Context, accountID, reason string, now time.Time) error
}
