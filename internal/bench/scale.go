package bench

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/reports"
	"github.com/rythmehq/rythme/worker"
)

// The memory-at-scale scenarios (issue 17), on PostgreSQL + Redis, seeded
// with COPY rather than through the API (a million posts through the API
// is the load scenario's figure times ten, not a new one):
//
//   - scale-queue: o.ScalePosts posts scheduled within the horizon; a
//     separate `rythme work` process puts every one on the Redis queue,
//     and its memory (and Redis's) is read while it does;
//   - scale-readings: o.ScaleReadings readings of posts published over a
//     year (7 each, the reading schedule), in the monthly partitions; then
//     a comparison over the most recent ComparePosts posts, query included.

// ComparePosts is how many posts the scale-readings comparison covers.
const ComparePosts = 10_000

// readingOffsets is when the default schedule reads a post, after its
// publication (rythme.MetricsSchedule).
var readingOffsets = []time.Duration{15 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour, 168 * time.Hour, 720 * time.Hour}

type scaleQueueResult struct {
	posts, queued int
	seedTook      time.Duration
	queueTook     time.Duration
	rss, hwm      int64 // the worker's resident set once all are queued, and its peak
	redisBytes    int64 // Redis's used_memory grown while they were queued
}

type scaleReadingsResult struct {
	readings, posts, compared int
	partitions                int
	seedTook                  time.Duration
	bytes                     int64 // the readings' partitions with their indexes
	compareMedian, compareMax time.Duration
	queryMedian               time.Duration
	load                      string // the machine's load average while the comparison ran
}

// copyRows bulk-loads rows into table with PostgreSQL's COPY (pgx).
func copyRows(ctx context.Context, db *sql.DB, table string, cols []string, n int, row func(i int) []any) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		i := 0
		_, err := pc.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() ([]any, error) {
			if i >= n {
				return nil, nil
			}
			r := row(i)
			i++
			return r, nil
		}))
		if err != nil {
			return fmt.Errorf("copy into %s: %w", table, err)
		}
		return nil
	})
}

var postCols = []string{"id", "workspace_id", "content", "scheduled_at", "timezone", "tags", "author", "created_by", "created_at", "updated_at"}

var targetCols = []string{"id", "post_id", "workspace_id", "account_id", "position", "network", "content", "status", "version",
	"scheduled_at", "external_id", "published_at", "created_at", "updated_at", "latest_snapshot_id", "latest_snapshot_at",
	"latest_impressions", "latest_likes", "latest_comments", "latest_shares"}

// seedReading is reading k (from 0) of post i: its impressions, likes,
// comments and shares.
func seedReading(i, k int) []any {
	g := int64(k + 1)
	return []any{1000 + g*100 + int64(i%97), g * 7, g * 2, g}
}

// seedPosts writes n posts of one target each on the accounts (by turn),
// scheduled at at(i); published ones (published(i) non-nil) carry an
// external id and, when latest is given, their latest reading's id, time
// and index k (seedReading), as SaveMetrics keeps them.
func seedPosts(ctx context.Context, db *sql.DB, ws string, accounts []string, n int, at func(i int) time.Time,
	published func(i int) *time.Time, latest func(i int) (int64, time.Time, int)) ([]string, error) {
	now := time.Now().UTC()
	posts, targets := make([]string, n), make([]string, n)
	for i := range n {
		posts[i], targets[i] = rythme.NewID(rythme.PrefixPost), rythme.NewID(rythme.PrefixTarget)
	}
	err := copyRows(ctx, db, "posts", postCols, n, func(i int) []any {
		return []any{posts[i], ws, "scale post " + strconv.Itoa(i) + " #rythme", at(i), "UTC", "[]", "", "bench", now, now}
	})
	if err != nil {
		return nil, err
	}
	err = copyRows(ctx, db, "targets", targetCols, n, func(i int) []any {
		status, ext, pub := "scheduled", "", published(i)
		var lid any
		var lat any
		values := []any{nil, nil, nil, nil}
		if pub != nil {
			status, ext = "published", strconv.Itoa(i+1)
			if latest != nil {
				id, t, k := latest(i)
				lid, lat, values = id, t, seedReading(i, k)
			}
		}
		return append([]any{targets[i], posts[i], ws, accounts[i%len(accounts)], 0, "mastodon", "", status, 1, at(i), ext, pub, now, now, lid, lat},
			values...)
	})
	return targets, err
}

