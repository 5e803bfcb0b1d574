package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/listening"
)

// The community inbox (package listening holds the use cases).

// inboxRoutes: the inbox, its triage and notes.
func (s *server) inboxRoutes(v1 *gin.RouterGroup, can roles) {
	v1.GET("/inbox", can.viewer, s.listInbox)
	v1.GET("/moderation-rules", can.viewer, s.listInboxRules)
	v1.POST("/moderation-rules", can.manager, s.createInboxRule)
	v1.DELETE("/moderation-rules/:id", can.manager, s.deleteInboxRule)
	v1.GET("/inbox/:id", can.viewer, s.getInboxItem)
	v1.PATCH("/inbox/:id", can.editor, s.updateInboxItem)
	v1.POST("/inbox/:id/notes", can.editor, s.addInboxNote)
	v1.POST("/inbox/:id/reply", can.editor, s.replyInboxItem)
	v1.POST("/inbox/:id/moderation", can.manager, s.moderateInboxItem)
}

type inboxList struct {
	Data       []*rythme.InboxItem `json:"data"`
	NextCursor string              `json:"next_cursor,omitempty"`
}

// listInbox is GET /v1/inbox (listening.Service.List).
func (s *server) listInbox(c *gin.Context) {
	f := rythme.InboxFilter{AccountID: c.Query("account_id"), Network: c.Query("network"), PostID: c.Query("post_id"),
		Status: rythme.InboxStatus(c.Query("status")), Author: c.Query("author"), Cursor: c.Query("cursor"),
		Flagged: c.Query("flagged") == "true"}
	if v := c.Query("flagged"); v != "" && v != "true" && v != "false" {
		s.fail(c, rythme.Invalid(rythme.FieldError{Field: "flagged", Message: "must be true or false"}))
		return
	}
	switch v := c.Query("assignee_id"); {
	case v == "me":
		m := memberOf(c)
		if m == nil {
			s.fail(c, rythme.Invalid(rythme.FieldError{Field: "assignee_id",
				Message: `"me" is the signed-in member: an API token is none; give a member's id`}))
			return
		}
		f.AssigneeID = m.ID
	case v != "" && !strings.HasPrefix(v, rythme.PrefixMember+"_"):
		s.fail(c, rythme.Invalid(rythme.FieldError{Field: "assignee_id", Message: `must be a member's id (mem_…) or "me"`}))
		return
	default:
		f.AssigneeID = v
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > rythme.MaxInboxLimit {
			s.fail(c, rythme.Invalid(rythme.FieldError{Field: "limit", Message: "must be a whole number from 1 to 200"}))
			return
		}
		f.Limit = n
	}
	items, next, err := s.listening.List(c.Request.Context(), workspace(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, inboxList{Data: items, NextCursor: next})
}

// getInboxItem is GET /v1/inbox/{id} (listening.Service.Get).
func (s *server) getInboxItem(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixInboxItem, "inbox item")
	if !ok {
		return
	}
	it, err := s.listening.Get(c.Request.Context(), workspace(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, it)
}

type updateInboxRequest struct {
	Status *rythme.InboxStatus `json:"status"`
	// AssigneeID: a member's id, or null or "" to unassign.
	AssigneeID json.RawMessage `json:"assignee_id"`
}

// updateInboxItem is PATCH /v1/inbox/{id} (listening.Service.Update).
func (s *server) updateInboxItem(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixInboxItem, "inbox item")
	if !ok {
		return
	}
	var req updateInboxRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	ch := listening.Change{Status: req.Status}
	if len(req.AssigneeID) > 0 {
		var assignee *string
		if err := json.Unmarshal(req.AssigneeID, &assignee); err != nil {
			s.fail(c, badRequest("assignee_id", "must be a member id, or null to unassign"))
			return
		}
		if assignee == nil {
			assignee = new(string)
		}
		if *assignee != "" && !rythme.ValidID(rythme.PrefixMember, *assignee) {
			s.fail(c, rythme.Invalid(rythme.FieldError{Field: "assignee_id", Message: "is not a member id"}))
			return
		}
		ch.AssigneeID = assignee
	}
	it, err := s.listening.Update(c.Request.Context(), workspace(c), id, actor(c), ch)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, it)
}

type inboxNoteRequest struct {
	Text string `json:"text"`
}

// addInboxNote is POST /v1/inbox/{id}/notes (listening.Service.AddNote).
func (s *server) addInboxNote(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixInboxItem, "inbox item")
	if !ok {
		return
	}
	var req inboxNoteRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	it, err := s.listening.AddNote(c.Request.Context(), workspace(c), id, actor(c), req.Text)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, it)
}

type replyOut struct {
	Post postJSON          `json:"post"`
	Item *rythme.InboxItem `json:"item"`
}

// replyInboxItem is POST /v1/inbox/{id}/reply (listening.Service.Reply).
func (s *server) replyInboxItem(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixInboxItem, "inbox item")
	if !ok {
		return
	}
	var req listening.NewReply
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.listening.Reply(c.Request.Context(), workspace(c), id, actor(c), req)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, replyOut{Post: postOut(r.Post), Item: r.Item})
}

type inboxRuleRequest struct {
	Name   string                 `json:"name"`
	Kind   rythme.InboxRuleKind   `json:"kind"`
	Terms  []string               `json:"terms"`
	Action rythme.InboxRuleAction `json:"action"`
}

// createInboxRule is POST /v1/moderation-rules (listening.Service.CreateRule).
func (s *server) createInboxRule(c *gin.Context) {
	var req inboxRuleRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.listening.CreateRule(c.Request.Context(), workspace(c), actor(c),
		&rythme.InboxRule{Name: req.Name, Kind: req.Kind, Terms: req.Terms, Action: req.Action})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, r)
}

// listInboxRules is GET /v1/moderation-rules (listening.Service.Rules).
func (s *server) listInboxRules(c *gin.Context) {
	rs, err := s.listening.Rules(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"data": rs})
}

// deleteInboxRule is DELETE /v1/moderation-rules/{id} (listening.Service.DeleteRule).
func (s *server) deleteInboxRule(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixInboxRule, "inbox rule")
	if !ok {
		return
	}
	if err := s.listening.DeleteRule(c.Request.Context(), workspace(c), id); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type moderationRequest struct {
	Action string `json:"action"`
	Reason string `json:"reason"`
}

// moderateInboxItem is POST /v1/inbox/{id}/moderation
// (listening.Service.Moderate): 202, the worker does it on the network.
func (s *server) moderateInboxItem(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixInboxItem, "inbox item")
	if !ok {
		return
	}
	var req moderationRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	it, err := s.listening.Moderate(c.Request.Context(), workspace(c), id, actor(c), req.Action, req.Reason)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, it)
}
