package posting

import (
	"context"
	"fmt"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
)

// TargetInput is one target of a create or edit: an account, and its own
// text when it has a variant.
type TargetInput struct {
	AccountID string `json:"account_id"`
	Content   string `json:"content"`
	// InReplyTo makes the target a reply to that network id (a reply from
	// the inbox, listening.Service.Reply); not taken from POST /v1/posts.
	InReplyTo string `json:"-"`
}

// NewPost is what POST /v1/posts asks for.
type NewPost struct {
	Content string `json:"content"`
	// ScheduledAt: RFC 3339 with an offset, "now", or NextSlot.
	ScheduledAt string        `json:"scheduled_at"`
	Timezone    string        `json:"timezone"` // default UTC
	Targets     []TargetInput `json:"targets"`
	Tags        []string      `json:"tags"`
	Media       []string      `json:"media"`
	Thread      []string      `json:"thread"`
	// FirstComment is published right after the post, under it, on
	// networks that take one (connectors.Commenter).
	FirstComment string `json:"first_comment"`
	// Poll is a native poll (its question is the text), on networks that
	// have polls (rythme.Network.Polls).
	Poll   *rythme.Poll `json:"poll"`
	Author string       `json:"author"`
	// Draft keeps the post out of the queue until it is submitted.
	Draft bool `json:"draft"`
	// Recurrence makes it a recurring post: an RFC 5545 RRULE with COUNT
	// or UNTIL, recurring from scheduled_at on the wall clock of timezone.
	Recurrence string `json:"recurrence"`
}

// Created is what Create made.
type Created struct {
	// Post is the stored post; with Rule, the template of the series to
	// make (not stored).
	Post *rythme.Post
	// SlotAccounts are the targets' accounts, in order, when the post took
	// the next slot (their slots say how a DST change moved it); nil
	// otherwise.
	SlotAccounts []*rythme.Account
	// Rule and Review: a recurring post's rule and the review state its
	// occurrences start in; the caller makes the series.
	Rule   *calendars.Rule
	Review string
}

// Create validates and stores a new post of workspace ws written by a
// (ECONFLICT-free: a slot lost to another request is retried), gives it
// its review state, records it in its history and enqueues what is due.
// Errors: EINVALID with every field error; the store's otherwise.
func (s *Service) Create(ctx context.Context, a rythme.Actor, ws string, in NewPost) (*Created, error) {
	now := s.Now()
	slotted := in.ScheduledAt == NextSlot
	accounts := map[string]*rythme.Account{}
	p, rule, err := s.checked(ctx, a, ws, in, accounts, now)
	if err != nil {
		return nil, err
	}
	ap, err := s.ApprovalFor(ctx, ws, a)
	if err != nil {
		return nil, err
	}
	if rule != nil {
		return &Created{Post: p, Rule: rule, Review: ap.SeriesReview(in.Draft)}, nil
	}
	ap.Created(p, in.Draft)
	Record(p, a, ActionCreated, "", now)
	out := &Created{Post: p}
	if slotted {
		for _, t := range p.Targets {
			out.SlotAccounts = append(out.SlotAccounts, accounts[t.AccountID])
		}
		err = s.createInSlot(ctx, p, out.SlotAccounts, now)
	} else if err = s.store.CreatePost(ctx, p); err != nil {
		err = fmt.Errorf("posting: create post: %w", err)
	}
	if err != nil {
		return nil, err
	}
	s.Enqueue(ctx, p)
	return out, nil
}

// Check validates a new post exactly as Create does, and stores, queues
// and records nothing (POST /v1/posts?dry_run=true: the dashboard's live
// validation, with each network's own counting). Errors as Create's.
func (s *Service) Check(ctx context.Context, a rythme.Actor, ws string, in NewPost) error {
	_, _, err := s.checked(ctx, a, ws, in, map[string]*rythme.Account{}, s.Now())
	return err
}

