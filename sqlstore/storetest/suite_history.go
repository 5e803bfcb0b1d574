package storetest

import (
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

func init() {
	register(suiteCase{"History", testHistory}, suiteCase{"HistoryResume", testHistoryResume})
}

// historyPost is an earlier post of an account, published age before T0.
func historyPost(id string, age time.Duration, likes int64) rythme.HistoryPost {
	return rythme.HistoryPost{ExternalID: id, URL: "https://m.example/@alice/" + id, Text: "earlier post " + id,
		PublishedAt: T0.Add(-age), Metrics: rythme.Metrics{At: T0, Likes: i64(likes), Comments: i64(1), Shares: i64(2)}}
}

// testHistory: an import stores each earlier post once per account (what
// it imported before and rythme's own posts, thread parts included, are
// skipped), as a published post marked imported with one reading, on the
// reading schedule from its age; it is never due to publish, and only its
// tags and author can be edited. The account shows the progress.
func testHistory(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	other := newAccount(t, s, ws.ID, "bluesky")
	// rythme's own post on the account, a thread of two parts.
	own := newPost(t, s, ws.ID, T0.Add(-48*time.Hour), a)
	_, err := s.ClaimTarget(ctx(t), own.Targets[0].ID, 1, T0, T0.Add(time.Minute))
	must(t, err)
	_, err = s.FinishTarget(ctx(t), own.Targets[0].ID, 1, rythme.Outcome{Status: rythme.TargetPublished, ExternalID: "own-1", At: T0,
		Parts: []rythme.TargetPart{{Index: 0, ExternalID: "own-1", PublishedAt: T0}, {Index: 1, ExternalID: "own-2", PublishedAt: T0}}})
	must(t, err)

	since := T0.Add(-rythme.HistoryWindow)
	_, err = s.SaveHistoryPage(ctx(t), a.ID, []rythme.HistoryPost{historyPost("h1", time.Hour, 5)}, "c", false, T0)
	wantCode(t, err, rythme.ECONFLICT) // not started
	hi, err := s.StartHistory(ctx(t), a.ID, since, T0, T0.Add(-10*time.Minute))
	must(t, err)
	if hi.Status != rythme.HistoryRunning || !hi.Since.Equal(us(since)) || hi.Imported != 0 || hi.Cursor != "" {
		t.Fatalf("started %s", dump(hi))
	}
	_, err = s.StartHistory(ctx(t), a.ID, since, T0.Add(time.Minute), T0.Add(-10*time.Minute))
	wantCode(t, err, rythme.ECONFLICT) // running, and moved lately
	_, err = s.StartHistory(ctx(t), rythme.NewID(rythme.PrefixAccount), since, T0, T0)
	wantCode(t, err, rythme.ENOTFOUND)

	page := []rythme.HistoryPost{historyPost("h1", 2*time.Hour, 10), historyPost("own-1", 48*time.Hour, 3),
		historyPost("h2", 40*24*time.Hour, 20), historyPost("own-2", 48*time.Hour, 4)}
	n, err := s.SaveHistoryPage(ctx(t), a.ID, page, "cursor-1", false, T0)
	must(t, err)
	if n != 2 {
		t.Fatalf("first page added %d posts, want 2 (rythme's own post and its part are skipped)", n)
	}
	got, err := s.GetAccount(ctx(t), ws.ID, a.ID)
	must(t, err)
	if h := got.History; h == nil || h.Status != rythme.HistoryRunning || h.Imported != 2 || h.Read != 4 || h.Cursor != "cursor-1" ||
		!h.UpdatedAt.Equal(us(T0)) || h.FinishedAt != nil {
		t.Fatalf("account's history after a page: %s", dump(got.History))
	}
	n, err = s.SaveHistoryPage(ctx(t), a.ID, []rythme.HistoryPost{historyPost("h1", 2*time.Hour, 10), historyPost("h3", 3*time.Hour, 7)}, "", true, T0.Add(time.Second))
	must(t, err)
	if n != 1 {
		t.Fatalf("second page added %d, want 1 (h1 is known)", n)
	}
	got, err = s.GetAccount(ctx(t), ws.ID, a.ID)
	must(t, err)
	if h := got.History; h.Status != rythme.HistoryDone || h.Imported != 3 || h.Read != 6 || h.FinishedAt == nil || !h.FinishedAt.Equal(us(T0.Add(time.Second))) {
		t.Fatalf("account's history when done: %s", dump(h))
	}
	// The same network id on another account is another post.
	_, err = s.StartHistory(ctx(t), other.ID, since, T0, T0)
	must(t, err)
	n, err = s.SaveHistoryPage(ctx(t), other.ID, []rythme.HistoryPost{historyPost("h1", time.Hour, 1)}, "", true, T0)
	must(t, err)
	if n != 1 {
		t.Fatalf("another account's h1 added %d, want 1", n)
	}

	// The imported posts: published, marked, with their reading.
	posts, _, err := s.ListPosts(ctx(t), ws.ID, rythme.PostFilter{AccountID: a.ID, Limit: 200})
	must(t, err)
	var imported []*rythme.Post
	for _, p := range posts {
		if p.Origin == rythme.OriginImported {
			imported = append(imported, p)
		} else if p.ID != own.ID {
			t.Fatalf("unexpected post %s", dump(p))
		}
	}
	if len(imported) != 3 {
		t.Fatalf("%d imported posts on the account, want 3", len(imported))
	}
	var h1 *rythme.Post
	for _, p := range imported {
		tg := p.Targets[0]
		if len(p.Targets) != 1 || tg.Status != rythme.TargetPublished || tg.PublishedAt == nil || !tg.ScheduledAt.Equal(*tg.PublishedAt) {
			t.Fatalf("imported post %s", dump(p))
		}
		if tg.ExternalID == "h1" {
			h1 = p
		}
	}
	if h1 == nil || h1.Content != "earlier post h1" || h1.Targets[0].URL != "https://m.example/@alice/h1" ||
		!h1.ScheduledAt.Equal(us(T0.Add(-2*time.Hour))) || h1.Targets[0].AccountID != a.ID {
		t.Fatalf("h1 %s", dump(h1))
	}
	readings, err := s.PostReadings(ctx(t), ws.ID, h1.ID, 0)
	must(t, err)
	if len(readings) != 1 || *readings[0].Likes != 10 || *readings[0].Shares != 2 || !readings[0].At.Equal(us(T0)) {
		t.Fatalf("h1's readings %s", dump(readings))
	}
	snaps, err := s.LatestSnapshots(ctx(t), ws.ID, T0.Add(-50*24*time.Hour), T0, T0)
	must(t, err)
	likes := map[string]int64{}
	for _, sn := range snaps {
		if sn.AccountID == a.ID && sn.Metrics.Likes != nil {
			likes[sn.TargetID] = *sn.Metrics.Likes
		}
	}
	if len(likes) != 3 {
		t.Fatalf("a period cohort before the first rythme post has %d of the account's imported posts, want 3: %v", len(likes), likes)
	}

	// Never due to publish; not claimable.
	due, err := s.DueTargets(ctx(t), T0.Add(time.Hour), true, 1000)
	must(t, err)
	for _, r := range due {
		if r.ID == h1.Targets[0].ID {
			t.Fatalf("an imported target is due to publish: %+v", r)
		}
	}
	_, err = s.ClaimTarget(ctx(t), h1.Targets[0].ID, 1, T0, T0.Add(time.Minute))
	wantCode(t, err, rythme.ECONFLICT)
	// Read again on the schedule from its age: 2 hours old, its next
	// reading is the 6-hour one (step 2).
	dm, err := s.DueMetrics(ctx(t), T0.Add(4*time.Hour+time.Second), 1000)
	must(t, err)
	var step = -1
	for _, d := range dm {
		if d.TargetID == h1.Targets[0].ID {
			step = d.Step
		}
	}
	if step != 2 {
		t.Fatalf("h1's reading step %d, want 2 (due 6 hours after publication)", step)
	}

	// Tags and author can be edited; what it says cannot.
	edited, err := s.UpdatePost(ctx(t), ws.ID, h1.ID, func(p *rythme.Post) error {
		return p.ApplyEdit(rythme.PostEdit{Tags: &[]string{"before"}, Author: new("Bea")}, T0)
	})
	must(t, err)
	if len(edited.Tags) != 1 || edited.Tags[0] != "before" || edited.Author != "Bea" || edited.Origin != rythme.OriginImported {
		t.Fatalf("edited %s", dump(edited))
	}
	_, err = s.UpdatePost(ctx(t), ws.ID, h1.ID, func(p *rythme.Post) error {
		return p.ApplyEdit(rythme.PostEdit{Content: new("rewritten")}, T0)
	})
	wantCode(t, err, rythme.ECONFLICT)

	// Done: asking again starts over, and adds nothing it has.
	hi, err = s.StartHistory(ctx(t), a.ID, since, T0.Add(time.Hour), T0)
	must(t, err)
	if hi.Imported != 0 || hi.Read != 0 || hi.Cursor != "" || !hi.StartedAt.Equal(us(T0.Add(time.Hour))) {
		t.Fatalf("restarted %s", dump(hi))
	}
	n, err = s.SaveHistoryPage(ctx(t), a.ID, append(page, historyPost("h3", 3*time.Hour, 7)), "", true, T0.Add(time.Hour))
	must(t, err)
	if n != 0 {
		t.Fatalf("a second import added %d posts, want 0", n)
	}
}

// testHistoryResume: a failed import, or one running that has not moved
// since staleBefore (its task was lost), goes on from its cursor with its
// counts; FailHistory stops only a running one.
func testHistoryResume(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	since := T0.Add(-rythme.HistoryWindow)
	wantCode(t, s.FailHistory(ctx(t), a.ID, "x", T0), rythme.ECONFLICT)
	wantCode(t, s.FailHistory(ctx(t), rythme.NewID(rythme.PrefixAccount), "x", T0), rythme.ENOTFOUND)
	_, err := s.StartHistory(ctx(t), a.ID, since, T0, T0)
	must(t, err)
	_, err = s.SaveHistoryPage(ctx(t), a.ID, []rythme.HistoryPost{historyPost("h1", time.Hour, 1)}, "c1", false, T0)
	must(t, err)
	must(t, s.FailHistory(ctx(t), a.ID, "the network refused", T0.Add(time.Minute)))
	got, err := s.GetAccount(ctx(t), ws.ID, a.ID)
	must(t, err)
	if h := got.History; h.Status != rythme.HistoryFailed || h.Error != "the network refused" || h.Cursor != "c1" {
		t.Fatalf("failed %s", dump(h))
	}
	hi, err := s.StartHistory(ctx(t), a.ID, T0, T0.Add(2*time.Minute), T0)
	must(t, err)
	if hi.Status != rythme.HistoryRunning || hi.Cursor != "c1" || hi.Imported != 1 || !hi.Since.Equal(us(since)) || !hi.StartedAt.Equal(us(T0)) || hi.Error != "" {
		t.Fatalf("resumed after a failure %s", dump(hi))
	}
	// Running, moved at T0+2m: not stale before then, stale after.
	_, err = s.StartHistory(ctx(t), a.ID, since, T0.Add(3*time.Minute), T0.Add(2*time.Minute))
	wantCode(t, err, rythme.ECONFLICT)
	hi, err = s.StartHistory(ctx(t), a.ID, since, T0.Add(20*time.Minute), T0.Add(5*time.Minute))
	must(t, err)
	if hi.Cursor != "c1" || hi.Imported != 1 {
		t.Fatalf("resumed a lost import %s", dump(hi))
	}
}
