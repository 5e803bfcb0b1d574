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
	// History reports whether rythme imports an account's earlier posts
	// with their engagement (on connect, and on request): the network's
	// API lists them. Set from the connector (connectors.HistoryReader).
	History bool `json:"history"`
	// Followers reports whether rythme reads the follower count of the
	// network's accounts daily, for audience growth: the network's API
	// gives it. Set from the connector (connectors.AudienceFetcher).
	Followers bool `json:"followers"`
	// Inbox reports whether rythme reads the comments and mentions of the
	// network's accounts into the inbox (its connector is an
	// InboxReader, and the app holds any permission the network requires);
	// GET /v1/networks fills it, with the fields below.
	Inbox bool `json:"inbox"`
	// InboxStreaming reports whether new comments reach the inbox as the
	// network streams them (Mastodon's streaming API), within seconds,
	// rather than by reading every few minutes.
	InboxStreaming bool `json:"inbox_streaming"`
	// InboxReply reports whether an inbox item can be answered from
	// rythme (the reply is published as a post in its conversation).
	InboxReply bool `json:"inbox_reply"`
	// Moderation lists the moderation actions the network lets an account
	// take on the comments under its posts: "hide", "unhide", "delete"
	// (empty: none; an inbox action outside it answers 422).
	Moderation []string `json:"moderation"`
	// FirstComment reports whether a post can carry a first comment,
	// published right after it (its connector is a connectors.Commenter);
	// GET /v1/networks fills it.
	FirstComment bool `json:"first_comment"`
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
	// Polls is what the network takes of a native poll (Post.Poll); nil
	// when it has none, or rythme does not publish them there. A Mastodon
	// instance's own limits replace the defaults (AccountLimiter).
	Polls *PollLimits `json:"polls"`
	// RateLimits are the network's documented limits, charged per HTTP
	// request (or per post for a posting quota); workers share them (in
	// Redis) and wait rather than earn a 429.
	RateLimits []RateLimit `json:"rate_limits,omitempty"`
	Docs       string      `json:"docs,omitempty"`
}

// RateLimit is at most Requests units per Period, counted per account
// ("account") or for the whole app ("app"). A unit is one HTTP request to
// the network (Counts "requests", the default), restricted to those of
// Method and whose path contains Path when they are set (a segment of Path
// written ":name" stands for any one segment of the path: "/2/users/:id/tweets");
// or one post
// published, whatever the requests it takes (Counts "posts": Instagram's
// and Threads' publishing quotas).
type RateLimit struct {
	Scope    string `json:"scope"`
	Requests int    `json:"requests"`
	// PeriodSeconds is the window, in seconds.
	PeriodSeconds int `json:"period_seconds"`
	// Counts is "requests" (default, also when empty) or "posts".
	Counts string `json:"counts,omitempty"`
	// Method and Path narrow a "requests" limit (empty: every request);
	// a ":name" segment of Path matches any one segment.
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
	return !r.PerPost() && (r.Method == "" || r.Method == method) && (r.Path == "" || pathContains(path, r.Path))
}

// pathContains reports whether path contains pattern, where a segment of
// pattern written ":name" stands for any one non-empty segment.
func pathContains(path, pattern string) bool {
	if !strings.Contains(pattern, "/:") {
		return strings.Contains(path, pattern)
	}
	want, got := strings.Split(pattern, "/"), strings.Split(path, "/")
	for start := 0; start+len(want) <= len(got); start++ {
		ok := true
		for i, w := range want {
			g := got[start+i]
			switch {
			case strings.HasPrefix(w, ":"):
				ok = g != ""
			case i == 0 && len(want) > 1:
				ok = strings.HasSuffix(g, w) // the first part may end a segment
			case i == len(want)-1 && len(want) > 1:
				ok = strings.HasPrefix(g, w) // the last may begin one
			default:
				ok = g == w
			}
			if !ok {
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
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
	// Poll is the votes of the post's poll, when it has one.
	Poll *PollResults `json:"poll,omitempty"`
}
