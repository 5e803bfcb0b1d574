package posting

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
)

// seriesSlack: the sweep extends a series once its materialised
// occurrences end within this of the horizon, so that it does not extend
// every series every few seconds by a few seconds.
const seriesSlack = 24 * time.Hour

// maxSweepBatches bounds one sweep of SeriesSweep; the next sweep goes on.
const maxSweepBatches = 100

// SeriesView is a series with its parsed rule and the posts to show with
// it (every post of the series on a read; after an edit, those that are
// still its occurrences).
type SeriesView struct {
	Series *rythme.Series
	Rule   *calendars.Rule
	Posts  []*rythme.Post
}

// SeriesEdit changes a series; nil fields stay as they are.
type SeriesEdit struct {
	Content    *string
	Recurrence *string
	// ScheduledAt is the rule's new first time (anchor): RFC 3339 with an
	// offset, or "now".
	ScheduledAt *string
	Timezone    *string
	Tags        *[]string
	Media       *[]string
	Thread      *[]string
	// FirstComment sets each occurrence's first comment ("" removes it).
	FirstComment *string
	// Poll replaces each occurrence's poll when given; null removes it.
	Poll   PollChange
	Author *string
	// Targets replaces the accounts and their variants.
	Targets *[]TargetInput
}

// LoadSeries reads the workspace's series id and its rule (ENOTFOUND for
// another workspace's).
func (pl *Planner) LoadSeries(ctx context.Context, ws, id string) (*rythme.Series, *calendars.Rule, error) {
	se, err := pl.store.GetSeries(ctx, ws, id)
	if err != nil {
		return nil, nil, fmt.Errorf("posting: get series: %w", err)
	}
	rule, err := calendars.SeriesRule(se)
	if err != nil {
		return nil, nil, fmt.Errorf("posting: series rule: %w", err)
	}
	return se, rule, nil
}

// Series reads the workspace's series id with every one of its posts.
func (pl *Planner) Series(ctx context.Context, ws, id string) (*SeriesView, error) {
	se, rule, err := pl.LoadSeries(ctx, ws, id)
	if err != nil {
		return nil, err
	}
	posts, err := pl.posts(ctx, ws, rythme.PostFilter{SeriesID: se.ID})
	if err != nil {
		return nil, err
	}
	return &SeriesView{Series: se, Rule: rule, Posts: posts}, nil
}

// templateOf is what every occurrence of p's series is made of.
func templateOf(p *rythme.Post) rythme.SeriesTemplate {
	tp := rythme.SeriesTemplate{Content: p.Content, Tags: p.Tags, Media: p.Media, Thread: p.Thread, Author: p.Author, Format: p.Format,
		FirstComment: p.FirstComment, Poll: p.Poll.Clone()}
	for _, t := range p.Targets {
		tp.Targets = append(tp.Targets, rythme.SeriesTarget{AccountID: t.AccountID, Network: t.Network, Content: t.Content})
	}
	return tp
}

// CreateSeries stores a recurring post: p (validated, as a new post is)
// becomes the template of a series recurring by rule from p's time, whose
// occurrences start in review state review (Approval.SeriesReview). Its
// occurrences within the horizon are made at once, in the same
// transaction, and those due are enqueued.
func (pl *Planner) CreateSeries(ctx context.Context, a rythme.Actor, p *rythme.Post, rule *calendars.Rule, review string) (*SeriesView, error) {
	now := pl.svc.Now()
	se := &rythme.Series{ID: rythme.NewID(rythme.PrefixSeries), WorkspaceID: p.WorkspaceID, Rule: rule.String(),
		StartsAt: p.ScheduledAt, Timezone: p.Timezone, Template: templateOf(p), Review: review, Status: rythme.SeriesActive,
		CreatedBy: p.CreatedBy, CreatedAt: now, UpdatedAt: now}
	posts, until, complete := pl.occurrences(se, rule, now, a, now)
	if complete {
		se.Status = rythme.SeriesFinished
	}
	se.MaterialisedUntil = &until
	if err := pl.store.CreateSeries(ctx, se, posts); err != nil {
		return nil, fmt.Errorf("posting: create series: %w", err)
	}
	pl.svc.Enqueue(ctx, posts...)
	return &SeriesView{Series: se, Rule: rule, Posts: posts}, nil
}

// occurrences returns a new post for each occurrence of se's rule from
// from to the horizon (now + the series horizon), that horizon, and
// whether the rule ends within it.
func (pl *Planner) occurrences(se *rythme.Series, rule *calendars.Rule, from time.Time, a rythme.Actor, now time.Time) ([]*rythme.Post, time.Time, bool) {
	until := now.Add(pl.seriesHorizon)
	posts, complete := calendars.Materialise(se, rule, from, until, a, now)
	return posts, until, complete
}

