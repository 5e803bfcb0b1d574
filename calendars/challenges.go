package calendars

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rythmehq/rythme"
)

// Challenge is a weekly challenge: each ISO week has a theme, and members
// submit posts on it while the week is open. Weeks are read in Zone.
type Challenge struct {
	Name  string          `json:"name"`
	Zone  string          `json:"zone"` // IANA zone; "" is UTC
	Weeks []ChallengeWeek `json:"weeks"`
}

// ChallengeWeek is the theme of one week of a challenge.
type ChallengeWeek struct {
	Week  ISOWeek `json:"week"` // "2026-W13"
	Theme string  `json:"theme"`
}

// MaxChallengeWeeks bounds the weeks of one challenge (two years).
const MaxChallengeWeeks = 104

// Validate checks the challenge: a name, a known zone, 1 to
// MaxChallengeWeeks valid weeks each with a theme, no week twice. Field
// paths are "name", "zone", "weeks", "weeks[i].week", "weeks[i].theme".
func (c Challenge) Validate() []rythme.FieldError {
	var fe []rythme.FieldError
	add := func(field, format string, args ...any) {
		fe = append(fe, rythme.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(c.Name) == "" {
		add("name", "is required")
	} else if utf8.RuneCountInString(c.Name) > MaxNameLength || !utf8.ValidString(c.Name) {
		add("name", "at most %d characters", MaxNameLength)
	}
	if _, err := LoadZone(c.Zone); err != nil {
		add("zone", "%s", ErrZone.Error())
	}
	if len(c.Weeks) == 0 {
		add("weeks", "at least one week is required")
	} else if len(c.Weeks) > MaxChallengeWeeks {
		add("weeks", "at most %d weeks", MaxChallengeWeeks)
	}
	seen := map[ISOWeek]bool{}
	for i, w := range c.Weeks {
		f := fmt.Sprintf("weeks[%d]", i)
		if !w.Week.Valid() {
			add(f+".week", "%s", ErrWeek.Error())
		} else if seen[w.Week] {
			add(f+".week", "is listed twice")
		}
		seen[w.Week] = true
		if strings.TrimSpace(w.Theme) == "" {
			add(f+".theme", "is required")
		} else if utf8.RuneCountInString(w.Theme) > MaxThemeLength || !utf8.ValidString(w.Theme) {
			add(f+".theme", "at most %d characters", MaxThemeLength)
		}
	}
	return fe
}

// Window returns when submissions to week open and close in zone (nil is
// UTC): [Monday 00:00, next Monday 00:00).
func Window(week ISOWeek, zone *time.Location) (open, closeAt time.Time) {
	return week.Bounds(zone)
}

// SubmissionOpen reports whether now falls within the week's submission
// window in zone (see Window): open at Monday 00:00, closed from the next
// Monday 00:00.
func SubmissionOpen(week ISOWeek, zone *time.Location, now time.Time) bool {
	open, closeAt := Window(week, zone)
	return !now.Before(open) && now.Before(closeAt)
}

// Current returns the week of the challenge whose window holds now, if
// any. An invalid Zone is read as UTC (Validate reports it).
func (c Challenge) Current(now time.Time) (ChallengeWeek, bool) {
	zone, err := LoadZone(c.Zone)
	if err != nil {
		zone = time.UTC
	}
	for _, w := range c.Weeks {
		if w.Week.Valid() && SubmissionOpen(w.Week, zone, now) {
			return w, true
		}
	}
	return ChallengeWeek{}, false
}
