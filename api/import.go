package api

import (
	"fmt"
	"mime"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
)

// maxImportErrors bounds the errors one answer lists.
const maxImportErrors = 500

// importPosts is POST /v1/posts/import: a CSV (text/csv) or JSON file of
// posts. Every row is validated first — shape, accounts, each network's
// rules, not in the past — and every bad row reported with its line and
// field; nothing is scheduled unless every row is valid, then all are, in
// one transaction.
func (s *server) importPosts(c *gin.Context) {
	ct, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	format := map[string]string{"text/csv": "csv", "application/json": "json"}[ct]
	if format == "" {
		s.fail(c, rythme.Errorf(rythme.EUNSUPPORTED, "send the file as text/csv or application/json"))
		return
	}
	zone := c.Query("tz")
	if zone == "" {
		zone = "UTC"
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, calendars.MaxImportBytes+1)
	rows, rowErrs := calendars.ParseImport(c.Request.Body, format, zone)
	var fe fieldErrors
	for _, re := range rowErrs {
		if re.Row == 0 {
			fe.add("file", "%s", re.Error())
			continue
		}
		fe.add(fmt.Sprintf("rows[%d].%s", re.Row, re.Field), "line %d: %s", re.Line, re.Message)
	}
	ctx, now, ws := c.Request.Context(), s.now(), workspace(c)
	wsp, err := s.store.GetWorkspace(ctx, ws)
	if err != nil {
		s.fail(c, fmt.Errorf("api: get workspace: %w", err))
		return
	}
	a := actor(c)
	accounts := map[string]*rythme.Account{}
	posts := make([]*rythme.Post, 0, len(rows))
	adjustments := []calendars.Adjustment{}
	for _, row := range rows {
		prefix := fmt.Sprintf("rows[%d].", row.Row)
		at := row.ScheduledAt.UTC().Truncate(time.Microsecond)
		if loc, err := calendars.LoadZone(row.Timezone); err == nil {
			if adj, ok := calendars.AdjustInstant(prefix+"scheduled_at", row.ScheduledAt, loc, row.Resolution); ok {
				adjustments = append(adjustments, adj)
			}
		}
		if at.Before(now) {
			fe.add(prefix+"scheduled_at", "line %d: is in the past", row.Line)
		}
		p := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: ws, Content: row.Content, ScheduledAt: at,
			Timezone: row.Timezone, Tags: row.Tags, Media: []string{}, Thread: []string{}, Author: row.Author,
			CreatedBy: a.ID, CreatedAt: now, UpdatedAt: now}
		if p.Tags == nil {
			p.Tags = []string{}
		}
		for i, id := range row.Accounts {
			acc, err := s.account(ctx, accounts, ws, id)
			if err != nil {
				s.fail(c, err)
				return
			}
			t := &rythme.Target{ID: rythme.NewID(rythme.PrefixTarget), PostID: p.ID, WorkspaceID: ws, AccountID: id,
				Status: rythme.TargetScheduled, Version: 1, ScheduledAt: at, CreatedAt: now, UpdatedAt: now}
			if msg := unusable(acc); msg != "" {
				fe.add(fmt.Sprintf("%saccounts[%d]", prefix, i), "line %d: %s", row.Line, msg)
			} else {
				t.Network = acc.Network
			}
			p.Targets = append(p.Targets, t)
		}
		var pfe fieldErrors
		s.validatePost(c.Request.Context(), &pfe, p, false)
		for _, f := range pfe {
			fe.add(prefix+f.Field, "line %d: %s", row.Line, f.Message)
		}
		if wsp.NeedsApproval(a.Role) {
			p.MakeDraft()
		}
		p.Record(a, "created", "import", now)
		posts = append(posts, p)
	}
	if len(fe) > maxImportErrors {
		fe = fe[:maxImportErrors]
	}
	if err := fe.err(); err != nil {
		s.fail(c, err)
		return
	}
	if len(posts) == 0 {
		s.fail(c, rythme.Invalid(rythme.FieldError{Field: "file", Message: "has no rows"}))
		return
	}
	if err := s.store.CreatePosts(ctx, posts); err != nil {
		s.fail(c, fmt.Errorf("api: import: %w", err))
		return
	}
	ids := make([]string, len(posts))
	for i, p := range posts {
		ids[i] = p.ID
		s.enqueue(c, s.dueRefs(p))
	}
	c.JSON(http.StatusCreated, gin.H{"created": len(posts), "post_ids": ids, "adjustments": adjustments})
}
