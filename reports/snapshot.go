package reports

import (
	"sort"
	"time"

	"github.com/rythmehq/rythme"
)

// Snapshot is one reading of one published target's metrics, with what
// cohorts filter on. At is when it was read (Metrics.At is not used);
// PublishedAt when the target was published. Several snapshots of the same
// target form its time series; the target's attributes (post, account,
// network, author, tags, campaign, PublishedAt) are taken from the reading a
// report uses.
type Snapshot struct {
	TargetID    string         `json:"target_id"`
	PostID      string         `json:"post_id"`
	AccountID   string         `json:"account_id"`
	Network     string         `json:"network"`
	Author      string         `json:"author,omitempty"`
	Tags        []string       `json:"tags,omitempty"`
	CampaignID  string         `json:"campaign_id,omitempty"`
	PublishedAt time.Time      `json:"published_at"`
	At          time.Time      `json:"at"`
	Metrics     rythme.Metrics `json:"metrics"`
}

// AudienceSample is an account's follower count at one time (one a day).
// Samples are matched to posts by AccountID; Network is informational.
type AudienceSample struct {
	AccountID string    `json:"account_id"`
	Network   string    `json:"network"`
	At        time.Time `json:"at"`
	Followers int64     `json:"followers"`
}

// tracker follows one target's readings within a bound: the last live
// reading and the last deletion (indexes into the snapshots, -1 for none,
// with their times, kept here so that a new reading is compared without
// going back to the old one). Of two readings at the same time, the later
// in the slice wins.
type tracker struct {
	live, del     int
	liveAt, delAt time.Time
}

func newTracker() tracker { return tracker{live: -1, del: -1} }

func (t *tracker) see(snaps []Snapshot, i int) {
	s := &snaps[i]
	if s.Metrics.Deleted {
		if t.del < 0 || !s.At.Before(t.delAt) {
			t.del, t.delAt = i, s.At
		}
	} else if t.live < 0 || !s.At.Before(t.liveAt) {
		t.live, t.liveAt = i, s.At
	}
}

// pick returns the reading to use and whether the post is deleted by then:
// the last live reading, flagged deleted when a deletion was read at or
// after it; the deletion itself when there was no live reading. It returns
// nil when the tracker saw nothing.
func (t tracker) pick(snaps []Snapshot) (*Snapshot, bool) {
	switch {
	case t.live >= 0:
		return &snaps[t.live], t.del >= 0 && !t.delAt.Before(t.liveAt)
	case t.del >= 0:
		return &snaps[t.del], true
	}
	return nil, false
}

// reading is the reading a report uses for one target.
type reading struct {
	s       *Snapshot
	deleted bool
}

// targetIndex numbers targets in the order they first appear. Snapshots
// of the same target in a row (a query ordered by target) skip the map.
type targetIndex struct {
	index    map[string]int
	last     string
	lastSlot int
	n        int
}

func newTargetIndex(hint int) *targetIndex {
	return &targetIndex{index: make(map[string]int, hint), lastSlot: -1}
}

// slot returns the target's number and whether it is new.
func (x *targetIndex) slot(target string) (int, bool) {
	if x.lastSlot >= 0 && target == x.last {
		return x.lastSlot, false
	}
	j, ok := x.index[target]
	if !ok {
		j = x.n
		x.n++
		x.index[target] = j
	}
	x.last, x.lastSlot = target, j
	return j, !ok
}

// latest picks, per target among the snapshots keep accepts (nil: all), the
// reading at or before asOf (zero asOf: no bound), in the order targets
// first appear. It allocates one map entry and one slice slot per target.
func latest(snaps []Snapshot, asOf time.Time, keep func(*Snapshot) bool) []reading {
	index := newTargetIndex(len(snaps)/8 + 1)
	trackers := make([]tracker, 0, len(snaps)/8+1)
	bounded := !asOf.IsZero()
	for i := range snaps {
		s := &snaps[i]
		if bounded && s.At.After(asOf) {
			continue
		}
		if keep != nil && !keep(s) {
			continue
		}
		j, isNew := index.slot(s.TargetID)
		if isNew {
			trackers = append(trackers, newTracker())
		}
		trackers[j].see(snaps, i)
	}
	out := make([]reading, 0, len(trackers))
	for _, t := range trackers {
		if s, del := t.pick(snaps); s != nil {
			out = append(out, reading{s: s, deleted: del})
		}
	}
	return out
}

// Latest returns, per target, its last snapshot at or before asOf (a zero
// asOf means no bound), sorted by TargetID. Of two snapshots of a target at
// the same time, the later in the slice wins. A snapshot marked Deleted does
// not replace an earlier live one: Latest returns the live one with
// Metrics.Deleted set (the figures it earned before it was deleted); a
// target read only as deleted comes back as that deleted snapshot. The
// snapshots returned are copies (their Tags share the input's array).
func Latest(snapshots []Snapshot, asOf time.Time) []Snapshot {
	rs := latest(snapshots, asOf, nil)
	out := make([]Snapshot, len(rs))
	for i, r := range rs {
		out[i] = *r.s
		out[i].Metrics.Deleted = r.deleted
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].TargetID < out[j].TargetID })
	return out
}
