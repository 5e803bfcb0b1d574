package chaos

// reportPeers is the page's section on the peer suite (not measured by
// this suite: by the TestPeer* tests of cmd/rythme against GoToSocial and
// the Bluesky PDS, run by .ci/peers). It is written here so that a chaos
// run that rewrites docs/reliability.md keeps it.
const reportPeers = `
## Against real servers: the peer suite

The chaos suite faults fakenet, which is this project's reading of the networks' docs. The peer suite
(` + "`" + `TestPeer*` + "`" + ` in ` + "`" + `cmd/rythme` + "`" + `, run by ` + "`" + `bash .ci/peers` + "`" + `; README, "Peer suite") runs the real binary against
servers nobody here wrote, on loopback: GoToSocial 0.20.0-rc1-8-g57cb4fe74 (Mastodon's API) and the Bluesky
reference PDS (` + "`" + `@atproto/pds` + "`" + ` 0.5.35) with a local PLC directory, both from ` + "`" + `../shared/peers` + "`" + `. What arrived is
checked on the server itself (GoToSocial's client API; the PDS's ` + "`" + `com.atproto.repo.listRecords` + "`" + `), never from
rythme's own word. Results of 2026-12-07, main with the ` + "`" + `threads` + "`" + `, ` + "`" + `netpolicy` + "`" + `, ` + "`" + `connect` + "`" + `, ` + "`" + `clici` + "`" + ` and
` + "`" + `security` + "`" + ` branches merged, plus the ` + "`" + `peers` + "`" + ` branch (the suite and the refresher fix); what failed before
those merges is said in brackets:

| peer | check | result |
| --- | --- | --- |
| GoToSocial | connect: rythme's authorize URL → GoToSocial's ` + "`" + `/auth/sign_in` + "`" + ` form (alice's e-mail and password) → its authorize form (allow) → rythme's callback stores the account | pass |
| GoToSocial | a post: published on time (not before its ` + "`" + `scheduled_at` + "`" + `), exactly one status with its text, the id rythme stored | pass |
| GoToSocial | an image with alt text: one attachment, its ` + "`" + `description` + "`" + ` is the alt text | pass |
| GoToSocial | a 3-part thread: 3 statuses, each ` + "`" + `in_reply_to_id` + "`" + ` the one before | pass |
| GoToSocial | edit before due: the edited text arrives once, the first draft never; cancel before due: never arrives | pass |
| GoToSocial | a 625-character post (the instance announces 5,000) | pass (before the ` + "`" + `connect` + "`" + ` branch: 422 "Mastodon allows 500") |
| GoToSocial | engagement: bob favourites, boosts and replies; the poller's readings (` + "`" + `RYTHME_METRICS_SCHEDULE=10s,…` + "`" + `) show likes ≥ 1, shares ≥ 1, comments ≥ 1 | pass |
| GoToSocial | revoked token (` + "`" + `POST /api/v1/tokens/{id}/invalidate` + "`" + ` as alice): the next due post is ` + "`" + `held` + "`" + `, the account ` + "`" + `needs_reconnect` + "`" + `; connecting again through the forms releases it, published once | pass |
| GoToSocial | thread fault matrix (below) | pass, 12 of 12 (before the ` + "`" + `threads` + "`" + ` branch: 8 of 12 failed, below) |
| Bluesky PDS | connect a self-hosted PDS: ` + "`" + `service_url` + "`" + `, ` + "`" + `identifier` + "`" + ` alice.test, an app password | pass (before the ` + "`" + `connect` + "`" + ` branch: 400 unknown field "service_url", and nothing below was reached) |
| Bluesky PDS | a post once; an image whose ` + "`" + `app.bsky.embed.images` + "`" + ` alt is the alt text; a thread whose ` + "`" + `reply.root` + "`" + ` is part 1 and ` + "`" + `reply.parent` + "`" + ` the part before; edit and cancel before due | pass |
| Bluesky PDS | revoked app password (` + "`" + `com.atproto.server.revokeAppPassword` + "`" + `): ` + "`" + `needs_reconnect` + "`" + ` at the session's next refresh, the account's scheduled post ` + "`" + `held` + "`" + `, reconnecting with a new app password releases it, published once | pass, once the refresher fix found here (below) is in; about a minute (the next refresh sweep) |
| Bluesky PDS | engagement | **not available**: the PDS has no AppView, so ` + "`" + `app.bsky.feed.getPosts` + "`" + ` answers 400 "No service configured"; the suite checks that it still does (a 200 means an AppView came and engagement should be read back). ` + "`" + `@atproto/dev-env` + "`" + ` (an AppView on PostgreSQL) was not tried |

**The thread fault matrix on GoToSocial.** A 3-part thread; a proxy of the suite's own (` + "`" + `internal/faultproxy` + "`" + `)
between rythme and GoToSocial breaks the status request of part 1, 2 or 3: 503, or 429 with ` + "`" + `Retry-After: 2` + "`" + `
(neither forwarded), or the request forwarded (GoToSocial creates the status) and then no answer until the
client gives up (timeout after sent, the connectors' 30 s), or the connection reset (TCP RST) instead of the
answer. GoToSocial ignores ` + "`" + `Idempotency-Key` + "`" + `, so a part sent twice exists twice. Expected: 503/429 → ` + "`" + `published` + "`" + `,
3 statuses, each once, chained; timeout/reset after sending → ` + "`" + `unconfirmed` + "`" + `, the parts up to the lost one once,
none after it; never a duplicate. With the ` + "`" + `threads` + "`" + ` branch merged all 12 cases pass (12 side by side, one proxy
and account each, 40 s). Before it (main as of f0e07eb), they did this:

| part broken | 503 | 429 | timeout after sent | reset after sent |
| --- | --- | --- | --- | --- |
| 1 | pass | pass | pass (` + "`" + `unconfirmed` + "`" + `) | **part 1 twice**, ` + "`" + `published` + "`" + ` after 1 attempt |
| 2 | **part 1 twice** (the retry restarts the thread) | **part 1 twice** | pass (` + "`" + `unconfirmed` + "`" + `) | **part 2 twice**, ` + "`" + `published` + "`" + ` after 1 attempt |
| 3 | **parts 1 and 2 twice** | **parts 1 and 2 twice** | pass (` + "`" + `unconfirmed` + "`" + `) | **part 3 twice**, ` + "`" + `published` + "`" + ` after 1 attempt |

The reset column is a finding of the real server, not of fakenet: Go's HTTP transport silently re-sends a POST
whose connection broke before the answer when the request carries an ` + "`" + `Idempotency-Key` + "`" + ` header (it treats such
requests as replayable), so rythme saw one attempt, a success, and no error, while GoToSocial got the status twice
(the ` + "`" + `threads` + "`" + ` branch stops the transport from replaying a POST).

What the real servers do that fakenet did not (fakenet follows them where it can):

- GoToSocial lists and invalidates a user's tokens itself (` + "`" + `GET /api/v1/tokens` + "`" + `, ` + "`" + `POST /api/v1/tokens/{id}/invalidate` + "`" + `):
  that is how a person revokes rythme there; a revoked token answers 401 "token not supplied".
- The PDS keeps honouring an access JWT issued before its app password was revoked (checked by hand: a
  ` + "`" + `createRecord` + "`" + ` with it after ` + "`" + `revokeAppPassword` + "`" + ` answered 200), and refuses to refresh the session (400
  ` + "`" + `ExpiredToken` + "`" + ` "Token has been revoked"). rythme keeps the session's JWTs, not the password, so it learns of the
  revocation when it refreshes the session (` + "`" + `RYTHME_REFRESH_AHEAD` + "`" + `, by default 10 minutes before the access JWT's
  ~2-hour expiry); a post due before then is still published, as the PDS allows. **Found here:** the refresher
  took a refusal while the access token still worked for a passing failure and kept the account ` + "`" + `connected` + "`" + `,
  publishing until the access JWT expired; a refused refresh now marks the account ` + "`" + `needs_reconnect` + "`" + ` at once and
  holds its posts (` + "`" + `worker/refresh.go` + "`" + `, ` + "`" + `TestRefreshRefusedWhileTheTokenStillWorks` + "`" + `).

Time of the stage (` + "`" + `.ci/peers` + "`" + `) on a 2-core machine shared by 8 sessions: 158 s warm at a load average of ~20
(GoToSocial up in 47 s in a fresh data directory, the PDS in 12 s with the install cached, the tests 99 s), 91 s
in a second warm run (the tests 70 s).
Cold, the PDS's install (` + "`" + `npm ci` + "`" + ` of Node 22, the PDS and the PLC, better-sqlite3 compiled) took 23.5 min on that
loaded machine; the peers' README measured 103 s on an idle one. The cache under
` + "`" + `${XDG_CACHE_HOME:-$HOME/.cache}/rythme-peers/` + "`" + ` (keyed on the peers' package files and GoToSocial's hash) is what
keeps ` + "`" + `.ci/run` + "`" + ` under 30 minutes.
`
