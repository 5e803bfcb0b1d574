package reports

import "time"

// Cell is one hour of one weekday on the best-times grid.
type Cell struct {
	// Posts with a publication in the hour (each once), and those
	// publications.
	Posts        int `json:"posts"`
	Publications int `json:"publications"`
	// Rated publications have an engagement rate; RatePct is their mean
	// (nil when none has one), Basis what the rates were divided by
	// (BasisMixed when the hour mixes publications rated on reach and on
	// impressions).
	Rated   int      `json:"rated"`
	RatePct *float64 `json:"rate_pct"`
	Basis   string   `json:"basis"`
}

// TimeGrid is the best-times grid: Cells[weekday][hour] for the
// publications made in that hour of that weekday in Zone. The weekday index is
// time.Weekday (0 is Sunday).
type TimeGrid struct {
	Zone  string      `json:"zone"`
	Cells [7][24]Cell `json:"cells"`
	Total Figures     `json:"total"`
	// Undated counts the targets without a publication time, left out.
	Undated int `json:"undated"`
}

// BestTimes buckets every target, with its last reading, by the weekday and
// hour of its publication in zone (nil: UTC), and gives per bucket the
// posts, the publications and their mean engagement rate. A post whose
// publications went out in two hours counts in each (and once in Total). The wall clock in zone decides, so a
// post at 09:30 in Paris is in the 9 o'clock bucket in winter and summer
// alike; on the night clocks go back, 02:00–02:59 happens twice and both
// fall in hour 2; on the night they go forward, hour 2 gets no post. To
// bound the readings or the posts, filter the snapshots first (Latest,
// Cohort.Match).
func BestTimes(snapshots []Snapshot, zone *time.Location) TimeGrid {
	if zone == nil {
		zone = time.UTC
	}
	g := TimeGrid{Zone: zone.String()}
	var cells [7][24]acc
	var total acc
	for _, r := range latest(snapshots, time.Time{}, nil) {
		if r.s.PublishedAt.IsZero() {
			g.Undated++
			continue
		}
		t := r.s.PublishedAt.In(zone)
		cells[t.Weekday()][t.Hour()].add(r.s.PostID, &r.s.Metrics)
		total.add(r.s.PostID, &r.s.Metrics)
	}
	for d := range cells {
		for h := range cells[d] {
			a := &cells[d][h]
			g.Cells[d][h] = Cell{Posts: a.postCount(), Publications: a.publications, Rated: a.rated(), RatePct: a.ratePct(), Basis: a.basis()}
		}
	}
	g.Total = total.figures()
	return g
}
