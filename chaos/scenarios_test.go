package chaos_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rythmehq/rythme/chaos"
)

var scenarios = []scenario{
	{"kill", "workers killed with SIGKILL", killWorkers},
	{"redis", "Redis restarted, then wiped", breakRedis},
	{"postgres", "PostgreSQL crashed and restarted", crashPostgres},
	{"faults", "network faults", networkFaults},
}

// killWorkers kills a random worker with SIGKILL every 2–5 s and restarts
// it 0.3–1.5 s later, from just before the first post is due until three
// quarters of the way; once, it kills every worker at the same time. Just
// before each kill one request on each server gets no answer (the post is
// created): the victim may be the worker waiting for it, the worst moment
// to die.
func killWorkers(t *testing.T, ctx context.Context, e *env, res *chaos.Result) {
	const m = "mastodon"
	kills, all := 0, e.at(0.2+0.4*e.rng.Float64())
	allDone := false
	next, stop := e.first.Add(-2*time.Second), e.at(0.75)
	for sleepUntil(ctx, next) && time.Now().Before(stop) {
		for _, fn := range []*chaos.Fakenet{e.d.Dedup, e.d.NoDedup} {
			if err := fn.Inject(ctx, chaos.Fault{Network: m, Match: "publish", Kind: "timeout", Count: 1}); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(time.Duration(e.rng.IntN(500)) * time.Millisecond)
		victims := []*chaos.Proc{e.d.Workers[e.rng.IntN(len(e.d.Workers))]}
		if !allDone && time.Now().After(all) {
			victims, allDone = e.d.Workers, true
		}
		for _, w := range victims {
			if w.Kill9() == nil { // else it died by itself: Crashes says so
				kills++
			}
		}
		time.Sleep(300*time.Millisecond + time.Duration(e.rng.IntN(1200))*time.Millisecond)
		for _, w := range victims {
			if err := w.Start(); err != nil {
				t.Fatal(err)
			}
		}
		next = time.Now().Add(2*time.Second + time.Duration(e.rng.IntN(3000))*time.Millisecond)
	}
	res.Injected = append(res.Injected, fmt.Sprintf("%d kill -9 of `rythme work` at random moments (one at a time every 2–5 s, and once all %d at once), each restarted 0.3–1.5 s later",
		kills, len(e.d.Workers)), "before each kill, one publish on each server gets no answer after the post is created")
}

// breakRedis kills Redis (no persistence: every task and lock is gone)
// 30% of the way and starts it again 3 s later; at 65% it wipes it with
// FLUSHALL.
func breakRedis(t *testing.T, ctx context.Context, e *env, res *chaos.Result) {
	if !sleepUntil(ctx, e.at(0.3)) {
		return
	}
	e.redis.Kill()
	time.Sleep(3 * time.Second)
	if err := e.redis.Start(ctx); err != nil {
		t.Fatal(err)
	}
	res.Injected = append(res.Injected, "Redis killed (SIGKILL, no persistence: every queued task lost), restarted 3 s later")
	if !sleepUntil(ctx, e.at(0.65)) {
		return
	}
	if err := e.redis.FlushAll(ctx); err != nil {
		t.Fatal(err)
	}
	res.Injected = append(res.Injected, "Redis wiped with FLUSHALL")
}

// pgDown is how long PostgreSQL stays down (CHAOS_PG_DOWN).
var pgDown = envDuration("CHAOS_PG_DOWN", 6*time.Second)

// probe polls the API while PostgreSQL goes down and comes back, and
// counts its answers by phase.
type probe struct {
	mu       sync.Mutex
	phase    string
	answers  map[string]map[string]int // phase → "200", "503 unavailable: message", …
	backUp   time.Time                 // PostgreSQL accepting connections again
	firstOK  time.Time                 // first 200 after that
	unexpect []string
}

func (p *probe) set(phase string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phase = phase
	if phase == "after" {
		p.backUp = time.Now()
	}
}

func (p *probe) run(ctx context.Context, api *chaos.Client) {
	c := chaos.NewClient(api.Base, api.Token)
	c.HTTP.Timeout = 5 * time.Second
	for ctx.Err() == nil {
		err := c.Do(ctx, "GET", "/v1/posts?limit=1", nil, nil)
		key := "200"
		var ae *chaos.APIError
		switch {
		case err == nil:
		case errors.As(err, &ae):
			key = fmt.Sprintf("%d %s: %s", ae.Status, ae.Code, ae.Message)
		case ctx.Err() != nil:
			return
		default:
			key = "no answer: " + err.Error()
		}
		p.mu.Lock()
		if p.answers[p.phase] == nil {
			p.answers[p.phase] = map[string]int{}
		}
		p.answers[p.phase][key]++
		if key == "200" && p.phase == "after" && p.firstOK.IsZero() {
			p.firstOK = time.Now()
		}
		if key != "200" && (ae == nil || ae.Status != http.StatusServiceUnavailable || ae.Code != "unavailable") {
			p.unexpect = append(p.unexpect, p.phase+": "+key)
		}
		p.mu.Unlock()
		time.Sleep(100 * time.Millisecond)
	}
}

// crashPostgres stops PostgreSQL as `pg_ctl stop -m immediate` does, 35%
// of the way, and starts it again pgDown later (it recovers from its WAL),
// while polling the API: it must answer 503 in the error shape meanwhile,
// and 200 again without being restarted.
func crashPostgres(t *testing.T, ctx context.Context, e *env, res *chaos.Result) {
	p := &probe{phase: "before", answers: map[string]map[string]int{}}
	pctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); p.run(pctx, e.d.API) }()
	defer func() { stop(); <-done }()

	if !sleepUntil(ctx, e.at(0.35)) {
		return
	}
	p.set("down") // requests in flight may still get their 200
	e.pg.Crash()
	time.Sleep(pgDown)
	if err := e.pg.Start(ctx); err != nil {
		t.Fatal(err)
	}
	p.set("after")
	res.Injected = append(res.Injected, fmt.Sprintf("PostgreSQL stopped in immediate mode (SIGQUIT, as `pg_ctl stop -m immediate`: a crash, WAL replayed at start), restarted %s later", pgDown))
	deadline := time.Now().Add(60 * time.Second)
	for {
		p.mu.Lock()
		ok := !p.firstOK.IsZero()
		p.mu.Unlock()
		if ok || time.Now().After(deadline) || !sleepUntil(ctx, time.Now().Add(100*time.Millisecond)) {
			break
		}
	}
	stop()
	<-done

	p.mu.Lock()
	defer p.mu.Unlock()
	for _, phase := range []string{"before", "down", "after"} {
		var parts []string
		for k, n := range p.answers[phase] {
			parts = append(parts, fmt.Sprintf("%d× %s", n, k))
		}
		sort.Strings(parts)
		res.Notes = append(res.Notes, fmt.Sprintf("`GET /v1/posts` polled every 100 ms, PostgreSQL %s: %s", map[string]string{
			"before": "up", "down": "down", "after": "back (until the first 200)"}[phase], strings.Join(parts, ", ")))
	}
	unavailable := 0
	for k, n := range p.answers["down"] {
		if strings.HasPrefix(k, "503 unavailable: ") {
			unavailable += n
			if msg := strings.TrimPrefix(k, "503 unavailable: "); strings.Contains(msg, "127.0.0.1") || strings.Contains(msg, "dial") {
				t.Errorf("the 503 names the database's address: %q", msg)
			}
		}
	}
	if unavailable == 0 {
		t.Errorf("no 503 unavailable from the API while PostgreSQL was down: %v", p.answers["down"])
	}
	for _, u := range p.unexpect {
		t.Errorf("answer other than 200 or 503 unavailable: %s", u)
	}
	if p.firstOK.IsZero() {
		t.Errorf("the API did not answer 200 within 60 s of PostgreSQL's return")
	} else {
		res.Notes = append(res.Notes, fmt.Sprintf("the API answered 200 again %s after PostgreSQL accepted connections, without a restart",
			p.firstOK.Sub(p.backUp).Round(10*time.Millisecond)))
	}
}

