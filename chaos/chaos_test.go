package chaos_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme/chaos"
)

// Settings: flags, defaulting to the environment, defaulting to what CI
// runs (the whole suite in about 6 minutes on 2 cores).
var (
	posts    = flag.Int("chaos.posts", envInt("CHAOS_POSTS", 1500), "posts per scenario (CHAOS_POSTS)")
	window   = flag.Duration("chaos.window", envDuration("CHAOS_WINDOW", 45*time.Second), "time over which a scenario's posts come due (CHAOS_WINDOW)")
	workers  = flag.Int("chaos.workers", envInt("CHAOS_WORKERS", 3), "rythme work processes (CHAOS_WORKERS)")
	accounts = flag.Int("chaos.accounts", envInt("CHAOS_ACCOUNTS", 12), "accounts; a quarter on the server that cannot dedupe (CHAOS_ACCOUNTS)")
	drain    = flag.Duration("chaos.drain", envDuration("CHAOS_DRAIN", 150*time.Second), "longest wait after the last post is due (CHAOS_DRAIN)")
	seed     = flag.Int64("chaos.seed", int64(envInt("CHAOS_SEED", int(time.Now().UnixNano()%1_000_000))), "seed of the random moments (CHAOS_SEED)")
	report   = flag.String("chaos.report", os.Getenv("CHAOS_REPORT"), "write the figures as Markdown to this file, relative to the repository root (CHAOS_REPORT)")
	summary  = flag.String("chaos.summary", os.Getenv("CHAOS_SUMMARY"), "write one line of figures per scenario to this file, for a terminal (CHAOS_SUMMARY; .ci/run prints it)")
)

const (
	// netLatency is how long the simulated networks take to answer a
	// publish, in every scenario.
	netLatency = 250 * time.Millisecond
	// horizon is short, so that most posts are put on the queue by the
	// reconciler's sweeps, as posts scheduled days ahead are in production.
	horizon        = 10 * time.Second
	lease          = 20 * time.Second
	publishTimeout = 8 * time.Second
	reconcile      = time.Second
)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}

// suite holds what every scenario shares: the binary, Redis, PostgreSQL.
var suite struct {
	enabled bool
	dir     string
	bin     string
	once    sync.Once
	redis   *chaos.Redis
	pg      *chaos.Postgres
	err     error
	failed  bool
}

func TestMain(m *testing.M) {
	flag.Parse()
	suite.enabled = os.Getenv("RYTHME_CHAOS") == "1" && !testing.Short()
	if !suite.enabled {
		os.Exit(m.Run())
	}
	// The suite's own Redis clients retry while Redis is down on purpose.
	goredis.SetLogger(quiet{})
	dir, err := os.MkdirTemp("", "rythme-chaos-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(1)
	}
	// Readable by the OS user postgres, whose cluster lives inside.
	_ = os.Chmod(dir, 0o755)
	suite.dir = dir
	// The binary under test: built from this tree (with -race when
	// CHAOS_RACE=1), or CHAOS_BIN, one built elsewhere.
	suite.bin = os.Getenv("CHAOS_BIN")
	if suite.bin == "" {
		suite.bin = filepath.Join(dir, "rythme")
		args := []string{"build", "-o", suite.bin}
		if os.Getenv("CHAOS_RACE") == "1" {
			args = append(args, "-race")
		}
		if out, err := exec.Command("go", append(args, "../cmd/rythme")...).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "chaos: build rythme: %v\n%s", err, out)
			os.Exit(1)
		}
	}
	code := m.Run()
	if suite.redis != nil {
		suite.redis.Stop()
	}
	if suite.pg != nil {
		suite.pg.Stop()
	}
	if code == 0 && !suite.failed {
		os.RemoveAll(dir)
	} else {
		fmt.Fprintf(os.Stderr, "chaos: logs of every process kept in %s\n", dir)
	}
	os.Exit(code)
}

// quiet discards go-redis's log.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// services starts Redis and PostgreSQL once; it skips the test when they
// cannot start, unless RYTHME_REQUIRE_SERVICES=1.
func services(t *testing.T) (*chaos.Redis, *chaos.Postgres) {
	t.Helper()
	suite.once.Do(func() {
		if suite.redis, suite.err = chaos.StartRedis(suite.dir); suite.err != nil {
			return
		}
		suite.pg, suite.err = chaos.StartPostgres(suite.dir)
	})
	if suite.err != nil {
		if os.Getenv("RYTHME_REQUIRE_SERVICES") == "1" {
			t.Fatalf("%v (RYTHME_REQUIRE_SERVICES=1)", suite.err)
		}
		t.Skip(suite.err)
	}
	return suite.redis, suite.pg
}

