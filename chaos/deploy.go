package chaos

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// DeployConfig says what to run.
type DeployConfig struct {
	Bin      string    // the rythme binary
	Dir      string    // logs and data of this deployment
	Redis    *Redis    // shared, flushed by the caller
	Postgres *Postgres // the cluster
	Database string    // the database URL of this deployment
	Workers  int       // rythme work processes
	// Lease, PublishTimeout, Reconcile and Horizon are RYTHME_LEASE,
	// RYTHME_PUBLISH_TIMEOUT, RYTHME_RECONCILE_INTERVAL and RYTHME_HORIZON.
	Lease, PublishTimeout, Reconcile, Horizon time.Duration
}

// SecretKey seals tokens in the suite's databases (a test key, never a
// real one).
const SecretKey = "cnl0aG1lLWNoYW9zLXN1aXRlLWtleS0wMTIzNDU2Nzg="

// AdminToken is the bootstrap admin token of the suite's workspaces.
const AdminToken = "rym_chaos_admin_token_0123456789abcdef"

// Deployment is one rythme deployment: two fakenets (Dedup behaves as
// Mastodon, NoDedup as GoToSocial, which ignores Idempotency-Key), one
// `serve`, cfg.Workers `work`.
type Deployment struct {
	cfg     DeployConfig
	API     *Client
	Dedup   *Fakenet
	NoDedup *Fakenet
	Serve   *Proc
	Workers []*Proc
	procs   []*Proc

	mu       sync.Mutex
	accounts []Account
	users    map[string][2]string // account id → instance URL, fakenet user
	// Reconnects counts accounts reconnected after needs_reconnect.
	Reconnects atomic.Int64
}

// Deploy starts the fakenets, migrates the database, then starts serve and
// the workers, and waits until the API is ready.
func Deploy(ctx context.Context, cfg DeployConfig) (*Deployment, error) {
	d := &Deployment{cfg: cfg, users: map[string][2]string{}}
	ok := false
	defer func() {
		if !ok {
			d.Close()
		}
	}()
	var nets []*Fakenet
	for _, name := range []string{"fakenet-mastodon", "fakenet-gotosocial"} {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		p, err := d.proc(name, []string{"FAKENET_ADDR=127.0.0.1:" + strconv.Itoa(port)}, "fakenet")
		if err != nil {
			return nil, err
		}
		fn := NewFakenet(fmt.Sprintf("http://127.0.0.1:%d", port))
		if err := fn.Ready(ctx, 20*time.Second); err != nil {
			return nil, fmt.Errorf("chaos: %s not ready: %w\n%s", name, err, p.Tail(4000))
		}
		nets = append(nets, fn)
	}
	d.Dedup, d.NoDedup = nets[0], nets[1]
	// The second server ignores Idempotency-Key for good, and says it runs
	// GoToSocial: rythme learns it when an account connects.
	if err := d.NoDedup.Inject(ctx, Fault{Network: "mastodon", Kind: "ignore_idempotency"}); err != nil {
		return nil, err
	}

	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	api := fmt.Sprintf("http://127.0.0.1:%d", port)
	env := []string{"DATABASE_URL=" + cfg.Database, "REDIS_URL=" + cfg.Redis.URL(), "RYTHME_SECRET_KEY=" + SecretKey,
		"RYTHME_BOOTSTRAP_TOKEN=" + AdminToken, "RYTHME_RECONCILE_INTERVAL=" + cfg.Reconcile.String(),
		"RYTHME_LEASE=" + cfg.Lease.String(), "RYTHME_HORIZON=" + cfg.Horizon.String(), "RYTHME_PUBLISH_TIMEOUT=" + cfg.PublishTimeout.String(),
		"RYTHME_PUBLIC_URL=" + api, "RYTHME_DATA=" + filepath.Join(cfg.Dir, "data"), "RYTHME_LOG_FORMAT=json",
		"RYTHME_FAKENET_URL=", "RYTHME_ALLOW_PRIVATE_NETWORKS=127.0.0.0/8", "RYTHME_ADDR=127.0.0.1:" + strconv.Itoa(port)}
	m := exec.CommandContext(ctx, cfg.Bin, "migrate")
	m.Env = append(os.Environ(), env...)
	if out, err := m.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("chaos: rythme migrate: %w\n%s", err, out)
	}
	if d.Serve, err = d.proc("serve", env, "serve"); err != nil {
		return nil, err
	}
	for i := range cfg.Workers {
		w, err := d.proc(fmt.Sprintf("work-%d", i+1), env, "work")
		if err != nil {
			return nil, err
		}
		d.Workers = append(d.Workers, w)
	}
	d.API = NewClient(api, AdminToken)
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := d.API.Do(ctx, "GET", "/readyz", nil, nil)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("chaos: the API is not ready: %w\n%s", err, d.Serve.Tail(4000))
		}
		time.Sleep(100 * time.Millisecond)
	}
	ok = true
	return d, nil
}

func (d *Deployment) proc(name string, env []string, args ...string) (*Proc, error) {
	p, err := NewProc(name, d.cfg.Bin, filepath.Join(d.cfg.Dir, name+".log"), env, args...)
	if err != nil {
		return nil, err
	}
	d.procs = append(d.procs, p)
	return p, p.Start()
}

// Close stops every process (serve first, so that nothing new is queued).
func (d *Deployment) Close() {
	var wg sync.WaitGroup
	for i := len(d.procs) - 1; i >= 0; i-- {
		wg.Add(1)
		go func(p *Proc) { defer wg.Done(); p.Close() }(d.procs[i])
	}
	wg.Wait()
}

