package storetest

import (
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

func init() {
	register(suiteCase{"Media", testMedia})
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
