package api

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

// countingStore answers the cached reads from maps and counts the calls
// that reach it; after, when set, runs once a read has its answer and
// before it returns it (a write racing the read).
type countingStore struct {
	rythme.Store // nil: any other method panics
	mu           sync.Mutex
	calls        map[string]int
	tokens       map[string]*rythme.APIToken
	workspaces   map[string]*rythme.Workspace
	accounts     map[string]*rythme.Account
	after        func()
}

func newCountingStore() *countingStore {
	return &countingStore{calls: map[string]int{}, tokens: map[string]*rythme.APIToken{},
		workspaces: map[string]*rythme.Workspace{}, accounts: map[string]*rythme.Account{}}
}

func (s *countingStore) count(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[name]
}

func (s *countingStore) read(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[name]++
}

func (s *countingStore) runAfter() {
	s.mu.Lock()
	after := s.after
	s.after = nil
	s.mu.Unlock()
	if after != nil {
		after()
	}
}

func (s *countingStore) TokenByHash(_ context.Context, hash []byte) (*rythme.APIToken, error) {
	s.read("TokenByHash")
	defer s.runAfter()
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[string(hash)]
	if !ok || t.RevokedAt != nil {
		return nil, rythme.Errorf(rythme.ENOTFOUND, "token not found")
	}
	c := *t
	return &c, nil
}

func (s *countingStore) RevokeAPIToken(_ context.Context, _, id string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		if t.ID == id {
			t.RevokedAt = &at
		}
	}
	return nil
}

func (s *countingStore) GetWorkspace(_ context.Context, id string) (*rythme.Workspace, error) {
	s.read("GetWorkspace")
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.workspaces[id]
	if !ok {
		return nil, rythme.Errorf(rythme.ENOTFOUND, "workspace not found")
	}
	c := *w
	return &c, nil
}

func (s *countingStore) UpdateWorkspace(_ context.Context, ws *rythme.Workspace) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *ws
	s.workspaces[ws.ID] = &c
	return nil
}

func (s *countingStore) GetAccount(_ context.Context, ws, id string) (*rythme.Account, error) {
	s.read("GetAccount")
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[id]
	if !ok || a.WorkspaceID != ws {
		return nil, rythme.Errorf(rythme.ENOTFOUND, "account not found")
	}
	return cloneAccount(a), nil
}

func (s *countingStore) SetAccountStatus(_ context.Context, id string, status rythme.AccountStatus, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts[id].Status, s.accounts[id].StatusReason = status, reason
	return nil
}

// fakeTime is a clock the tests move.
type fakeTime struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeTime) now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeTime) add(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = f.t.Add(d)
}

func newTestCache(st rythme.Store) (*cachedStore, *fakeTime) {
	c := newCachedStore(st)
	clk := &fakeTime{t: time.Unix(1e9, 0)}
	c.now = clk.now
	return c, clk
}

func TestCachedTokens(t *testing.T) {
	ctx := context.Background()
	st := newCountingStore()
	c, clk := newTestCache(st)
	live, other := rythme.HashToken("rym_live"), rythme.HashToken("rym_other")
	st.tokens[string(live)] = &rythme.APIToken{ID: "tok_1", WorkspaceID: "ws_1", Role: rythme.RoleEditor, Hash: live}
	st.tokens[string(other)] = &rythme.APIToken{ID: "tok_2", WorkspaceID: "ws_1", Role: rythme.RoleAdmin, Hash: other}

	lookup := func(h []byte) (*rythme.APIToken, error) { return c.TokenByHash(ctx, h) }
	tok, err := lookup(live)
	if err != nil || tok.ID != "tok_1" {
		t.Fatalf("first lookup: %+v, %v", tok, err)
	}
	tok.Role = rythme.RoleAdmin // the caller's copy
	if tok, err = lookup(live); err != nil || tok.Role != rythme.RoleEditor {
		t.Fatalf("second lookup: %+v, %v", tok, err)
	}
	if n := st.count("TokenByHash"); n != 1 {
		t.Fatalf("the store was asked %d times within the TTL, want 1", n)
	}
	clk.add(authCacheTTL)
	if _, err := lookup(live); err != nil || st.count("TokenByHash") != 2 {
		t.Fatalf("after the TTL: %v, %d store calls, want 2", err, st.count("TokenByHash"))
	}

	// Unknown tokens are asked every time.
	for range 2 {
		if _, err := lookup(rythme.HashToken("rym_nope")); rythme.ErrorCode(err) != rythme.ENOTFOUND {
			t.Fatalf("unknown token: %v", err)
		}
	}
	if n := st.count("TokenByHash"); n != 4 {
		t.Fatalf("%d store calls, want 4: unknown tokens are not cached", n)
	}

	// A revocation through the cache is immediate.
	if _, err := lookup(other); err != nil {
		t.Fatal(err)
	}
	if err := c.RevokeAPIToken(ctx, "ws_1", "tok_2", clk.now()); err != nil {
		t.Fatal(err)
	}
	if _, err := lookup(other); rythme.ErrorCode(err) != rythme.ENOTFOUND {
		t.Fatalf("revoked token: %v, want ENOTFOUND at once", err)
	}

	// A read that began before a revocation does not put its answer back.
	clk.add(authCacheTTL)
	st.after = func() {
		if err := c.RevokeAPIToken(ctx, "ws_1", "tok_1", clk.now()); err != nil {
			t.Error(err)
		}
	}
	if _, err := lookup(live); err != nil {
		t.Fatalf("the read racing the revocation: %v (it read the store first)", err)
	}
	if _, err := lookup(live); rythme.ErrorCode(err) != rythme.ENOTFOUND {
		t.Fatalf("after the racing read: %v, want ENOTFOUND", err)
	}
}

