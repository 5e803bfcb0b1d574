package posting

import (
	"context"
	"fmt"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
)

// SeriesStore keeps recurring posts. See rythme.Store for each method's
// contract.
type SeriesStore interface {
	CreateSeries(ctx context.Context, se *rythme.Series, posts []*rythme.Post) error
	GetSeries(ctx context.Context, workspaceID, id string) (*rythme.Series, error)
	UpdateSeries(ctx context.Context, se *rythme.Series) error
	OccurrenceStore
}

// CampaignStore keeps campaigns (themed weeks and weekly challenges).
type CampaignStore interface {
	CreateCampaign(ctx context.Context, c *rythme.Campaign, posts []*rythme.Post) error
	GetCampaign(ctx context.Context, workspaceID, id string) (*rythme.Campaign, error)
	UpdateCampaign(ctx context.Context, c *rythme.Campaign) error
}

// PostLister lists a workspace's posts, a page at a time.
type PostLister interface {
	ListPosts(ctx context.Context, workspaceID string, f rythme.PostFilter) ([]*rythme.Post, string, error)
}

// PlanStore is what the Planner needs of the store besides the Service's
// Store. rythme.Store satisfies it.
type PlanStore interface {
	SeriesStore
	CampaignStore
	PostLister
}

// Planner holds the use cases of planned posts: a recurring post's series
// (create, edit, end; SeriesSweep keeps its occurrences a horizon ahead),
// a themed week's campaign (create, clone, edit its plan, cancel)
// and a weekly challenge (its weeks, submitting, picking). Every post they
// make or change goes through the Service's rules: Validate, ApprovalFor,
// Enqueue and Record.
type Planner struct {
	svc   *Service
	store PlanStore
	// seriesHorizon: a series' occurrences exist as posts this far ahead.
	seriesHorizon time.Duration
}

// NewPlanner returns the planning use cases on top of svc's rules, with
// store for series and campaigns. seriesHorizon is how far ahead a
// series' occurrences are made (<= 0: calendars.DefaultSeriesHorizon).
func NewPlanner(svc *Service, store PlanStore, seriesHorizon time.Duration) *Planner {
	if seriesHorizon <= 0 {
		seriesHorizon = calendars.DefaultSeriesHorizon
	}
	return &Planner{svc: svc, store: store, seriesHorizon: seriesHorizon}
}

// posts returns every post of the workspace matching f, page after page.
func (pl *Planner) posts(ctx context.Context, ws string, f rythme.PostFilter) ([]*rythme.Post, error) {
	var all []*rythme.Post
	f.Limit = 200
	for {
		page, next, err := pl.store.ListPosts(ctx, ws, f)
		if err != nil {
			return nil, fmt.Errorf("posting: list posts: %w", err)
		}
		all = append(all, page...)
		if next == "" {
			return all, nil
		}
		f.Cursor = next
	}
}

// cancel cancels the post id of workspace ws, recording why. ECONFLICT
// when it has nothing left to cancel (out, or being published).
func (pl *Planner) cancel(ctx context.Context, a rythme.Actor, ws, id, why string, now time.Time) (*rythme.Post, error) {
	return pl.svc.store.UpdatePost(ctx, ws, id, func(p *rythme.Post) error {
		if err := p.Cancel(now); err != nil {
			return err
		}
		Record(p, a, ActionCancelled, why, now)
		return nil
	})
}
