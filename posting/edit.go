package posting

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/rythmehq/rythme"
)

// Changes is what PATCH /v1/posts/{id} asks for: nil fields stay as they
// are; Targets, when given, sets each listed account's own text.
type Changes struct {
	Content     *string   `json:"content"`
	ScheduledAt *string   `json:"scheduled_at"`
	Timezone    *string   `json:"timezone"`
	Tags        *[]string `json:"tags"`
	Media       *[]string `json:"media"`
	Thread      *[]string `json:"thread"`
	// FirstComment sets the comment published right after the post (""
	// removes it).
	FirstComment *string `json:"first_comment"`
	// Poll replaces the post's poll when given; null removes it.
	Poll    PollChange    `json:"poll"`
	Author  *string       `json:"author"`
	Targets []TargetInput `json:"targets"`
}

// PollChange is a poll field of an edit: absent (Set false), null (Set,
// Poll nil: remove the poll) or a poll.
type PollChange struct {
	Set  bool
	Poll *rythme.Poll
}

// UnmarshalJSON marks the field given; json calls it for null too.
func (c *PollChange) UnmarshalJSON(b []byte) error {
	c.Set, c.Poll = true, nil
	if string(b) == "null" {
		return nil
	}
	c.Poll = &rythme.Poll{}
	return json.Unmarshal(b, c.Poll)
}

// empty reports whether ch changes nothing.
func (ch Changes) empty() bool {
	return ch.Content == nil && ch.ScheduledAt == nil && ch.Timezone == nil && ch.Tags == nil &&
		ch.Media == nil && ch.Thread == nil && !ch.Poll.Set && ch.Author == nil && ch.Targets == nil && ch.FirstComment == nil
}

// Edit applies ch to the editable targets of post id of workspace ws,
// validates the result, records it, sends it back to review when a needs
// approval, and enqueues what is due. An occurrence edited on its own is
// detached from its series. Errors: EINVALID (nothing to change, or field
// errors), ENOTFOUND, ECONFLICT (nothing editable left).
func (s *Service) Edit(ctx context.Context, a rythme.Actor, ws, id string, ch Changes) (*rythme.Post, error) {
	now := s.Now()
	var fe Fields
	edit := editOf(&fe, ch, now)
	if ch.empty() {
		return nil, rythme.Errorf(rythme.EINVALID, "nothing to change: give at least one field")
	}
	var media []*rythme.Media
	if ch.Media != nil {
		var err error
		if media, err = s.LoadMedia(ctx, &fe, ws, *ch.Media); err != nil {
			return nil, err
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	ap, err := s.ApprovalFor(ctx, ws, a)
	if err != nil {
		return nil, err
	}
	p, err := s.store.UpdatePost(ctx, ws, id, func(p *rythme.Post) error {
		if err := p.ApplyEdit(edit, now); err != nil {
			return err
		}
		// An occurrence edited on its own keeps its edits when the series
		// is edited.
		p.Detached = p.SeriesID != ""
		Record(p, a, ActionEdited, "", now)
		ap.Edited(p, now)
		var fe Fields
		s.Validate(ctx, &fe, p, true)
		if ch.Media != nil {
			s.CheckMedia(ctx, &fe, p, media, true)
		}
		return fe.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("posting: update post: %w", err)
	}
	s.Enqueue(ctx, p)
	return p, nil
}

// editOf turns ch into the domain's edit, reporting on fe a bad time and
// a target listed without an account or twice.
func editOf(fe *Fields, ch Changes, now time.Time) rythme.PostEdit {
	edit := rythme.PostEdit{Content: ch.Content, Timezone: ch.Timezone, Tags: ch.Tags, Media: ch.Media, Thread: ch.Thread,
		SetPoll: ch.Poll.Set, Poll: ch.Poll.Poll, Author: ch.Author, FirstComment: ch.FirstComment}
	if ch.ScheduledAt != nil {
		at := ParseWhen(fe, "scheduled_at", *ch.ScheduledAt, now)
		if *ch.ScheduledAt == "" {
			fe.Add("scheduled_at", "cannot be empty")
		}
		edit.ScheduledAt = &at
	}
	if edit.Timezone != nil && *edit.Timezone == "" {
		utc := "UTC"
		edit.Timezone = &utc
	}
	if ch.Targets != nil {
		edit.TargetContent = map[string]string{}
		for i, in := range ch.Targets {
			field := fmt.Sprintf("targets[%d].account_id", i)
			if in.AccountID == "" {
				fe.Add(field, "is required")
			} else if _, dup := edit.TargetContent[in.AccountID]; dup {
				fe.Add(field, "is listed twice")
			}
			edit.TargetContent[in.AccountID] = in.Content
		}
	}
	return edit
}
