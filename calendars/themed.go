package calendars

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rythmehq/rythme"
)

// Format is the kind of content a planned item is. The list is open to
// growth; Expand refuses a format it does not know so that typos show.
type Format string

// Known formats.
const (
	FormatPost        Format = "post"
	FormatArticle     Format = "article"
	FormatImage       Format = "image"
	FormatCarousel    Format = "carousel"
	FormatVideo       Format = "video"
	FormatInfographic Format = "infographic"
	FormatLiveQA      Format = "live_qa"
	FormatPoll        Format = "poll"
	FormatThread      Format = "thread"
	FormatQuote       Format = "quote"
	FormatLink        Format = "link"
	FormatStory       Format = "story"
)

// Formats lists the known formats, in the order a form would offer them.
var Formats = []Format{
	FormatPost, FormatArticle, FormatImage, FormatCarousel, FormatVideo, FormatInfographic,
	FormatLiveQA, FormatPoll, FormatThread, FormatQuote, FormatLink, FormatStory,
}

// Known reports whether f is one of Formats.
func (f Format) Known() bool {
	for _, k := range Formats {
		if f == k {
			return true
		}
	}
	return false
}

// Limits on themed weeks.
const (
	MaxNameLength  = 200
	MaxThemeLength = 500
	MaxWeekItems   = 200
)

// ThemedWeek is a campaign plan: a theme, seven days from FirstDay, and
// what to publish on each day at which local time. It is what a person
// writes (times as text, so that a bad one is reported with its field
// path rather than failing the whole document).
type ThemedWeek struct {
	Name  string `json:"name"`
	Theme string `json:"theme"`
	// FirstDay is the civil date of day 0, "2026-03-23". Any weekday.
	FirstDay string `json:"first_day"`
	// Zone is the IANA zone the times are on ("" is UTC).
	Zone string    `json:"zone"`
	Days []DayPlan `json:"days"`
}

// DayPlan is what one day of a themed week holds.
type DayPlan struct {
	// Offset is the day within the week: 0 is FirstDay, 6 the last day.
	Offset int        `json:"offset"`
	Items  []PlanItem `json:"items"`
}

// PlanItem is one post of a themed week.
type PlanItem struct {
	// Time is the local time of day, "09:30".
	Time    string   `json:"time"`
	Format  Format   `json:"format"` // "" is FormatPost
	Content string   `json:"content"`
	Targets []string `json:"targets"` // account ids
	Author  string   `json:"author,omitempty"`
	// FirstComment and Poll are the post's first comment and native poll
	// (rythme.Post's); each network's rules on them are the caller's check.
	FirstComment string       `json:"first_comment,omitempty"`
	Poll         *rythme.Poll `json:"poll,omitempty"`
}

// PlannedPost is one concrete post of an expanded themed week.
type PlannedPost struct {
	// Field is the path of the item it comes from, "days[2].items[0]";
	// Key names the item by its day offset and place in the day, "d2#0",
	// which stays the same when days are listed in another order.
	Field      string     `json:"field"`
	Key        string     `json:"key"`
	Date       Date       `json:"date"`
	Time       Clock      `json:"time"`
	At         time.Time  `json:"at"`
	Resolution Resolution `json:"resolution"`
	Format     Format     `json:"format"`
	Content    string     `json:"content"`
	Targets    []string   `json:"targets"`
	Author     string     `json:"author,omitempty"`
	// FirstComment and Poll are the item's (PlanItem).
	FirstComment string       `json:"first_comment,omitempty"`
	Poll         *rythme.Poll `json:"poll,omitempty"`
	Theme        string       `json:"theme"`
	Week         string       `json:"week"` // the themed week's name
}

