package posting

import (
	"context"
	"fmt"
	"time"

	"github.com/rythmehq/rythme"
)

// Bulk actions on several posts at once (POST /v1/posts/bulk).
const (
	BulkReschedule = "reschedule"
	BulkCancel     = "cancel"
)

// MaxBulkPosts bounds the posts one bulk request names.
const MaxBulkPosts = 200

// Bulk is a request to act on several posts: reschedule each (shift it by
// ShiftDays calendar days and ShiftMinutes minutes, or move it to Date
// keeping its time of day, both read in Timezone) or cancel each.
type Bulk struct {
	Action  string   `json:"action"`
	PostIDs []string `json:"post_ids"`
	// ShiftDays moves a post by whole calendar days in Timezone (its wall
	// clock time stays across a daylight saving change); ShiftMinutes
	// then moves it by that many minutes. Either may be negative.
	ShiftDays    int `json:"shift_days"`
	ShiftMinutes int `json:"shift_minutes"`
	// Date (YYYY-MM-DD) moves every post to that day in Timezone, each at
	// its own time of day. Not with a shift.
	Date string `json:"date"`
	// Timezone is the IANA zone days are counted in; default UTC.
	Timezone string `json:"timezone"`
}

// BulkOutcome is what became of one post of a Bulk: Post as it is now, or
// Err saying why it was left as it was.
type BulkOutcome struct {
	ID   string
	Post *rythme.Post
	Err  error
}

// PostReader reads one post of a workspace (ENOTFOUND otherwise).
type PostReader interface {
	GetPost(ctx context.Context, workspaceID, id string) (*rythme.Post, error)
}

// bulkPlan is a validated Bulk: move computes a post's new time.
type bulkPlan struct {
	action string
	ids    []string
	move   func(time.Time) time.Time
}

// checkBulk validates b as a whole. Errors: EINVALID.
func checkBulk(b Bulk) (bulkPlan, error) {
	var fe Fields
	plan := bulkPlan{action: b.Action}
	switch b.Action {
	case BulkReschedule, BulkCancel:
	default:
		fe.Add("action", "must be %q or %q", BulkReschedule, BulkCancel)
	}
	seen := map[string]bool{}
	switch n := len(b.PostIDs); {
	case n == 0:
		fe.Add("post_ids", "must name at least one post")
	case n > MaxBulkPosts:
		fe.Add("post_ids", "must name at most %d posts", MaxBulkPosts)
	}
	for i, id := range b.PostIDs {
		if !rythme.ValidID(rythme.PrefixPost, id) {
			fe.Add(fmt.Sprintf("post_ids[%d]", i), "is not a post id")
		} else if seen[id] {
			fe.Add(fmt.Sprintf("post_ids[%d]", i), "is named twice")
		}
		seen[id] = true
		plan.ids = append(plan.ids, id)
	}
	loc := time.UTC
	if b.Timezone != "" {
		l, err := time.LoadLocation(b.Timezone)
		if err != nil || b.Timezone == "Local" {
			fe.Add("timezone", "is not an IANA time zone")
		} else {
			loc = l
		}
	}
	shifted := b.ShiftDays != 0 || b.ShiftMinutes != 0
	switch {
	case b.Action == BulkCancel:
		if shifted || b.Date != "" {
			fe.Add("action", "only reschedule takes shift_days, shift_minutes or date")
		}
	case b.Action != BulkReschedule:
	case shifted && b.Date != "":
		fe.Add("date", "give either a date or a shift, not both")
	case b.Date != "":
		day, err := time.ParseInLocation("2006-01-02", b.Date, loc)
		if err != nil {
			fe.Add("date", "must be a date, YYYY-MM-DD")
			break
		}
		plan.move = func(t time.Time) time.Time {
			l := t.In(loc)
			return time.Date(day.Year(), day.Month(), day.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), loc)
		}
	case !shifted:
		fe.Add("shift_days", "give shift_days, shift_minutes or date")
	case abs(b.ShiftDays) > 3660 || abs(b.ShiftMinutes) > 3660*24*60:
		fe.Add("shift_days", "moves a post by at most ten years")
	default:
		plan.move = func(t time.Time) time.Time {
			return t.In(loc).AddDate(0, 0, b.ShiftDays).Add(time.Duration(b.ShiftMinutes) * time.Minute)
		}
	}
	return plan, fe.Err()
}

func abs(n int) int { return max(n, -n) }

// Bulk acts on each post b names, one after the other, through the same
// use case as one post (Edit to reschedule, Cancel): every rule of those
// applies to each post. A post that cannot be changed (not found, already
// out, the new time in the past) is left as it was and its outcome says
// why; the others go ahead. Outcomes are in b.PostIDs' order. Errors (for
// the request as a whole): EINVALID.
func (s *Service) Bulk(ctx context.Context, a rythme.Actor, ws string, b Bulk) ([]BulkOutcome, error) {
	plan, err := checkBulk(b)
	if err != nil {
		return nil, err
	}
	out := make([]BulkOutcome, 0, len(plan.ids))
	for _, id := range plan.ids {
		if err := ctx.Err(); err != nil {
			out = append(out, BulkOutcome{ID: id, Err: fmt.Errorf("posting: bulk: %w", err)})
			continue
		}
		var p *rythme.Post
		var err error
		if plan.action == BulkCancel {
			p, err = s.Cancel(ctx, a, ws, id)
		} else {
			p, err = s.bulkMove(ctx, a, ws, id, plan.move)
		}
		out = append(out, BulkOutcome{ID: id, Post: p, Err: err})
	}
	return out, nil
}

// bulkMove reschedules one post to move(its time).
func (s *Service) bulkMove(ctx context.Context, a rythme.Actor, ws, id string, move func(time.Time) time.Time) (*rythme.Post, error) {
	cur, err := s.store.GetPost(ctx, ws, id)
	if err != nil {
		return nil, fmt.Errorf("posting: bulk: %w", err)
	}
	at := move(cur.ScheduledAt).UTC().Format(time.RFC3339Nano)
	return s.Edit(ctx, a, ws, id, Changes{ScheduledAt: &at})
}
