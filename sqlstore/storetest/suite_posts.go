package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

func init() {
	register(
		suiteCase{"CreateGetPost", testCreateGetPost},
		suiteCase{"CreatePostRejects", testCreatePostRejects},
		suiteCase{"ListPostsFilters", testListPostsFilters},
		suiteCase{"ListPostsPagination", testListPostsPagination},
		suiteCase{"UpdatePost", testUpdatePost},
		suiteCase{"UpdatePostStaleTarget", testUpdatePostStale},
	)
}

func testCreateGetPost(t *testing.T, s rythme.Store) {
	ws, other := newWorkspace(t, s), newWorkspace(t, s)
	a, b := newAccount(t, s, ws.ID, "mastodon"), newAccount(t, s, ws.ID, "bluesky")
	at := T0.Add(24 * time.Hour)
	p := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: ws.ID, Content: "Hello",
		ScheduledAt: at, Timezone: "Europe/Paris", Author: "Alice", CreatedBy: "tok_1",
		CreatedAt: T0, UpdatedAt: T0}
	// b's target first, to check that targets keep the caller's order.
	p.Targets = []*rythme.Target{
		{ID: rythme.NewID(rythme.PrefixTarget), AccountID: b.ID, Network: "bluesky", Content: "Hi Bluesky",
			Status: rythme.TargetScheduled, Version: 1, ScheduledAt: at, CreatedAt: T0, UpdatedAt: T0},
		{ID: rythme.NewID(rythme.PrefixTarget), AccountID: a.ID, Status: rythme.TargetScheduled,
			Version: 1, ScheduledAt: at, CreatedAt: T0, UpdatedAt: T0},
	}
	p.Targets[0].ID, p.Targets[1].ID = p.Targets[1].ID, p.Targets[0].ID // ids out of order too
	must(t, s.CreatePost(ctx(t), p))

	want := &rythme.Post{ID: p.ID, WorkspaceID: ws.ID, Content: "Hello", ScheduledAt: us(at),
		Timezone: "Europe/Paris", Tags: []string{}, Media: []string{}, Thread: []string{}, Author: "Alice", CreatedBy: "tok_1",
		CreatedAt: us(T0), UpdatedAt: us(T0), Targets: []*rythme.Target{
			{ID: p.Targets[0].ID, PostID: p.ID, WorkspaceID: ws.ID, AccountID: b.ID, Network: "bluesky",
				Content: "Hi Bluesky", Status: rythme.TargetScheduled, Version: 1, ScheduledAt: us(at),
				CreatedAt: us(T0), UpdatedAt: us(T0), Text: "Hi Bluesky"},
			{ID: p.Targets[1].ID, PostID: p.ID, WorkspaceID: ws.ID, AccountID: a.ID, Network: "mastodon",
				Status: rythme.TargetScheduled, Version: 1, ScheduledAt: us(at), CreatedAt: us(T0),
				UpdatedAt: us(T0), Text: "Hello"},
		}}
	got, err := s.GetPost(ctx(t), ws.ID, p.ID)
	must(t, err)
	deepEqual(t, "post", got, want)
	p.Tags = []string{} // the caller's nil tags read back as []
	deepEqual(t, "caller's post normalised", p, want)

	tg, err := s.GetTarget(ctx(t), want.Targets[1].ID)
	must(t, err)
	deepEqual(t, "target", tg, want.Targets[1])

	_, err = s.GetPost(ctx(t), other.ID, p.ID)
	wantCode(t, err, rythme.ENOTFOUND)
	_, err = s.GetPost(ctx(t), ws.ID, rythme.NewID(rythme.PrefixPost))
	wantCode(t, err, rythme.ENOTFOUND)
	_, err = s.GetTarget(ctx(t), rythme.NewID(rythme.PrefixTarget))
	wantCode(t, err, rythme.ENOTFOUND)
}

