package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
	"github.com/rythmehq/rythme/posting"
)

// targetInput is one target of a create or edit request.
type targetInput = posting.TargetInput

// postJSON is a post as the API shows it: with its summary status.
type postJSON struct {
	*rythme.Post
	Status string `json:"status"`
	// Adjustments: on a post put in the next slot, how a DST change moved
	// that slot's wall time (see docs/calendar.md).
	Adjustments []calendars.Adjustment `json:"adjustments,omitempty"`
}

func postOut(p *rythme.Post) postJSON {
	if p.Tags == nil {
		p.Tags = []string{}
	}
	if p.Targets == nil {
		p.Targets = []*rythme.Target{}
	}
	return postJSON{Post: p, Status: p.Status()}
}

// fieldErrors collects field errors in order.
type fieldErrors []rythme.FieldError

func (fe *fieldErrors) add(field, format string, args ...any) {
	*fe = append(*fe, rythme.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (fe fieldErrors) err() error {
	if len(fe) == 0 {
		return nil
	}
	return rythme.Invalid(fe...)
}

// createPost is POST /v1/posts (posting.Service.Create); a recurring post
// becomes a series (createSeries).
// dryRun reports whether POST /v1/posts was asked only to validate
// (?dry_run=true).
func dryRun(c *gin.Context) bool { return c.Query("dry_run") == "true" }

func (s *server) createPost(c *gin.Context) {
	var req posting.NewPost
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if dryRun(c) {
		// Checked as it would be created, and nothing stored or queued:
		// the dashboard's live validation (each network's own counting).
		if err := s.posting.Check(c.Request.Context(), actor(c), workspace(c), req); err != nil {
			s.fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"valid": true})
		return
	}
	made, err := s.posting.Create(c.Request.Context(), actor(c), workspace(c), req)
	if err != nil {
		s.fail(c, err)
		return
	}
	if made.Rule != nil {
		s.createSeries(c, made.Post, made.Rule, made.Review)
		return
	}
	out := postOut(made.Post)
	if made.SlotAccounts != nil {
		out.Adjustments = slotAdjustments(made.SlotAccounts, made.Post.ScheduledAt)
	}
	c.JSON(http.StatusCreated, out)
}

func (s *server) getPost(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixPost, "post")
	if !ok {
		return
	}
	p, err := s.store.GetPost(c.Request.Context(), workspace(c), id)
	if err != nil {
		s.fail(c, fmt.Errorf("api: get post: %w", err))
		return
	}
	c.JSON(http.StatusOK, postOut(p))
}

// postList is a page of posts.
type postList struct {
	Data       []postJSON `json:"data"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

func (s *server) listPosts(c *gin.Context) {
	var fe fieldErrors
	var f rythme.PostFilter
	parseTime := func(name string) *time.Time {
		v := c.Query(name)
		if v == "" {
			return nil
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			fe.add(name, "must be an RFC 3339 time with an offset")
			return nil
		}
		return &t
	}
	f.From, f.To = parseTime("from"), parseTime("to")
	if f.From != nil && f.To != nil && !f.To.After(*f.From) {
		fe.add("to", "must be after from")
	}
	s.postFilterQuery(c, &fe, &f)
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			fe.add("limit", "must be a whole number from 1 to 200")
		}
		f.Limit = n
	}
	f.Cursor = c.Query("cursor")
	if err := fe.err(); err != nil {
		s.fail(c, err)
		return
	}
	s.postPage(c, f)
}

// postPage answers one page of the workspace's posts matching f.
func (s *server) postPage(c *gin.Context, f rythme.PostFilter) {
	posts, next, err := s.store.ListPosts(c.Request.Context(), workspace(c), f)
	if err != nil {
		s.fail(c, fmt.Errorf("api: list posts: %w", err))
		return
	}
	out := postList{Data: make([]postJSON, 0, len(posts)), NextCursor: next}
	for _, p := range posts {
		out.Data = append(out.Data, postOut(p))
	}
	c.JSON(http.StatusOK, out)
}

// updatePost is PATCH /v1/posts/{id} (posting.Service.Edit).
func (s *server) updatePost(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixPost, "post")
	if !ok {
		return
	}
	var req posting.Changes
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.posting.Edit(c.Request.Context(), actor(c), workspace(c), id, req)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, postOut(p))
}

// cancelPost is DELETE /v1/posts/{id} (posting.Service.Cancel).
func (s *server) cancelPost(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixPost, "post")
	if !ok {
		return
	}
	p, err := s.posting.Cancel(c.Request.Context(), actor(c), workspace(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, postOut(p))
}

// resolveTarget is POST /v1/posts/{id}/targets/{target_id}/resolve
// (posting.Service.Resolve).
func (s *server) resolveTarget(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixPost, "post")
	if !ok {
		return
	}
	tid, ok := s.pathID(c, "target_id", rythme.PrefixTarget, "target")
	if !ok {
		return
	}
	var req posting.Resolution
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.posting.Resolve(c.Request.Context(), actor(c), workspace(c), id, tid, req)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, postOut(p))
}
