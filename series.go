package rythme

import (
	"slices"
	"time"
)

// PrefixSeries starts series ids.
const PrefixSeries = "ser"

// Series states.
const (
	SeriesActive   = "active"   // occurrences are materialised ahead
	SeriesFinished = "finished" // every occurrence exists as a post
	SeriesEnded    = "ended"    // stopped by a person: no new occurrence
)

// Series is a recurring post: a template and an RFC 5545 recurrence rule
// in the post's zone. Its occurrences are materialised ahead, a rolling
// horizon at a time, as ordinary posts (SeriesID and OccurrenceAt set), so
// that each can be edited or skipped on its own.
type Series struct {
	ID          string `json:"id"`
	WorkspaceID string `json:"workspace_id"`
	// Rule is the recurrence, normalised (calendars.ParseRule), and
	// StartsAt its anchor: the first time asked for, in Timezone.
	Rule     string    `json:"recurrence"`
	StartsAt time.Time `json:"starts_at"`
	Timezone string    `json:"timezone"`
	// Template is what each occurrence is made of.
	Template SeriesTemplate `json:"template"`
	// Review is the review state each new occurrence starts in: "" (no
	// review: scheduled), ReviewDraft or ReviewPending.
	Review string `json:"review,omitempty"`
	Status string `json:"status"`
	// MaterialisedUntil: every occurrence up to it exists as a post (nil:
	// none yet).
	MaterialisedUntil *time.Time `json:"materialised_until,omitempty"`
	CreatedBy         string     `json:"created_by,omitempty"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
}

// SeriesTemplate is the content of every occurrence of a series (and, for
// Apply, of a campaign's planned post).
type SeriesTemplate struct {
	Content string         `json:"content"`
	Targets []SeriesTarget `json:"targets"`
	Tags    []string       `json:"tags"`
	Media   []string       `json:"media"`
	Thread  []string       `json:"thread"`
	Author  string         `json:"author,omitempty"`
	Format  string         `json:"format,omitempty"`
	// FirstComment and Poll are each post's first comment and native
	// poll (Post.FirstComment, Post.Poll); empty and nil for none.
	FirstComment string `json:"first_comment,omitempty"`
	Poll         *Poll  `json:"poll,omitempty"`
}

// SeriesTarget is one account of a series, with its variant.
type SeriesTarget struct {
	AccountID string `json:"account_id"`
	Network   string `json:"network"`
	Content   string `json:"content,omitempty"`
}

// Occurrence returns a new post for the occurrence at at: the template's
// content on every target, scheduled at at, in the series' review state.
// Ids are new; the caller stores it.
func (s *Series) Occurrence(at time.Time, actor Actor, now time.Time) *Post {
	at = at.UTC().Truncate(time.Microsecond)
	occ := at
	tp := s.Template
	p := &Post{
		ID: NewID(PrefixPost), WorkspaceID: s.WorkspaceID, Content: tp.Content, ScheduledAt: at, Timezone: s.Timezone,
		Tags: append([]string{}, tp.Tags...), Media: append([]string{}, tp.Media...), Thread: append([]string{}, tp.Thread...),
		Author: tp.Author, Format: tp.Format, FirstComment: tp.FirstComment, Poll: tp.Poll.Clone(),
		CreatedBy: s.CreatedBy, CreatedAt: now, UpdatedAt: now, SeriesID: s.ID, OccurrenceAt: &occ,
	}
	for _, st := range tp.Targets {
		p.Targets = append(p.Targets, &Target{
			ID: NewID(PrefixTarget), PostID: p.ID, WorkspaceID: s.WorkspaceID, AccountID: st.AccountID, Network: st.Network,
			Content: st.Content, Status: TargetScheduled, Version: 1, ScheduledAt: at, CreatedAt: now, UpdatedAt: now,
		})
	}
	switch s.Review {
	case ReviewDraft:
		p.MakeDraft()
	case ReviewPending:
		p.MakeDraft()
		p.Review = ReviewPending
	}
	p.Record(actor, "created", "occurrence of series "+s.ID, now)
	return p
}

// Apply gives a post not yet out the template, time at and zone (an
// occurrence of a series after the series was edited; a campaign's post
// after its plan was): its content, tags, media, thread, first comment,
// poll, author, format and per-account variants (accounts no longer listed are cancelled, new
// ones added). Targets whose published text or time changes get a new
// version. Nothing changes (false) when it is already so.
func (tp SeriesTemplate) Apply(p *Post, at time.Time, zone string, now time.Time) bool {
	at = at.UTC().Truncate(time.Microsecond)
	postChanged := p.Content != tp.Content || !p.ScheduledAt.Equal(at) || p.Timezone != zone || p.Author != tp.Author ||
		!slices.Equal(p.Tags, tp.Tags) || !slices.Equal(p.Media, tp.Media) || !slices.Equal(p.Thread, tp.Thread) ||
		p.FirstComment != tp.FirstComment || !p.Poll.Equal(tp.Poll)
	changed := postChanged || p.Format != tp.Format
	p.Content, p.ScheduledAt, p.Timezone, p.Author, p.Format = tp.Content, at, zone, tp.Author, tp.Format
	p.FirstComment, p.Poll = tp.FirstComment, tp.Poll.Clone()
	p.Tags, p.Media, p.Thread = append([]string{}, tp.Tags...), append([]string{}, tp.Media...), append([]string{}, tp.Thread...)
	want := map[string]SeriesTarget{}
	for _, st := range tp.Targets {
		want[st.AccountID] = st
	}
	have := map[string]bool{}
	status := TargetScheduled
	for _, t := range p.Targets {
		if t.Status == TargetDraft {
			status = TargetDraft
		}
	}
	for _, t := range p.Targets {
		if !t.Editable() {
			have[t.AccountID] = have[t.AccountID] || t.Status != TargetCancelled
			continue
		}
		st, ok := want[t.AccountID]
		if !ok {
			t.Status = TargetCancelled
		} else {
			have[t.AccountID] = true
			if !postChanged && t.Content == st.Content && t.ScheduledAt.Equal(at) {
				continue // nothing it publishes changes: its queued task stays good
			}
			t.Content, t.ScheduledAt = st.Content, at
		}
		t.Version++
		t.UpdatedAt = now
		changed = true
	}
	for _, st := range tp.Targets {
		if have[st.AccountID] {
			continue
		}
		p.Targets = append(p.Targets, &Target{
			ID: NewID(PrefixTarget), PostID: p.ID, WorkspaceID: p.WorkspaceID, AccountID: st.AccountID, Network: st.Network,
			Content: st.Content, Status: status, Version: 1, ScheduledAt: at, CreatedAt: now, UpdatedAt: now,
		})
		changed = true
	}
	if changed {
		p.UpdatedAt = now
	}
	return changed
}