func testCreatePostRejects(t *testing.T, s rythme.Store) {
	ws, other := newWorkspace(t, s), newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	foreign := newAccount(t, s, other.ID, "mastodon")
	p := newPost(t, s, ws.ID, T0, a)

	dup := &rythme.Post{ID: p.ID, WorkspaceID: ws.ID, Content: "x", ScheduledAt: T0, CreatedAt: T0, UpdatedAt: T0}
	wantCode(t, s.CreatePost(ctx(t), dup), rythme.ECONFLICT)

	for name, acc := range map[string]string{
		"unknown account":             rythme.NewID(rythme.PrefixAccount),
		"another workspace's account": foreign.ID,
	} {
		bad := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: ws.ID, Content: "x",
			ScheduledAt: T0, CreatedAt: T0, UpdatedAt: T0, Targets: []*rythme.Target{
				{ID: rythme.NewID(rythme.PrefixTarget), AccountID: a.ID, Status: rythme.TargetScheduled, Version: 1, ScheduledAt: T0, CreatedAt: T0, UpdatedAt: T0},
				{ID: rythme.NewID(rythme.PrefixTarget), AccountID: acc, Status: rythme.TargetScheduled, Version: 1, ScheduledAt: T0, CreatedAt: T0, UpdatedAt: T0},
			}}
		err := s.CreatePost(ctx(t), bad)
		wantCode(t, err, rythme.EINVALID)
		if f := rythme.ErrorFields(err); len(f) != 1 || f[0].Field != "targets[1].account_id" {
			t.Fatalf("%s: fields %+v", name, f)
		}
		// The transaction rolled back: neither the post nor its first target exist.
		_, err = s.GetPost(ctx(t), ws.ID, bad.ID)
		wantCode(t, err, rythme.ENOTFOUND)
		_, err = s.GetTarget(ctx(t), bad.Targets[0].ID)
		wantCode(t, err, rythme.ENOTFOUND)
	}
}

