package storetest

import (
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

func init() {
	register(
		suiteCase{"ClaimTargets", testClaimTargets},
		suiteCase{"ClaimTargetsRace", testClaimTargetsRace},
		suiteCase{"ClaimTargetsAgainLoadsParts", testClaimTargetsAgainLoadsParts},
		suiteCase{"FinishTargets", testFinishTargets},
		suiteCase{"GetTargets", testGetTargets},
	)
}

// ClaimTargets claims each ref exactly as ClaimTarget does: a wrong
// version, a target gone, one already claimed and a ref listed twice are
// ECONFLICT; the others are publishing with one attempt and the lease.
func testClaimTargets(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	var ids []string
	for range 5 {
		ids = append(ids, newPost(t, s, ws.ID, T0, a).Targets[0].ID)
	}
	now, lease := T0.Add(time.Second), T0.Add(time.Minute)
	_, err := s.ClaimTarget(ctx(t), ids[4], 1, now, lease) // already claimed
	must(t, err)
	refs := []rythme.TargetRef{
		{ID: ids[0], Version: 1},
		{ID: ids[1], Version: 2}, // wrong version
		{ID: ids[2], Version: 1},
		{ID: ids[0], Version: 1}, // twice
		{ID: rythme.NewID(rythme.PrefixTarget), Version: 1},
		{ID: ids[4], Version: 1},
		{ID: ids[3], Version: 1},
	}
	res, err := s.ClaimTargets(ctx(t), refs, now, lease)
	must(t, err)
	if len(res) != len(refs) {
		t.Fatalf("%d results for %d refs", len(res), len(refs))
	}
	for i, want := range []bool{true, false, true, false, false, false, true} {
		r := res[i]
		if !want {
			wantCode(t, r.Err, rythme.ECONFLICT)
			if r.Target != nil {
				t.Fatalf("ref %d: a target with a conflict", i)
			}
			continue
		}
		must(t, r.Err)
		stored, err := s.GetTarget(ctx(t), refs[i].ID)
		must(t, err)
		deepEqual(t, "claimed and stored", r.Target, stored)
		if r.Target.ID != refs[i].ID || r.Target.Status != rythme.TargetPublishing || r.Target.Attempts != 1 ||
			r.Target.LeaseUntil == nil || !r.Target.LeaseUntil.Equal(us(lease)) || r.Target.Text == "" {
			t.Fatalf("ref %d: %s", i, dump(r.Target))
		}
	}
	if tg, err := s.GetTarget(ctx(t), ids[1]); err != nil || tg.Status != rythme.TargetScheduled || tg.Attempts != 0 {
		t.Fatalf("the wrong version was claimed: %v %v", tg, err)
	}
	res, err = s.ClaimTargets(ctx(t), nil, now, lease)
	if err != nil || len(res) != 0 {
		t.Fatalf("no refs: %v %v", res, err)
	}
}

// Batches racing for the same targets, and single claims against them:
// each target is claimed exactly once.
func testClaimTargetsRace(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	var refs []rythme.TargetRef
	for range 20 {
		refs = append(refs, rythme.TargetRef{ID: newPost(t, s, ws.ID, T0, a).Targets[0].ID, Version: 1})
	}
	const n = 6
	wins := make([][]string, n)
	errs := runConcurrently(n, func(i int) error {
		if i%3 == 2 { // a single claim of every target, one by one
			for _, r := range refs {
				if _, err := s.ClaimTarget(ctx(t), r.ID, 1, T0, T0.Add(time.Minute)); err == nil {
					wins[i] = append(wins[i], r.ID)
				} else if rythme.ErrorCode(err) != rythme.ECONFLICT {
					return err
				}
			}
			return nil
		}
		res, err := s.ClaimTargets(ctx(t), refs, T0, T0.Add(time.Minute))
		if err != nil {
			return err
		}
		for _, r := range res {
			if r.Err == nil {
				wins[i] = append(wins[i], r.Target.ID)
			} else if rythme.ErrorCode(r.Err) != rythme.ECONFLICT {
				return r.Err
			}
		}
		return nil
	})
	for _, err := range errs {
		must(t, err)
	}
	claimed := map[string]int{}
	for _, w := range wins {
		for _, id := range w {
			claimed[id]++
		}
	}
	for _, r := range refs {
		if claimed[r.ID] != 1 {
			t.Fatalf("target %s claimed %d times", r.ID, claimed[r.ID])
		}
		tg, err := s.GetTarget(ctx(t), r.ID)
		must(t, err)
		if tg.Attempts != 1 {
			t.Fatalf("target %s: %d attempts", r.ID, tg.Attempts)
		}
	}
}

// FinishTargets records each outcome as FinishTarget does, in one
// transaction; a target not publishing at its version is ECONFLICT, a
// status that is no outcome EINVALID, and the others are unaffected.
func testFinishTargets(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	at := T0.Add(5 * time.Second)
	claimed := func() string {
		id := newPost(t, s, ws.ID, T0, a).Targets[0].ID
		_, err := s.ClaimTarget(ctx(t), id, 1, T0, T0.Add(time.Minute))
		must(t, err)
		return id
	}
	pub, fail, retry, bump := claimed(), claimed(), claimed(), claimed()
	notClaimed := newPost(t, s, ws.ID, T0, a).Targets[0].ID
	fs := []rythme.TargetFinish{
		{ID: pub, Version: 1, Outcome: rythme.Outcome{Status: rythme.TargetPublished, ExternalID: "109", URL: "https://m.example/@a/109", At: at,
			Parts: []rythme.TargetPart{{Index: 0, ExternalID: "109", URL: "https://m.example/@a/109", PublishedAt: at}}, Event: "all 1 parts out"}},
		{ID: fail, Version: 1, Outcome: rythme.Outcome{Status: rythme.TargetFailed, Error: "too long", At: at}},
		{ID: notClaimed, Version: 1, Outcome: rythme.Outcome{Status: rythme.TargetPublished, ExternalID: "x", At: at}},
		{ID: retry, Version: 2, Outcome: rythme.Outcome{Status: rythme.TargetFailed, At: at}}, // wrong version
		{ID: retry, Version: 1, Outcome: rythme.Outcome{Status: rythme.TargetPublishing, At: at}},
		{ID: bump, Version: 1, Outcome: rythme.Outcome{Status: rythme.TargetScheduled, Error: "task lost", BumpVersion: true, At: at}},
		{ID: pub, Version: 1, Outcome: rythme.Outcome{Status: rythme.TargetFailed, At: at}}, // finished just before, in the batch
	}
	res, err := s.FinishTargets(ctx(t), fs)
	must(t, err)
	wantCode(t, res[2].Err, rythme.ECONFLICT)
	wantCode(t, res[3].Err, rythme.ECONFLICT)
	wantCode(t, res[4].Err, rythme.EINVALID)
	wantCode(t, res[6].Err, rythme.ECONFLICT)
	for _, i := range []int{0, 1, 5} {
		must(t, res[i].Err)
		stored, err := s.GetTarget(ctx(t), fs[i].ID)
		must(t, err)
		deepEqual(t, "finished and stored", res[i].Target, stored)
	}
	if g := res[0].Target; g.Status != rythme.TargetPublished || g.ExternalID != "109" || g.PublishedAt == nil || g.LeaseUntil != nil ||
		len(g.Parts) != 1 || g.Parts[0].ExternalID != "109" {
		t.Fatalf("published: %s", dump(g))
	}
	if g := res[1].Target; g.Status != rythme.TargetFailed || g.LastError != "too long" || g.Version != 1 {
		t.Fatalf("failed: %s", dump(g))
	}
	if g := res[5].Target; g.Status != rythme.TargetScheduled || g.Version != 2 || g.LastError != "task lost" {
		t.Fatalf("retried with a new version: %s", dump(g))
	}
	if g, err := s.GetTarget(ctx(t), retry); err != nil || g.Status != rythme.TargetPublishing {
		t.Fatalf("a refused outcome changed its target: %v %v", g, err)
	}
	if g, err := s.GetTarget(ctx(t), notClaimed); err != nil || g.Status != rythme.TargetScheduled {
		t.Fatalf("a target not publishing was finished: %v %v", g, err)
	}
	evs, err := s.PostEvents(ctx(t), ws.ID, res[0].Target.PostID)
	must(t, err)
	found := false
	for _, ev := range evs {
		found = found || ev.Comment == "all 1 parts out"
	}
	if !found {
		t.Fatalf("the outcome's event was not recorded: %+v", evs)
	}
	if res, err := s.FinishTargets(ctx(t), nil); err != nil || len(res) != 0 {
		t.Fatalf("no outcomes: %v %v", res, err)
	}
}

// GetTargets reads what GetTarget reads, for many ids; those that do not
// exist are left out.
func testGetTargets(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	var ids []string
	for range 3 {
		ids = append(ids, newPost(t, s, ws.ID, T0, a).Targets[0].ID)
	}
	must(t, s.SaveTargetPart(ctx(t), ids[1], rythme.TargetPart{Index: 0, ExternalID: "p0", URL: "https://m.example/p0", PublishedAt: T0}))
	got, err := s.GetTargets(ctx(t), append(ids, rythme.NewID(rythme.PrefixTarget)))
	must(t, err)
	if len(got) != 3 {
		t.Fatalf("%d targets, want 3", len(got))
	}
	for _, g := range got {
		one, err := s.GetTarget(ctx(t), g.ID)
		must(t, err)
		deepEqual(t, "GetTargets as GetTarget", g, one)
		if g.ID == ids[1] && len(g.Parts) != 1 {
			t.Fatalf("parts not read: %s", dump(g))
		}
	}
	none, err := s.GetTargets(ctx(t), nil)
	if err != nil || len(none) != 0 {
		t.Fatalf("no ids: %v %v", none, err)
	}
}

// A target claimed again after an attempt that put part of it on the
// network comes with those parts (the publisher skips them), as from
// GetTarget; a first claim has none.
func testClaimTargetsAgainLoadsParts(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	first := newPost(t, s, ws.ID, T0, a).Targets[0]
	fresh := newPost(t, s, ws.ID, T0, a).Targets[0]
	now, lease := T0.Add(time.Second), T0.Add(time.Minute)
	_, err := s.ClaimTarget(ctx(t), first.ID, 1, now, lease)
	must(t, err)
	part := rythme.TargetPart{Index: 0, ExternalID: "109", URL: "https://example.social/@a/109", PublishedAt: now}
	_, err = s.FinishTarget(ctx(t), first.ID, 1, rythme.Outcome{Status: rythme.TargetScheduled, At: now, Error: "timeout",
		Parts: []rythme.TargetPart{part}})
	must(t, err)
	again, err := s.GetTarget(ctx(t), first.ID)
	must(t, err)
	res, err := s.ClaimTargets(ctx(t), []rythme.TargetRef{{ID: first.ID, Version: again.Version}, {ID: fresh.ID, Version: 1}},
		now.Add(time.Second), lease.Add(time.Second))
	must(t, err)
	for _, r := range res {
		must(t, r.Err)
	}
	got := res[0].Target
	if got.Attempts != 2 || len(got.Parts) != 1 || got.Parts[0].ExternalID != "109" || got.Parts[0].URL != part.URL {
		t.Fatalf("claimed again: attempts %d, parts %+v, want 2 and part 0 (109)", got.Attempts, got.Parts)
	}
	if f := res[1].Target; f.Attempts != 1 || len(f.Parts) != 0 {
		t.Fatalf("first claim: attempts %d, parts %+v", f.Attempts, f.Parts)
	}
}
