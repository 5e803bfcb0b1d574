package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

func init() {
	register(
		suiteCase{"TargetParts", testTargetParts},
		suiteCase{"FinishTargetWithParts", testFinishTargetWithParts},
		suiteCase{"DueMetricsOwnReplies", testDueMetricsOwnReplies},
		suiteCase{"DueMetricsPoll", testDueMetricsPoll},
	)
}

// testTargetParts: a part saved is returned with the target by every read,
// saving it again is a no-op, another id at its index is ECONFLICT.
func testTargetParts(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "bluesky")
	p := newPost(t, s, ws.ID, T0, a)
	id := p.Targets[0].ID
	tg, err := s.ClaimTarget(ctx(t), id, 1, T0, T0.Add(time.Minute))
	must(t, err)
	if len(tg.Parts) != 0 {
		t.Fatalf("a new target has parts %+v", tg.Parts)
	}

	p0 := rythme.TargetPart{Index: 0, ExternalID: "at://did/post/a", URL: "https://bsky.example/a", Ref: "cid-a", PublishedAt: us(T0.Add(time.Second))}
	p1 := rythme.TargetPart{Index: 1, ExternalID: "at://did/post/b", URL: "https://bsky.example/b", Ref: "cid-b", PublishedAt: us(T0.Add(2 * time.Second))}
	must(t, s.SaveTargetPart(ctx(t), id, p1)) // order of saving does not matter to reads
	must(t, s.SaveTargetPart(ctx(t), id, p0))
	must(t, s.SaveTargetPart(ctx(t), id, p0)) // again: a no-op
	err = s.SaveTargetPart(ctx(t), id, rythme.TargetPart{Index: 0, ExternalID: "at://did/post/other", PublishedAt: T0})
	wantCode(t, err, rythme.ECONFLICT)
	err = s.SaveTargetPart(ctx(t), rythme.NewID(rythme.PrefixTarget), p0)
	wantCode(t, err, rythme.ENOTFOUND)
	err = s.SaveTargetPart(ctx(t), id, rythme.TargetPart{Index: 2})
	wantCode(t, err, rythme.EINVALID)

	want := []rythme.TargetPart{p0, p1}
	got, err := s.GetTarget(ctx(t), id)
	must(t, err)
	deepEqual(t, "GetTarget parts", got.Parts, want)
	post, err := s.GetPost(ctx(t), ws.ID, p.ID)
	must(t, err)
	deepEqual(t, "GetPost parts", post.Targets[0].Parts, want)
	list, _, err := s.ListPosts(ctx(t), ws.ID, rythme.PostFilter{})
	must(t, err)
	if len(list) != 1 {
		t.Fatalf("listed %d posts", len(list))
	}
	deepEqual(t, "ListPosts parts", list[0].Targets[0].Parts, want)
	leases, err := s.ExpiredLeases(ctx(t), T0.Add(time.Hour), 10)
	must(t, err)
	if len(leases) != 1 {
		t.Fatalf("expired leases: %d", len(leases))
	}
	deepEqual(t, "ExpiredLeases parts", leases[0].Parts, want)

	// An edit of the post (UpdatePost) keeps them.
	_, err = s.UpdatePost(ctx(t), ws.ID, p.ID, func(p *rythme.Post) error {
		deepEqual(t, "UpdatePost parts", p.Targets[0].Parts, want)
		p.Tags = []string{"x"}
		return nil
	})
	must(t, err)
	got, err = s.GetTarget(ctx(t), id)
	must(t, err)
	deepEqual(t, "parts after an edit", got.Parts, want)
}

// testFinishTargetWithParts: FinishTarget saves the outcome's parts (those
// stored already are kept) and records its event in the post's history.
func testFinishTargetWithParts(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	p := newPost(t, s, ws.ID, T0, a)
	id := p.Targets[0].ID
	_, err := s.ClaimTarget(ctx(t), id, 1, T0, T0.Add(time.Minute))
	must(t, err)
	p0 := rythme.TargetPart{Index: 0, ExternalID: "1", URL: "https://m.example/1", PublishedAt: us(T0)}
	must(t, s.SaveTargetPart(ctx(t), id, p0))
	p1 := rythme.TargetPart{Index: 1, ExternalID: "2", URL: "https://m.example/2", PublishedAt: us(T0.Add(time.Second))}
	at := T0.Add(time.Minute)
	tg, err := s.FinishTarget(ctx(t), id, 1, rythme.Outcome{Status: rythme.TargetUnconfirmed, Error: "part 3 unknown", At: at,
		Parts: []rythme.TargetPart{{Index: 0, ExternalID: "1", URL: "changed", PublishedAt: at}, p1}, Event: "unconfirmed: part 3's outcome unknown"})
	must(t, err)
	deepEqual(t, "finished parts", tg.Parts, []rythme.TargetPart{p0, p1})
	evs, err := s.PostEvents(ctx(t), ws.ID, p.ID)
	must(t, err)
	last := evs[len(evs)-1]
	if last.Action != "publishing" || last.Actor != rythme.ActorRythme || last.Comment != "unconfirmed: part 3's outcome unknown" || !last.At.Equal(us(at)) {
		t.Fatalf("history event %+v", last)
	}
	// A finish that does not match changes nothing, parts included.
	_, err = s.FinishTarget(ctx(t), id, 1, rythme.Outcome{Status: rythme.TargetPublished, At: at,
		Parts: []rythme.TargetPart{{Index: 2, ExternalID: "3", PublishedAt: at}}, Event: "never"})
	wantCode(t, err, rythme.ECONFLICT)
	tg, err = s.GetTarget(ctx(t), id)
	must(t, err)
	if len(tg.Parts) != 2 {
		t.Fatalf("a refused finish saved parts: %+v", tg.Parts)
	}
}

