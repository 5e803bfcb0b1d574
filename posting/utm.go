package posting

import (
	"context"
	"fmt"

	"github.com/rythmehq/rythme"
)

// LinkUTM gives each editable target of p, a post of campaign camp, its
// text with the campaign's UTM parameters for the target's network added
// to its links (rythme.AddUTM), as the target's own text. It is applied
// when a campaign's post is made or changed (materialised), not when it
// is published: what the compose page previews, what the network's
// length limit is checked against and what is published are the same
// text. A link that already carries utm_ parameters is kept, so applying
// it again changes nothing. It reports whether a target changed.
func LinkUTM(p *rythme.Post, camp *rythme.Campaign) bool {
	if camp == nil || camp.UTM.Empty() {
		return false
	}
	changed := false
	for _, t := range p.Targets {
		if !t.Editable() || t.Network == "" {
			continue
		}
		vars := map[string]string{"network": t.Network, "campaign": camp.Name, "theme": camp.Theme}
		base := p.TextFor(t)
		if out := rythme.AddUTM(base, camp.UTM.For(t.Network), vars); out != base {
			t.Content, changed = out, true
		}
	}
	return changed
}

// SetCampaignUTM saves the UTM settings of campaign id (empty settings
// remove them) and adds them to the links of its posts not yet out,
// each through Edit (validated against each network's limits after the
// parameters are added, recorded, sent back to review where the rule
// says so). A post that cannot take them (too long once expanded,
// already publishing) is left as it was and its outcome says why; the
// others go ahead. Errors (for the request as a whole): EINVALID,
// ENOTFOUND, ECONFLICT (a cancelled campaign).
func (pl *Planner) SetCampaignUTM(ctx context.Context, a rythme.Actor, ws, id string, utm rythme.UTMSettings) (*rythme.Campaign, []BulkOutcome, error) {
	known := func(n string) bool { _, err := pl.svc.conns.Get(n); return err == nil }
	if err := utm.Validate(known); err != nil {
		return nil, nil, err
	}
	camp, err := pl.store.GetCampaign(ctx, ws, id)
	if err != nil {
		return nil, nil, err
	}
	if camp.Status == rythme.CampaignCancelled {
		return nil, nil, rythme.Errorf(rythme.ECONFLICT, "the campaign is cancelled")
	}
	camp.UTM = &utm
	if utm.Empty() {
		camp.UTM = nil
	}
	if err := pl.store.UpdateCampaign(ctx, camp); err != nil {
		return nil, nil, fmt.Errorf("posting: campaign utm: %w", err)
	}
	posts, err := pl.CampaignPosts(ctx, ws, id)
	if err != nil {
		return nil, nil, err
	}
	out := []BulkOutcome{}
	for _, p := range posts {
		if !p.HasEditable() {
			continue
		}
		before := map[string]string{}
		for _, t := range p.Targets {
			before[t.ID] = t.Content
		}
		if !LinkUTM(p, camp) {
			continue
		}
		var inputs []TargetInput
		for _, t := range p.Targets {
			if t.Editable() && t.Content != before[t.ID] {
				inputs = append(inputs, TargetInput{AccountID: t.AccountID, Content: t.Content})
			}
		}
		edited, err := pl.svc.Edit(ctx, a, ws, p.ID, Changes{Targets: inputs})
		out = append(out, BulkOutcome{ID: p.ID, Post: edited, Err: err})
	}
	return camp, out, nil
}
