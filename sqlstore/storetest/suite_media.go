package storetest

import (
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

func init() {
	register(suiteCase{"Media", testMedia}, suiteCase{"MediaUsageDeleteAndSweep", testMediaLifecycle})
}

func testMedia(t *testing.T, s rythme.Store) {
	ws, other := newWorkspace(t, s), newWorkspace(t, s)
	m := &rythme.Media{WorkspaceID: ws.ID, Filename: "launch.png", ContentType: "image/png", Size: 12345,
		SHA256: "ab12", AltText: "Our new logo", CreatedAt: T0}
	must(t, s.CreateMedia(ctx(t), m))
	got, err := s.GetMedia(ctx(t), ws.ID, m.ID)
	must(t, err)
	deepEqual(t, "media", got, m)
	_, err = s.GetMedia(ctx(t), other.ID, m.ID)
	wantCode(t, err, rythme.ENOTFOUND)
	byID, err := s.MediaByID(ctx(t), m.ID)
	must(t, err)
	deepEqual(t, "media by id", byID, m)

	// A post carries media ids; its targets know them.
	a := newAccount(t, s, ws.ID, "mastodon")
	p := newPost(t, s, ws.ID, T0.Add(time.Hour), a)
	got2, err := s.GetPost(ctx(t), ws.ID, p.ID)
	must(t, err)
	if got2.Media == nil || len(got2.Media) != 0 {
		t.Fatalf("a post without media reads back %v, want []", got2.Media)
	}
	_, err = s.UpdatePost(ctx(t), ws.ID, p.ID, func(p *rythme.Post) error {
		p.Media = []string{m.ID}
		p.Thread = []string{"part two", "part three"}
		return nil
	})
	must(t, err)
	tg, err := s.GetTarget(ctx(t), p.Targets[0].ID)
	must(t, err)
	deepEqual(t, "target media", tg.Media, []string{m.ID})
	deepEqual(t, "target thread", tg.Thread, []string{"part two", "part three"})
	again, err := s.GetPost(ctx(t), ws.ID, p.ID)
	must(t, err)
	deepEqual(t, "post thread", again.Thread, []string{"part two", "part three"})
	claimed, err := s.ClaimTarget(ctx(t), tg.ID, tg.Version, T0, T0.Add(time.Minute))
	must(t, err)
	deepEqual(t, "claimed target media", claimed.Media, []string{m.ID})
}

func testMediaLifecycle(t *testing.T, s rythme.Store) {
	ws, other := newWorkspace(t, s), newWorkspace(t, s)
	mk := func(ws string, size int64, at time.Time) *rythme.Media {
		m := &rythme.Media{WorkspaceID: ws, Filename: "f.png", ContentType: "image/png", Size: size, SHA256: "x", CreatedAt: at}
		must(t, s.CreateMedia(ctx(t), m))
		return m
	}
	used, loose, old, theirs := mk(ws.ID, 100, T0), mk(ws.ID, 20, T0.Add(time.Minute)), mk(ws.ID, 3, T0.Add(-48*time.Hour)), mk(other.ID, 1000, T0)
	n, err := s.MediaUsage(ctx(t), ws.ID)
	must(t, err)
	if n != 123 {
		t.Fatalf("usage = %d, want 123", n)
	}
	list, err := s.ListMedia(ctx(t), ws.ID, 2)
	must(t, err)
	if len(list) != 2 || list[0].ID != loose.ID || list[1].ID != used.ID {
		t.Fatalf("ListMedia newest first, limit 2: %v", list)
	}

	a := newAccount(t, s, ws.ID, "mastodon")
	p := newPost(t, s, ws.ID, T0.Add(time.Hour), a)
	_, err = s.UpdatePost(ctx(t), ws.ID, p.ID, func(p *rythme.Post) error { p.Media = []string{used.ID}; return nil })
	must(t, err)
	wantCode(t, s.DeleteMedia(ctx(t), ws.ID, used.ID), rythme.ECONFLICT)
	wantCode(t, s.DeleteMedia(ctx(t), other.ID, loose.ID), rythme.ENOTFOUND)
	must(t, s.DeleteMedia(ctx(t), ws.ID, loose.ID))
	wantCode(t, s.DeleteMedia(ctx(t), ws.ID, loose.ID), rythme.ENOTFOUND)

	// The sweep takes media older than the grace period that no post carries.
	ids, err := s.DeleteUnreferencedMedia(ctx(t), T0.Add(-24*time.Hour), 10)
	must(t, err)
	deepEqual(t, "swept", ids, []string{old.ID})
	ids, err = s.DeleteUnreferencedMedia(ctx(t), T0.Add(time.Hour), 10)
	must(t, err)
	deepEqual(t, "swept after the grace", ids, []string{theirs.ID})
	_, err = s.GetMedia(ctx(t), ws.ID, used.ID)
	must(t, err) // carried by a post: kept
}