// OccurrenceStore is what making a stored series' occurrences needs: the
// series due (SeriesDue, for the sweep) and AddOccurrences, which never
// makes an occurrence twice and refuses (ECONFLICT) a series edited since
// it was read. rythme.Store satisfies it.
type OccurrenceStore interface {
	AddOccurrences(ctx context.Context, se *rythme.Series, posts []*rythme.Post, until time.Time, complete bool) ([]*rythme.Post, error)
	SeriesDue(ctx context.Context, before time.Time, limit int) ([]*rythme.Series, error)
}

// materialise makes the occurrences of the stored series se that rule has
// from from to until and that are not posts yet, written by a, and stores
// them (never twice; ECONFLICT when se was edited since it was read, so
// that no post is made from an old template). It answers the posts made
// and whether the series is now complete. It is the one implementation:
// editing a series (Planner.UpdateSeries) and the worker's sweep
// (SeriesSweep) both call it.
func materialise(ctx context.Context, store OccurrenceStore, se *rythme.Series, rule *calendars.Rule, from, until time.Time, a rythme.Actor,
	now time.Time) ([]*rythme.Post, bool, error) {
	posts, complete := calendars.Materialise(se, rule, from, until, a, now)
	made, err := store.AddOccurrences(ctx, se, posts, until, complete)
	if err != nil {
		return nil, false, fmt.Errorf("posting: materialise series %s: %w", se.ID, err)
	}
	return made, complete, nil
}

// SeriesSweep is the worker's sweep of recurring posts: the active series
// whose occurrences end within a day of the horizon get those that come
// within it. The reconciler's pass over due targets enqueues what is due.
type SeriesSweep struct {
	Store  OccurrenceStore
	Logger *slog.Logger
	Now    func() time.Time
	// Horizon: occurrences are made this far ahead.
	Horizon time.Duration
	// Batch is how many series one store query lists; a sweep reads at
	// most maxSweepBatches of them.
	Batch int
}

// Run makes one sweep and answers how many occurrences it made. A series
// whose rule cannot be read is logged and left; one edited meanwhile is
// left to the next sweep.
func (sw *SeriesSweep) Run(ctx context.Context) (int, error) {
	now := sw.Now()
	until := now.Add(sw.Horizon)
	created := 0
	for i := 0; i < maxSweepBatches; i++ {
		due, err := sw.Store.SeriesDue(ctx, until.Add(-seriesSlack), sw.Batch)
		if err != nil {
			return created, fmt.Errorf("posting: series due: %w", err)
		}
		progressed := 0
		for _, se := range due {
			n, err := sw.extend(ctx, se, until, now)
			if err != nil {
				return created, err
			}
			if n >= 0 {
				created += n
				progressed++
			}
		}
		if len(due) < sw.Batch || progressed == 0 || ctx.Err() != nil {
			break
		}
	}
	return created, nil
}

// extend makes one series' occurrences from where it was materialised to
// until; -1 when it was left (rule unreadable, or edited meanwhile).
func (sw *SeriesSweep) extend(ctx context.Context, se *rythme.Series, until, now time.Time) (int, error) {
	rule, err := calendars.SeriesRule(se)
	if err != nil {
		sw.Logger.Error("posting: series rule unreadable; left as is", slog.String("series_id", se.ID), slog.String("error", err.Error()))
		return -1, nil
	}
	from := now
	if se.MaterialisedUntil != nil && se.MaterialisedUntil.After(from) {
		from = se.MaterialisedUntil.Add(time.Microsecond)
	}
	made, _, err := materialise(ctx, sw.Store, se, rule, from, until, rythme.Actor{ID: se.CreatedBy, Name: "rythme"}, now)
	if rythme.ErrorCode(err) == rythme.ECONFLICT {
		return -1, nil // edited meanwhile: the next sweep reads it again
	}
	if err != nil {
		return 0, err
	}
	return len(made), nil
}

