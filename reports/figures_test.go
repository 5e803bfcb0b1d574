package reports_test

import (
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/reports"
)

func TestNormalise(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		m          rythme.Metrics
		engagement *int64
		rate       *float64
		basis      string
	}{
		{"reach first", rythme.Metrics{Reach: n(400), Impressions: n(1000), Likes: n(10), Comments: n(5), Shares: n(3), Saves: n(2)},
			n(20), fl(5), reports.BasisReach},
		{"no reach: impressions", rythme.Metrics{Impressions: n(800), Likes: n(8)},
			n(8), fl(1), reports.BasisImpressions},
		{"reach 0: impressions", rythme.Metrics{Reach: n(0), Impressions: n(200), Likes: n(3), Shares: n(1)},
			n(4), fl(2), reports.BasisImpressions},
		{"neither (Mastodon)", rythme.Metrics{Likes: n(4), Comments: n(1), Shares: n(2)},
			n(7), nil, reports.BasisNone},
		{"both 0", rythme.Metrics{Reach: n(0), Impressions: n(0), Likes: n(1)},
			n(1), nil, reports.BasisNone},
		{"no interaction given", rythme.Metrics{Reach: n(100), Clicks: n(9)},
			nil, nil, reports.BasisNone},
		{"interactions all 0", rythme.Metrics{Reach: n(50), Likes: n(0), Saves: n(0)},
			n(0), fl(0), reports.BasisReach},
		{"a third", rythme.Metrics{Reach: n(3), Likes: n(1)},
			n(1), fl(33.333333333333336), reports.BasisReach},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := reports.Normalise(reports.Snapshot{TargetID: "t", Metrics: tt.m})
			if !eqI(f.Engagement, tt.engagement) || !eqF(f.RatePct, tt.rate) || f.Basis != tt.basis {
				t.Errorf("engagement %s rate %s basis %s; want %s %s %s", fmtI(f.Engagement), fmtF(f.RatePct), f.Basis,
					fmtI(tt.engagement), fmtF(tt.rate), tt.basis)
			}
			if f.Clicks != tt.m.Clicks || f.Reach != tt.m.Reach {
				t.Errorf("figures not carried over")
			}
		})
	}
}

func TestLatest(t *testing.T) {
	t.Parallel()
	snaps := []reports.Snapshot{
		snap("t2", "x", "", "2026-10-01T08:00:00Z", "2026-10-01T10:00:00Z", rythme.Metrics{Likes: n(3)}),
		snap("t1", "x", "", "2026-10-01T08:00:00Z", "2026-10-01T12:00:00Z", rythme.Metrics{Likes: n(5)}),
		snap("t1", "x", "", "2026-10-01T08:00:00Z", "2026-10-01T14:00:00Z", rythme.Metrics{Likes: n(9)}),
		snap("t1", "x", "", "2026-10-01T08:00:00Z", "2026-10-01T10:00:00Z", rythme.Metrics{Likes: n(1)}),
		snap("t2", "x", "", "2026-10-01T08:00:00Z", "2026-10-01T11:00:00Z", rythme.Metrics{Deleted: true}),
		snap("t3", "x", "", "2026-10-01T08:00:00Z", "2026-10-01T11:00:00Z", rythme.Metrics{Deleted: true}),
		snap("t4", "x", "", "2026-10-01T08:00:00Z", "2026-10-01T10:00:00Z", rythme.Metrics{Deleted: true}),
		snap("t4", "x", "", "2026-10-01T08:00:00Z", "2026-10-01T12:00:00Z", rythme.Metrics{Likes: n(7)}),
		// Same time: the later in the slice wins.
		snap("t5", "x", "", "2026-10-01T08:00:00Z", "2026-10-01T12:00:00Z", rythme.Metrics{Likes: n(1)}),
		snap("t5", "x", "", "2026-10-01T08:00:00Z", "2026-10-01T12:00:00Z", rythme.Metrics{Likes: n(2)}),
	}
	type want struct {
		target  string
		likes   *int64
		deleted bool
		at      string
	}
	tests := []struct {
		name string
		asOf time.Time
		want []want
	}{
		{"no bound", time.Time{}, []want{
			{"t1", n(9), false, "2026-10-01T14:00:00Z"},
			{"t2", n(3), true, "2026-10-01T10:00:00Z"},
			{"t3", nil, true, "2026-10-01T11:00:00Z"},
			{"t4", n(7), false, "2026-10-01T12:00:00Z"},
			{"t5", n(2), false, "2026-10-01T12:00:00Z"},
		}},
		{"13:00", at("2026-10-01T13:00:00Z"), []want{
			{"t1", n(5), false, "2026-10-01T12:00:00Z"},
			{"t2", n(3), true, "2026-10-01T10:00:00Z"},
			{"t3", nil, true, "2026-10-01T11:00:00Z"},
			{"t4", n(7), false, "2026-10-01T12:00:00Z"},
			{"t5", n(2), false, "2026-10-01T12:00:00Z"},
		}},
		{"10:30, inclusive bound at 10:00", at("2026-10-01T10:30:00Z"), []want{
			{"t1", n(1), false, "2026-10-01T10:00:00Z"},
			{"t2", n(3), false, "2026-10-01T10:00:00Z"},
			{"t4", nil, true, "2026-10-01T10:00:00Z"},
		}},
		{"before everything", at("2026-10-01T09:00:00Z"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := reports.Latest(snaps, tt.asOf)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d targets, want %d", len(got), len(tt.want))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.TargetID != w.target || !eqI(g.Metrics.Likes, w.likes) || g.Metrics.Deleted != w.deleted || !g.At.Equal(at(w.at)) {
					t.Errorf("[%d] = %s likes %s deleted %v at %s; want %+v", i, g.TargetID, fmtI(g.Metrics.Likes),
						g.Metrics.Deleted, g.At.Format(time.RFC3339), w)
				}
			}
		})
	}
	// Latest must not change the caller's snapshots.
	if snaps[1].Metrics.Deleted {
		t.Error("Latest changed its input")
	}
}

func TestPosts(t *testing.T) {
	t.Parallel()
	snaps := []reports.Snapshot{
		snap("b", "x", "Ada", "2026-10-01T08:00:00Z", "2026-10-02T08:00:00Z", rythme.Metrics{Impressions: n(50), Likes: n(5)}),
		snap("a", "mastodon", "Bob", "2026-10-01T08:00:00Z", "2026-10-02T08:00:00Z", rythme.Metrics{Likes: n(2)}),
	}
	got := reports.Posts(snaps, time.Time{})
	if len(got) != 2 || got[0].TargetID != "a" || got[1].TargetID != "b" {
		t.Fatalf("got %+v", got)
	}
	if got[0].Basis != reports.BasisNone || got[0].RatePct != nil || *got[0].Engagement != 2 {
		t.Errorf("a: %+v", got[0])
	}
	if got[1].Basis != reports.BasisImpressions || *got[1].RatePct != 10 || got[1].Author != "Ada" {
		t.Errorf("b: %+v", got[1])
	}
}
