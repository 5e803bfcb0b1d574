package rythme

import (
	"fmt"
	"time"
)

// PostingSchedule is an account's posting rhythm: the weekly slots posts
// go out at (Tue and Thu 09:30 Europe/Paris), and a cadence goal.
type PostingSchedule struct {
	Timezone string        `json:"timezone"`
	Slots    []PostingSlot `json:"slots"`
	// PostsPerWeek is the cadence goal (0: none): weeks below it are gaps.
	PostsPerWeek int `json:"posts_per_week"`
}

// PostingSlot is a weekday (0 Sunday … 6 Saturday) and a local time.
type PostingSlot struct {
	Weekday int    `json:"weekday"`
	Time    string `json:"time"` // "09:30"
}

// MaxSlotsPerWeek bounds an account's slots.
const MaxSlotsPerWeek = 336

// Validate checks the zone, the slots and the cadence.
func (s *PostingSchedule) Validate() error {
	var fe []FieldError
	if s.Timezone == "" || s.Timezone == "Local" {
		fe = append(fe, FieldError{Field: "timezone", Message: "is required (an IANA zone such as Europe/Paris)"})
	} else if _, err := time.LoadLocation(s.Timezone); err != nil {
		fe = append(fe, FieldError{Field: "timezone", Message: "is not a known IANA time zone"})
	}
	if len(s.Slots) > MaxSlotsPerWeek {
		fe = append(fe, FieldError{Field: "slots", Message: fmt.Sprintf("at most %d", MaxSlotsPerWeek)})
	}
	for i, sl := range s.Slots {
		if sl.Weekday < 0 || sl.Weekday > 6 {
			fe = append(fe, FieldError{Field: fmt.Sprintf("slots[%d].weekday", i), Message: "0 (Sunday) to 6 (Saturday)"})
		}
		var h, m int
		if n, err := fmt.Sscanf(sl.Time, "%d:%d", &h, &m); err != nil || n != 2 || len(sl.Time) != 5 || h < 0 || h > 23 || m < 0 || m > 59 {
			fe = append(fe, FieldError{Field: fmt.Sprintf("slots[%d].time", i), Message: "must be HH:MM"})
		}
	}
	if s.PostsPerWeek < 0 || s.PostsPerWeek > 70 {
		fe = append(fe, FieldError{Field: "posts_per_week", Message: "0 to 70"})
	}
	if len(fe) > 0 {
		return Invalid(fe...)
	}
	return nil
}
