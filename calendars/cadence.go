package calendars

import (
	"fmt"
	"sort"
	"time"

	"github.com/rythmehq/rythme"
)

// Cadence is an account's publishing goal: at least PerWeek posts in each
// ISO week. Zero means no goal.
type Cadence struct {
	PerWeek int `json:"per_week"`
}

// MaxPerWeek bounds a cadence goal (ten posts a day).
const MaxPerWeek = 70

// Validate checks that the goal is between 0 and MaxPerWeek. The field
// path is "per_week".
func (c Cadence) Validate() []rythme.FieldError {
	if c.PerWeek < 0 || c.PerWeek > MaxPerWeek {
		return []rythme.FieldError{{Field: "per_week", Message: fmt.Sprintf("must be between 0 and %d", MaxPerWeek)}}
	}
	return nil
}

// Gap is one ISO week in which an account has fewer posts planned than its
// goal.
type Gap struct {
	Week      ISOWeek   `json:"week"`
	AccountID string    `json:"account_id"`
	Start     time.Time `json:"start"` // Monday 00:00 in the zone
	End       time.Time `json:"end"`   // the next Monday 00:00
	Planned   int       `json:"planned"`
	Goal      int       `json:"goal"`
}

// Missing is how many posts the week still needs to reach its goal.
func (g Gap) Missing() int { return g.Goal - g.Planned }

// WeekRange returns the whole ISO weeks, in zone, that cover [from, to):
// start is the Monday 00:00 of the week holding from, end the Monday 00:00
// after the week holding the last instant before to. Callers load the
// posts of [start, end) before calling Gaps.
func WeekRange(from, to time.Time, zone *time.Location) (start, end time.Time) {
	start, _ = ISOWeekOf(from, zone).Bounds(zone)
	last := to.Add(-time.Nanosecond)
	if !to.After(from) {
		last = from
	}
	_, end = ISOWeekOf(last, zone).Bounds(zone)
	return start, end
}

// Gaps lists each (ISO week, account) pair below its cadence goal over
// [from, to).
//
// Weeks start on Monday at 00:00 in zone (ISO 8601; nil zone is UTC). A
// week only partly inside [from, to) still counts as a whole week: its
// goal is the full weekly goal and every post of the whole week counts
// (WeekRange gives the span to load posts for); posts outside those weeks
// are ignored. Accounts with a goal of zero or less have no gaps; an
// account with a goal and no posts has a gap in every week. The result is
// sorted by week, then account id.
func Gaps(from, to time.Time, zone *time.Location, cadences map[string]int, posts map[string][]time.Time) []Gap {
	if zone == nil {
		zone = time.UTC
	}
	if !to.After(from) {
		return nil
	}
	var weeks []ISOWeek
	start, end := WeekRange(from, to, zone)
	for w := ISOWeekOf(start, zone); ; w = w.Next() {
		if s, _ := w.Bounds(zone); !s.Before(end) {
			break
		}
		weeks = append(weeks, w)
	}
	accounts := make([]string, 0, len(cadences))
	for id, goal := range cadences {
		if goal > 0 {
			accounts = append(accounts, id)
		}
	}
	sort.Strings(accounts)

	var gaps []Gap
	for _, w := range weeks {
		ws, we := w.Bounds(zone)
		for _, id := range accounts {
			planned := 0
			for _, at := range posts[id] {
				if !at.Before(ws) && at.Before(we) {
					planned++
				}
			}
			if goal := cadences[id]; planned < goal {
				gaps = append(gaps, Gap{Week: w, AccountID: id, Start: ws, End: we, Planned: planned, Goal: goal})
			}
		}
	}
	return gaps
}