// checked builds the post in asks for and runs every check of a creation:
// its targets' accounts (read into accounts), the post's and networks'
// rules, its media and its recurrence (nil when it has none).
func (s *Service) checked(ctx context.Context, a rythme.Actor, ws string, in NewPost, accounts map[string]*rythme.Account, now time.Time) (*rythme.Post, *calendars.Rule, error) {
	var fe Fields
	slotted := in.ScheduledAt == NextSlot
	p := newPost(&fe, a, ws, in, slotted, now)
	if err := s.checkNewTargets(ctx, &fe, p, len(in.Targets), accounts, slotted); err != nil {
		return nil, nil, err
	}
	s.Validate(ctx, &fe, p, false)
	media, err := s.LoadMedia(ctx, &fe, ws, p.Media)
	if err != nil {
		return nil, nil, err
	}
	s.CheckMedia(ctx, &fe, p, media, false)
	rule := recurrenceOf(&fe, in.Recurrence, p, slotted)
	if err := fe.Err(); err != nil {
		return nil, nil, err
	}
	return p, rule, nil
}

// newPost builds the post in asks for, with one target per account (a bad
// scheduled_at reported on fe). A slotted post gets a placeholder time
// until its slot is found: validation needs one.
func newPost(fe *Fields, a rythme.Actor, ws string, in NewPost, slotted bool, now time.Time) *rythme.Post {
	at := now.Add(24 * time.Hour)
	if !slotted {
		at = ParseWhen(fe, "scheduled_at", in.ScheduledAt, now)
	}
	p := &rythme.Post{
		ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: ws, Content: in.Content, ScheduledAt: at,
		Timezone: in.Timezone, Tags: in.Tags, Media: in.Media, Thread: in.Thread, Poll: in.Poll, Author: in.Author,
		FirstComment: in.FirstComment, CreatedBy: a.ID, CreatedAt: now, UpdatedAt: now,
	}
	if p.Timezone == "" {
		p.Timezone = "UTC"
	}
	p.Author, p.AuthorMemberID = rythme.PostAuthor(a, p.Author)
	p.Tags, p.Media, p.Thread = orEmpty(p.Tags), orEmpty(p.Media), orEmpty(p.Thread)
	for _, tin := range in.Targets {
		p.Targets = append(p.Targets, &rythme.Target{
			ID: rythme.NewID(rythme.PrefixTarget), PostID: p.ID, WorkspaceID: ws, AccountID: tin.AccountID,
			Content: tin.Content, Status: rythme.TargetScheduled, Version: 1, ScheduledAt: at,
			CreatedAt: now, UpdatedAt: now, InReplyTo: tin.InReplyTo,
		})
	}
	return p
}

// checkNewTargets reads each target's account (into accounts), reports on
// fe one that cannot take posts (or has no slots when slotted), and sets
// each usable target's network. Past MaxTargets, accounts are not read
// (Validate says there are too many).
func (s *Service) checkNewTargets(ctx context.Context, fe *Fields, p *rythme.Post, n int, accounts map[string]*rythme.Account, slotted bool) error {
	for i, t := range p.Targets {
		if t.AccountID == "" || n > rythme.MaxTargets {
			continue
		}
		acc, err := s.Account(ctx, accounts, p.WorkspaceID, t.AccountID)
		if err != nil {
			return err
		}
		field := fmt.Sprintf("targets[%d].account_id", i)
		if slotted && acc != nil {
			if _, _, ok := SlotsOf(acc); !ok {
				fe.Add(field, "account @%s has no posting slots (PUT /v1/accounts/{id}/schedule)", acc.Username)
			}
		}
		if msg := Unusable(acc); msg != "" {
			fe.Add(field, "%s", msg)
		}
		if acc != nil {
			t.Network = acc.Network
		}
	}
	return nil
}

// recurrenceOf parses a new post's recurrence (nil when it has none or it
// is bad, reported on fe).
func recurrenceOf(fe *Fields, rule string, p *rythme.Post, slotted bool) *calendars.Rule {
	switch {
	case rule == "":
		return nil
	case slotted:
		fe.Add("recurrence", "cannot be combined with scheduled_at %q: give the first time", NextSlot)
		return nil
	case fe.Has("scheduled_at") || fe.Has("timezone"):
		return nil
	}
	return ParseRecurrence(fe, rule, p.ScheduledAt, p.Timezone)
}

// ParseWhen parses a time of a request (calendars.ParseTime: RFC 3339
// with an offset, or "now"), reporting a bad one on field.
func ParseWhen(fe *Fields, field, v string, now time.Time) time.Time {
	at, err := calendars.ParseTime(v, now)
	if err != nil {
		fe.Add(field, "%s", err.Error())
	}
	return at
}

// orEmpty returns v, or an empty slice for nil (the API shows [] not null).
func orEmpty(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}