// scenario is one way of breaking rythme while it publishes.
type scenario struct {
	name, title string
	// run breaks things between the first due time and the last, and says
	// what it did in res. It returns when it is done breaking.
	run func(t *testing.T, ctx context.Context, e *env, res *chaos.Result)
}

// env is what a scenario acts on.
type env struct {
	d          *chaos.Deployment
	redis      *chaos.Redis
	pg         *chaos.Postgres
	rng        *rand.Rand
	first, end time.Time // first and last due times
}

// at returns the moment a fraction f of the way through the due window.
func (e *env) at(f float64) time.Time {
	return e.first.Add(time.Duration(f * float64(e.end.Sub(e.first))))
}

// sleepUntil waits until when, or ctx is done (false).
func sleepUntil(ctx context.Context, when time.Time) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(time.Until(when)):
		return true
	}
}

// TestChaos runs the scenarios one after the other (each restarts shared
// servers) and, with CHAOS_REPORT, writes their figures.
func TestChaos(t *testing.T) {
	if !suite.enabled {
		t.Skip("the chaos suite takes minutes: run it with RYTHME_CHAOS=1 (see docs/reliability.md)")
	}
	redis, pg := services(t)
	t.Logf("chaos: seed %d, %d posts over %s per scenario, %d workers, %d accounts", *seed, *posts, *window, *workers, *accounts)
	var results []chaos.Result
	for i, sc := range scenarios {
		res := chaos.Result{Name: sc.name, Title: sc.title}
		ran := false
		res.Passed = t.Run(sc.name, func(t *testing.T) {
			ran = true
			runScenario(t, sc, redis, pg, int64(i), &res)
		})
		if ran {
			results = append(results, res)
		}
	}
	var table strings.Builder
	if err := chaos.WriteSummary(&table, results); err != nil {
		t.Fatal(err)
	}
	t.Logf("chaos: figures per scenario\n%s", table.String())
	if *summary != "" {
		if err := os.WriteFile(*summary, []byte(table.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if *report != "" {
		// A relative path is relative to the repository's root, not to
		// this package's directory where go test runs.
		if !filepath.IsAbs(*report) {
			*report = filepath.Join("..", *report)
		}
		m := chaos.ThisMachine()
		m.Postgres, m.Redis = pg.Version, redis.Version
		f, err := os.Create(*report)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		nodedup := *accounts / 4
		err = chaos.WriteReport(f, time.Now(), m, chaos.Settings{Posts: *posts, Accounts: *accounts, Deduping: nodedup,
			Workers: *workers, Window: *window, Seed: *seed, Latency: netLatency, Horizon: horizon, Lease: lease, PublishTimeout: publishTimeout, Reconcile: reconcile}, results)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("chaos: figures written to %s", *report)
	}
}

func runScenario(t *testing.T, sc scenario, redis *chaos.Redis, pg *chaos.Postgres, n int64, res *chaos.Result) {
	ctx, cancel := context.WithTimeout(context.Background(), *window+*drain+3*time.Minute)
	defer cancel()
	began := time.Now()
	dir := filepath.Join(suite.dir, sc.name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := redis.FlushAll(ctx); err != nil {
		t.Fatal(err)
	}
	dbURL, err := pg.CreateDatabase(ctx, "chaos_"+sc.name)
	if err != nil {
		t.Fatal(err)
	}
	d, err := chaos.Deploy(ctx, chaos.DeployConfig{Bin: suite.bin, Dir: dir, Redis: redis, Postgres: pg, Database: dbURL,
		Workers: *workers, Lease: lease, PublishTimeout: publishTimeout, Reconcile: reconcile, Horizon: horizon})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		d.Close()
		if t.Failed() {
			suite.failed = true
			for _, p := range d.Procs() {
				t.Logf("--- last lines of %s (all in %s):\n%s", p.Name, p.LogPath(), p.Tail(3000))
			}
		}
	}()
	nodedup := max(1, *accounts/4)
	if err := d.ConnectAccounts(ctx, *accounts-nodedup, nodedup); err != nil {
		t.Fatal(err)
	}
	// Real networks take a while to answer: a worker killed, or a
	// database lost, often finds a publish in flight.
	for _, fn := range []*chaos.Fakenet{d.Dedup, d.NoDedup} {
		if err := fn.Inject(ctx, chaos.Fault{Network: "mastodon", Match: "publish", Kind: "latency", DelayMS: int(netLatency / time.Millisecond)}); err != nil {
			t.Fatal(err)
		}
	}
	rctx, stopReconnect := context.WithCancel(ctx)
	defer stopReconnect()
	go d.Reconnect(rctx)

	e := &env{d: d, redis: redis, pg: pg, rng: rand.New(rand.NewPCG(uint64(*seed), uint64(n)))}
	// Posts are created ahead of time: the first is due once all of them
	// should be in (about 4 ms a post on 4 connections, generously).
	created := time.Now()
	e.first = created.Add(4*time.Second + time.Duration(*posts)*6*time.Millisecond).Truncate(time.Second)
	if e.end, err = d.Schedule(ctx, e.rng, sc.name, *posts, e.first, *window); err != nil {
		t.Fatalf("%v (the posts took longer to create than the lead time)", err)
	}
	t.Logf("%d posts scheduled in %s, due from %s to %s", *posts, time.Since(created).Round(time.Millisecond),
		e.first.Format("15:04:05"), e.end.Format("15:04:05.000"))

	sc.run(t, ctx, e, res)

	targets, err := d.Drain(ctx, e.end.Add(*drain))
	if err != nil {
		t.Fatalf("drain: %v", err)
	}
	time.Sleep(2 * time.Second) // room for anything that should not happen
	tally, err := d.Measure(ctx, targets)
	if err != nil {
		t.Fatalf("measure: %v", err)
	}
	var applied, limited int64
	var left []string
	for _, fn := range []*chaos.Fakenet{d.Dedup, d.NoDedup} {
		st, err := fn.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		applied, limited = applied+st.FaultsApplied, limited+st.RateLimited
		faults, err := fn.Faults(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range faults {
			if f.Count > 0 { // the others are meant to last
				left = append(left, f.String())
			}
		}
	}
	if applied > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("requests a fault changed (the %s latency of every publish included): %d; 429 answers: %d", netLatency, applied, limited))
	}
	if len(left) > 0 {
		res.Notes = append(res.Notes, "faults not used up by the end: "+strings.Join(left, ", "))
	}
	// A sweep task left archived stops every later sweep (fixed task id):
	// say so, it explains lost posts.
	if states, err := redis.SweepStates(ctx); err != nil {
		t.Log(err)
	} else {
		for _, id := range []string{"sweep:reconcile", "sweep:tokens"} {
			if states[id] == "archived" {
				res.Notes = append(res.Notes, fmt.Sprintf("at the end, asynq task `%s` was archived in Redis: no later `%s` could be enqueued (task id conflict), so no such sweep ran since", id, id))
			}
		}
	}
	if n := d.Reconnects.Load(); n > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("accounts reconnected by the suite after needs_reconnect: %d", n))
	}
	res.Tally = tally
	res.Duration = time.Since(began)
	t.Logf("%s: %d posts: %d exactly once, %d lost, %d duplicates, %d early, %d unconfirmed, %d failed, %d held, %d mismatched; lateness p50 %s p99 %s max %s; %s",
		sc.name, tally.Posts, tally.ExactlyOnce, tally.Lost, tally.Duplicates, tally.Early, tally.Unconfirmed, tally.Failed,
		tally.Held, tally.Mismatch, tally.LateP50.Round(time.Millisecond), tally.LateP99.Round(time.Millisecond),
		tally.LateMax.Round(time.Millisecond), time.Since(began).Round(time.Second))
	if tally.Posts != *posts {
		t.Errorf("the store has %d targets, want the %d scheduled", tally.Posts, *posts)
	}
	for _, c := range d.Crashes() {
		t.Errorf("a process died without being killed: %s", c)
	}
	if fails := tally.Failures(); len(fails) > 0 {
		t.Errorf("goals missed: %s", strings.Join(fails, "; "))
		for _, p := range tally.Problems {
			t.Log(p)
		}
	}
}
