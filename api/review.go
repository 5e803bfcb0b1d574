package api

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
)

// actor is who makes the request, for the post's history.
func actor(c *gin.Context) rythme.Actor {
	t := tokenOf(c)
	return rythme.Actor{ID: t.ID, Name: t.Name, Role: t.Role}
}

func (s *server) getWorkspace(c *gin.Context) {
	ws, err := s.store.GetWorkspace(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, fmt.Errorf("api: get workspace: %w", err))
		return
	}
	c.JSON(http.StatusOK, ws)
}

type updateWorkspaceRequest struct {
	Name             *string `json:"name"`
	ApprovalRequired *bool   `json:"approval_required"`
}

func (s *server) updateWorkspace(c *gin.Context) {
	var req updateWorkspaceRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	ws, err := s.store.GetWorkspace(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, fmt.Errorf("api: get workspace: %w", err))
		return
	}
	if req.Name != nil {
		if n := utf8.RuneCountInString(strings.TrimSpace(*req.Name)); n == 0 || n > 100 || !utf8.ValidString(*req.Name) {
			s.fail(c, rythme.Invalid(rythme.FieldError{Field: "name", Message: "must be 1 to 100 characters"}))
			return
		}
		ws.Name = strings.TrimSpace(*req.Name)
	}
	if req.ApprovalRequired != nil {
		ws.ApprovalRequired = *req.ApprovalRequired
	}
	if err := s.store.UpdateWorkspace(c.Request.Context(), ws); err != nil {
		s.fail(c, fmt.Errorf("api: update workspace: %w", err))
		return
	}
	c.JSON(http.StatusOK, ws)
}

type reviewRequest struct {
	Comment string `json:"comment"`
}

// reviewAction applies a review transition to the post and enqueues what
// it scheduled.
func (s *server) reviewAction(c *gin.Context, apply func(p *rythme.Post, ws *rythme.Workspace, a rythme.Actor, comment string) error) {
	id, ok := s.pathID(c, "id", rythme.PrefixPost, "post")
	if !ok {
		return
	}
	var req reviewRequest
	if c.Request.ContentLength != 0 {
		if err := decodeJSON(c, &req); err != nil {
			s.fail(c, err)
			return
		}
	}
	ctx := c.Request.Context()
	ws, err := s.store.GetWorkspace(ctx, workspace(c))
	if err != nil {
		s.fail(c, fmt.Errorf("api: get workspace: %w", err))
		return
	}
	a := actor(c)
	p, err := s.store.UpdatePost(ctx, ws.ID, id, func(p *rythme.Post) error { return apply(p, ws, a, req.Comment) })
	if err != nil {
		s.fail(c, fmt.Errorf("api: review post: %w", err))
		return
	}
	s.enqueue(c, s.dueRefs(p))
	c.JSON(http.StatusOK, postOut(p))
}

func (s *server) submitPost(c *gin.Context) {
	s.reviewAction(c, func(p *rythme.Post, ws *rythme.Workspace, a rythme.Actor, _ string) error {
		// A challenge's submission always waits for a manager to pick it.
		return p.Submit(a, ws.ApprovalRequired || p.ChallengeWeek != "", s.now())
	})
}

func (s *server) approvePost(c *gin.Context) {
	s.reviewAction(c, func(p *rythme.Post, _ *rythme.Workspace, a rythme.Actor, comment string) error {
		return p.Approve(a, comment, s.now())
	})
}

func (s *server) rejectPost(c *gin.Context) {
	s.reviewAction(c, func(p *rythme.Post, _ *rythme.Workspace, a rythme.Actor, comment string) error {
		return p.Reject(a, comment, s.now())
	})
}

func (s *server) postHistory(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixPost, "post")
	if !ok {
		return
	}
	evs, err := s.store.PostEvents(c.Request.Context(), workspace(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"data": evs})
}
