package fakenet

import (
	"net/http"
	"strings"
	"time"

	"github.com/rythmehq/rythme/fakenet/bluesky"
	"github.com/rythmehq/rythme/fakenet/discord"
	"github.com/rythmehq/rythme/fakenet/facebook"
	"github.com/rythmehq/rythme/fakenet/instagram"
	"github.com/rythmehq/rythme/fakenet/linkedin"
	"github.com/rythmehq/rythme/fakenet/mastodon"
	"github.com/rythmehq/rythme/fakenet/reddit"
	"github.com/rythmehq/rythme/fakenet/sim"
	"github.com/rythmehq/rythme/fakenet/slack"
	"github.com/rythmehq/rythme/fakenet/teams"
	"github.com/rythmehq/rythme/fakenet/threads"
	"github.com/rythmehq/rythme/fakenet/tiktok"
	"github.com/rythmehq/rythme/fakenet/x"
)

// networks builds every simulated network; each lives in its own package
// (fakenet/<name>) and is served under the prefix /<name>.
var networks = []sim.Factory{
	mastodon.New,
	x.New,
	linkedin.New,
	reddit.New,
	facebook.New,
	instagram.New,
	threads.New,
	bluesky.New,
	discord.New,
	slack.New,
	teams.New,
	tiktok.New,
}

// The types shared by every network live in fakenet/sim; these are the
// same types under their historical names.
type (
	// Config configures a Server. The zero value is usable.
	Config = sim.Config
	// Post is one publish request that reached a network's handler.
	Post = sim.Post
	// Stats counts what the server saw since it started or was reset.
	Stats = sim.Stats
	// Fault changes how a network answers some requests.
	Fault = sim.Fault
	// FaultKind is what a Fault does.
	FaultKind = sim.FaultKind
	// Latency is a network's log-normal answer time (median and p99).
	Latency = sim.Latency
	// LatencyProfile is the latency of each network (key "": the others).
	LatencyProfile = sim.LatencyProfile
	// Engagement is a post's simulated engagement.
	Engagement = sim.Engagement
	// XKeys are OAuth 1.0a keys of a simulated X app (see Server.XBotKeys).
	XKeys = x.XKeys
	// XTweet is an X post as fakenet's X holds it (see Server.XTweet).
	XTweet = x.XTweet
	// XMedia is an uploaded media file as fakenet's X holds it.
	XMedia = x.XMedia
)

// The kinds of Fault.
const (
	FaultLatency           = sim.FaultLatency
	FaultStatus            = sim.FaultStatus
	FaultTimeout           = sim.FaultTimeout
	FaultReset             = sim.FaultReset
	FaultRevoke            = sim.FaultRevoke
	FaultIgnoreIdempotency = sim.FaultIgnoreIdempotency
)

// EngagementAt returns the engagement of post id on network after age,
// drawn from seed (see sim.EngagementAt).
func EngagementAt(seed int64, network, id string, age time.Duration) Engagement {
	return sim.EngagementAt(seed, network, id, age)
}

// FollowersAt returns the followers of username on network after age,
// drawn from seed (see sim.FollowersAt).
func FollowersAt(seed int64, network, username string, age time.Duration) int64 {
	return sim.FollowersAt(seed, network, username, age)
}

// ParseLatency reads a latency profile such as "250ms/800ms" (median/p99 of
// every network) or "mastodon=250ms/800ms,default=100ms" (see
// sim.ParseLatency).
func ParseLatency(s string) (LatencyProfile, error) { return sim.ParseLatency(s) }

// Server is the simulator. Create it with New; it is safe for concurrent
// use.
type Server struct {
	sim *sim.Server
}

// New returns a server with every supported network.
func New(cfg Config) *Server {
	return &Server{sim: sim.New(cfg, networks...)}
}

// MastodonURL returns the base URL of the simulated Mastodon instance for a
// server reachable at base (such as an httptest.Server's URL):
// base + "/mastodon".
func (s *Server) MastodonURL(base string) string {
	return strings.TrimSuffix(base, "/") + "/" + mastodon.Name
}

// Networks returns the names (and path prefixes) of the simulated networks.
func (s *Server) Networks() []string { return s.sim.Networks() }

// Handler returns the HTTP handler serving every network and the control
// endpoints.
func (s *Server) Handler() http.Handler { return s.sim.Handler() }

// Close releases requests held by timeout faults (their connections are
// dropped) and makes latency faults return at once. The handler keeps
// serving other requests.
func (s *Server) Close() { s.sim.Close() }

// Posts returns every publish request that reached a handler, in the order
// received.
func (s *Server) Posts() []Post { return s.sim.Posts() }

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats { return s.sim.Stats() }

// SetLatency replaces the latency profile (nil: every network answers at
// once); each network's draws start again from the seed.
func (s *Server) SetLatency(p LatencyProfile) { s.sim.SetLatency(p) }

// Latency returns the latency profile in force.
func (s *Server) Latency() LatencyProfile { return s.sim.Latency() }

// ResetPeakInFlight starts Stats.PeakInFlight again from the requests in
// flight now.
func (s *Server) ResetPeakInFlight() { s.sim.ResetPeakInFlight() }

// DeletePost deletes a post as if its author had: it answers 404
// afterwards. It reports whether the post existed.
func (s *Server) DeletePost(network, id string) bool { return s.sim.DeletePost(network, id) }

// Reset forgets every app, user, token, post, fault and counter.
func (s *Server) Reset() { s.sim.Reset() }

// InjectFault adds a fault. A revoke fault acts at once and is not kept.
func (s *Server) InjectFault(f Fault) error { return s.sim.InjectFault(f) }

// ClearFaults removes every active fault.
func (s *Server) ClearFaults() { s.sim.ClearFaults() }

// BlueskyAppPassword returns the handle and an app password of user's
// account on the simulated Bluesky PDS (see bluesky.AppPassword).
func (s *Server) BlueskyAppPassword(user string) (identifier, appPassword string, ok bool) {
	return bluesky.AppPassword(s.sim, user)
}

// DiscordWebhook creates a webhook in user's channel and returns its URL on
// the simulator reachable at base (see discord.Webhook).
func (s *Server) DiscordWebhook(base, user string) string { return discord.Webhook(s.sim, base, user) }

// TeamsWorkflow creates a webhook flow for user's channel on the simulator
// reachable at base and returns its webhook URL and the channel's link
// (see teams.Workflow).
func (s *Server) TeamsWorkflow(base, user string) (webhookURL, channelURL string) {
	return teams.Workflow(s.sim, base, user)
}

// TikTokRateLimits turns on (or off) the per-access-token limits of
// TikTok's Content Posting API (see tiktok.RateLimits).
func (s *Server) TikTokRateLimits(on bool) { tiktok.RateLimits(s.sim, on) }

// XBotKeys mints OAuth 1.0a keys for user (default alice) (see x.BotKeys).
func (s *Server) XBotKeys(user string) XKeys { return x.BotKeys(s.sim, user) }

// XTweet returns the X post with the given id, for tests and the README.
func (s *Server) XTweet(id string) (XTweet, bool) { return x.Tweet(s.sim, id) }