// fraction is d*i/n to the microsecond (as the store keeps times), without
// overflowing int64 for a year and millions.
func fraction(d time.Duration, i, n int) time.Duration {
	return time.Duration(float64(d) * float64(i) / float64(n)).Truncate(time.Microsecond)
}

// connectAccounts connects n fakenet Mastodon accounts through the API.
func connectAccounts(ctx context.Context, st *benchStack, n int) ([]string, error) {
	out := make([]string, n)
	for i := range out {
		id, err := st.client.connect(ctx, "mastodon", map[string]string{"instance_url": "http://" + st.fakenet + "/mastodon"}, fmt.Sprintf("scale%03d", i))
		if err != nil {
			return nil, fmt.Errorf("connect account %d: %w", i, err)
		}
		out[i] = id
	}
	return out, nil
}

func redisUsedMemory(ctx context.Context, rc *redis.Client) int64 {
	info, err := rc.Info(ctx, "memory").Result()
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

func benchScaleQueue(ctx context.Context, o Options, startStack StartFunc, log *slog.Logger) (scaleQueueResult, error) {
	res := scaleQueueResult{posts: o.ScalePosts}
	st, err := startBenchStack(ctx, o, startStack, "postgres", false, log)
	if err != nil {
		return res, err
	}
	defer st.close()
	accounts, err := connectAccounts(ctx, st, 100)
	if err != nil {
		return res, err
	}
	ws, err := workspaceOf(ctx, st.Store, st.token)
	if err != nil {
		return res, err
	}
	// The API process's own workers stop: the worker measured is alone.
	st.Stop()
	// Due from 2 hours on, spread over 3 hours: beyond the API process's
	// horizon (1h), within the measured worker's (6h).
	due := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
	t0 := time.Now()
	if _, err := seedPosts(ctx, st.Store.DB(), ws, accounts, o.ScalePosts,
		func(i int) time.Time { return due.Add(fraction(3*time.Hour, i, o.ScalePosts)) },
		func(int) *time.Time { return nil }, nil); err != nil {
		return res, err
	}
	if _, err := st.Store.DB().ExecContext(ctx, `ANALYZE posts; ANALYZE targets`); err != nil {
		return res, err
	}
	res.seedTook = time.Since(t0)

	opt, err := redis.ParseURL(o.RedisURL)
	if err != nil {
		return res, err
	}
	rc := redis.NewClient(opt)
	defer rc.Close()
	redisBefore := redisUsedMemory(ctx, rc)

	exe, err := os.Executable()
	if err != nil {
		return res, err
	}
	tmp, err := os.MkdirTemp("", "rythme-bench-scale-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(tmp)
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	work := exec.CommandContext(wctx, exe, "work")
	work.Env = append(os.Environ(), "DATABASE_URL="+st.DatabaseURL, "REDIS_URL="+o.RedisURL,
		"RYTHME_SECRET_KEY="+st.SecretKey, "RYTHME_HORIZON=6h", "RYTHME_LOG_LEVEL=error", "RYTHME_DATA="+tmp,
		// The accounts are on fakenet, on loopback (their audience is read).
		"RYTHME_ALLOW_PRIVATE_NETWORKS=127.0.0.0/8")
	work.Stderr = os.Stderr
	t0 = time.Now()
	if err := work.Start(); err != nil {
		return res, err
	}
	defer func() { stop(); _ = work.Wait() }()
	deadline := time.Now().Add(10*time.Minute + time.Duration(o.ScalePosts)*time.Millisecond)
	for {
		p := rc.Pipeline()
		var counts []*redis.IntCmd
		for _, q := range worker.PublishQueues("mastodon") {
			counts = append(counts, p.ZCard(ctx, "asynq:{"+q+"}:scheduled"), p.LLen(ctx, "asynq:{"+q+"}:pending"))
		}
		if _, err := p.Exec(ctx); err == nil {
			res.queued = 0
			for _, c := range counts {
				res.queued += int(c.Val())
			}
		}
		if rss, hwm := procMemory(work.Process.Pid); rss > 0 {
			res.rss, res.hwm = rss, max(res.hwm, hwm)
		}
		if res.queued >= o.ScalePosts {
			res.queueTook = time.Since(t0)
			break
		}
		if time.Now().After(deadline) {
			return res, fmt.Errorf("the worker queued %d of %d posts in %s", res.queued, o.ScalePosts, time.Since(t0).Round(time.Second))
		}
		time.Sleep(500 * time.Millisecond)
	}
	// Settle: a few sweeps more with everything queued (a full one among
	// them re-reads every due target).
	time.Sleep(15 * time.Second)
	if rss, hwm := procMemory(work.Process.Pid); rss > 0 {
		res.rss, res.hwm = rss, max(res.hwm, hwm)
	}
	res.redisBytes = redisUsedMemory(ctx, rc) - redisBefore
	return res, nil
}

func benchScaleReadings(ctx context.Context, o Options, startStack StartFunc, log *slog.Logger) (scaleReadingsResult, error) {
	perPost := len(readingOffsets)
	posts := (o.ScaleReadings + perPost - 1) / perPost
	res := scaleReadingsResult{readings: posts * perPost, posts: posts, compared: min(ComparePosts, posts)}
	st, err := startBenchStack(ctx, o, startStack, "postgres", false, log)
	if err != nil {
		return res, err
	}
	defer st.close()
	accounts, err := connectAccounts(ctx, st, 10)
	if err != nil {
		return res, err
	}
	ws, err := workspaceOf(ctx, st.Store, st.token)
	if err != nil {
		return res, err
	}
	st.Stop()
	db := st.Store.DB()

	// Published evenly over the year that ended a month ago (every reading,
	// 30 days on, is in the past), oldest first.
	end := time.Now().UTC().AddDate(0, -1, 0).Truncate(time.Second)
	start := end.AddDate(-1, 0, 0)
	pubAt := func(i int) time.Time { return start.Add(fraction(end.Sub(start), i, posts)) }
	prep, ok := st.Store.(interface {
		PrepareReadings(ctx context.Context, from, through time.Time) error
	})
	if !ok {
		return res, fmt.Errorf("the store cannot prepare the readings' partitions")
	}
	t0 := time.Now()
	if err := prep.PrepareReadings(ctx, start, time.Now()); err != nil {
		return res, err
	}
	// Reading k of post i has id i*perPost+k+1: the post's latest is its last.
	targets, err := seedPosts(ctx, db, ws, accounts, posts, pubAt,
		func(i int) *time.Time { t := pubAt(i); return &t },
		func(i int) (int64, time.Time, int) {
			return int64(i*perPost + perPost), pubAt(i).Add(readingOffsets[perPost-1]), perPost - 1
		})
	if err != nil {
		return res, err
	}
	cols := []string{"id", "workspace_id", "target_id", "account_id", "network", "at", "impressions", "likes", "comments", "shares", "deleted"}
	if err := copyRows(ctx, db, "metric_snapshots", cols, res.readings, func(n int) []any {
		i, k := n/perPost, n%perPost
		return append(append([]any{int64(n + 1), ws, targets[i], accounts[i%len(accounts)], "mastodon", pubAt(i).Add(readingOffsets[k])},
			seedReading(i, k)...), false)
	}); err != nil {
		return res, err
	}
	if _, err := db.ExecContext(ctx, `SELECT setval('metric_snapshots_id_seq', $1)`, res.readings); err != nil {
		return res, err
	}
	if _, err := db.ExecContext(ctx, `ANALYZE posts; ANALYZE targets; ANALYZE metric_snapshots`); err != nil {
		return res, err
	}
	res.seedTook = time.Since(t0)
	if err := db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(pg_total_relation_size(i.inhrelid)), 0)
		FROM pg_inherits i WHERE i.inhparent = 'metric_snapshots'::regclass`).Scan(&res.partitions, &res.bytes); err != nil {
		return res, err
	}

	// The comparison: the most recent ComparePosts posts, split in two.
	from, to := pubAt(posts-res.compared), end.Add(time.Second)
	half := pubAt(posts - res.compared/2)
	asOf := time.Now().Add(48 * time.Hour)
	var totals, queries []time.Duration
	for range 7 {
		t0 := time.Now()
		rows, err := st.Store.LatestSnapshots(ctx, ws, from, to, asOf)
		if err != nil {
			return res, err
		}
		tq := time.Since(t0)
		if len(rows) != res.compared {
			return res, fmt.Errorf("the comparison read %d latest readings, want %d", len(rows), res.compared)
		}
		snaps := make([]reports.Snapshot, len(rows))
		for i, r := range rows {
			snaps[i] = reports.Snapshot{TargetID: r.TargetID, PostID: r.PostID, AccountID: r.AccountID, Network: r.Network,
				Author: r.Author, Tags: r.Tags, PublishedAt: r.PublishedAt, At: r.Metrics.At, Metrics: r.Metrics}
		}
		reports.Compare(reports.Cohort{From: from, To: half}, reports.Cohort{From: half, To: to}, snaps, nil, asOf, time.UTC)
		totals = append(totals, time.Since(t0))
		queries = append(queries, tq)
	}
	slices.Sort(totals)
	slices.Sort(queries)
	res.compareMedian, res.compareMax, res.queryMedian = totals[len(totals)/2], totals[len(totals)-1], queries[len(queries)/2]
	res.load = loadAverage()
	return res, nil
}

// loadAverage is the machine's 1-minute load average ("" where /proc is
// not there): the figures of a shared machine depend on it.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

func scaleReport(q *scaleQueueResult, r *scaleReadingsResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n## Memory at scale\n\nWritten by `rythme bench` on %s; machine: %s.\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"), machine())
	b.WriteString("Seeded with COPY (pgx) on PostgreSQL + Redis, then measured. *scale-queue*: posts due within the horizon, one target\n" +
		"each across 100 accounts; a separate `rythme work` process with `RYTHME_HORIZON=6h` puts every one on the Redis queue;\n" +
		"its memory is read from /proc, Redis's from `INFO memory` (the instance's growth, which other databases on it may blur).\n" +
		"*scale-readings*: posts published evenly over a year, 7 readings each (the reading schedule), in the monthly\n" +
		"partitions; then a cohort comparison over the most recent 10,000 posts, query included.\n\n" +
		"| measure | figure | goal |\n| --- | ---: | --- |\n")
	if q != nil {
		fmt.Fprintf(&b, "| worker RSS with %d posts queued (peak) | %.0f MB (%.0f MB) | < 300 MB |\n", q.queued, float64(q.rss)/1e6, float64(q.hwm)/1e6)
		fmt.Fprintf(&b, "| time for the worker to queue them | %s | |\n", q.queueTook.Round(100*time.Millisecond))
		fmt.Fprintf(&b, "| Redis memory for them | %.0f MB (%.0f bytes a task) | |\n", float64(q.redisBytes)/1e6, float64(q.redisBytes)/float64(max(q.queued, 1)))
		fmt.Fprintf(&b, "| seeding %d posts (COPY) | %s | |\n", q.posts, q.seedTook.Round(100*time.Millisecond))
	}
	if r != nil {
		fmt.Fprintf(&b, "| comparison over %d posts among %d readings, median of 7 (max) | %s (%s) | < 200 ms |\n",
			r.compared, r.readings, r.compareMedian.Round(time.Millisecond), r.compareMax.Round(time.Millisecond))
		fmt.Fprintf(&b, "| of which the query | %s | |\n", r.queryMedian.Round(time.Millisecond))
		if r.load != "" {
			fmt.Fprintf(&b, "| load average (1 min) of the %d-core machine then | %s | |\n", runtime.NumCPU(), r.load)
		}
		fmt.Fprintf(&b, "| readings on disk, indexes included (%d partitions) | %.0f MB (%.0f bytes a reading) | |\n",
			r.partitions, float64(r.bytes)/1e6, float64(r.bytes)/float64(max(r.readings, 1)))
		fmt.Fprintf(&b, "| seeding %d posts and their readings (COPY) | %s | |\n", r.posts, r.seedTook.Round(100*time.Millisecond))
	}
	b.WriteString("\nReproduce: `go run ./cmd/rythme bench -backends postgres -scenarios scale-queue,scale-readings` (1,000,000 posts\n" +
		"and 10,000,000 readings by default; `-scale-posts` and `-scale-readings` change them). Run alone, these scenarios\n" +
		"replace this section of the report and leave the others as they were.\n")
	return b.String()
}

// spliceSection puts section (which starts with its "## " heading) in
// place of the report's section of the same heading, or at its end.
func spliceSection(report, section string) string {
	heading, _, _ := strings.Cut(strings.TrimLeft(section, "\n"), "\n")
	i := strings.Index(report, heading)
	if i < 0 {
		return strings.TrimRight(report, "\n") + "\n" + section
	}
	rest := report[i+len(heading):]
	if j := strings.Index(rest, "\n## "); j >= 0 {
		return strings.TrimRight(report[:i], "\n") + "\n" + section + rest[j:]
	}
	return strings.TrimRight(report[:i], "\n") + "\n" + section
}