// Expand validates the week and turns every item into a concrete instant:
// the item's day (FirstDay + offset) and time resolved in the week's zone
// as Resolve does, the resolution reported on each post (a time in a DST
// gap is moved forward, one in a fold is the first occurrence).
//
// Field errors name JSON paths: "name", "theme", "first_day", "zone",
// "days", "days[2].offset", "days[2].items[0].time", ".format", ".content",
// ".targets", ".targets[1]", ".author". When there are any, no post is
// returned. Posts are sorted by instant, then in plan order. Whether the
// targets exist is the caller's business; their shape is checked here.
func Expand(week ThemedWeek) ([]PlannedPost, []rythme.FieldError) {
	var fe []rythme.FieldError
	add := func(field, format string, args ...any) {
		fe = append(fe, rythme.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(week.Name) == "" {
		add("name", "is required")
	} else if utf8.RuneCountInString(week.Name) > MaxNameLength || !utf8.ValidString(week.Name) {
		add("name", "at most %d characters", MaxNameLength)
	}
	if utf8.RuneCountInString(week.Theme) > MaxThemeLength || !utf8.ValidString(week.Theme) {
		add("theme", "at most %d characters", MaxThemeLength)
	}
	first, err := ParseDate(week.FirstDay)
	if err != nil {
		add("first_day", "%s", ErrDate.Error())
	}
	zone, err := LoadZone(week.Zone)
	if err != nil {
		add("zone", "%s", ErrZone.Error())
	}
	items := 0
	for _, d := range week.Days {
		items += len(d.Items)
	}
	if items == 0 {
		add("days", "the week plans no post")
	} else if items > MaxWeekItems {
		add("days", "at most %d posts in a week", MaxWeekItems)
	}
	seenDay := map[int]bool{}
	for i, d := range week.Days {
		df := fmt.Sprintf("days[%d]", i)
		if d.Offset < 0 || d.Offset > 6 {
			add(df+".offset", "must be 0 (the first day) to 6")
		} else if seenDay[d.Offset] {
			add(df+".offset", "day %d is planned twice; put its items together", d.Offset)
		}
		seenDay[d.Offset] = true
		for j, it := range d.Items {
			fe = append(fe, validateItem(fmt.Sprintf("%s.items[%d]", df, j), it)...)
		}
	}
	if len(fe) > 0 {
		return nil, fe
	}

	var out []PlannedPost
	for i, d := range week.Days {
		date := first.AddDays(d.Offset)
		for j, it := range d.Items {
			c, _ := ParseClock(it.Time) // validated above
			at, res, err := Resolve(date, c, zone)
			f := fmt.Sprintf("days[%d].items[%d]", i, j)
			if err != nil { // only for dates past year 9999
				return nil, []rythme.FieldError{{Field: "first_day", Message: ErrDate.Error()}}
			}
			format := it.Format
			if format == "" {
				format = FormatPost
			}
			out = append(out, PlannedPost{
				Field: f, Key: fmt.Sprintf("d%d#%d", d.Offset, j), Date: date, Time: c, At: at, Resolution: res, Format: format,
				Content: it.Content, Targets: append([]string(nil), it.Targets...), Author: it.Author,
				FirstComment: it.FirstComment, Poll: it.Poll.Clone(), Theme: week.Theme, Week: week.Name,
			})
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].At.Before(out[b].At) })
	return out, nil
}

func validateItem(f string, it PlanItem) []rythme.FieldError {
	var fe []rythme.FieldError
	add := func(field, format string, args ...any) {
		fe = append(fe, rythme.FieldError{Field: f + field, Message: fmt.Sprintf(format, args...)})
	}
	if _, err := ParseClock(it.Time); err != nil {
		add(".time", "%s", ErrClock.Error())
	}
	if it.Format != "" && !it.Format.Known() {
		add(".format", "is not a known format (%s)", formatList())
	}
	switch {
	case strings.TrimSpace(it.Content) == "":
		add(".content", "is required")
	case len(it.Content) > rythme.MaxContentBytes:
		add(".content", "is longer than %d bytes", rythme.MaxContentBytes)
	case !utf8.ValidString(it.Content):
		add(".content", "is not valid UTF-8")
	}
	if len(it.Targets) == 0 {
		add(".targets", "at least one target account is required")
	} else if len(it.Targets) > rythme.MaxTargets {
		add(".targets", "at most %d targets", rythme.MaxTargets)
	}
	seen := map[string]bool{}
	for k, id := range it.Targets {
		switch {
		case !rythme.ValidID(rythme.PrefixAccount, id):
			add(fmt.Sprintf(".targets[%d]", k), "is not an account id")
		case seen[id]:
			add(fmt.Sprintf(".targets[%d]", k), "is listed twice")
		}
		seen[id] = true
	}
	if utf8.RuneCountInString(it.Author) > rythme.MaxAuthorLength || !utf8.ValidString(it.Author) {
		add(".author", "at most %d characters", rythme.MaxAuthorLength)
	}
	return fe
}

func formatList() string {
	s := make([]string, len(Formats))
	for i, f := range Formats {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

// Shift returns a copy of week starting on newFirstDay, for reusing a week
// as a template: every day keeps its offset and every item its local
// time, so the copy's instants are recomputed on the new dates when it is
// expanded (a 09:30 stays 09:30 even if the new week crosses a DST
// change). The copy shares nothing with week.
func Shift(week ThemedWeek, newFirstDay Date) ThemedWeek {
	out := week
	out.FirstDay = newFirstDay.String()
	out.Days = make([]DayPlan, len(week.Days))
	for i, d := range week.Days {
		out.Days[i] = DayPlan{Offset: d.Offset, Items: make([]PlanItem, len(d.Items))}
		for j, it := range d.Items {
			it.Targets, it.Poll = append([]string(nil), it.Targets...), it.Poll.Clone()
			out.Days[i].Items[j] = it
		}
	}
	return out
}
