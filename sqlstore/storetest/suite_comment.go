package storetest

import (
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

func init() {
	register(suiteCase{"FirstComment", testFirstComment})
}

// testFirstComment: a post's first comment is stored and edited with it,
// read with its targets (CommentText); once out it is saved at
// rythme.FirstCommentIndex and read back as the target's Comment, never
// among its Parts, by SaveTargetPart and by FinishTarget alike; an own
// inbox item keeps Own.
func testFirstComment(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	p := newPost(t, s, ws.ID, T0, a)
	_, err := s.UpdatePost(ctx(t), ws.ID, p.ID, func(p *rythme.Post) error {
		p.FirstComment = "The link is in here"
		return nil
	})
	must(t, err)
	post, err := s.GetPost(ctx(t), ws.ID, p.ID)
	must(t, err)
	if post.FirstComment != "The link is in here" {
		t.Fatalf("first comment %q", post.FirstComment)
	}
	id := p.Targets[0].ID
	tg, err := s.ClaimTarget(ctx(t), id, 1, T0, T0.Add(time.Minute))
	must(t, err)
	if tg.CommentText != "The link is in here" || tg.Comment != nil {
		t.Fatalf("claimed: comment text %q, comment %+v", tg.CommentText, tg.Comment)
	}

	p0 := rythme.TargetPart{Index: 0, ExternalID: "111", URL: "https://m.example/111", PublishedAt: us(T0)}
	c := rythme.TargetPart{Index: rythme.FirstCommentIndex, ExternalID: "112", URL: "https://m.example/112", PublishedAt: us(T0.Add(time.Second))}
	must(t, s.SaveTargetPart(ctx(t), id, p0))
	must(t, s.SaveTargetPart(ctx(t), id, c))
	must(t, s.SaveTargetPart(ctx(t), id, c)) // again: a no-op
	err = s.SaveTargetPart(ctx(t), id, rythme.TargetPart{Index: rythme.FirstCommentIndex, ExternalID: "999", PublishedAt: T0})
	wantCode(t, err, rythme.ECONFLICT)
	err = s.SaveTargetPart(ctx(t), id, rythme.TargetPart{Index: -2, ExternalID: "998", PublishedAt: T0})
	wantCode(t, err, rythme.EINVALID)

	got, err := s.GetTarget(ctx(t), id)
	must(t, err)
	deepEqual(t, "GetTarget parts", got.Parts, []rythme.TargetPart{p0})
	deepEqual(t, "GetTarget comment", got.Comment, &c)
	if got.CommentText != "The link is in here" {
		t.Errorf("GetTarget comment text %q", got.CommentText)
	}
	leases, err := s.ExpiredLeases(ctx(t), T0.Add(time.Hour), 10)
	must(t, err)
	if len(leases) != 1 || leases[0].Comment == nil || leases[0].CommentText == "" {
		t.Fatalf("expired leases %+v", leases)
	}

	// FinishTarget stores a comment the worker could not (a second target).
	p2 := newPost(t, s, ws.ID, T0, a)
	id2 := p2.Targets[0].ID
	_, err = s.ClaimTarget(ctx(t), id2, 1, T0, T0.Add(time.Minute))
	must(t, err)
	c2 := rythme.TargetPart{Index: rythme.FirstCommentIndex, ExternalID: "212", PublishedAt: us(T0)}
	fin, err := s.FinishTarget(ctx(t), id2, 1, rythme.Outcome{Status: rythme.TargetPublished, ExternalID: "211", At: T0,
		Parts: []rythme.TargetPart{{Index: 0, ExternalID: "211", PublishedAt: us(T0)}, c2}})
	must(t, err)
	if len(fin.Parts) != 1 || fin.Comment == nil || fin.Comment.ExternalID != "212" {
		t.Fatalf("finished: parts %+v, comment %+v", fin.Parts, fin.Comment)
	}
	post2, err := s.GetPost(ctx(t), ws.ID, p2.ID)
	must(t, err)
	deepEqual(t, "GetPost comment", post2.Targets[0].Comment, &c2)

	it := &rythme.InboxItem{WorkspaceID: ws.ID, AccountID: a.ID, Network: a.Network, ExternalID: "212", Kind: rythme.InboxComment,
		TargetID: id2, PostID: p2.ID, InReplyTo: "211", Text: "The link is in here", CreatedAt: T0, Status: rythme.InboxDone, Own: true}
	saved, err := s.SaveInboxItems(ctx(t), []*rythme.InboxItem{it})
	must(t, err)
	if len(saved) != 1 {
		t.Fatalf("saved %d items", len(saved))
	}
	back, err := s.GetInboxItem(ctx(t), ws.ID, saved[0].ID)
	must(t, err)
	if !back.Own || back.Status != rythme.InboxDone {
		t.Errorf("inbox item read back: own %v, status %s", back.Own, back.Status)
	}
}
