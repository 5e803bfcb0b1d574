package api

import (
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/reports"
)

// targetReadings is one target's series of readings, with the field of
// the network each figure came from.
type targetReadings struct {
	TargetID    string            `json:"target_id"`
	AccountID   string            `json:"account_id"`
	Network     string            `json:"network"`
	Status      string            `json:"status"`
	PublishedAt *time.Time        `json:"published_at,omitempty"`
	Sources     map[string]string `json:"sources"`
	Readings    []reading         `json:"readings"`
}

// reading is one stored reading; a figure the network does not give is null.
type reading struct {
	At          time.Time `json:"at"`
	Impressions *int64    `json:"impressions"`
	Reach       *int64    `json:"reach"`
	Likes       *int64    `json:"likes"`
	Comments    *int64    `json:"comments"`
	Shares      *int64    `json:"shares"`
	Saves       *int64    `json:"saves"`
	Clicks      *int64    `json:"clicks"`
	VideoViews  *int64    `json:"video_views"`
	Deleted     bool      `json:"deleted"`
	// Poll is the votes of the post's poll at that reading, with the share
	// of each option and the turnout; absent for a post without one.
	Poll *pollReading `json:"poll,omitempty"`
}

// pollReading is one reading of a poll: votes per option with their
// share of the votes (0 to 1), votes, voters (where the network says) and
// turnout (voters, else votes).
type pollReading struct {
	Options []pollOptionReading `json:"options"`
	Votes   int64               `json:"votes"`
	Voters  *int64              `json:"voters"`
	Turnout int64               `json:"turnout"`
	Closed  bool                `json:"closed"`
}

type pollOptionReading struct {
	Title string  `json:"title"`
	Votes int64   `json:"votes"`
	Share float64 `json:"share"`
}

// pollReadingOf is r as GET /v1/posts/{id}/metrics shows it (nil: nil).
func pollReadingOf(r *rythme.PollResults) *pollReading {
	if r == nil {
		return nil
	}
	out := &pollReading{Options: make([]pollOptionReading, len(r.Options)), Votes: r.Votes, Voters: r.Voters,
		Turnout: r.Turnout(), Closed: r.Closed}
	for i, o := range r.Options {
		out.Options[i] = pollOptionReading{Title: o.Title, Votes: o.Votes}
		if r.Votes > 0 {
			out.Options[i].Share = math.Round(float64(o.Votes)/float64(r.Votes)*10000) / 10000
		}
	}
	return out
}

// maxPostReadings bounds GET /v1/posts/{id}/metrics: a post on twelve
// accounts read over the whole schedule has 84 readings.
const maxPostReadings = 1000

// postMetrics answers GET /v1/posts/{id}/metrics: every target's readings,
// the first maxPostReadings of them (truncated says when there are more).
func (s *server) postMetrics(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixPost, "post")
	if !ok {
		return
	}
	ctx, ws := c.Request.Context(), workspace(c)
	p, err := s.store.GetPost(ctx, ws, id)
	if err != nil {
		s.fail(c, fmt.Errorf("api: post metrics: %w", err))
		return
	}
	rows, err := s.store.PostReadings(ctx, ws, id, maxPostReadings+1)
	if err != nil {
		s.fail(c, fmt.Errorf("api: post metrics: %w", err))
		return
	}
	truncated := len(rows) > maxPostReadings
	if truncated {
		rows = rows[:maxPostReadings]
	}
	out := make([]targetReadings, len(p.Targets))
	index := make(map[string]int, len(p.Targets))
	for i, t := range p.Targets {
		src := reports.Sources[t.Network]
		if src == nil {
			src = map[string]string{}
		}
		out[i] = targetReadings{TargetID: t.ID, AccountID: t.AccountID, Network: t.Network, Status: string(t.Status),
			PublishedAt: t.PublishedAt, Sources: src, Readings: []reading{}}
		index[t.ID] = i
	}
	for _, m := range rows {
		i, ok := index[m.TargetID]
		if !ok {
			continue
		}
		out[i].Readings = append(out[i].Readings, reading{At: m.At.UTC(), Impressions: m.Impressions, Reach: m.Reach,
			Likes: m.Likes, Comments: m.Comments, Shares: m.Shares, Saves: m.Saves, Clicks: m.Clicks,
			VideoViews: m.VideoViews, Deleted: m.Deleted, Poll: pollReadingOf(m.Poll)})
	}
	c.JSON(http.StatusOK, gin.H{"post_id": p.ID, "data": out, "truncated": truncated})
}

// maxCohortReadings bounds GET /v1/reports/readings: a year of 20 posts a
// day on three accounts read on the whole schedule is about 150,000.
const maxCohortReadings = 200_000

// cohortReadings answers GET /v1/reports/readings?cohort=&tz=: every
// reading of the cohort's targets, one row each, as JSON or (Accept:
// text/csv) CSV with the same names. A cohort without a period reads the
// posts of the last 400 days. Truncated (JSON field, X-Rythme-Truncated
// header) when there are more than maxCohortReadings.
func (s *server) cohortReadings(c *gin.Context) {
	zone, ok := s.reportZone(c)
	if !ok {
		return
	}
	var fe fieldErrors
	co := cohortParam(c, "cohort", zone, &fe)
	if err := fe.err(); err != nil {
		s.fail(c, err)
		return
	}
	now := s.now()
	from, to := now.Add(-reportLookback), now.Add(time.Second)
	if !co.From.IsZero() {
		from = co.From
	}
	if !co.To.IsZero() {
		to = co.To
	}
	snaps, err := s.snapshots(c.Request.Context(), workspace(c), from, to)
	if err != nil {
		s.fail(c, err)
		return
	}
	rows := reports.Readings(co, snaps)
	truncated := len(rows) > maxCohortReadings
	if truncated {
		rows = rows[:maxCohortReadings]
		c.Header("X-Rythme-Truncated", "true")
	}
	s.respond(c, "readings", gin.H{"cohort": c.Query("cohort"), "rows": rows, "truncated": truncated}, rows)
}