// testDueMetricsOwnReplies: a published thread's reading knows that its
// second part is rythme's own reply to its first.
func testDueMetricsOwnReplies(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	single, thread := newPost(t, s, ws.ID, T0, a), newPost(t, s, ws.ID, T0, a)
	for i, p := range []*rythme.Post{single, thread} {
		id := p.Targets[0].ID
		_, err := s.ClaimTarget(ctx(t), id, 1, T0, T0.Add(time.Minute))
		must(t, err)
		out := rythme.Outcome{Status: rythme.TargetPublished, ExternalID: fmt.Sprint(i, "-0"), At: T0,
			Parts: []rythme.TargetPart{{Index: 0, ExternalID: fmt.Sprint(i, "-0"), PublishedAt: T0}}}
		if p == thread {
			out.Parts = append(out.Parts, rythme.TargetPart{Index: 1, ExternalID: "1-1", PublishedAt: T0},
				rythme.TargetPart{Index: 2, ExternalID: "1-2", PublishedAt: T0})
		}
		_, err = s.FinishTarget(ctx(t), id, 1, out)
		must(t, err)
	}
	due, err := s.DueMetrics(ctx(t), T0.Add(24*time.Hour), 0)
	must(t, err)
	own := map[string]int{}
	for _, d := range due {
		own[d.TargetID] = d.OwnReplies
	}
	if len(due) != 2 || own[single.Targets[0].ID] != 0 || own[thread.Targets[0].ID] != 1 {
		t.Fatalf("due %+v: want own replies 0 for the single post, 1 for the thread", due)
	}
}

// testDueMetricsPoll: a due reading knows whether its post carries a poll
// (a network that gives no engagement still reads a poll's votes).
func testDueMetricsPoll(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "discord")
	plain := newPost(t, s, ws.ID, T0, a)
	withPoll := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: ws.ID, Content: "Which day?",
		ScheduledAt: T0, Timezone: "UTC", Author: "Alice", CreatedBy: "tok_x", CreatedAt: T0, UpdatedAt: T0,
		Poll: &rythme.Poll{Options: []string{"Monday", "Friday"}, DurationMinutes: 60},
		Targets: []*rythme.Target{{ID: rythme.NewID(rythme.PrefixTarget), AccountID: a.ID, Network: a.Network,
			Status: rythme.TargetScheduled, Version: 1, ScheduledAt: T0, CreatedAt: T0, UpdatedAt: T0}}}
	must(t, s.CreatePost(ctx(t), withPoll))
	for i, p := range []*rythme.Post{plain, withPoll} {
		id := p.Targets[0].ID
		_, err := s.ClaimTarget(ctx(t), id, 1, T0, T0.Add(time.Minute))
		must(t, err)
		_, err = s.FinishTarget(ctx(t), id, 1, rythme.Outcome{Status: rythme.TargetPublished, ExternalID: fmt.Sprint("m", i), At: T0})
		must(t, err)
	}
	due, err := s.DueMetrics(ctx(t), T0.Add(time.Hour), 0)
	must(t, err)
	poll := map[string]bool{}
	for _, d := range due {
		poll[d.TargetID] = d.Poll
	}
	if len(due) != 2 || poll[plain.Targets[0].ID] || !poll[withPoll.Targets[0].ID] {
		t.Fatalf("due %+v: want a poll on the second post only", due)
	}
	read, err := s.ReadTargets(ctx(t), a.ID, 0)
	must(t, err)
	if len(read) != 2 || read[0].Poll == read[1].Poll {
		t.Fatalf("read targets %+v: want one with a poll", read)
	}
}
