package worker

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/rythmehq/rythme"
)

// batcher gathers the requests of concurrent callers into batches: a
// request waits only while the batches before it run, and the next batch
// takes every request that arrived meanwhile (up to max). Alone, a request
// runs at once, as a batch of one; at the top of the hour, thousands of
// publish handlers share a few statements instead of one each. At most
// parallel batches run at a time, each on a goroutine that exists only
// while there is work.
type batcher[Req, Res any] struct {
	max, parallel int
	run           func(ctx context.Context, reqs []Req) ([]Res, error)

	mu      sync.Mutex
	pending []*batchCall[Req, Res]
	running int
}

type batchCall[Req, Res any] struct {
	req  Req
	res  Res
	err  error
	done chan struct{}
}

// batchTimeout bounds one batch's statements.
const batchTimeout = 30 * time.Second

// do runs req in the next batch and returns its result. It waits for the
// batch even when ctx ends: a claim made for a caller that left would
// otherwise stay publishing until its lease ends.
func (b *batcher[Req, Res]) do(req Req) (Res, error) {
	c := &batchCall[Req, Res]{req: req, done: make(chan struct{})}
	b.mu.Lock()
	b.pending = append(b.pending, c)
	if b.running < b.parallel {
		b.running++
		go b.flush()
	}
	b.mu.Unlock()
	<-c.done
	return c.res, c.err
}

// flush runs batches until none is pending.
func (b *batcher[Req, Res]) flush() {
	for {
		b.mu.Lock()
		if len(b.pending) == 0 {
			b.running--
			b.mu.Unlock()
			return
		}
		n := min(len(b.pending), b.max)
		calls := append([]*batchCall[Req, Res](nil), b.pending[:n]...)
		b.pending = append(b.pending[:0], b.pending[n:]...)
		b.mu.Unlock()

		reqs := make([]Req, n)
		for i, c := range calls {
			reqs[i] = c.req
		}
		ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
		res, err := b.run(ctx, reqs)
		cancel()
		for i, c := range calls {
			if err != nil {
				c.err = err
			} else {
				c.res = res[i]
			}
			close(c.done)
		}
	}
}

// BatchStore is what the batches use: many claims in one statement, many
// outcomes in one transaction (rythme.TargetStore documents them).
type BatchStore interface {
	GetTargets(ctx context.Context, ids []string) ([]*rythme.Target, error)
	AccountsByID(ctx context.Context, ids []string) ([]*rythme.Account, error)
	ClaimTargets(ctx context.Context, refs []rythme.TargetRef, now, leaseUntil time.Time) ([]rythme.TargetResult, error)
	FinishTargets(ctx context.Context, fs []rythme.TargetFinish) ([]rythme.TargetResult, error)
}

// Batches write the publish path's state changes of concurrent handlers
// together: claims in one statement, outcomes in one transaction, each with
// its own compare-and-set (a claim that loses gets ECONFLICT, as alone).
type Batches struct {
	reads    batcher[string, *rythme.Target]
	accounts batcher[string, *rythme.Account]
	claims   batcher[rythme.TargetRef, rythme.TargetResult]
	finishes batcher[rythme.TargetFinish, rythme.TargetResult]
}

// Batch sizes: at most this many targets per statement or transaction, and
// this many batches of a kind at once (each holds one connection).
const (
	maxBatch        = 500
	parallelBatches = 4
)

// NewBatches returns the batches of a worker on store: a claim leases its
// target for lease from the time its batch runs, by clock.
func NewBatches(store BatchStore, clock Clock, lease time.Duration) *Batches {
	b := &Batches{}
	b.reads = batcher[string, *rythme.Target]{max: maxBatch, parallel: parallelBatches,
		run: func(ctx context.Context, ids []string) ([]*rythme.Target, error) {
			ts, err := store.GetTargets(ctx, ids)
			if err != nil {
				return nil, err
			}
			byID := make(map[string]*rythme.Target, len(ts))
			for _, t := range ts {
				byID[t.ID] = t
			}
			out := make([]*rythme.Target, len(ids))
			for i, id := range ids {
				if t := byID[id]; t != nil {
					if out[i] = t; i > 0 && slices.Contains(ids[:i], id) {
						c := *t // each caller its own copy
						out[i] = &c
					}
				}
			}
			return out, nil
		}}
	b.accounts = batcher[string, *rythme.Account]{max: maxBatch, parallel: parallelBatches,
		run: func(ctx context.Context, ids []string) ([]*rythme.Account, error) {
			as, err := store.AccountsByID(ctx, uniq(ids))
			if err != nil {
				return nil, err
			}
			byID := make(map[string]*rythme.Account, len(as))
			for _, a := range as {
				byID[a.ID] = a
			}
			out := make([]*rythme.Account, len(ids))
			for i, id := range ids {
				if a := byID[id]; a != nil {
					c := *a // each caller its own copy: a call may refresh its token
					out[i] = &c
				}
			}
			return out, nil
		}}
	b.claims = batcher[rythme.TargetRef, rythme.TargetResult]{max: maxBatch, parallel: parallelBatches,
		run: func(ctx context.Context, refs []rythme.TargetRef) ([]rythme.TargetResult, error) {
			now := clock.Now()
			return store.ClaimTargets(ctx, refs, now, now.Add(lease))
		}}
	b.finishes = batcher[rythme.TargetFinish, rythme.TargetResult]{max: maxBatch, parallel: parallelBatches,
		run: store.FinishTargets}
	return b
}

// Get reads one target in the next batch: GetTarget's contract (ENOTFOUND
// when there is none).
func (b *Batches) Get(id string) (*rythme.Target, error) {
	t, err := b.reads.do(id)
	if err == nil && t == nil {
		err = rythme.Errorf(rythme.ENOTFOUND, "target %s not found", id)
	}
	return t, err
}

// Account reads one account in the next batch: AccountByID's contract
// (ENOTFOUND when there is none).
func (b *Batches) Account(id string) (*rythme.Account, error) {
	a, err := b.accounts.do(id)
	if err == nil && a == nil {
		err = rythme.Errorf(rythme.ENOTFOUND, "account %s not found", id)
	}
	return a, err
}

// Claim claims one target in the next batch: ClaimTarget's contract.
func (b *Batches) Claim(id string, version int) (*rythme.Target, error) {
	r, err := b.claims.do(rythme.TargetRef{ID: id, Version: version})
	if err != nil {
		return nil, err
	}
	return r.Target, r.Err
}

// Finish records one outcome in the next batch: FinishTarget's contract.
func (b *Batches) Finish(id string, version int, out rythme.Outcome) (*rythme.Target, error) {
	r, err := b.finishes.do(rythme.TargetFinish{ID: id, Version: version, Outcome: out})
	if err != nil {
		return nil, err
	}
	return r.Target, r.Err
}
