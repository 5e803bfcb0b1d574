package rythme

import (
	"strings"
	"time"
)

// Network describes a supported network and its limits, as GET /v1/networks
// shows it.
type Network struct {
	Name  string `json:"name"`  // "mastodon"
	Title string `json:"title"` // "Mastodon"
	// Auth is how an account connects: "oauth2", "webhook" or "app_password".
	Auth string `json:"auth"`
	// ConnectParams names what POST /v1/accounts/{network}/connect needs;
	// ConnectOptional what it may also take (Facebook's page_id…).
	ConnectParams   []string `json:"connect_params"`
	ConnectOptional []string `json:"connect_optional,omitempty"`
	// MaxLength is the longest post, counted as the network counts.
	MaxLength int `json:"max_length"`
	// URLLength is what one URL counts for (0: as written).
	URLLength int `json:"url_length,omitempty"`
	// IdempotencyKey reports whether the network dedupes retries sent with
	// the same key, so that an unknown outcome can be retried safely.
	IdempotencyKey bool `json:"idempotency_key"`
	Metrics        bool `json:"metrics"`
	// Threads reports whether a post can be a thread of replies.
	Threads bool `json:"threads"`
	// Media limits: at most MaxMedia files of MediaTypes, each within the
	// size limit of its kind; RequiresMedia for networks that publish only
	// media (Instagram, TikTok).
	MaxMedia      int      `json:"max_media"`
	MediaTypes    []string `json:"media_types,omitempty"`
	MaxImageBytes int64    `json:"max_image_bytes,omitempty"`
	MaxVideoBytes int64    `json:"max_video_bytes,omitempty"`
	RequiresMedia bool     `json:"requires_media,omitempty"`
	// MaxAltText is the longest alt text of one file (0: no limit of the
	// network's own).
	MaxAltText int `json:"max_alt_text,omitempty"`
	// MaxPollOptions is the most options a poll may have, where the server
	// says (a Mastodon instance's configuration.polls.max_options).
	MaxPollOptions int `json:"max_poll_options,omitempty"`
	// RateLimits are the network's documented limits, charged per HTTP
	// request (or per post for a posting quota); workers share them (in
	// Redis) and wait rather than earn a 429.
	RateLimits []RateLimit `json:"rate_limits,omitempty"`
	Docs       string      `json:"docs,omitempty"`
}

// RateLimit is at most Requests units per Period, counted per account
// ("account") or for the whole app ("app"). A unit is one HTTP request to
// the network (Counts "requests", the default), restricted to those of
// Method and whose path contains Path when they are set; or one post
// published, whatever the requests it takes (Counts "posts": Instagram's
// and Threads' publishing quotas).
type RateLimit struct {
	Scope    string `json:"scope"`
	Requests int    `json:"requests"`
	// PeriodSeconds is the window, in seconds.
	PeriodSeconds int `json:"period_seconds"`
	// Counts is "requests" (default, also when empty) or "posts".
	Counts string `json:"counts,omitempty"`
	// Method and Path narrow a "requests" limit (empty: every request).
	Method string `json:"method,omitempty"`
	Path   string `json:"path,omitempty"`
}

// RateLimit units.
const (
	CountsRequests = "requests"
	CountsPosts    = "posts"
)

// PerPost reports whether the limit counts posts rather than requests.
func (r RateLimit) PerPost() bool { return r.Counts == CountsPosts }

// Matches reports whether an HTTP request of method to path counts
// against a "requests" limit.
func (r RateLimit) Matches(method, path string) bool {
	return !r.PerPost() && (r.Method == "" || r.Method == method) && (r.Path == "" || strings.Contains(path, r.Path))
}

// Metrics is one reading of a published post's engagement, normalised
// across networks. A field a network does not give is nil.
type Metrics struct {
	TargetID    string    `json:"target_id"`
	ExternalID  string    `json:"external_id"`
	At          time.Time `json:"at"`
	Impressions *int64    `json:"impressions,omitempty"`
	Reach       *int64    `json:"reach,omitempty"`
	Likes       *int64    `json:"likes,omitempty"`
	Comments    *int64    `json:"comments,omitempty"`
	Shares      *int64    `json:"shares,omitempty"`
	Saves       *int64    `json:"saves,omitempty"`
	Clicks      *int64    `json:"clicks,omitempty"`
	VideoViews  *int64    `json:"video_views,omitempty"`
	// Deleted is set when the network says the post no longer exists.
	Deleted bool `json:"deleted,omitempty"`
}
