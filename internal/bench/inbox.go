package bench

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/fakenet/sim"
)

// The inbox scenario (issue 16): how fresh the inbox is — the time from a
// comment's creation on fakenet to its presence in rythme's inbox — and
// what it costs in network requests per comment read, for Mastodon
// accounts read through their stream and for the same accounts polled
// (the worker's streams off), on PostgreSQL + Redis. fakenet's simulated
// users comment on each published post over time, deterministically from
// its seed; each comment's creation time is the one fakenet gives it.

// inboxResult is one row: one mode.
type inboxResult struct {
	mode              string // "stream" or "poll"
	accounts          int
	comments          int // created on fakenet within the window
	read              int // of those, in the inbox at the end
	p50, p99, max     time.Duration
	requests          int64 // context + notifications + streaming requests from the first post to the end
	readTotal         int   // every item in the inbox at the end
	perComment        float64
	window, interval  time.Duration
	streamsOpened     int64
	loadBefore, after string
}

// inboxStore is what the scenario reads of the store.
type inboxStore interface {
	ListInboxItems(ctx context.Context, workspaceID string, f rythme.InboxFilter) ([]*rythme.InboxItem, string, error)
}

// inboxOps are fakenet's Mastodon operations an inbox read or stream makes.
var inboxOps = []string{"mastodon.context", "mastodon.notifications", "mastodon.streaming"}

