package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
	"github.com/rythmehq/rythme/posting"
)

// maxUpcoming bounds the upcoming occurrences a series answer lists.
const maxUpcoming = 20

// seriesJSON is a recurring post as the API shows it.
type seriesJSON struct {
	*rythme.Series
	// Total is how many occurrences the rule has in all.
	Total int `json:"occurrences_total"`
	// RuleText is the rule in words on its zone's wall clock
	// (calendars.Rule.Describe).
	RuleText string `json:"rule_text,omitempty"`
	// Upcoming are the next occurrences from now, with the post that
	// stands for each when it exists.
	Upcoming []occurrenceJSON `json:"upcoming"`
	// Adjustments lists the coming occurrences whose wall time a DST
	// change moved (a time that does not exist) or made ambiguous (one
	// that exists twice), and how each was resolved.
	Adjustments []calendars.Adjustment `json:"adjustments"`
	// Posts are the occurrences materialised from now on.
	Posts []postJSON `json:"posts"`
}

type occurrenceJSON struct {
	At         time.Time            `json:"at"`
	Resolution calendars.Resolution `json:"resolution"`
	PostID     string               `json:"post_id,omitempty"`
}

// createSeries stores a recurring post (POST /v1/posts with recurrence):
// the series, and its occurrences within the horizon as posts.
func (s *server) createSeries(c *gin.Context, p *rythme.Post, rule *calendars.Rule, review string) {
	v, err := s.plans.CreateSeries(c.Request.Context(), actor(c), p, rule, review)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, s.seriesOut(v))
}

// seriesOut is the answer for a series: its next occurrences, the DST
// adjustments among them, and the posts materialised from now on.
func (s *server) seriesOut(v *posting.SeriesView) seriesJSON {
	se, rule, posts, now := v.Series, v.Rule, v.Posts, s.now()
	out := seriesJSON{Series: se, Upcoming: []occurrenceJSON{}, Adjustments: []calendars.Adjustment{}, Posts: []postJSON{}}
	byOcc := map[int64]string{}
	for _, p := range posts {
		if p.OccurrenceAt != nil {
			byOcc[p.OccurrenceAt.UnixMicro()] = p.ID
		}
		if !p.ScheduledAt.Before(now) {
			out.Posts = append(out.Posts, postOut(p))
		}
	}
	if rule == nil {
		return out
	}
	out.Total, out.RuleText = rule.Len(), rule.Describe()
	if se.Status == rythme.SeriesEnded {
		return out
	}
	for _, o := range rule.Between(now, time.Time{}) {
		if len(out.Upcoming) == maxUpcoming {
			break
		}
		out.Upcoming = append(out.Upcoming, occurrenceJSON{At: o.At.UTC(), Resolution: o.Resolution, PostID: byOcc[o.At.UTC().UnixMicro()]})
	}
	out.Adjustments = calendars.RuleAdjustments(rule, now, now.AddDate(10, 0, 0))
	return out
}

// loadSeries reads the series of the path; false when it answered.
func (s *server) loadSeries(c *gin.Context) (*rythme.Series, bool) {
	id, ok := s.pathID(c, "id", rythme.PrefixSeries, "series")
	if !ok {
		return nil, false
	}
	se, _, err := s.plans.LoadSeries(c.Request.Context(), workspace(c), id)
	if err != nil {
		s.fail(c, err)
		return nil, false
	}
	return se, true
}

func (s *server) getSeries(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixSeries, "series")
	if !ok {
		return
	}
	v, err := s.plans.Series(c.Request.Context(), workspace(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, s.seriesOut(v))
}

func (s *server) listSeries(c *gin.Context) {
	list, err := s.store.ListSeries(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, fmt.Errorf("api: list series: %w", err))
		return
	}
	c.JSON(http.StatusOK, gin.H{"data": list})
}

type updateSeriesRequest struct {
	Content     *string   `json:"content"`
	Recurrence  *string   `json:"recurrence"`
	ScheduledAt *string   `json:"scheduled_at"` // the new first time (anchor) of the rule
	Timezone    *string   `json:"timezone"`
	Tags        *[]string `json:"tags"`
	Media       *[]string `json:"media"`
	Thread      *[]string `json:"thread"`
	// FirstComment sets each occurrence's first comment ("" removes it).
	FirstComment *string `json:"first_comment"`
	// Poll replaces each occurrence's poll; null removes it.
	Poll    posting.PollChange `json:"poll"`
	Author  *string            `json:"author"`
	Targets *[]targetInput     `json:"targets"` // replaces the accounts and their variants
}

// updateSeries is PATCH /v1/series/{id}: the series changes, and so do its
// future occurrences not edited on their own (posting.Planner.UpdateSeries).
func (s *server) updateSeries(c *gin.Context) {
	se, ok := s.loadSeries(c)
	if !ok {
		return
	}
	var req updateSeriesRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.plans.UpdateSeries(c.Request.Context(), actor(c), se, posting.SeriesEdit(req))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, s.seriesOut(v))
}

// endSeries is DELETE /v1/series/{id}: no new occurrence, and the future
// ones not edited on their own are cancelled.
func (s *server) endSeries(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixSeries, "series")
	if !ok {
		return
	}
	v, err := s.plans.EndSeries(c.Request.Context(), actor(c), workspace(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, s.seriesOut(v))
}