func testListPostsFilters(t *testing.T, s rythme.Store) {
	ws, other := newWorkspace(t, s), newWorkspace(t, s)
	a, b := newAccount(t, s, ws.ID, "mastodon"), newAccount(t, s, ws.ID, "bluesky")
	p1 := newPost(t, s, ws.ID, T0.Add(1*time.Hour), a)
	p2 := newPost(t, s, ws.ID, T0.Add(2*time.Hour), a, b)
	p3 := newPost(t, s, ws.ID, T0.Add(3*time.Hour), b)
	newPost(t, s, other.ID, T0.Add(2*time.Hour), newAccount(t, s, other.ID, "mastodon"))
	_, err := s.HoldAccountTargets(ctx(t), b.ID, "reconnect", T0) // p2's and p3's b targets held
	must(t, err)

	from, to := T0.Add(2*time.Hour), T0.Add(3*time.Hour)
	ids := func(ps []*rythme.Post) []string {
		out := []string{}
		for _, p := range ps {
			out = append(out, p.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    rythme.PostFilter
		want []string
	}{
		{"all", rythme.PostFilter{}, []string{p1.ID, p2.ID, p3.ID}},
		{"from", rythme.PostFilter{From: &from}, []string{p2.ID, p3.ID}},
		{"to (exclusive)", rythme.PostFilter{To: &to}, []string{p1.ID, p2.ID}},
		{"from-to", rythme.PostFilter{From: &from, To: &to}, []string{p2.ID}},
		{"status held", rythme.PostFilter{Status: rythme.TargetHeld}, []string{p2.ID, p3.ID}},
		{"status scheduled", rythme.PostFilter{Status: rythme.TargetScheduled}, []string{p1.ID, p2.ID}},
		{"status published", rythme.PostFilter{Status: rythme.TargetPublished}, []string{}},
		{"account a", rythme.PostFilter{AccountID: a.ID}, []string{p1.ID, p2.ID}},
		{"account b held", rythme.PostFilter{AccountID: b.ID, Status: rythme.TargetHeld}, []string{p2.ID, p3.ID}},
		{"account a held", rythme.PostFilter{AccountID: a.ID, Status: rythme.TargetHeld}, []string{}},
		{"network bluesky", rythme.PostFilter{Network: "bluesky"}, []string{p2.ID, p3.ID}},
		{"network mastodon scheduled", rythme.PostFilter{Network: "mastodon", Status: rythme.TargetScheduled}, []string{p1.ID, p2.ID}},
		{"network mastodon held (one target must be both)", rythme.PostFilter{Network: "mastodon", Status: rythme.TargetHeld}, []string{}},
		{"network unknown", rythme.PostFilter{Network: "myspace"}, []string{}},
	} {
		posts, next, err := s.ListPosts(ctx(t), ws.ID, tc.f)
		must(t, err)
		deepEqual(t, tc.name, ids(posts), tc.want)
		if next != "" {
			t.Fatalf("%s: next cursor %q on the only page", tc.name, next)
		}
	}
	posts, _, err := s.ListPosts(ctx(t), ws.ID, rythme.PostFilter{From: &from, To: &to})
	must(t, err)
	got := posts[0]
	if len(got.Targets) != 2 || got.Targets[0].AccountID != a.ID || got.Targets[1].Status != rythme.TargetHeld ||
		got.Targets[0].Text != got.Content {
		t.Fatalf("listed post's targets = %s", dump(got.Targets))
	}
	_, _, err = s.ListPosts(ctx(t), ws.ID, rythme.PostFilter{Status: "bogus"})
	wantCode(t, err, rythme.EINVALID)
}

func testListPostsPagination(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	var want []string
	for i := 0; i < 7; i++ {
		// Pairs share a time, so the id breaks ties.
		p := newPost(t, s, ws.ID, T0.Add(time.Duration(i/2)*time.Hour), a)
		want = append(want, p.ID)
	}
	var got []string
	cursor, pages := "", 0
	for {
		posts, next, err := s.ListPosts(ctx(t), ws.ID, rythme.PostFilter{Limit: 3, Cursor: cursor})
		must(t, err)
		pages++
		if len(posts) > 3 {
			t.Fatalf("page of %d posts with limit 3", len(posts))
		}
		for _, p := range posts {
			got = append(got, p.ID)
			if len(p.Targets) != 1 {
				t.Fatalf("post %s listed with %d targets", p.ID, len(p.Targets))
			}
		}
		if next == "" {
			break
		}
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		cursor = next
	}
	deepEqual(t, "paged ids", got, want)
	if pages != 3 {
		t.Fatalf("%d pages of 3 for 7 posts, want 3", pages)
	}
	for _, bad := range []string{"not base64!", "bm9waXBl", "MTIzfA"} {
		_, _, err := s.ListPosts(ctx(t), ws.ID, rythme.PostFilter{Cursor: bad})
		wantCode(t, err, rythme.EINVALID)
	}
	// The default limit (50) and the largest (200) are applied.
	posts, next, err := s.ListPosts(ctx(t), ws.ID, rythme.PostFilter{Limit: 10000})
	must(t, err)
	if len(posts) != 7 || next != "" {
		t.Fatalf("limit 10000: %d posts, next %q", len(posts), next)
	}
}

func testUpdatePost(t *testing.T, s rythme.Store) {
	ws, other := newWorkspace(t, s), newWorkspace(t, s)
	a, b := newAccount(t, s, ws.ID, "mastodon"), newAccount(t, s, ws.ID, "bluesky")
	p := newPost(t, s, ws.ID, T0, a, b)
	now := T0.Add(time.Minute)
	newAt := T0.Add(48 * time.Hour)
	content, tags := "Edited", []string{"edited"}
	got, err := s.UpdatePost(ctx(t), ws.ID, p.ID, func(p *rythme.Post) error {
		return p.ApplyEdit(rythme.PostEdit{Content: &content, ScheduledAt: &newAt, Tags: &tags,
			TargetContent: map[string]string{b.ID: "Bluesky variant"}}, now)
	})
	must(t, err)
	stored, err := s.GetPost(ctx(t), ws.ID, p.ID)
	must(t, err)
	deepEqual(t, "returned and stored post", got, stored)
	if stored.Content != "Edited" || !stored.ScheduledAt.Equal(us(newAt)) || len(stored.Tags) != 1 ||
		!stored.UpdatedAt.Equal(us(now)) {
		t.Fatalf("stored post = %s", dump(stored))
	}
	for _, tg := range stored.Targets {
		if tg.Version != 2 || !tg.ScheduledAt.Equal(us(newAt)) {
			t.Fatalf("target after edit = %s", dump(tg))
		}
	}
	if stored.Targets[1].Content != "Bluesky variant" || stored.Targets[1].Text != "Bluesky variant" ||
		stored.Targets[0].Text != "Edited" {
		t.Fatalf("variants after edit = %s", dump(stored.Targets))
	}

	// fn's error is returned as is, and nothing is written.
	_, err = s.UpdatePost(ctx(t), ws.ID, p.ID, func(p *rythme.Post) error {
		p.Content = "not saved"
		return errTest
	})
	if !errors.Is(err, errTest) || err != errTest {
		t.Fatalf("fn's error came back as %v", err)
	}
	// A domain error from fn keeps its code.
	_, err = s.UpdatePost(ctx(t), ws.ID, p.ID, func(p *rythme.Post) error {
		return rythme.Errorf(rythme.ECONFLICT, "nope")
	})
	wantCode(t, err, rythme.ECONFLICT)
	if again, _ := s.GetPost(ctx(t), ws.ID, p.ID); again.Content != "Edited" {
		t.Fatalf("a failed fn wrote content %q", again.Content)
	}

	// Scoping: another workspace cannot see it, and fn is not called.
	called := false
	_, err = s.UpdatePost(ctx(t), other.ID, p.ID, func(*rythme.Post) error { called = true; return nil })
	wantCode(t, err, rythme.ENOTFOUND)
	if called {
		t.Fatal("fn was called for another workspace's post")
	}

	// A target fn appends is inserted.
	c := newAccount(t, s, ws.ID, "linkedin")
	tid := rythme.NewID(rythme.PrefixTarget)
	_, err = s.UpdatePost(ctx(t), ws.ID, p.ID, func(p *rythme.Post) error {
		p.Targets = append(p.Targets, &rythme.Target{ID: tid, AccountID: c.ID, Network: "linkedin",
			Status: rythme.TargetScheduled, Version: 1, ScheduledAt: newAt, CreatedAt: now, UpdatedAt: now})
		return nil
	})
	must(t, err)
	if tg, err := s.GetTarget(ctx(t), tid); err != nil || tg.PostID != p.ID || tg.Text != "Edited" {
		t.Fatalf("appended target = %s, %v", dump(tg), err)
	}

	// Cancel: every target cancelled, versions bumped.
	got, err = s.UpdatePost(ctx(t), ws.ID, p.ID, func(p *rythme.Post) error { return p.Cancel(now) })
	must(t, err)
	for _, tg := range got.Targets {
		stored, err := s.GetTarget(ctx(t), tg.ID)
		must(t, err)
		if stored.Status != rythme.TargetCancelled {
			t.Fatalf("target %s is %s after cancel", tg.ID, stored.Status)
		}
	}
}

// testUpdatePostStale: a target changed by a worker between the caller's
// read and UpdatePost is seen by fn, so a stale decision cannot be written.
func testUpdatePostStale(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	p := newPost(t, s, ws.ID, T0, a)
	_, err := s.ClaimTarget(ctx(t), p.Targets[0].ID, 1, T0, T0.Add(time.Minute))
	must(t, err)
	_, err = s.UpdatePost(ctx(t), ws.ID, p.ID, func(p *rythme.Post) error { return p.Cancel(T0) })
	wantCode(t, err, rythme.ECONFLICT)
	tg, err := s.GetTarget(ctx(t), p.Targets[0].ID)
	must(t, err)
	if tg.Status != rythme.TargetPublishing || tg.Version != 1 {
		t.Fatalf("target after a refused cancel: %s v%d", tg.Status, tg.Version)
	}
}
