package storetest

import (
	"sort"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

func init() {
	register(suiteCase{"Metrics", testMetrics}, suiteCase{"Audience", testAudience},
		suiteCase{"ReadingOnRequest", testReadingOnRequest}, suiteCase{"SnapshotPolls", testSnapshotPolls})
}

func i64(n int64) *int64 { return &n }

func testMetrics(t *testing.T, s rythme.Store) {
	ws, other := newWorkspace(t, s), newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	p := newPost(t, s, ws.ID, T0, a)
	tg := p.Targets[0]
	pub := us(T0.Add(time.Minute))
	_, err := s.ClaimTarget(ctx(t), tg.ID, tg.Version, pub, pub.Add(time.Minute))
	must(t, err)
	_, err = s.FinishTarget(ctx(t), tg.ID, tg.Version, rythme.Outcome{Status: rythme.TargetPublished, ExternalID: "109", URL: "u", At: pub})
	must(t, err)

	due, err := s.DueMetrics(ctx(t), pub.Add(14*time.Minute), 10)
	must(t, err)
	if len(due) != 0 {
		t.Fatalf("due 14 minutes after publishing: %s", dump(due))
	}
	due, err = s.DueMetrics(ctx(t), pub.Add(15*time.Minute), 10)
	must(t, err)
	if len(due) != 1 || due[0].TargetID != tg.ID || due[0].ExternalID != "109" || due[0].Step != 0 || !due[0].PublishedAt.Equal(pub) {
		t.Fatalf("due after 15 minutes: %s", dump(due))
	}
	read := rythme.Metrics{At: pub.Add(16 * time.Minute), Likes: i64(3), Comments: i64(1), Reach: i64(120)}
	must(t, s.SaveMetrics(ctx(t), due[0], read, rythme.NextMetricsAt(pub, 1)))
	// A second poller with the same reading loses.
	wantCode(t, s.SaveMetrics(ctx(t), due[0], read, rythme.NextMetricsAt(pub, 1)), rythme.ECONFLICT)
	if due, _ := s.DueMetrics(ctx(t), pub.Add(30*time.Minute), 10); len(due) != 0 {
		t.Fatalf("due again before its next reading: %s", dump(due))
	}
	due, err = s.DueMetrics(ctx(t), pub.Add(time.Hour), 10)
	must(t, err)
	if len(due) != 1 || due[0].Step != 1 {
		t.Fatalf("second reading: %s", dump(due))
	}
	must(t, s.SaveMetrics(ctx(t), due[0], rythme.Metrics{At: pub.Add(time.Hour), Deleted: true}, nil))
	if due, _ := s.DueMetrics(ctx(t), pub.Add(1000*time.Hour), 10); len(due) != 0 {
		t.Fatalf("a deleted post is still polled: %s", dump(due))
	}

	snaps, err := s.Snapshots(ctx(t), ws.ID, T0, T0.Add(time.Hour))
	must(t, err)
	if len(snaps) != 2 {
		t.Fatalf("%d snapshots, want 2 (never overwritten)", len(snaps))
	}
	sort.Slice(snaps, func(i, j int) bool { return snaps[i].Metrics.At.Before(snaps[j].Metrics.At) }) // in no particular order
	first := snaps[0]
	if first.TargetID != tg.ID || first.PostID != p.ID || first.AccountID != a.ID || first.Network != "mastodon" ||
		*first.Metrics.Likes != 3 || *first.Metrics.Reach != 120 || first.Metrics.Shares != nil || first.Metrics.Deleted ||
		!first.PublishedAt.Equal(pub) || !first.Metrics.At.Equal(pub.Add(16*time.Minute)) {
		t.Fatalf("first snapshot: %s", dump(first))
	}
	if !snaps[1].Metrics.Deleted || snaps[1].Metrics.Likes != nil {
		t.Fatalf("second snapshot: %s", dump(snaps[1]))
	}
	latest, err := s.LatestSnapshots(ctx(t), ws.ID, T0, T0.Add(time.Hour), pub.Add(30*time.Minute))
	must(t, err)
	if len(latest) != 1 || *latest[0].Metrics.Likes != 3 {
		t.Fatalf("latest as of 30 minutes: %s, want the first reading", dump(latest))
	}
	latest, err = s.LatestSnapshots(ctx(t), ws.ID, T0, T0.Add(time.Hour), pub.Add(2*time.Hour))
	must(t, err)
	if len(latest) != 1 || !latest[0].Metrics.Deleted {
		t.Fatalf("latest as of 2 hours: %s, want the deletion", dump(latest))
	}
	if got, _ := s.Snapshots(ctx(t), ws.ID, T0.Add(time.Hour), T0.Add(2*time.Hour)); len(got) != 0 {
		t.Fatal("snapshots of posts published outside the period")
	}
	if got, _ := s.Snapshots(ctx(t), other.ID, T0, T0.Add(time.Hour)); len(got) != 0 {
		t.Fatal("another workspace sees the snapshots")
	}

	// The post's readings, in time order, every figure as stored.
	readings, err := s.PostReadings(ctx(t), ws.ID, p.ID, 0)
	must(t, err)
	if len(readings) != 2 || readings[0].TargetID != tg.ID || readings[0].ExternalID != "109" ||
		!readings[0].At.Equal(pub.Add(16*time.Minute)) || *readings[0].Likes != 3 || *readings[0].Comments != 1 ||
		*readings[0].Reach != 120 || readings[0].Shares != nil || readings[0].Impressions != nil || readings[0].Deleted ||
		!readings[1].Deleted || readings[1].Likes != nil || !readings[1].At.Equal(pub.Add(time.Hour)) {
		t.Fatalf("post readings: %s", dump(readings))
	}
	if one, err := s.PostReadings(ctx(t), ws.ID, p.ID, 1); err != nil || len(one) != 1 || one[0].Deleted {
		t.Fatalf("post readings limited to 1: %s, %v", dump(one), err)
	}
	_, err = s.PostReadings(ctx(t), other.ID, p.ID, 0)
	wantCode(t, err, rythme.ENOTFOUND)
	unpublished := newPost(t, s, ws.ID, T0.Add(time.Hour), a)
	if none, err := s.PostReadings(ctx(t), ws.ID, unpublished.ID, 0); err != nil || none == nil || len(none) != 0 {
		t.Fatalf("readings of a post never read: %v, %v", none, err)
	}
}

func testAudience(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	due, err := s.AccountsDueAudience(ctx(t), T0, 10)
	must(t, err)
	found := false
	for _, d := range due {
		found = found || d.ID == a.ID
	}
	if !found {
		t.Fatal("a new account is not due for its first followers reading")
	}
	must(t, s.SaveAudience(ctx(t), a.ID, T0, 1200, T0.Add(24*time.Hour)))
	due, _ = s.AccountsDueAudience(ctx(t), T0.Add(time.Hour), 10)
	for _, d := range due {
		if d.ID == a.ID {
			t.Fatal("due again an hour after a reading")
		}
	}
	must(t, s.SaveAudience(ctx(t), a.ID, T0.Add(24*time.Hour), 1250, T0.Add(48*time.Hour)))
	samples, err := s.AudienceSamples(ctx(t), ws.ID, T0, T0.Add(48*time.Hour))
	must(t, err)
	if len(samples) != 2 || samples[0].Followers != 1200 || samples[1].Followers != 1250 || samples[1].Network != "mastodon" {
		t.Fatalf("samples = %s", dump(samples))
	}
}

// testReadingOnRequest: a poll on request lists the account's targets on
// their schedule and stores readings that leave the schedule as it was.
func testReadingOnRequest(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a, b := newAccount(t, s, ws.ID, "mastodon"), newAccount(t, s, ws.ID, "mastodon")
	publish := func(at time.Time, acct *rythme.Account, ext string) *rythme.Target {
		t.Helper()
		p := newPost(t, s, ws.ID, at, acct)
		tg := p.Targets[0]
		_, err := s.ClaimTarget(ctx(t), tg.ID, tg.Version, at, at.Add(time.Minute))
		must(t, err)
		_, err = s.FinishTarget(ctx(t), tg.ID, tg.Version, rythme.Outcome{Status: rythme.TargetPublished, ExternalID: ext, URL: "u", At: at})
		must(t, err)
		return tg
	}
	pub := us(T0.Add(time.Minute))
	older, newer := publish(pub, a, "1"), publish(pub.Add(time.Hour), a, "2")
	publish(pub, b, "3")
	newPost(t, s, ws.ID, T0.Add(time.Hour), a) // not published: nothing to read

	got, err := s.ReadTargets(ctx(t), a.ID, 0)
	must(t, err)
	if len(got) != 2 || got[0].TargetID != newer.ID || got[1].TargetID != older.ID || got[1].ExternalID != "1" ||
		got[1].Step != 0 || !got[1].NextAt.Equal(pub.Add(15*time.Minute)) || !got[1].PublishedAt.Equal(pub) {
		t.Fatalf("read targets of account a: %s", dump(got))
	}
	if one, _ := s.ReadTargets(ctx(t), a.ID, 1); len(one) != 1 || one[0].TargetID != newer.ID {
		t.Fatalf("read targets limited to 1: %s", dump(one))
	}

	// A reading on request, before the first scheduled one: stored, the
	// schedule unchanged.
	must(t, s.SaveReading(ctx(t), older.ID, rythme.Metrics{At: pub.Add(5 * time.Minute), Likes: i64(7)}))
	due, err := s.DueMetrics(ctx(t), pub.Add(15*time.Minute), 10)
	must(t, err)
	found := false
	for _, d := range due {
		if d.TargetID == older.ID {
			found = d.Step == 0 && d.NextAt.Equal(pub.Add(15*time.Minute))
		}
	}
	if !found {
		t.Fatalf("the scheduled reading moved after a reading on request: %s", dump(due))
	}
	latest, err := s.LatestSnapshots(ctx(t), ws.ID, T0, T0.Add(3*time.Hour), pub.Add(10*time.Minute))
	must(t, err)
	likes := map[string]int64{}
	for _, l := range latest {
		if l.Metrics.Likes != nil {
			likes[l.TargetID] = *l.Metrics.Likes
		}
	}
	if len(likes) != 1 || likes[older.ID] != 7 {
		t.Fatalf("latest readings after a reading on request: %s", dump(latest))
	}
	// A deleted post is read no more, on request or on schedule.
	must(t, s.SaveReading(ctx(t), older.ID, rythme.Metrics{At: pub.Add(6 * time.Minute), Deleted: true}))
	if got, _ := s.ReadTargets(ctx(t), a.ID, 0); len(got) != 1 || got[0].TargetID != newer.ID {
		t.Fatalf("read targets after a deletion: %s", dump(got))
	}
	wantCode(t, s.SaveReading(ctx(t), rythme.NewID(rythme.PrefixTarget), rythme.Metrics{At: pub}), rythme.ENOTFOUND)
}

// testSnapshotPolls: Snapshots and LatestSnapshots carry each reading's
// poll results (nil where it has none), through both ways LatestSnapshots
// finds a target's reading (its latest, or the last before a past asOf).
func testSnapshotPolls(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	pub := us(T0.Add(time.Minute))
	publish := func(ext string) *rythme.Target {
		t.Helper()
		p := newPost(t, s, ws.ID, T0, a)
		tg := p.Targets[0]
		_, err := s.ClaimTarget(ctx(t), tg.ID, tg.Version, pub, pub.Add(time.Minute))
		must(t, err)
		_, err = s.FinishTarget(ctx(t), tg.ID, tg.Version, rythme.Outcome{Status: rythme.TargetPublished, ExternalID: ext, URL: "u", At: pub})
		must(t, err)
		return tg
	}
	withPoll, without := publish("1"), publish("2")
	three := int64(3)
	early := &rythme.PollResults{Votes: 2, Options: []rythme.PollOptionResult{{Title: "Tea", Votes: 2}, {Title: "Coffee"}}}
	late := &rythme.PollResults{Votes: 5, Voters: &three, Closed: true,
		Options: []rythme.PollOptionResult{{Title: "Tea", Votes: 3}, {Title: "Coffee", Votes: 2}}}
	must(t, s.SaveReading(ctx(t), withPoll.ID, rythme.Metrics{At: pub.Add(time.Hour), Likes: i64(1), Poll: early}))
	must(t, s.SaveReading(ctx(t), withPoll.ID, rythme.Metrics{At: pub.Add(3 * time.Hour), Likes: i64(4), Poll: late}))
	must(t, s.SaveReading(ctx(t), without.ID, rythme.Metrics{At: pub.Add(time.Hour), Likes: i64(9)}))

	same := func(got, want *rythme.PollResults) bool {
		if got == nil || want == nil {
			return got == nil && want == nil
		}
		if got.Votes != want.Votes || got.Closed != want.Closed || len(got.Options) != len(want.Options) ||
			(got.Voters == nil) != (want.Voters == nil) || (got.Voters != nil && *got.Voters != *want.Voters) {
			return false
		}
		for i := range got.Options {
			if got.Options[i] != want.Options[i] {
				return false
			}
		}
		return true
	}
	all, err := s.Snapshots(ctx(t), ws.ID, T0, T0.Add(time.Hour))
	must(t, err)
	if len(all) != 3 {
		t.Fatalf("%d snapshots, want 3: %s", len(all), dump(all))
	}
	for _, sn := range all {
		want := (*rythme.PollResults)(nil)
		if sn.TargetID == withPoll.ID {
			want = early
			if sn.Metrics.At.Equal(pub.Add(3 * time.Hour)) {
				want = late
			}
		}
		if !same(sn.Metrics.Poll, want) {
			t.Fatalf("snapshot of %s at %s: poll %s, want %s", sn.TargetID, sn.Metrics.At, dump(sn.Metrics.Poll), dump(want))
		}
	}
	for _, c := range []struct {
		asOf time.Time
		want *rythme.PollResults
	}{{pub.Add(4 * time.Hour), late}, {pub.Add(2 * time.Hour), early}} {
		latest, err := s.LatestSnapshots(ctx(t), ws.ID, T0, T0.Add(time.Hour), c.asOf)
		must(t, err)
		if len(latest) != 2 {
			t.Fatalf("latest as of %s: %s, want 2", c.asOf, dump(latest))
		}
		for _, sn := range latest {
			want := c.want
			if sn.TargetID == without.ID {
				want = nil
			}
			if !same(sn.Metrics.Poll, want) {
				t.Fatalf("latest of %s as of %s: poll %s, want %s", sn.TargetID, c.asOf, dump(sn.Metrics.Poll), dump(want))
			}
		}
	}
}
