package chaos

// reportThreads is the page's section on threads (not measured by this
// suite: by the thread fault matrix of package worker).
const reportThreads = `
## Threads: each part at most once

A thread (X, Bluesky, Threads, Mastodon) is published part by part, each a reply to the one before. Each part's
network id is stored (` + "`" + `target_parts` + "`" + `) the moment the network confirms it, before the next part is sent; a retry
skips the parts stored, replies to the last of them, and never uploads part 1's media again. A part whose
outcome is unknown (no answer after it was sent, a connection reset, a 2xx that cannot be read) on a server that
cannot dedupe makes the target ` + "`" + `unconfirmed` + "`" + `, its message listing the parts already out; it is never re-sent
blind. A part the worker cannot store (after 8 tries over about 7 s) stops the thread there and leaves the target
` + "`" + `unconfirmed` + "`" + `, naming that part. The post's history says what happened ("part 2 of 3 failed (HTTP 503); part 1
out (url); retrying from part 2", "resumed from part 2 of 3; all 3 parts out", "unconfirmed: part 3 of 3's outcome
unknown; parts 1–2 out (urls)").

The fault matrix (` + "`" + `go test ./worker -run TestThreadFaultMatrix` + "`" + `, table ` + "`" + `connectortest.ThreadFaultMatrix` + "`" + `) publishes
a 3-part thread through the real publish handler on fakenet, with one fault on part 1, 2 or 3, and runs the
retries. Every cell below holds for each of the three part positions:

| network (server) | dedupes a retried part | 503 | 429 + Retry-After | timeout after the request was sent | connection reset after it was sent |
| --- | --- | --- | --- | --- | --- |
| Mastodon with keys ignored (GoToSocial-like) | no | published, 2 attempts | published, 2 attempts | ` + "`" + `unconfirmed` + "`" + `, parts before it stored and listed | ` + "`" + `unconfirmed` + "`" + `, same |
| Mastodon | yes (` + "`" + `Idempotency-Key` + "`" + ` per part) | published, 2 attempts | published, 2 attempts | published, 2 attempts | published, 2 attempts |
| X | no | published, 2 attempts | published, 2 attempts | ` + "`" + `unconfirmed` + "`" + `, same as above | ` + "`" + `unconfirmed` + "`" + `, same |
| Bluesky | yes (record key per part) | published, 2 attempts | published, 2 attempts | published, 2 attempts | published, 2 attempts |

48 runs, **0 duplicated parts** (each part created at most once on the network, as fakenet recorded it), the
parts stored equal to those on the network, the history naming the part. Threads (Meta) passes the same resume
check in the connector suite (` + "`" + `connectortest` + "`" + `'s ThreadResume).

What the matrix found: **Go's HTTP transport replayed a part on its own.** It retries a request it can rewind
that carries an ` + "`" + `Idempotency-Key` + "`" + ` when a reused connection drops after the request was written. On a server that
ignores the key (GoToSocial), a connection reset on part 2 or 3 posted that part twice while rythme said
` + "`" + `published` + "`" + `. The connectors' base transport (` + "`" + `connectors.NoReplay` + "`" + `) no longer lets it replay anything but a GET
or HEAD: the loss comes back as an unknown outcome and the worker decides (pinned by
` + "`" + `TestNewHTTPClientDoesNotReplayAPostTheServerMayHaveActedOn` + "`" + `).
`
