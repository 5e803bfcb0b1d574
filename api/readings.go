package api

import (
	"fmt"
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
			VideoViews: m.VideoViews, Deleted: m.Deleted})
	}
	c.JSON(http.StatusOK, gin.H{"post_id": p.ID, "data": out, "truncated": truncated})
}
