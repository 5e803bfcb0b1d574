package worker_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/worker"
)

// batchStore is a hand-written fake: it records the batches and answers
// each ref with a target of its own id, or a conflict for odd versions.
type batchStore struct {
	mu       sync.Mutex
	batches  []int
	slow     chan struct{} // when set, every batch waits for it to close
	fail     error
	lastNow  time.Time
	lastLeas time.Time
}

func (b *batchStore) ClaimTargets(ctx context.Context, refs []rythme.TargetRef, now, leaseUntil time.Time) ([]rythme.TargetResult, error) {
	b.mu.Lock()
	b.batches = append(b.batches, len(refs))
	b.lastNow, b.lastLeas = now, leaseUntil
	b.mu.Unlock()
	if b.slow != nil {
		<-b.slow
	}
	if b.fail != nil {
		return nil, b.fail
	}
	out := make([]rythme.TargetResult, len(refs))
	for i, r := range refs {
		if r.Version%2 == 1 {
			out[i].Err = rythme.Errorf(rythme.ECONFLICT, "lost")
		} else {
			out[i].Target = &rythme.Target{ID: r.ID, Version: r.Version, Status: rythme.TargetPublishing}
		}
	}
	return out, nil
}

func (b *batchStore) AccountsByID(ctx context.Context, ids []string) ([]*rythme.Account, error) {
	b.mu.Lock()
	b.batches = append(b.batches, len(ids))
	b.mu.Unlock()
	if b.slow != nil {
		<-b.slow
	}
	var out []*rythme.Account
	for _, id := range ids {
		if id != "acc_gone" {
			out = append(out, &rythme.Account{ID: id, Username: "u" + id})
		}
	}
	return out, nil
}

func (b *batchStore) GetTargets(ctx context.Context, ids []string) ([]*rythme.Target, error) {
	b.mu.Lock()
	b.batches = append(b.batches, len(ids))
	b.mu.Unlock()
	var out []*rythme.Target
	for _, id := range ids {
		if id != "tgt_gone" {
			out = append(out, &rythme.Target{ID: id, Status: rythme.TargetScheduled})
		}
	}
	return out, nil
}

func (b *batchStore) FinishTargets(ctx context.Context, fs []rythme.TargetFinish) ([]rythme.TargetResult, error) {
	b.mu.Lock()
	b.batches = append(b.batches, len(fs))
	b.mu.Unlock()
	out := make([]rythme.TargetResult, len(fs))
	for i, f := range fs {
		out[i].Target = &rythme.Target{ID: f.ID, Version: f.Version, Status: f.Outcome.Status}
	}
	return out, nil
}

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time                                   { return c.t }
func (c fixedClock) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// Concurrent claims share statements, and each caller gets its own
// result: its target, or its conflict.
func TestBatchesGatherConcurrentClaims(t *testing.T) {
	st := &batchStore{slow: make(chan struct{})}
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	b := worker.NewBatches(st, fixedClock{now}, 10*time.Minute)
	const n = 1000
	var wg sync.WaitGroup
	errs := make([]error, n)
	got := make([]*rythme.Target, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = b.Claim(rythme.NewID(rythme.PrefixTarget), i%4)
		}()
	}
	// The first batches hold the store while the others queue up.
	for {
		st.mu.Lock()
		started := len(st.batches) > 0
		st.mu.Unlock()
		if started {
			break
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	close(st.slow)
	wg.Wait()
	total := 0
	for _, size := range st.batches {
		if size > 500 {
			t.Fatalf("a batch of %d, over 500", size)
		}
		total += size
	}
	if total != n || len(st.batches) >= n/2 {
		t.Fatalf("%d claims in %d batches (%v): want all %d, gathered", total, len(st.batches), st.batches, n)
	}
	for i := range n {
		if i%4%2 == 1 {
			if rythme.ErrorCode(errs[i]) != rythme.ECONFLICT || got[i] != nil {
				t.Fatalf("claim %d: %v %v, want its conflict", i, got[i], errs[i])
			}
		} else if errs[i] != nil || got[i] == nil || got[i].Version != i%4 {
			t.Fatalf("claim %d: %v %v, want its target", i, got[i], errs[i])
		}
	}
	if !st.lastNow.Equal(now) || !st.lastLeas.Equal(now.Add(10*time.Minute)) {
		t.Fatalf("claimed at %v with a lease to %v", st.lastNow, st.lastLeas)
	}
	// Alone, a claim is a batch of one.
	before := len(st.batches)
	if _, err := b.Claim("tgt_alone", 2); err != nil {
		t.Fatal(err)
	}
	if len(st.batches) != before+1 || st.batches[before] != 1 {
		t.Fatalf("a lone claim: %v", st.batches[before:])
	}
	if tg, err := b.Get("tgt_alone"); err != nil || tg.ID != "tgt_alone" {
		t.Fatalf("get: %v %v", tg, err)
	}
	if _, err := b.Get("tgt_gone"); rythme.ErrorCode(err) != rythme.ENOTFOUND {
		t.Fatalf("a target gone: %v, want ENOTFOUND", err)
	}
	out, err := b.Finish("tgt_alone", 2, rythme.Outcome{Status: rythme.TargetPublished})
	if err != nil || out.Status != rythme.TargetPublished || out.ID != "tgt_alone" {
		t.Fatalf("finish: %v %v", out, err)
	}
}

// An error of the database reaches every caller of the batch.
func TestBatchesShareTheStoreError(t *testing.T) {
	down := errors.New("database down")
	st := &batchStore{fail: down}
	b := worker.NewBatches(st, fixedClock{time.Now()}, time.Minute)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := b.Claim(rythme.NewID(rythme.PrefixTarget), 2*i); !errors.Is(err, down) {
				t.Errorf("claim %d: %v, want the store's error", i, err)
			}
		}()
	}
	wg.Wait()
}

// Accounts read together: one statement for concurrent readers, each
// account once in it, each caller its own copy (a caller may refresh its
// token), ENOTFOUND for one gone.
func TestBatchesReadAccountsTogether(t *testing.T) {
	st := &batchStore{slow: make(chan struct{})}
	b := worker.NewBatches(st, fixedClock{time.Now()}, time.Minute)
	const n = 300
	var wg sync.WaitGroup
	got := make([]*rythme.Account, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("acc_%d", i%10) // ten accounts, read 30 times each
			if i == n-1 {
				id = "acc_gone"
			}
			got[i], errs[i] = b.Account(id)
		}()
	}
	// The first statements hold the store while the others queue up.
	for {
		st.mu.Lock()
		started := len(st.batches) > 0
		st.mu.Unlock()
		if started {
			break
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	close(st.slow)
	wg.Wait()
	seen := map[*rythme.Account]bool{}
	for i := range n - 1 {
		if errs[i] != nil || got[i] == nil || got[i].ID != fmt.Sprintf("acc_%d", i%10) {
			t.Fatalf("account %d: %+v %v", i, got[i], errs[i])
		}
		if seen[got[i]] {
			t.Fatalf("two callers share one *Account")
		}
		seen[got[i]] = true
	}
	if rythme.ErrorCode(errs[n-1]) != rythme.ENOTFOUND {
		t.Errorf("an account gone: %v, want ENOTFOUND", errs[n-1])
	}
	total := 0
	for _, size := range st.batches {
		total += size
	}
	if len(st.batches) == 0 || len(st.batches) > 8 || total > 11*len(st.batches) {
		t.Errorf("%d reads in %d statements (%v): want them gathered", n, len(st.batches), st.batches)
	}
}
