package calendars

import (
	"fmt"
	"time"

	"github.com/rythmehq/rythme"
)

// DefaultSeriesHorizon is how far ahead a recurring post's occurrences
// exist as posts: far enough to see them on the calendar and edit them one
// by one, near enough that editing the series rewrites few.
const DefaultSeriesHorizon = 8 * 7 * 24 * time.Hour

// SeriesRule parses the series' rule anchored at its start, on the wall
// clock of its zone (see ParseRule).
func SeriesRule(se *rythme.Series) (*Rule, error) {
	zone, err := LoadZone(se.Timezone)
	if err != nil {
		return nil, fmt.Errorf("series %s: %w", se.ID, err)
	}
	return ParseRule(se.Rule, se.StartsAt.In(zone))
}

// Materialise returns a new post for each occurrence of rule in
// [from, until] (see Series.Occurrence), and whether the rule has no
// occurrence after until (the series is then complete).
func Materialise(se *rythme.Series, rule *Rule, from, until time.Time, actor rythme.Actor, now time.Time) ([]*rythme.Post, bool) {
	var posts []*rythme.Post
	for _, o := range rule.Between(from, until.Add(time.Nanosecond)) {
		posts = append(posts, se.Occurrence(o.At, actor, now))
	}
	all := rule.All()
	complete := len(all) == 0 || !all[len(all)-1].At.After(until)
	return posts, complete
}

// Adjustment reports a wall time that a DST change made ambiguous or
// impossible, and how it was resolved (see Resolve).
type Adjustment struct {
	// Field names the request's item when there is one ("days[2].items[0]").
	Field string `json:"field,omitempty"`
	// Local is the wall time asked for, "2026-03-29 02:30", in Zone.
	Local       string     `json:"local"`
	Zone        string     `json:"zone"`
	Resolution  Resolution `json:"resolution"`
	ScheduledAt time.Time  `json:"scheduled_at"`
	Message     string     `json:"message"`
}

// Adjust returns the Adjustment for a wall time resolved other than
// exactly; ok is false when it was exact.
func Adjust(field string, d Date, c Clock, zone *time.Location, at time.Time, res Resolution) (Adjustment, bool) {
	local := d.String() + " " + c.String()
	a := Adjustment{Field: field, Local: local, Zone: zone.String(), Resolution: res, ScheduledAt: at.UTC()}
	switch res {
	case GapShifted:
		a.Message = fmt.Sprintf("%s does not exist in %s (the clocks spring forward); scheduled at %s, the same moment read with the offset before the change",
			local, zone, at.In(zone).Format("2006-01-02 15:04 MST"))
	case FoldFirst:
		a.Message = fmt.Sprintf("%s happens twice in %s (the clocks fall back); scheduled at the first, %s",
			local, zone, at.In(zone).Format("2006-01-02 15:04 MST"))
	default:
		return Adjustment{}, false
	}
	return a, true
}

// AdjustInstant is Adjust for an instant already resolved in zone with
// res: the wall time asked for is found again from it (a folded time is
// the instant's own wall time; a gap-shifted one was read with the offset
// in force before the gap, and a gap is over within hours, so 12 hours
// earlier is before it).
func AdjustInstant(field string, at time.Time, zone *time.Location, res Resolution) (Adjustment, bool) {
	wall := at.In(zone)
	if res == GapShifted {
		_, before := at.Add(-12 * time.Hour).In(zone).Zone()
		wall = at.Add(time.Duration(before) * time.Second).UTC()
	}
	return Adjust(field, DateOf(wall), ClockOf(wall), zone, at, res)
}

// RuleAdjustments lists the occurrences of rule in [from, until] whose
// wall time a DST change moved (gap) or made ambiguous (fold).
func RuleAdjustments(rule *Rule, from, until time.Time) []Adjustment {
	out := []Adjustment{}
	for _, o := range rule.Between(from, until.Add(time.Nanosecond)) {
		if a, ok := AdjustInstant("", o.At, rule.Zone(), o.Resolution); ok {
			out = append(out, a)
		}
	}
	return out
}
