package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

func init() {
	register(suiteCase{"ReadingsRetention", testReadingsRetention})
}

func testReadingsRetention(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	a := newAccount(t, s, ws.ID, "mastodon")
	jan, feb, mar := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	must(t, s.PrepareReadings(ctx(t), jan, mar))
	must(t, s.PrepareReadings(ctx(t), jan, mar)) // again: nothing to do

	pub := jan.Add(9*24*time.Hour + 10*time.Hour) // 10 January, 10:00
	p := newPost(t, s, ws.ID, pub, a)
	tg := p.Targets[0]
	_, err := s.ClaimTarget(ctx(t), tg.ID, tg.Version, pub, pub.Add(time.Minute))
	must(t, err)
	_, err = s.FinishTarget(ctx(t), tg.ID, tg.Version, rythme.Outcome{Status: rythme.TargetPublished, ExternalID: "9", URL: "u", At: pub})
	must(t, err)
	// Readings: three on the day of publication, one each on the 11th and
	// the 13th of January, one in February, one in March (the month kept).
	ats := []time.Time{pub.Add(15 * time.Minute), pub.Add(time.Hour), pub.Add(6 * time.Hour), pub.Add(24 * time.Hour),
		pub.Add(72 * time.Hour), feb.Add(8*24*time.Hour + 10*time.Hour), mar.Add(10 * time.Hour)}
	for i, at := range ats {
		must(t, s.SaveReading(ctx(t), tg.ID, rythme.Metrics{At: at, Likes: i64(int64(10 * (i + 1)))}))
	}
	// What the reports read, before.
	endOf11th := time.Date(2024, 1, 11, 23, 59, 59, 0, time.UTC)
	latest := func(asOf time.Time) int64 {
		t.Helper()
		got, err := s.LatestSnapshots(ctx(t), ws.ID, jan, mar, asOf)
		must(t, err)
		if len(got) != 1 || got[0].Metrics.Likes == nil {
			t.Fatalf("latest readings as of %s: %s", asOf, dump(got))
		}
		return *got[0].Metrics.Likes
	}
	before11, beforeNow := latest(endOf11th), latest(mar.AddDate(0, 1, 0))
	if before11 != 40 || beforeNow != 70 {
		t.Fatalf("before compaction: as of the 11th %d likes, now %d; want 40 and 70", before11, beforeNow)
	}

	// Compact what is before March (the cut rounds down to a month).
	n, err := s.CompactReadings(ctx(t), mar.Add(14*24*time.Hour))
	must(t, err)
	if n != 2 {
		t.Fatalf("compaction deleted %d readings, want 2 (the 10th's first two)", n)
	}
	rs, err := s.PostReadings(ctx(t), ws.ID, p.ID, 0)
	must(t, err)
	var kept []time.Time
	for _, r := range rs {
		kept = append(kept, r.At)
	}
	deepEqual(t, "readings kept", kept, []time.Time{us(ats[2]), us(ats[3]), us(ats[4]), us(ats[5]), us(ats[6])})
	if a, b := latest(endOf11th), latest(mar.AddDate(0, 1, 0)); a != before11 || b != beforeNow {
		t.Fatalf("after compaction: as of the 11th %d likes, now %d; want %d and %d (unchanged)", a, b, before11, beforeNow)
	}
	snaps, err := s.Snapshots(ctx(t), ws.ID, jan, mar)
	must(t, err)
	if len(snaps) != 5 {
		t.Fatalf("%d snapshots after compaction, want 5", len(snaps))
	}
	if n, err := s.CompactReadings(ctx(t), mar); err != nil || n != 0 {
		t.Fatalf("compacting again deleted %d (%v), want 0", n, err)
	}
	// A reading still arrives in a compacted month (a late poll).
	must(t, s.SaveReading(ctx(t), tg.ID, rythme.Metrics{At: feb.Add(20 * 24 * time.Hour), Likes: i64(65)}))
	if rs, _ := s.PostReadings(ctx(t), ws.ID, p.ID, 0); len(rs) != 6 {
		t.Fatalf("%d readings after a late one, want 6", len(rs))
	}

	if pl, ok := s.(interface {
		ReadingPartitions(ctx context.Context) ([]string, error)
	}); ok {
		parts, err := pl.ReadingPartitions(ctx(t))
		must(t, err)
		if parts != nil { // PostgreSQL
			want := map[string]bool{"metric_snapshots_p202401_daily": true, "metric_snapshots_p202402_daily": true, "metric_snapshots_p202403": true}
			for _, p := range parts {
				delete(want, p)
			}
			if len(want) != 0 {
				t.Fatalf("partitions %v lack %v", parts, want)
			}
		}
	}
}
