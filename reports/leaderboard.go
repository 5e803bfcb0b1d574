package reports

import (
	"slices"
	"sort"
	"time"

	"github.com/rythmehq/rythme"
)

// Contributor is one author's line on the leaderboard.
type Contributor struct {
	Rank   int    `json:"rank"`
	Author string `json:"author"`
	// Engagement earned in the period (likes + comments + shares + saves),
	// and each part of it.
	Engagement int64 `json:"engagement"`
	Likes      int64 `json:"likes"`
	Comments   int64 `json:"comments"`
	Shares     int64 `json:"shares"`
	Saves      int64 `json:"saves"`
	// RatePct is the mean engagement rate of the author's counted
	// publications at the end of the period (nil when none has one), Basis
	// its denominator.
	RatePct *float64 `json:"rate_pct"`
	Basis   string   `json:"basis"`
	// PostIDs are the author's counted posts (sorted, each once); Posts
	// their number, Publications the counted publications behind them (a
	// post on one account), Published how many of those went out in the
	// period.
	PostIDs      []string `json:"post_ids"`
	Posts        int      `json:"posts"`
	Publications int      `json:"publications"`
	Published    int      `json:"published"`
}

// Ranking is the contributor leaderboard of a period.
type Ranking struct {
	From         time.Time     `json:"from"`
	To           time.Time     `json:"to"`
	Contributors []Contributor `json:"contributors"`
	// Unattributed counts the publications that would have counted but have
	// no author; they are not ranked.
	Unattributed int `json:"unattributed"`
}

// Leaderboard ranks authors by the engagement their posts earned in the
// period [from, to).
//
// What a target earned is its engagement at to (its last reading before to)
// minus its engagement at from (its last reading before from; 0 when none,
// as for a post published in the period). Each of likes, comments, shares
// and saves is taken apart, a count not given counting as 0, so a count the
// network starts to give within the period counts as earned in it; a count
// that fell (an unlike) lowers the total. The result does not change when
// the leaderboard is computed again later: readings from to on are not used.
//
// A publication (target) counts for its author when it was published in the period or
// earned a non-zero engagement in it, and has a reading before to. Authors
// are ranked by engagement earned (highest first), then by the mean
// engagement rate of their counted publications at to (highest first, none last),
// then by name (byte order); Rank is 1 for the first, with no two equal.
func Leaderboard(snapshots []Snapshot, from, to time.Time) Ranking {
	type entry struct{ atFrom, atTo tracker }
	index := newTargetIndex(len(snapshots)/8 + 1)
	entries := make([]entry, 0, len(snapshots)/8+1)
	for i := range snapshots {
		s := &snapshots[i]
		if !s.At.Before(to) {
			continue
		}
		j, isNew := index.slot(s.TargetID)
		if isNew {
			entries = append(entries, entry{newTracker(), newTracker()})
		}
		entries[j].atTo.see(snapshots, i)
		if s.At.Before(from) {
			entries[j].atFrom.see(snapshots, i)
		}
	}
	type board struct {
		c       Contributor
		posts   map[string]bool
		rateAcc acc
	}
	boards := map[string]*board{}
	out := Ranking{From: from, To: to}
	for _, e := range entries {
		end, _ := e.atTo.pick(snapshots)
		if end == nil {
			continue
		}
		var d [4]int64
		endCounts := counts(&end.Metrics)
		var startCounts [4]int64
		if start, _ := e.atFrom.pick(snapshots); start != nil {
			startCounts = counts(&start.Metrics)
		}
		var earned int64
		for k := range d {
			d[k] = endCounts[k] - startCounts[k]
			earned += d[k]
		}
		published := !end.PublishedAt.Before(from) && end.PublishedAt.Before(to)
		if !published && earned == 0 {
			continue
		}
		if end.Author == "" {
			out.Unattributed++
			continue
		}
		b := boards[end.Author]
		if b == nil {
			b = &board{c: Contributor{Author: end.Author}, posts: map[string]bool{}}
			boards[end.Author] = b
		}
		b.c.Engagement += earned
		b.c.Likes += d[0]
		b.c.Comments += d[1]
		b.c.Shares += d[2]
		b.c.Saves += d[3]
		b.c.Publications++
		if published {
			b.c.Published++
		}
		b.posts[end.PostID] = true
		b.rateAcc.add(end.PostID, &end.Metrics)
	}
	out.Contributors = make([]Contributor, 0, len(boards))
	for _, b := range boards {
		b.c.RatePct, b.c.Basis = b.rateAcc.ratePct(), b.rateAcc.basis()
		for id := range b.posts {
			b.c.PostIDs = append(b.c.PostIDs, id)
		}
		slices.Sort(b.c.PostIDs)
		b.c.Posts = len(b.c.PostIDs)
		out.Contributors = append(out.Contributors, b.c)
	}
	sort.Slice(out.Contributors, func(i, j int) bool {
		x, y := &out.Contributors[i], &out.Contributors[j]
		if x.Engagement != y.Engagement {
			return x.Engagement > y.Engagement
		}
		if (x.RatePct == nil) != (y.RatePct == nil) {
			return x.RatePct != nil
		}
		if x.RatePct != nil && *x.RatePct != *y.RatePct {
			return *x.RatePct > *y.RatePct
		}
		return x.Author < y.Author
	})
	for i := range out.Contributors {
		out.Contributors[i].Rank = i + 1
	}
	return out
}

// counts returns likes, comments, shares and saves, nil as 0.
func counts(m *rythme.Metrics) [4]int64 {
	var c [4]int64
	for i, p := range [4]*int64{m.Likes, m.Comments, m.Shares, m.Saves} {
		if p != nil {
			c[i] = *p
		}
	}
	return c
}
