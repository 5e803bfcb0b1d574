// Package fakenet is rythme's network simulator: on one port it serves APIs
// compatible with the documented wire format of each supported social
// network (paths, parameters, JSON shapes, status codes, rate-limit
// headers), each under its own path prefix, plus an OAuth 2 provider that
// approves at once. Tests and the README walkthrough point connectors at it,
// since no real network is reachable from a test machine and nobody wants
// to try rythme on their real accounts.
//
// It must never be exposed to the internet or hold real credentials: it
// approves every authorization, keeps everything in memory and serves
// control endpoints without authentication.
//
// # Packages
//
// Each network is a package of its own, as its connector is:
// fakenet/mastodon, fakenet/x, fakenet/bluesky, fakenet/linkedin,
// fakenet/reddit, fakenet/slack, fakenet/discord, fakenet/teams,
// fakenet/tiktok, fakenet/facebook, fakenet/instagram and fakenet/threads.
// What they share (the server, faults, rate limits, engagement, the record
// of posts, the control endpoints) is in fakenet/sim, which they import;
// the three Meta networks also share fakenet/meta (the Graph API's errors,
// tokens, usage headers, posts and containers), as their connectors share
// connectors/meta;
// this package lists them (fakenet.go) and keeps the API below.
//
// # Networks
//
// Mastodon lives under the prefix /mastodon: the instance's base URL is
// http://<addr>/mastodon (see [Server.MastodonURL]), so a status is posted
// with POST http://<addr>/mastodon/api/v1/statuses. It implements
// POST /api/v1/apps, GET /oauth/authorize (approves at once and redirects
// with code and state; the user is named by the extra query parameter
// fakenet_user, default "alice", created on first use), POST /oauth/token
// (authorization_code with PKCE S256, client_credentials; Mastodon issues
// no refresh tokens), POST /oauth/revoke,
// GET /.well-known/oauth-authorization-server,
// GET /api/v1/accounts/verify_credentials, GET /api/v1/instance,
// GET /api/v2/instance, POST /api/v1/statuses (form or JSON, honouring
// Idempotency-Key for an hour), GET /api/v1/statuses?id[]=…,
// GET /api/v1/statuses/:id, DELETE /api/v1/statuses/:id and
// GET /api/v1/accounts/:id/statuses (operation account_statuses: an
// account's statuses, newest first, by limit and max_id, with a Link
// header). GET /api/v1/streaming (operation streaming) is the streaming API's
// WebSocket with stream=user:notification or user
// (https://docs.joinmastodon.org/methods/streaming/#websocket): every reply
// to one of the user's statuses by someone else is pushed as an event
// "notification" whose payload is the JSON-encoded Notification (type
// mention), as a string; a reply written through the API at once, a
// simulated comment within 100 ms of the time the seed gives it. Open
// streams are not counted in Stats.InFlight. Every /api/ response carries X-RateLimit-Limit, -Remaining and
// -Reset.
//
// # History
//
// With Config.HistoryDays (FAKENET_HISTORY_DAYS for `rythme fakenet`,
// default 90 there, 0 in Config), every user has, when first seen, posts
// published over the days before (sim.History: one every one to three
// days, the same for the same seed), with their engagement grown; the
// networks that list an account's posts serve them (Mastodon's account
// statuses, Bluesky's app.bsky.feed.getAuthorFeed, Instagram's
// GET /{ig-user-id}/media, Threads' GET /{threads-user-id}/threads, a
// Facebook Page's GET /{page-id}/published_posts, Reddit's
// GET /user/{name}/submitted, X's GET /2/users/:id/tweets, LinkedIn's
// GET /rest/posts?q=author, TikTok's POST /v2/video/list/).
//
// # Control endpoints
//
//	GET    /_fakenet/posts   every publish request that reached a handler (JSON array of Post)
//	GET    /_fakenet/stats   requests by route, 429s sent, faults applied (Stats)
//	POST   /_fakenet/faults  inject a Fault (JSON body)
//	GET    /_fakenet/faults  the faults still active
//	DELETE /_fakenet/faults  clear every fault
//	GET    /_fakenet/latency the latency profile in force ({"latency":"250ms/800ms"})
//	PUT    /_fakenet/latency set it (same body; "off" for none)
//	POST   /_fakenet/reset   forget everything (apps, users, tokens, posts, faults, stats)
//
// The same operations exist in Go for tests: [Server.Posts],
// [Server.Stats], [Server.InjectFault], [Server.ClearFaults],
// [Server.Reset], [Server.DeletePost].
//
// # Faults
//
// A Fault applies to the requests of one network whose operation name
// (publish, get_status, get_statuses, delete_status, verify_credentials,
// instance, register_app, authorize, token, revoke) equals Match, or whose
// path contains Match (an empty Match is every request). Skip is how many
// matching requests it lets through first (Skip 1, Count 1: only the 2nd
// POST of a thread); Count is how many requests it applies to after that
// (0: until cleared). Kinds:
//
//   - latency: wait DelayMS before handling the request normally;
//   - status: answer Status (with Retry-After: RetryAfter seconds when
//     set) and Body (default: the network's error shape) without acting;
//   - timeout: act on the request (a status IS created) but send no answer
//     until the client gives up or the connection closes;
//   - reset: act on the request, then cut the connection at once, with no
//     answer (a connection reset after the request was sent);
//   - revoke: revoke every token of User (every user when empty) at once;
//     the next calls with them get 401;
//   - ignore_idempotency: behave like GoToSocial, which speaks Mastodon's
//     API but ignores Idempotency-Key (the instance endpoints then report
//     GoToSocial too).
//
// # Latency
//
// Real networks take some 100–800 ms to answer a publish. Config.Latency (or
// `rythme fakenet --latency=…`, or PUT /_fakenet/latency) gives each
// network a log-normal answer time by its median and 99th percentile:
// "250ms/800ms" for every network, "mastodon=250ms/800ms,default=100ms" per
// network. Every request to a network waits its delay before any fault and
// its handler; the delays are drawn from a generator seeded by (Config.Seed,
// network), so the n-th request to a network always waits the same time
// (sim.LatencyDraws computes them). Stats.PeakInFlight is the most requests
// that were in flight at once.
//
// # Engagement
//
// Replies, reblogs and favourites of a published status grow with its age
// along a saturating curve whose amplitude and pace come from a hash of
// (Config.Seed, network, status id); followers grow the same way with the
// account's age. Age is measured with Config.Now, so the same seed and the
// same clock give the same numbers.
package fakenet
