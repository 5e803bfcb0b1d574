package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
)

// maxUpcoming bounds the upcoming occurrences a series answer lists.
const maxUpcoming = 20

// seriesJSON is a recurring post as the API shows it.
type seriesJSON struct {
	*rythme.Series
	// Total is how many occurrences the rule has in all.
	Total int `json:"occurrences_total"`
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

// recurrenceMessage turns a ParseRule error into the message for the
// "recurrence" field.
func recurrenceMessage(err error) string {
	for _, kind := range []error{calendars.ErrRuleFreq, calendars.ErrRuleUnbounded, calendars.ErrRuleTooMany, calendars.ErrRuleEmpty} {
		if errors.Is(err, kind) {
			return kind.Error()
		}
	}
	return calendars.ErrRuleSyntax.Error()
}

// parseRecurrence parses the rule of a recurring post anchored at its
// first time in its zone, reporting a bad one on "recurrence".
func parseRecurrence(fe *fieldErrors, rule string, start time.Time, zoneName string) *calendars.Rule {
	zone, err := calendars.LoadZone(zoneName)
	if err != nil || start.IsZero() {
		return nil // reported on timezone / scheduled_at
	}
	r, err := calendars.ParseRule(rule, start.In(zone))
	if err != nil {
		fe.add("recurrence", "%s", recurrenceMessage(err))
		return nil
	}
	return r
}

// templateOf is what every occurrence of p's series is made of.
func templateOf(p *rythme.Post) rythme.SeriesTemplate {
	tp := rythme.SeriesTemplate{Content: p.Content, Tags: p.Tags, Media: p.Media, Thread: p.Thread, Author: p.Author, Format: p.Format}
	for _, t := range p.Targets {
		tp.Targets = append(tp.Targets, rythme.SeriesTarget{AccountID: t.AccountID, Network: t.Network, Content: t.Content})
	}
	return tp
}

// seriesReview is the review state occurrences start in: drafts when the
// author asked for a draft, waiting for a manager when the workspace asks
// for approval and the author may not approve, scheduled otherwise.
func seriesReview(draft, needsApproval bool) string {
	switch {
	case draft:
		return rythme.ReviewDraft
	case needsApproval:
		return rythme.ReviewPending
	}
	return ""
}

// createSeries stores a recurring post (POST /v1/posts with recurrence):
// the series, and its occurrences within the horizon as posts.
func (s *server) createSeries(c *gin.Context, p *rythme.Post, rule *calendars.Rule, review string) {
	now := s.now()
	se := &rythme.Series{ID: rythme.NewID(rythme.PrefixSeries), WorkspaceID: p.WorkspaceID, Rule: rule.String(),
		StartsAt: p.ScheduledAt, Timezone: p.Timezone, Template: templateOf(p), Review: review, Status: rythme.SeriesActive,
		CreatedBy: p.CreatedBy, CreatedAt: now, UpdatedAt: now}
	until := now.Add(s.cfg.SeriesHorizon)
	posts, complete := calendars.Materialise(se, rule, now, until, actor(c), now)
	if complete {
		se.Status = rythme.SeriesFinished
	}
	se.MaterialisedUntil = &until
	if err := s.store.CreateSeries(c.Request.Context(), se, posts); err != nil {
		s.fail(c, fmt.Errorf("api: create series: %w", err))
		return
	}
	for _, occ := range posts {
		s.enqueue(c, s.dueRefs(occ))
	}
	c.JSON(http.StatusCreated, s.seriesOut(se, rule, posts))
}

// seriesOut is the answer for a series: its next occurrences, the DST
// adjustments among them, and the posts materialised from now on.
func (s *server) seriesOut(se *rythme.Series, rule *calendars.Rule, posts []*rythme.Post) seriesJSON {
	now := s.now()
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
	out.Total = rule.Len()
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

// seriesPosts returns every post of the series.
func (s *server) seriesPosts(c *gin.Context, id string) ([]*rythme.Post, error) {
	return s.allPosts(c, rythme.PostFilter{SeriesID: id})
}

// loadSeries reads the series of the path and its rule; false when it
// answered.
func (s *server) loadSeries(c *gin.Context) (*rythme.Series, *calendars.Rule, bool) {
	id, ok := s.pathID(c, "id", rythme.PrefixSeries, "series")
	if !ok {
		return nil, nil, false
	}
	se, err := s.store.GetSeries(c.Request.Context(), workspace(c), id)
	if err != nil {
		s.fail(c, fmt.Errorf("api: get series: %w", err))
		return nil, nil, false
	}
	rule, err := calendars.SeriesRule(se)
	if err != nil {
		s.fail(c, fmt.Errorf("api: series rule: %w", err))
		return nil, nil, false
	}
	return se, rule, true
}

func (s *server) getSeries(c *gin.Context) {
	se, rule, ok := s.loadSeries(c)
	if !ok {
		return
	}
	posts, err := s.seriesPosts(c, se.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, s.seriesOut(se, rule, posts))
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
	Content     *string        `json:"content"`
	Recurrence  *string        `json:"recurrence"`
	ScheduledAt *string        `json:"scheduled_at"` // the new first time (anchor) of the rule
	Timezone    *string        `json:"timezone"`
	Tags        *[]string      `json:"tags"`
	Media       *[]string      `json:"media"`
	Thread      *[]string      `json:"thread"`
	Author      *string        `json:"author"`
	Targets     *[]targetInput `json:"targets"` // replaces the accounts and their variants
}

// updateSeries is PATCH /v1/series/{id}: the series changes, and so do its
// future occurrences not edited on their own; past and published ones
// stay as they are. With a new rule, start or zone, occurrences the new
// rule no longer has are cancelled and new ones materialised.
func (s *server) updateSeries(c *gin.Context) {
	se, oldRule, ok := s.loadSeries(c)
	if !ok {
		return
	}
	var req updateSeriesRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if req == (updateSeriesRequest{}) {
		s.fail(c, rythme.Errorf(rythme.EINVALID, "nothing to change: give at least one field"))
		return
	}
	if se.Status == rythme.SeriesEnded {
		s.fail(c, rythme.Errorf(rythme.ECONFLICT, "series %s has ended: it cannot change", se.ID))
		return
	}
	ctx, now, ws := c.Request.Context(), s.now(), workspace(c)
	next := *se
	tp := &next.Template
	var fe fieldErrors
	if req.Content != nil {
		tp.Content = *req.Content
	}
	if req.Tags != nil {
		tp.Tags = *req.Tags
	}
	if req.Media != nil {
		tp.Media = *req.Media
	}
	if req.Thread != nil {
		tp.Thread = *req.Thread
	}
	if req.Author != nil {
		tp.Author = *req.Author
	}
	if req.Timezone != nil {
		next.Timezone = *req.Timezone
		if next.Timezone == "" {
			next.Timezone = "UTC"
		}
	}
	if req.Recurrence != nil {
		next.Rule = *req.Recurrence
	}
	if req.ScheduledAt != nil {
		next.StartsAt = parseWhen(&fe, "scheduled_at", *req.ScheduledAt, now)
		if *req.ScheduledAt == "" {
			fe.add("scheduled_at", "cannot be empty")
		}
	}
	accounts := map[string]*rythme.Account{}
	if req.Targets != nil {
		tp.Targets = nil
		for i, in := range *req.Targets {
			st := rythme.SeriesTarget{AccountID: in.AccountID, Content: in.Content}
			field := fmt.Sprintf("targets[%d].account_id", i)
			acc, err := s.account(ctx, accounts, ws, in.AccountID)
			if err != nil {
				s.fail(c, err)
				return
			}
			switch msg := unusable(acc); {
			case in.AccountID == "": // Post.Validate says so
			case msg != "":
				fe.add(field, "%s", msg)
			default:
				st.Network = acc.Network
			}
			tp.Targets = append(tp.Targets, st)
		}
	}
	// The template is checked as one of its posts would be.
	probe := next.Occurrence(maxTime(next.StartsAt, now), actor(c), now)
	s.validatePost(c.Request.Context(), &fe, probe, false)
	media, err := s.loadMedia(ctx, ws, probe.Media, &fe)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.checkMedia(c.Request.Context(), &fe, probe, media, false)
	rule := oldRule
	timing := req.Recurrence != nil || req.ScheduledAt != nil || req.Timezone != nil
	if timing && !fe.has("scheduled_at") && !fe.has("timezone") {
		rule = parseRecurrence(&fe, next.Rule, next.StartsAt, next.Timezone)
	}
	if err := fe.err(); err != nil {
		s.fail(c, err)
		return
	}
	next.Rule = rule.String()
	a := actor(c)
	wsp, err := s.store.GetWorkspace(ctx, ws)
	if err != nil {
		s.fail(c, fmt.Errorf("api: get workspace: %w", err))
		return
	}
	needsApproval := wsp.NeedsApproval(a.Role)
	if needsApproval && next.Review == "" {
		next.Review = rythme.ReviewPending
	}
	next.Status = rythme.SeriesActive
	if err := s.store.UpdateSeries(ctx, &next); err != nil {
		s.fail(c, fmt.Errorf("api: update series: %w", err))
		return
	}

	// Future occurrences follow the series (after it is saved: a sweep
	// that read the old template is refused by AddOccurrences).
	want := map[int64]calendars.Occurrence{}
	for _, o := range rule.Between(now, time.Time{}) {
		want[o.At.UTC().UnixMicro()] = o
	}
	posts, err := s.seriesPosts(c, se.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	var live []*rythme.Post
	for _, p := range posts {
		if p.OccurrenceAt == nil || p.Detached || !p.OccurrenceAt.After(now) || !p.HasEditable() {
			live = append(live, p)
			continue // past, edited on its own, skipped or already out: left as it is
		}
		_, keep := want[p.OccurrenceAt.UnixMicro()]
		up, err := s.store.UpdatePost(ctx, ws, p.ID, func(p *rythme.Post) error {
			if !p.HasEditable() || p.Detached || p.OccurrenceAt == nil {
				return nil // changed meanwhile
			}
			if !keep {
				p.OccurrenceAt = nil // off the series: its instant is free again
				if err := p.Cancel(now); err != nil {
					return err
				}
				p.Record(a, "cancelled", "series "+se.ID+" no longer has this occurrence", now)
				return nil
			}
			if !next.Template.Apply(p, *p.OccurrenceAt, next.Timezone, now) {
				return nil
			}
			p.Record(a, "edited", "series "+se.ID+" edited", now)
			if needsApproval {
				p.ReturnToReview(a, now)
			}
			return nil
		})
		if rythme.ErrorCode(err) == rythme.ECONFLICT {
			live = append(live, p) // being published right now: it goes out as it was
			continue
		}
		if err != nil {
			s.fail(c, fmt.Errorf("api: update occurrence: %w", err))
			return
		}
		s.enqueue(c, s.dueRefs(up))
		if up.OccurrenceAt != nil {
			live = append(live, up)
		}
	}
	until := now.Add(s.cfg.SeriesHorizon)
	fresh, complete := calendars.Materialise(&next, rule, now, until, a, now)
	made, err := s.store.AddOccurrences(ctx, &next, fresh, until, complete)
	if err != nil {
		s.fail(c, fmt.Errorf("api: materialise series: %w", err))
		return
	}
	for _, p := range made {
		s.enqueue(c, s.dueRefs(p))
	}
	if complete {
		next.Status = rythme.SeriesFinished
	}
	c.JSON(http.StatusOK, s.seriesOut(&next, rule, append(live, made...)))
}

// endSeries is DELETE /v1/series/{id}: no new occurrence, and the future
// ones not edited on their own are cancelled.
func (s *server) endSeries(c *gin.Context) {
	se, rule, ok := s.loadSeries(c)
	if !ok {
		return
	}
	ctx, now, a := c.Request.Context(), s.now(), actor(c)
	se.Status = rythme.SeriesEnded
	if err := s.store.UpdateSeries(ctx, se); err != nil {
		s.fail(c, fmt.Errorf("api: end series: %w", err))
		return
	}
	posts, err := s.seriesPosts(c, se.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	for i, p := range posts {
		if p.Detached || !p.ScheduledAt.After(now) || !p.HasEditable() {
			continue
		}
		up, err := s.store.UpdatePost(ctx, se.WorkspaceID, p.ID, func(p *rythme.Post) error {
			if err := p.Cancel(now); err != nil {
				return err
			}
			p.Record(a, "cancelled", "series "+se.ID+" ended", now)
			return nil
		})
		if rythme.ErrorCode(err) == rythme.ECONFLICT {
			continue // being published right now, or nothing left to cancel
		}
		if err != nil {
			s.fail(c, fmt.Errorf("api: end series: %w", err))
			return
		}
		posts[i] = up
	}
	c.JSON(http.StatusOK, s.seriesOut(se, rule, posts))
}