func TestCachedWorkspace(t *testing.T) {
	ctx := context.Background()
	st := newCountingStore()
	c, clk := newTestCache(st)
	st.workspaces["ws_1"] = &rythme.Workspace{ID: "ws_1", Name: "Team"}

	ws, err := c.GetWorkspace(ctx, "ws_1")
	if err != nil {
		t.Fatal(err)
	}
	ws.ApprovalRequired = true // changed by the caller, not saved
	if ws, err = c.GetWorkspace(ctx, "ws_1"); err != nil || ws.ApprovalRequired || st.count("GetWorkspace") != 1 {
		t.Fatalf("cached: %+v, %v, %d store calls", ws, err, st.count("GetWorkspace"))
	}
	ws.ApprovalRequired = true
	if err := c.UpdateWorkspace(ctx, ws); err != nil {
		t.Fatal(err)
	}
	if ws, err = c.GetWorkspace(ctx, "ws_1"); err != nil || !ws.ApprovalRequired {
		t.Fatalf("after the update: %+v, %v", ws, err)
	}
	// A change the cache did not see shows within the TTL.
	st.workspaces["ws_1"].Name = "Renamed"
	clk.add(authCacheTTL)
	if ws, _ = c.GetWorkspace(ctx, "ws_1"); ws.Name != "Renamed" {
		t.Fatalf("after the TTL: %+v", ws)
	}
	if _, err := c.GetWorkspace(ctx, "ws_nope"); rythme.ErrorCode(err) != rythme.ENOTFOUND {
		t.Fatalf("missing workspace: %v", err)
	}
}

func TestCachedAccounts(t *testing.T) {
	ctx := context.Background()
	st := newCountingStore()
	c, _ := newTestCache(st)
	st.accounts["acc_1"] = &rythme.Account{ID: "acc_1", WorkspaceID: "ws_1", Status: rythme.AccountConnected,
		Meta: map[string]string{"k": "v"}, Schedule: &rythme.PostingSchedule{Timezone: "UTC", Slots: []rythme.PostingSlot{{Weekday: 1, Time: "09:00"}}}}
	st.accounts["acc_2"] = &rythme.Account{ID: "acc_2", WorkspaceID: "ws_1", Status: rythme.AccountNeedsReconnect}

	a, err := c.GetAccount(ctx, "ws_1", "acc_1")
	if err != nil {
		t.Fatal(err)
	}
	a.Meta["k"], a.Schedule.Slots[0].Time = "changed", "10:00"
	if a, err = c.GetAccount(ctx, "ws_1", "acc_1"); err != nil || a.Meta["k"] != "v" || a.Schedule.Slots[0].Time != "09:00" {
		t.Fatalf("cached: %+v, %v", a, err)
	}
	if n := st.count("GetAccount"); n != 1 {
		t.Fatalf("%d store calls, want 1", n)
	}
	// Scoped: another workspace does not get it from the cache.
	if _, err := c.GetAccount(ctx, "ws_2", "acc_1"); rythme.ErrorCode(err) != rythme.ENOTFOUND {
		t.Fatalf("another workspace: %v", err)
	}
	// Only connected accounts are kept.
	for range 2 {
		if a, err := c.GetAccount(ctx, "ws_1", "acc_2"); err != nil || a.Status != rythme.AccountNeedsReconnect {
			t.Fatalf("acc_2: %+v, %v", a, err)
		}
	}
	if n := st.count("GetAccount"); n != 4 {
		t.Fatalf("%d store calls, want 4", n)
	}
	// A status change through the cache is immediate.
	if err := c.SetAccountStatus(ctx, "acc_1", rythme.AccountDisconnected, "test"); err != nil {
		t.Fatal(err)
	}
	if a, err := c.GetAccount(ctx, "ws_1", "acc_1"); err != nil || a.Status != rythme.AccountDisconnected {
		t.Fatalf("after disconnecting: %+v, %v", a, err)
	}
}

func TestTTLCacheBound(t *testing.T) {
	var c ttlCache[int]
	now := time.Unix(1e9, 0)
	for i := range authCacheMax {
		c.put(string(rune(i+1)), i, 0, now, time.Duration(i%2+1)*time.Second)
	}
	// Full: the expired half goes first.
	c.put("new", 1, 0, now.Add(1500*time.Millisecond), time.Second)
	if n := len(c.m); n != authCacheMax/2+1 {
		t.Fatalf("%d entries after pruning, want %d", n, authCacheMax/2+1)
	}
	for i := len(c.m); i <= authCacheMax; i++ {
		c.put("more"+string(rune(i)), i, 0, now, time.Hour)
	}
	if n := len(c.m); n > authCacheMax {
		t.Fatalf("%d entries, want at most %d", n, authCacheMax)
	}
}