// UpdateSeries changes the series se (as LoadSeries read it), and so its
// future occurrences not edited on their own; past and published ones stay
// as they are. With a new rule, start or zone, occurrences the new rule no
// longer has are cancelled and new ones made. The template is validated
// as one of its posts would be (EINVALID with the fields); an ended series
// cannot change (ECONFLICT).
func (pl *Planner) UpdateSeries(ctx context.Context, a rythme.Actor, se *rythme.Series, ed SeriesEdit) (*SeriesView, error) {
	if ed == (SeriesEdit{}) {
		return nil, rythme.Errorf(rythme.EINVALID, "nothing to change: give at least one field")
	}
	if se.Status == rythme.SeriesEnded {
		return nil, rythme.Errorf(rythme.ECONFLICT, "series %s has ended: it cannot change", se.ID)
	}
	now := pl.svc.Now()
	next, rule, err := pl.editedSeries(ctx, a, se, ed, now)
	if err != nil {
		return nil, err
	}
	ap, err := pl.svc.ApprovalFor(ctx, se.WorkspaceID, a)
	if err != nil {
		return nil, err
	}
	if ap.Needed && next.Review == "" {
		next.Review = rythme.ReviewPending
	}
	next.Status = rythme.SeriesActive
	if err := pl.store.UpdateSeries(ctx, next); err != nil {
		return nil, fmt.Errorf("posting: update series: %w", err)
	}
	// Future occurrences follow the series (after it is saved: a sweep
	// that read the old template is refused by AddOccurrences).
	live, err := pl.followSeries(ctx, a, next, rule, ap, now)
	if err != nil {
		return nil, err
	}
	made, complete, err := materialise(ctx, pl.store, next, rule, now, now.Add(pl.seriesHorizon), a, now)
	if err != nil {
		return nil, err
	}
	pl.svc.Enqueue(ctx, made...)
	if complete {
		next.Status = rythme.SeriesFinished
	}
	return &SeriesView{Series: next, Rule: rule, Posts: append(live, made...)}, nil
}

// editedSeries returns se with ed applied, and its rule, once the
// template is valid as one of its posts (and the rule as a recurrence).
func (pl *Planner) editedSeries(ctx context.Context, a rythme.Actor, se *rythme.Series, ed SeriesEdit, now time.Time) (*rythme.Series, *calendars.Rule, error) {
	rule, err := calendars.SeriesRule(se)
	if err != nil {
		return nil, nil, fmt.Errorf("posting: series rule: %w", err)
	}
	next := *se
	var fe Fields
	ed.applyTemplate(&next.Template)
	ed.applyTiming(&fe, &next, now)
	if ed.Targets != nil {
		if next.Template.Targets, err = pl.seriesTargets(ctx, &fe, se.WorkspaceID, *ed.Targets); err != nil {
			return nil, nil, err
		}
	}
	// The template is checked as one of its posts would be.
	probe := next.Occurrence(later(next.StartsAt, now), a, now)
	pl.svc.Validate(ctx, &fe, probe, false)
	media, err := pl.svc.LoadMedia(ctx, &fe, se.WorkspaceID, probe.Media)
	if err != nil {
		return nil, nil, err
	}
	pl.svc.CheckMedia(ctx, &fe, probe, media, false)
	timing := ed.Recurrence != nil || ed.ScheduledAt != nil || ed.Timezone != nil
	if timing && !fe.Has("scheduled_at") && !fe.Has("timezone") {
		rule = ParseRecurrence(&fe, next.Rule, next.StartsAt, next.Timezone)
	}
	if err := fe.Err(); err != nil {
		return nil, nil, err
	}
	next.Rule = rule.String()
	return &next, rule, nil
}

// applyTemplate sets the template's content, tags, media, thread, first
// comment, poll and author the edit gives.
func (ed SeriesEdit) applyTemplate(tp *rythme.SeriesTemplate) {
	if ed.Content != nil {
		tp.Content = *ed.Content
	}
	if ed.Tags != nil {
		tp.Tags = *ed.Tags
	}
	if ed.Media != nil {
		tp.Media = *ed.Media
	}
	if ed.Thread != nil {
		tp.Thread = *ed.Thread
	}
	if ed.FirstComment != nil {
		tp.FirstComment = *ed.FirstComment
	}
	if ed.Poll.Set {
		tp.Poll = ed.Poll.Poll.Clone()
	}
	if ed.Author != nil {
		tp.Author = *ed.Author
	}
}

// applyTiming sets the zone, rule and start the edit gives, reporting a
// bad start on scheduled_at.
func (ed SeriesEdit) applyTiming(fe *Fields, se *rythme.Series, now time.Time) {
	if ed.Timezone != nil {
		se.Timezone = *ed.Timezone
		if se.Timezone == "" {
			se.Timezone = "UTC"
		}
	}
	if ed.Recurrence != nil {
		se.Rule = *ed.Recurrence
	}
	if ed.ScheduledAt != nil {
		at, err := calendars.ParseTime(*ed.ScheduledAt, now)
		if err != nil {
			fe.Add("scheduled_at", "%s", err.Error())
		}
		se.StartsAt = at
		if *ed.ScheduledAt == "" {
			fe.Add("scheduled_at", "cannot be empty")
		}
	}
}