// benchInbox connects o.InboxAccounts Mastodon accounts, publishes one
// post each, and lets fakenet's users comment for o.InboxDuration; then it
// waits out one poll interval (and a minute) and measures.
func benchInbox(ctx context.Context, o Options, startStack StartFunc, stream bool, log *slog.Logger, progress func(string)) (inboxResult, error) {
	res := inboxResult{mode: "poll", accounts: o.InboxAccounts, window: o.InboxDuration, interval: o.InboxInterval}
	if stream {
		res.mode = "stream"
	}
	st, err := startBenchStackWith(ctx, o, startStack, "postgres", false, log, func(sc *StackConfig) {
		sc.NoInboxStreams, sc.InboxInterval = !stream, o.InboxInterval
	})
	if err != nil {
		return res, err
	}
	defer st.close()
	store, ok := st.Store.(inboxStore)
	if !ok {
		return res, fmt.Errorf("the store cannot list the inbox")
	}
	accounts, err := connectMany(ctx, st, o.InboxAccounts)
	if err != nil {
		return res, err
	}
	if stream {
		// The worker's scan opens a stream per account within its period.
		progress(fmt.Sprintf("%d accounts connected; waiting for their streams…", len(accounts)))
		deadline := time.Now().Add(2 * time.Minute)
		for st.fn.Stats().Operations["mastodon.streaming"] < int64(len(accounts)) {
			if time.Now().After(deadline) {
				return res, fmt.Errorf("only %d of %d streams opened in 2 minutes", st.fn.Stats().Operations["mastodon.streaming"], len(accounts))
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	opsBefore := inboxRequests(st.fn.Stats().Operations)
	for i, a := range accounts {
		if _, err := st.client.createPostNow(ctx, fmt.Sprintf("inbox bench %d", i), a); err != nil {
			return res, fmt.Errorf("create post %d: %w", i, err)
		}
	}
	if _, err := awaitPosts(ctx, st.fakenet, len(accounts), time.Now().Add(2*time.Minute)); err != nil {
		return res, err
	}
	progress(fmt.Sprintf("%d posts published; fakenet's users comment for %s…", len(accounts), o.InboxDuration))
	res.loadBefore = loadavg()
	end := time.Now().Add(o.InboxDuration)
	if !sleepCtx(ctx, time.Until(end)) {
		return res, ctx.Err()
	}
	// A comment made just before the end is read within one interval and
	// the sweep's spread.
	if !sleepCtx(ctx, o.InboxInterval+time.Minute) {
		return res, ctx.Err()
	}
	res.after = loadavg()
	res.requests = inboxRequests(st.fn.Stats().Operations) - opsBefore
	res.streamsOpened = st.fn.Stats().Operations["mastodon.streaming"]

	// fakenet's comments made by the end of the window (their creation as
	// fakenet gives it: the post's time plus the comment's age).
	expected := 0
	for _, p := range st.fn.Posts() {
		if p.Network != "mastodon" || !p.Created {
			continue
		}
		for _, c := range sim.CommentsAt(fakenetSeed, "mastodon", p.ID, end.Sub(p.ReceivedAt)) {
			if !p.ReceivedAt.Add(c.Age).After(end) {
				expected++
			}
		}
	}
	ws, err := workspaceOf(ctx, st.Store, st.token)
	if err != nil {
		return res, err
	}
	var fresh []time.Duration
	f := rythme.InboxFilter{Limit: rythme.MaxInboxLimit}
	for {
		items, next, err := store.ListInboxItems(ctx, ws, f)
		if err != nil {
			return res, err
		}
		for _, it := range items {
			res.readTotal++
			if it.CreatedAt.After(end) {
				continue
			}
			fresh = append(fresh, max(0, it.ReceivedAt.Sub(it.CreatedAt)))
		}
		if next == "" {
			break
		}
		f.Cursor = next
	}
	res.comments, res.read = expected, len(fresh)
	slices.Sort(fresh)
	if n := len(fresh); n > 0 {
		res.p50, res.p99, res.max = fresh[n*50/100], fresh[min(n-1, n*99/100)], fresh[n-1]
	}
	if res.readTotal > 0 {
		res.perComment = float64(res.requests) / float64(res.readTotal)
	}
	return res, nil
}

func inboxRequests(ops map[string]int64) int64 {
	var n int64
	for _, op := range inboxOps {
		n += ops[op]
	}
	return n
}

// sleepCtx sleeps d unless ctx ends first; it reports whether it slept.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (r inboxResult) summary() string {
	return fmt.Sprintf("%s: %d of %d comments read, freshness p50 %s p99 %s max %s; %d requests, %.3f per comment read (%d read in all)",
		r.mode, r.read, r.comments, r.p50.Round(time.Millisecond), r.p99.Round(time.Millisecond), r.max.Round(time.Millisecond),
		r.requests, r.perComment, r.readTotal)
}

// inboxReport is the inbox section of docs/benchmarks.md.
func inboxReport(o Options, rs []inboxResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n## Inbox freshness\n\n"+
		"%d accounts on fakenet's Mastodon, one post each, published together; fakenet's simulated users comment on them over\n"+
		"time (from its seed) for %s, then the run waits one poll interval and a minute more. Freshness is the time a comment\n"+
		"reaches rythme's inbox (its received_at) minus the time fakenet created it; *missing* are the comments fakenet made\n"+
		"within the window that the inbox does not hold. *stream*: the worker keeps each account's notifications stream open\n"+
		"(and reads the account on opening, then every 30 minutes); *poll*: the streams are off and every account is read every\n"+
		"%s (the sweep's interval; a read is two requests here: the post's context and the mentions). Requests count\n"+
		"fakenet's context, notifications and streaming requests from the first post to the end, divided by every comment\n"+
		"read. On PostgreSQL + Redis, one process for the API and the workers. Measured on %s.\n\n",
		o.InboxAccounts, o.InboxDuration, o.InboxInterval, time.Now().UTC().Format("2006-01-02 15:04 MST"))
	b.WriteString("| mode | comments | freshness p50 | p99 | max | missing | network requests | requests per comment read | load average → after |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n")
	for _, r := range rs {
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %d | %d | %.3f | %s → %s |\n", r.mode, r.comments,
			r.p50.Round(time.Millisecond), r.p99.Round(time.Millisecond), r.max.Round(time.Millisecond), max(0, r.comments-r.read),
			r.requests, r.perComment, r.loadBefore, r.after)
	}
	b.WriteString("\nGoals (issue 16): a new comment in the inbox within 60 s where the network streams (Mastodon), within 5 minutes\n" +
		"otherwise, inside every rate limit; network requests per comment read, measured as the metrics poller's per post is.\n\n" +
		"Reproduce: `go run ./cmd/rythme bench -backends postgres -scenarios inbox` (`-inbox-accounts`, `-inbox-duration`,\n" +
		"`-inbox-interval` change the size, the window and the poll interval); it replaces this section only.\n")
	return b.String()
}
