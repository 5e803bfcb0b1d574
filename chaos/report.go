package chaos

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// Result is one scenario's run.
type Result struct {
	Name     string   // subtest name
	Title    string   // one line
	Injected []string // what the suite did to the system, one item each
	Notes    []string // what it observed on the way (API answers during an outage…)
	Tally    Tally
	Duration time.Duration // from the first process start to the last check
	Passed   bool
}

// Machine describes where the suite ran.
type Machine struct {
	CPU      string
	Cores    int
	OS       string
	Go       string
	Postgres string
	Redis    string
}

// ThisMachine fills in the CPU, cores, OS and Go version.
func ThisMachine() Machine {
	m := Machine{CPU: "unknown CPU", Cores: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

func (m Machine) String() string {
	return fmt.Sprintf("%s, %d cores, %s, %s; %s; %s", m.CPU, m.Cores, m.OS, m.Go, m.Postgres, m.Redis)
}

// Settings are the run's parameters, shown with the figures.
type Settings struct {
	Posts, Accounts, Deduping, Workers int
	Window, Latency                    time.Duration
	Seed                               int64
	Horizon, Lease, PublishTimeout     time.Duration
	Reconcile                          time.Duration
}

const reportIntro = `# Reliability under failure

rythme promises that a scheduled post is published **never early, never twice, never lost**. This page
gives the figures measured by the chaos suite (package ` + "`chaos`" + `), which breaks a real deployment on
purpose while it publishes:

- the real ` + "`rythme`" + ` binary, as separate processes: one ` + "`rythme serve`" + `, several ` + "`rythme work`" + `, and two
  ` + "`rythme fakenet`" + ` network simulators — one behaving as Mastodon (honours ` + "`Idempotency-Key`" + `), one as
  GoToSocial (speaks Mastodon's API but ignores the key, so a retry could duplicate);
- its own PostgreSQL cluster (` + "`initdb`" + ` in a temporary directory) and its own Redis, on free ports, so that it
  can kill and restart them;
- accounts connected through the real OAuth flow, posts scheduled through the HTTP API ahead of time and due
  one after the other over the run, each at a random millisecond (asynq scores tasks in whole seconds: "never
  early" needs the worker to wait out the remainder).

Each scenario is measured from **fakenet's own record** (every publish request that reached it: idempotency
key = target id, time received, created or deduplicated) and **the store** (every target's status through
` + "`GET /v1/posts`" + `, and ` + "`GET /v1/posts?status=unconfirmed`" + `):

| column | meaning |
| --- | --- |
| exactly once | created once on the network; the store says ` + "`published`" + ` with that status's id |
| lost | never reached the network, and the store does not say why (still ` + "`scheduled`/`publishing`" + ` after the drain, or ` + "`published`" + ` without a post) |
| duplicates | created more than once on the network |
| early | a publish request reached the network before the post's time |
| unconfirmed | the outcome of a call is unknown (no answer after the request was sent, or the worker died mid-call) on a server that cannot dedupe: raised to a person (` + "`unconfirmed`" + `, listed by ` + "`status=unconfirmed`" + `) and never re-sent. The suite checks each one was listed, sent at most once, and on a non-deduping server |

The goals are 0 lost, 0 duplicates, 0 early; the suite fails otherwise. It also fails on a post that failed or
stayed held (no fault of these runs refuses a post, and the suite reconnects revoked accounts as a person
would), on a post that is on the network while the store says otherwise, and on an unconfirmed post that was
re-sent, not listed, or on a server where a retry was safe.

## Run it

` + "```sh" + `
RYTHME_CHAOS=1 go test ./chaos/ -run TestChaos -count=1 -timeout 15m -v
# figures into this page:
RYTHME_CHAOS=1 CHAOS_REPORT=docs/reliability.md go test ./chaos/ -run TestChaos -count=1 -timeout 15m
# one scenario: -run TestChaos/kill (kill, redis, postgres, faults)
# bigger runs: CHAOS_POSTS (per scenario), CHAOS_WINDOW, CHAOS_WORKERS, CHAOS_ACCOUNTS; CHAOS_SEED replays
# the random moments; CHAOS_BIN tests a binary built elsewhere, CHAOS_RACE=1 builds it with -race
# CHAOS_SUMMARY=<file>: the figures per scenario as a table for a terminal (.ci/run prints it); -v logs it too
` + "```" + `

It needs ` + "`redis-server`" + ` on PATH and PostgreSQL's ` + "`initdb`/`postgres`" + ` (PATH, /usr/local/bin or
/usr/lib/postgresql/*/bin; as root, the cluster runs as the OS user ` + "`postgres`" + `). Without them it skips, unless
` + "`RYTHME_REQUIRE_SERVICES=1`" + `. Logs of every process are kept in a directory it names when a scenario fails.
`

const reportReading = `
## Reading the figures

- **Workers killed.** A task asynq handed to a worker that dies stays *active* in Redis under the dead worker's
  asynq lease (30 s); asynq's recoverer, which runs every minute, gives it back once that lease has been expired
  for 30 s. A post whose worker died before claiming it therefore goes out one to two minutes late — late, not
  lost: that is the p99 lateness of this scenario. A target already claimed (` + "`publishing`" + `) when its worker died waits
  for ` + "`RYTHME_LEASE`" + `; then the reconciler re-queues it with the same idempotency key where the server dedupes (the
  requests "answered from the idempotency key"), and makes it ` + "`unconfirmed`" + ` where it cannot: those are this
  scenario's unconfirmed posts, all on the GoToSocial server.
- **Redis restarted or wiped.** The queued tasks are gone, and so is the reconciler's epoch key: the next sweep
  (every ` + "`RYTHME_RECONCILE_INTERVAL`" + `) is a full one and puts every due target back on the queue. Posts are late by
  the outage plus a sweep.
- **PostgreSQL down.** Workers cannot claim targets: the tasks retry with backoff (1 s, 2 s, 4 s…). An outcome
  that cannot be written after the network call is retried by its worker for half the lease. The API answers 503
  ` + "`unavailable`" + ` meanwhile, and 200 as soon as the database is back.
- **Network faults.** A 429 makes every worker wait the announced Retry-After for that account; 5xx are retried
  with backoff; a request the server acted on but never answered (timeout), or one that outlasts
  ` + "`RYTHME_PUBLISH_TIMEOUT`" + `, is retried with the same key on Mastodon (deduplicated) and made ` + "`unconfirmed`" + ` on
  GoToSocial; a revoked token makes the account ` + "`needs_reconnect`" + ` and holds its posts until the suite reconnects
  it, which releases them.

## What this suite found

- **An archived sweep blocked every later sweep** (fixed in commit 7bf0124). The reconciler, token-refresh and
  metrics sweeps are asynq tasks with fixed ids, so that many workers asking at once queue one. A sweep that
  failed (PostgreSQL down) or whose worker was killed on its last try was *archived*, and asynq keeps an archived
  task's id for months and refuses any new task with it: no sweep ran again on any worker. The first run of the
  PostgreSQL scenario lost 727 of 1,500 posts that way (they stayed ` + "`scheduled`" + `, never queued). Now a failed sweep
  is logged and returns success (the next tick tries again), and a task id held by an archived task — sweep or
  publish — is deleted and the task enqueued afresh (` + "`worker/enqueue.go`" + `, pinned by
  ` + "`TestArchivedSweepIsRevived`" + ` and ` + "`TestArchivedPublishTaskIsRevived`" + `).
- **A dropped connection answered 500, not 503** (fixed in session 2). Once the API cached tokens for a second, the
  first query of a request during the PostgreSQL crash was a listing, which met a pooled connection the server had
  dropped: pgx says "conn closed", which the store did not count as "unavailable", so the probe got
  ` + "`500 internal`" + `. The store now maps it to ` + "`EUNAVAILABLE`" + ` (503), pinned by
  ` + "`TestClosedConnectionIsUnavailable`" + `.
`

// WriteReport writes the whole page: the introduction, the settings and
// machine, one row per scenario, then each scenario's details.
func WriteReport(w io.Writer, at time.Time, m Machine, s Settings, results []Result) error {
	var b strings.Builder
	b.WriteString(reportIntro)
	fmt.Fprintf(&b, "\n## Figures\n\nRun of %s on %s.\n\n", at.UTC().Format("2006-01-02 15:04 MST"), m)
	fmt.Fprintf(&b, "Each scenario: %d posts due over %s on %d accounts (%d of them on the server that cannot dedupe), one `serve`, %d `work`; "+
		"the networks answer a publish in %s; `RYTHME_HORIZON=%s` (most posts are put on the queue by the reconciler, as posts "+
		"scheduled days ahead are), `RYTHME_LEASE=%s`, `RYTHME_PUBLISH_TIMEOUT=%s`, `RYTHME_RECONCILE_INTERVAL=%s`; seed %d.\n\n",
		s.Posts, s.Window, s.Accounts, s.Deduping, s.Workers, s.Latency, s.Horizon, s.Lease, s.PublishTimeout, s.Reconcile, s.Seed)
	b.WriteString("| scenario | posts | exactly once | lost | duplicates | early | unconfirmed | faults injected | run time |\n")
	b.WriteString("| --- | --: | --: | --: | --: | --: | --: | --- | --: |\n")
	for _, r := range results {
		t := r.Tally
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %d | %s | %s |\n", r.Title, t.Posts, t.ExactlyOnce, t.Lost,
			t.Duplicates, t.Early, t.Unconfirmed, strings.Join(r.Injected, "; "), r.Duration.Round(time.Second))
	}
	b.WriteString(reportReading)
	b.WriteString(reportThreads)
	b.WriteString("\n## Scenarios\n")
	for _, r := range results {
		t := r.Tally
		verdict := "passed"
		if !r.Passed {
			verdict = "**FAILED**"
		}
		fmt.Fprintf(&b, "\n### %s (%s)\n\n", r.Title, verdict)
		for _, x := range r.Injected {
			fmt.Fprintf(&b, "- injected: %s\n", x)
		}
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
		fmt.Fprintf(&b, "- publish requests that reached the network: %d, answered from the idempotency key: %d\n", t.Requests, t.Deduplicated)
		fmt.Fprintf(&b, "- unconfirmed: %d (%d of them did reach the network); re-sent: %d; not listed: %d; on a deduping server: %d\n",
			t.Unconfirmed, t.UnconfirmedOnNetwork, t.UnconfirmedResent, t.UnconfirmedNotListed, t.UnconfirmedIdempotent)
		fmt.Fprintf(&b, "- failed: %d, held: %d, store and network disagree: %d, stray requests: %d\n", t.Failed, t.Held, t.Mismatch, t.Stray)
		fmt.Fprintf(&b, "- lateness of the post on the network (not a goal; chaos makes it): median %s, p99 %s, max %s\n",
			t.LateP50.Round(time.Millisecond), t.LateP99.Round(time.Millisecond), t.LateMax.Round(time.Millisecond))
		for _, f := range t.Failures() {
			fmt.Fprintf(&b, "- **goal missed:** %s\n", f)
		}
	}
	b.WriteString(reportPeers)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteSummary writes one aligned line per scenario for a terminal (what
// .ci/run prints at the end of the chaos stage): posts, exactly once,
// lost, duplicates, early, unconfirmed (of them on the network), failed,
// held, mismatched and the verdict, then the totals.
func WriteSummary(w io.Writer, results []Result) error {
	var b strings.Builder
	width := len("scenario")
	for _, r := range results {
		width = max(width, len(r.Name))
	}
	head := []string{"posts", "once", "lost", "dup", "early", "unconf", "(on net)", "failed", "held", "mismatch"}
	fmt.Fprintf(&b, "%-*s", width, "scenario")
	for _, h := range head {
		fmt.Fprintf(&b, " %8s", h)
	}
	b.WriteString("  verdict\n")
	var sum Tally
	row := func(name string, t Tally, verdict string) {
		fmt.Fprintf(&b, "%-*s", width, name)
		for _, n := range []int{t.Posts, t.ExactlyOnce, t.Lost, t.Duplicates, t.Early, t.Unconfirmed, t.UnconfirmedOnNetwork, t.Failed, t.Held, t.Mismatch} {
			fmt.Fprintf(&b, " %8d", n)
		}
		fmt.Fprintf(&b, "  %s\n", verdict)
	}
	failed := 0
	for _, r := range results {
		t := r.Tally
		verdict := "ok"
		if !r.Passed {
			verdict, failed = "FAILED", failed+1
		}
		row(r.Name, t, verdict)
		sum.Posts += t.Posts
		sum.ExactlyOnce += t.ExactlyOnce
		sum.Lost += t.Lost
		sum.Duplicates += t.Duplicates
		sum.Early += t.Early
		sum.Unconfirmed += t.Unconfirmed
		sum.UnconfirmedOnNetwork += t.UnconfirmedOnNetwork
		sum.Failed += t.Failed
		sum.Held += t.Held
		sum.Mismatch += t.Mismatch
	}
	row("total", sum, fmt.Sprintf("%d of %d scenarios failed", failed, len(results)))
	_, err := io.WriteString(w, b.String())
	return err
}
