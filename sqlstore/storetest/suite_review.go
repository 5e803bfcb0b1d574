package storetest

import (
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

func init() {
	register(suiteCase{"ReviewAndEvents", testReview})
}

func testReview(t *testing.T, s rythme.Store) {
	ws, other := newWorkspace(t, s), newWorkspace(t, s)
	ws.ApprovalRequired = true
	must(t, s.UpdateWorkspace(ctx(t), ws))
	got, err := s.GetWorkspace(ctx(t), ws.ID)
	must(t, err)
	if !got.ApprovalRequired {
		t.Fatal("the approval setting does not read back")
	}
	a := newAccount(t, s, ws.ID, "mastodon")
	editor := rythme.Actor{ID: "tok_editor", Name: "Eve", Role: rythme.RoleEditor}
	manager := rythme.Actor{ID: "tok_manager", Name: "Max", Role: rythme.RoleManager}

	p := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: ws.ID, Content: "Draft", ScheduledAt: T0.Add(time.Hour),
		Timezone: "UTC", CreatedAt: T0, UpdatedAt: T0, Targets: []*rythme.Target{{ID: rythme.NewID(rythme.PrefixTarget),
			AccountID: a.ID, Status: rythme.TargetScheduled, Version: 1, ScheduledAt: T0.Add(time.Hour), CreatedAt: T0, UpdatedAt: T0}}}
	p.MakeDraft()
	p.Record(editor, "created", "", T0)
	must(t, s.CreatePost(ctx(t), p))
	if refs, _ := s.DueTargets(ctx(t), T0.Add(2*time.Hour), true, 10); len(refs) != 0 {
		t.Fatal("a draft is due: it must never be queued")
	}
	_, err = s.UpdatePost(ctx(t), ws.ID, p.ID, func(p *rythme.Post) error { return p.Submit(editor, true, T0.Add(time.Minute)) })
	must(t, err)
	after, err := s.UpdatePost(ctx(t), ws.ID, p.ID, func(p *rythme.Post) error {
		return p.Approve(manager, "good to go", T0.Add(2*time.Minute))
	})
	must(t, err)
	if after.Review != rythme.ReviewApproved || after.Targets[0].Status != rythme.TargetScheduled || after.Targets[0].Version != 2 {
		t.Fatalf("after approval: review %q, target %s v%d", after.Review, after.Targets[0].Status, after.Targets[0].Version)
	}
	if refs, _ := s.DueTargets(ctx(t), T0.Add(2*time.Hour), true, 10); len(refs) != 1 {
		t.Fatal("an approved post is not due")
	}
	evs, err := s.PostEvents(ctx(t), ws.ID, p.ID)
	must(t, err)
	var actions []string
	for _, e := range evs {
		actions = append(actions, e.Action+"/"+e.Actor)
	}
	deepEqual(t, "events", actions, []string{"created/Eve", "submitted/Eve", "approved/Max"})
	if evs[2].Comment != "good to go" || !evs[2].At.Equal(us(T0.Add(2*time.Minute))) {
		t.Fatalf("approval event %s", dump(evs[2]))
	}
	_, err = s.PostEvents(ctx(t), other.ID, p.ID)
	wantCode(t, err, rythme.ENOTFOUND)
}