// Procs returns every process of the deployment.
func (d *Deployment) Procs() []*Proc { return append([]*Proc(nil), d.procs...) }

// Crashes lists the processes that exited without being asked to.
func (d *Deployment) Crashes() []string {
	var out []string
	for _, p := range d.procs {
		out = append(out, p.Crashes()...)
	}
	return out
}

// ConnectAccounts connects dedup accounts on the Mastodon fakenet (users
// m00, m01…) and nodedup on the GoToSocial one (g00…), and checks that
// rythme learned which server dedupes.
func (d *Deployment) ConnectAccounts(ctx context.Context, dedup, nodedup int) error {
	for i := range dedup + nodedup {
		fn, user, want := d.Dedup, fmt.Sprintf("m%02d", i), "honoured"
		if i >= dedup {
			fn, user, want = d.NoDedup, fmt.Sprintf("g%02d", i-dedup), ""
		}
		a, err := d.API.Connect(ctx, fn.MastodonURL(), user)
		if err != nil {
			return fmt.Errorf("chaos: connect %s: %w", user, err)
		}
		if got := a.Meta["idempotency"]; (want == "honoured") != (got == "honoured") {
			return fmt.Errorf("chaos: account %s on %s: idempotency %q, want honoured=%v", user, fn.Base, got, want == "honoured")
		}
		d.mu.Lock()
		d.accounts = append(d.accounts, a)
		d.users[a.ID] = [2]string{fn.MastodonURL(), user}
		d.mu.Unlock()
	}
	return nil
}

// Accounts returns the connected accounts, in the order connected.
func (d *Deployment) Accounts() []Account {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Account(nil), d.accounts...)
}

// Reconnect watches the accounts until ctx is done and reconnects, through
// the OAuth flow, any that needs it, as a person would.
func (d *Deployment) Reconnect(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
		accs, err := d.API.Accounts(ctx)
		if err != nil {
			continue
		}
		for _, a := range accs {
			if a.Status != "needs_reconnect" {
				continue
			}
			d.mu.Lock()
			u, ok := d.users[a.ID]
			d.mu.Unlock()
			if !ok {
				continue
			}
			if _, err := d.API.Connect(ctx, u[0], u[1]); err == nil {
				d.Reconnects.Add(1)
			}
		}
	}
}

// Schedule creates n posts, one target each on the accounts in turn, due
// spread over window from first on, each at a random millisecond of its
// slot. It returns the last due time.
func (d *Deployment) Schedule(ctx context.Context, rng *rand.Rand, name string, n int, first time.Time, window time.Duration) (time.Time, error) {
	accs := d.Accounts()
	if len(accs) == 0 {
		return time.Time{}, errors.New("chaos: no account to schedule on")
	}
	slot := window / time.Duration(n)
	due := make([]time.Time, n)
	for i := range due {
		off := time.Duration(rng.Int64N(int64(max(slot, time.Millisecond))))
		due[i] = first.Add(time.Duration(i)*slot + off).Truncate(time.Millisecond)
	}
	sort.Slice(due, func(i, j int) bool { return due[i].Before(due[j]) })
	var next atomic.Int64
	errc := make(chan error, 4)
	for range 4 {
		go func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					errc <- nil
					return
				}
				text := fmt.Sprintf("chaos %s post %d due %s", name, i, due[i].Format("15:04:05.000"))
				if _, err := d.API.CreatePost(ctx, text, due[i], accs[i%len(accs)].ID); err != nil {
					next.Store(int64(n))
					errc <- fmt.Errorf("chaos: schedule post %d due in %s: %w", i, time.Until(due[i]).Round(time.Millisecond), err)
					return
				}
			}
		}()
	}
	var firstErr error
	for range 4 {
		if err := <-errc; err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return due[n-1], firstErr
}

// final reports whether a target's status is one the system leaves it in
// (held is not: the suite reconnects its account).
func final(status string) bool {
	return status == "published" || status == "failed" || status == "unconfirmed" || status == "cancelled"
}

// Drain waits until every target is final or until deadline, and returns
// the targets as last seen.
func (d *Deployment) Drain(ctx context.Context, deadline time.Time) ([]Target, error) {
	for {
		posts, err := d.API.ListPosts(ctx, "")
		if err == nil {
			targets, open := targetsOf(posts)
			if open == 0 || time.Now().After(deadline) {
				return targets, nil
			}
		} else if time.Now().After(deadline) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func targetsOf(posts []Post) (targets []Target, open int) {
	for _, p := range posts {
		for _, t := range p.Targets {
			targets = append(targets, t)
			if !final(t.Status) {
				open++
			}
		}
	}
	return targets, open
}

// Measure tallies the deployment: the targets (as Drain returned them)
// against both fakenets' records, with the unconfirmed list of the API.
func (d *Deployment) Measure(ctx context.Context, targets []Target) (Tally, error) {
	var records []Record
	for _, fn := range []*Fakenet{d.Dedup, d.NoDedup} {
		r, err := fn.Records(ctx)
		if err != nil {
			return Tally{}, err
		}
		records = append(records, r...)
	}
	accs, err := d.API.Accounts(ctx)
	if err != nil {
		return Tally{}, err
	}
	idem := map[string]bool{}
	for _, a := range accs {
		idem[a.ID] = a.Meta["idempotency"] == "honoured"
	}
	listed, err := d.API.ListPosts(ctx, "unconfirmed")
	if err != nil {
		return Tally{}, err
	}
	unconfirmed := map[string]bool{}
	for _, p := range listed {
		for _, t := range p.Targets {
			if t.Status == "unconfirmed" {
				unconfirmed[t.ID] = true
			}
		}
	}
	return Count(targets, records, idem, unconfirmed), nil
}