// networkFaults injects, on both servers, in turn: latency, 429 with
// Retry-After, 5xx, timeouts after the request was received, latency
// beyond the publish timeout, and revoked tokens (the suite reconnects the
// accounts as a person would).
func networkFaults(t *testing.T, ctx context.Context, e *env, res *chaos.Result) {
	const m = "mastodon"
	steps := []struct {
		at     float64
		net    *chaos.Fakenet
		faults []chaos.Fault
	}{
		{0, e.d.Dedup, []chaos.Fault{{Network: m, Match: "publish", Kind: "latency", DelayMS: 1500, Count: 120}}},
		{0, e.d.NoDedup, []chaos.Fault{{Network: m, Match: "publish", Kind: "latency", DelayMS: 1500, Count: 40}}},
		{0.15, e.d.Dedup, []chaos.Fault{{Network: m, Match: "publish", Kind: "status", Status: 429, RetryAfter: 2, Count: 30}}},
		{0.15, e.d.NoDedup, []chaos.Fault{{Network: m, Match: "publish", Kind: "status", Status: 429, RetryAfter: 2, Count: 10}}},
		{0.3, e.d.Dedup, []chaos.Fault{{Network: m, Match: "publish", Kind: "status", Status: 503, Count: 40},
			{Network: m, Match: "publish", Kind: "status", Status: 500, Count: 20}}},
		{0.3, e.d.NoDedup, []chaos.Fault{{Network: m, Match: "publish", Kind: "status", Status: 502, Count: 20}}},
		{0.45, e.d.Dedup, []chaos.Fault{{Network: m, Match: "publish", Kind: "timeout", Count: 8}}},
		{0.45, e.d.NoDedup, []chaos.Fault{{Network: m, Match: "publish", Kind: "timeout", Count: 6}}},
		{0.55, e.d.Dedup, []chaos.Fault{{Network: m, Match: "publish", Kind: "latency", DelayMS: int(publishTimeout/time.Millisecond) + 1000, Count: 4}}},
		{0.55, e.d.NoDedup, []chaos.Fault{{Network: m, Match: "publish", Kind: "latency", DelayMS: int(publishTimeout/time.Millisecond) + 1000, Count: 3}}},
		{0.65, e.d.Dedup, []chaos.Fault{{Network: m, Kind: "revoke", User: "m00"}}},
		{0.65, e.d.NoDedup, []chaos.Fault{{Network: m, Kind: "revoke", User: "g00"}}},
	}
	for _, s := range steps {
		if !sleepUntil(ctx, e.at(s.at)) {
			return
		}
		server := "Mastodon"
		if s.net == e.d.NoDedup {
			server = "GoToSocial"
		}
		for _, f := range s.faults {
			if err := s.net.Inject(ctx, f); err != nil {
				t.Fatal(err)
			}
			res.Injected = append(res.Injected, server+": "+f.String())
		}
	}
}