// seriesTargets turns a request's targets into a template's, reporting
// an account that cannot take posts on targets[i].account_id.
func (pl *Planner) seriesTargets(ctx context.Context, fe *Fields, ws string, in []TargetInput) ([]rythme.SeriesTarget, error) {
	var out []rythme.SeriesTarget
	accounts := map[string]*rythme.Account{}
	for i, t := range in {
		st := rythme.SeriesTarget{AccountID: t.AccountID, Content: t.Content}
		acc, err := pl.svc.Account(ctx, accounts, ws, t.AccountID)
		if err != nil {
			return nil, err
		}
		switch msg := Unusable(acc); {
		case t.AccountID == "": // Post.Validate says so
		case msg != "":
			fe.Add(fmt.Sprintf("targets[%d].account_id", i), "%s", msg)
		default:
			st.Network = acc.Network
		}
		out = append(out, st)
	}
	return out, nil
}

// followSeries brings the series' future occurrences not edited on their
// own to next: each takes the new template, time and zone, or is
// cancelled when the rule no longer has it. Past, detached and published
// ones stay as they are; so does one being published right now. It
// answers the posts still of the series.
func (pl *Planner) followSeries(ctx context.Context, a rythme.Actor, next *rythme.Series, rule *calendars.Rule, ap Approval, now time.Time) ([]*rythme.Post, error) {
	want := map[int64]bool{}
	for _, o := range rule.Between(now, time.Time{}) {
		want[o.At.UTC().UnixMicro()] = true
	}
	posts, err := pl.posts(ctx, next.WorkspaceID, rythme.PostFilter{SeriesID: next.ID})
	if err != nil {
		return nil, err
	}
	var live []*rythme.Post
	for _, p := range posts {
		if p.OccurrenceAt == nil || p.Detached || !p.OccurrenceAt.After(now) || !p.HasEditable() {
			live = append(live, p)
			continue // past, edited on its own, skipped or already out: left as it is
		}
		up, err := pl.followOccurrence(ctx, a, next, p.ID, want[p.OccurrenceAt.UnixMicro()], ap, now)
		if rythme.ErrorCode(err) == rythme.ECONFLICT {
			live = append(live, p) // being published right now: it goes out as it was
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("posting: update occurrence: %w", err)
		}
		pl.svc.Enqueue(ctx, up)
		if up.OccurrenceAt != nil {
			live = append(live, up)
		}
	}
	return live, nil
}

// followOccurrence gives the occurrence id the series' template (keep),
// or cancels it, taking it off the series (!keep).
func (pl *Planner) followOccurrence(ctx context.Context, a rythme.Actor, se *rythme.Series, id string, keep bool, ap Approval, now time.Time) (*rythme.Post, error) {
	return pl.svc.store.UpdatePost(ctx, se.WorkspaceID, id, func(p *rythme.Post) error {
		if !p.HasEditable() || p.Detached || p.OccurrenceAt == nil {
			return nil // changed meanwhile
		}
		if !keep {
			p.OccurrenceAt = nil // off the series: its instant is free again
			if err := p.Cancel(now); err != nil {
				return err
			}
			Record(p, a, ActionCancelled, "series "+se.ID+" no longer has this occurrence", now)
			return nil
		}
		if !se.Template.Apply(p, *p.OccurrenceAt, se.Timezone, now) {
			return nil
		}
		Record(p, a, ActionEdited, "series "+se.ID+" edited", now)
		ap.Edited(p, now)
		return nil
	})
}

// EndSeries ends the workspace's series id: no new occurrence, and the
// future ones not edited on their own are cancelled (those being published
// right now go out). It answers the series with every one of its posts.
func (pl *Planner) EndSeries(ctx context.Context, a rythme.Actor, ws, id string) (*SeriesView, error) {
	se, rule, err := pl.LoadSeries(ctx, ws, id)
	if err != nil {
		return nil, err
	}
	now := pl.svc.Now()
	se.Status = rythme.SeriesEnded
	if err := pl.store.UpdateSeries(ctx, se); err != nil {
		return nil, fmt.Errorf("posting: end series: %w", err)
	}
	posts, err := pl.posts(ctx, ws, rythme.PostFilter{SeriesID: se.ID})
	if err != nil {
		return nil, err
	}
	for i, p := range posts {
		if p.Detached || !p.ScheduledAt.After(now) || !p.HasEditable() {
			continue
		}
		up, err := pl.cancel(ctx, a, se.WorkspaceID, p.ID, "series "+se.ID+" ended", now)
		if rythme.ErrorCode(err) == rythme.ECONFLICT {
			continue // being published right now, or nothing left to cancel
		}
		if err != nil {
			return nil, fmt.Errorf("posting: end series: %w", err)
		}
		posts[i] = up
	}
	return &SeriesView{Series: se, Rule: rule, Posts: posts}, nil
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
