package api

import (
	"context"
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

// reviewAction decodes a review request's optional comment and answers
// the post that do(ctx, actor, workspace, id, comment) returns.
func (s *server) reviewAction(c *gin.Context, do func(ctx context.Context, a rythme.Actor, ws, id, comment string) (*rythme.Post, error)) {
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
	p, err := do(c.Request.Context(), actor(c), workspace(c), id, req.Comment)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, postOut(p))
}

// submitPost is POST /v1/posts/{id}/submit (posting.Service.Submit).
func (s *server) submitPost(c *gin.Context) {
	s.reviewAction(c, func(ctx context.Context, a rythme.Actor, ws, id, _ string) (*rythme.Post, error) {
		return s.posting.Submit(ctx, a, ws, id)
	})
}

// approvePost is POST /v1/posts/{id}/approve (posting.Service.Approve).
func (s *server) approvePost(c *gin.Context) { s.reviewAction(c, s.posting.Approve) }

// rejectPost is POST /v1/posts/{id}/reject (posting.Service.Reject).
func (s *server) rejectPost(c *gin.Context) { s.reviewAction(c, s.posting.Reject) }

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
