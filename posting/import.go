package posting

import (
	"context"
	"fmt"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
)

// MaxImportErrors bounds the field errors one import answers with.
const MaxImportErrors = 500

// Imported is what Import made.
type Imported struct {
	Posts []*rythme.Post
	// Adjustments lists the rows whose wall time a DST change moved or
	// made ambiguous, and how each was resolved.
	Adjustments []calendars.Adjustment
}

// Import schedules the rows of a file (calendars.ParseImport's rows and
// errors) as posts of workspace ws, all or none: every row is validated
// first — shape, accounts, each network's rules, not in the past — and
// every bad row reported on rows[n].field with its line; nothing is stored
// unless every row is valid, then all are, in one transaction. Errors:
// EINVALID (at most MaxImportErrors fields); the store's otherwise.
func (s *Service) Import(ctx context.Context, a rythme.Actor, ws string, rows []calendars.ImportRow, rowErrs []calendars.RowError) (*Imported, error) {
	var fe Fields
	for _, re := range rowErrs {
		if re.Row == 0 {
			fe.Add("file", "%s", re.Error())
			continue
		}
		fe.Add(fmt.Sprintf("rows[%d].%s", re.Row, re.Field), "line %d: %s", re.Line, re.Message)
	}
	now := s.Now()
	ap, err := s.ApprovalFor(ctx, ws, a)
	if err != nil {
		return nil, err
	}
	accounts := map[string]*rythme.Account{}
	out := &Imported{Posts: make([]*rythme.Post, 0, len(rows)), Adjustments: []calendars.Adjustment{}}
	for _, row := range rows {
		p, err := s.importRow(ctx, &fe, a, ws, row, accounts, now)
		if err != nil {
			return nil, err
		}
		if adj, ok := adjustmentOf(row); ok {
			out.Adjustments = append(out.Adjustments, adj)
		}
		ap.Created(p, false)
		Record(p, a, ActionCreated, "import", now)
		out.Posts = append(out.Posts, p)
	}
	if len(fe) > MaxImportErrors {
		fe = fe[:MaxImportErrors]
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if len(out.Posts) == 0 {
		return nil, rythme.Invalid(rythme.FieldError{Field: "file", Message: "has no rows"})
	}
	if err := s.store.CreatePosts(ctx, out.Posts); err != nil {
		return nil, fmt.Errorf("posting: import: %w", err)
	}
	s.Enqueue(ctx, out.Posts...)
	return out, nil
}

// adjustmentOf says how a DST change moved or split the row's wall time.
func adjustmentOf(row calendars.ImportRow) (calendars.Adjustment, bool) {
	loc, err := calendars.LoadZone(row.Timezone)
	if err != nil {
		return calendars.Adjustment{}, false
	}
	return calendars.AdjustInstant(fmt.Sprintf("rows[%d].scheduled_at", row.Row), row.ScheduledAt, loc, row.Resolution)
}

// importRow builds the post of one row, reporting on fe, prefixed by the
// row and with its line, what is wrong with it.
func (s *Service) importRow(ctx context.Context, fe *Fields, a rythme.Actor, ws string, row calendars.ImportRow, accounts map[string]*rythme.Account, now time.Time) (*rythme.Post, error) {
	prefix := fmt.Sprintf("rows[%d].", row.Row)
	at := row.ScheduledAt.UTC().Truncate(time.Microsecond)
	if at.Before(now) {
		fe.Add(prefix+"scheduled_at", "line %d: is in the past", row.Line)
	}
	p := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: ws, Content: row.Content, ScheduledAt: at,
		Timezone: row.Timezone, Tags: orEmpty(row.Tags), Media: []string{}, Thread: []string{}, Author: row.Author,
		FirstComment: row.FirstComment, Poll: row.Poll, CreatedBy: a.ID, CreatedAt: now, UpdatedAt: now}
	for i, id := range row.Accounts {
		acc, err := s.Account(ctx, accounts, ws, id)
		if err != nil {
			return nil, err
		}
		t := &rythme.Target{ID: rythme.NewID(rythme.PrefixTarget), PostID: p.ID, WorkspaceID: ws, AccountID: id,
			Status: rythme.TargetScheduled, Version: 1, ScheduledAt: at, CreatedAt: now, UpdatedAt: now}
		if msg := Unusable(acc); msg != "" {
			fe.Add(fmt.Sprintf("%saccounts[%d]", prefix, i), "line %d: %s", row.Line, msg)
		} else {
			t.Network = acc.Network
		}
		p.Targets = append(p.Targets, t)
	}
	var pfe Fields
	s.Validate(ctx, &pfe, p, false)
	for _, f := range pfe {
		fe.Add(prefix+f.Field, "line %d: %s", row.Line, f.Message)
	}
	return p, nil
}
