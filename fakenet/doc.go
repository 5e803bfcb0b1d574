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
// GET /api/v1/statuses/:id and DELETE /api/v1/statuses/:id. Every /api/
// response carries X-RateLimit-Limit, -Remaining and -Reset.
//
// # Control endpoints
//
//	GET    /_fakenet/posts   every publish request that reached a handler (JSON array of Post)
//	GET    /_fakenet/stats   requests by route, 429s sent, faults applied (Stats)
//	POST   /_fakenet/faults  inject a Fault (JSON body)
//	GET    /_fakenet/faults  the faults still active
//	DELETE /_fakenet/faults  clear every fault
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
// # Engagement
//
// Replies, reblogs and favourites of a published status grow with its age
// along a saturating curve whose amplitude and pace come from a hash of
// (Config.Seed, network, status id); followers grow the same way with the
// account's age. Age is measured with Config.Now, so the same seed and the
// same clock give the same numbers.
package fakenet
