package rythme

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Poll is a native poll a post carries: its question is the post's text
// (the target's variant where it has one), its options are voted on for
// DurationMinutes after publication. Only networks whose Network.Polls is
// set take one; each network's limits are checked before it is stored.
type Poll struct {
	Options []string `json:"options"`
	// DurationMinutes is how long the poll takes votes, from publication.
	DurationMinutes int `json:"duration_minutes"`
	// Multiple lets a voter choose more than one option.
	Multiple bool `json:"multiple"`
}

// Clone returns a copy of p that shares nothing with it (nil for nil).
func (p *Poll) Clone() *Poll {
	if p == nil {
		return nil
	}
	c := *p
	c.Options = append([]string(nil), p.Options...)
	return &c
}

// Equal reports whether p and q are the same poll (both nil, or the same
// options, duration and choice).
func (p *Poll) Equal(q *Poll) bool {
	if p == nil || q == nil {
		return p == q
	}
	return p.DurationMinutes == q.DurationMinutes && p.Multiple == q.Multiple && slices.Equal(p.Options, q.Options)
}

// Domain bounds of any poll, whatever the network: each network's own are
// in its PollLimits.
const (
	MinPollOptions    = 2
	MaxPollOptionsAny = 10
	MaxPollOptionText = 200 // bytes
)

// Validate checks what holds on every network: 2 to 10 non-empty options,
// none twice, a positive duration. field prefixes the field names
// ("poll").
func (p *Poll) Validate(field string) []FieldError {
	var fe []FieldError
	add := func(f, format string, args ...any) {
		fe = append(fe, FieldError{Field: f, Message: fmt.Sprintf(format, args...)})
	}
	if len(p.Options) < MinPollOptions || len(p.Options) > MaxPollOptionsAny {
		add(field+".options", "must have %d to %d options", MinPollOptions, MaxPollOptionsAny)
	}
	seen := map[string]bool{}
	for i, o := range p.Options {
		f := fmt.Sprintf("%s.options[%d]", field, i)
		switch {
		case strings.TrimSpace(o) == "":
			add(f, "is empty")
		case len(o) > MaxPollOptionText || !utf8.ValidString(o):
			add(f, "must be UTF-8 text of at most %d bytes", MaxPollOptionText)
		case HasControlChar(o):
			add(f, ControlCharMessage)
		case seen[strings.TrimSpace(o)]:
			add(f, "is listed twice")
		}
		seen[strings.TrimSpace(o)] = true
	}
	if p.DurationMinutes <= 0 {
		add(field+".duration_minutes", "must be a positive number of minutes")
	}
	return fe
}

// PollLimits is what a network takes of a poll, as its API documents it
// (a Mastodon instance says its own in configuration.polls).
type PollLimits struct {
	MaxOptions int `json:"max_options"`
	// MaxOptionLength is the longest option, in characters (runes).
	MaxOptionLength int `json:"max_option_length"`
	// MinDurationMinutes and MaxDurationMinutes bound the duration;
	// DurationStepMinutes, when set, is the unit the network counts it in
	// (Discord: hours); Durations, when set, are the only ones it takes
	// (LinkedIn: 1, 3, 7 or 14 days).
	MinDurationMinutes  int   `json:"min_duration_minutes"`
	MaxDurationMinutes  int   `json:"max_duration_minutes"`
	DurationStepMinutes int   `json:"duration_step_minutes,omitempty"`
	Durations           []int `json:"durations,omitempty"`
	// MaxQuestionLength is the longest question, in characters, where the
	// network's poll has a question field of its own (the post's text is
	// the question: Discord 300).
	MaxQuestionLength int `json:"max_question_length,omitempty"`
	// DurationSetByNetwork: the network sets how long a poll lasts and
	// takes no duration (Threads); DurationMinutes is not sent there.
	DurationSetByNetwork bool `json:"duration_set_by_network,omitempty"`
	// Multiple reports whether voters may choose several options.
	Multiple bool `json:"multiple"`
	// WithMedia reports whether a poll may go with media files (Mastodon
	// and X: no).
	WithMedia bool `json:"with_media"`
	// Results reports whether rythme reads the poll's votes back from the
	// network (with the post's engagement readings), so that reports show
	// votes per option and turnout.
	Results bool `json:"results"`
}

// CheckPoll returns what l refuses of p (nil: nothing), one message each,
// without the network's name; question is the text the poll goes with,
// media how many files.
func CheckPoll(l *PollLimits, p *Poll, question string, media int) []string {
	var out []string
	if n := utf8.RuneCountInString(question); l.MaxQuestionLength > 0 && n > l.MaxQuestionLength {
		out = append(out, fmt.Sprintf("the text is the poll's question: at most %d characters (this one has %d)", l.MaxQuestionLength, n))
	}
	if l.MaxOptions > 0 && len(p.Options) > l.MaxOptions {
		out = append(out, fmt.Sprintf("a poll has at most %d options (this one has %d)", l.MaxOptions, len(p.Options)))
	}
	for i, o := range p.Options {
		if n := utf8.RuneCountInString(o); l.MaxOptionLength > 0 && n > l.MaxOptionLength {
			out = append(out, fmt.Sprintf("poll option %d is %d characters long, the most is %d", i+1, n, l.MaxOptionLength))
		}
	}
	d := p.DurationMinutes
	switch {
	case l.DurationSetByNetwork:
		// nothing to check: the network decides
	case len(l.Durations) > 0 && !containsInt(l.Durations, d):
		out = append(out, fmt.Sprintf("a poll lasts one of %s minutes (not %d)", joinInts(l.Durations), d))
	case l.MinDurationMinutes > 0 && d < l.MinDurationMinutes:
		out = append(out, fmt.Sprintf("a poll lasts at least %d minutes (not %d)", l.MinDurationMinutes, d))
	case l.MaxDurationMinutes > 0 && d > l.MaxDurationMinutes:
		out = append(out, fmt.Sprintf("a poll lasts at most %d minutes (not %d)", l.MaxDurationMinutes, d))
	case l.DurationStepMinutes > 1 && d%l.DurationStepMinutes != 0:
		out = append(out, fmt.Sprintf("a poll's duration is a multiple of %d minutes (not %d)", l.DurationStepMinutes, d))
	}
	if p.Multiple && !l.Multiple {
		out = append(out, "a poll cannot take several choices per voter")
	}
	if media > 0 && !l.WithMedia {
		out = append(out, "a poll cannot go with media files: drop the media or the poll")
	}
	return out
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, v := range xs {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ", ")
}

// PollResults is one reading of a published poll: the votes of each
// option, in the poll's order, and how many took part.
type PollResults struct {
	Options []PollOptionResult `json:"options"`
	// Votes is the sum of the options' votes (a voter of a multiple-choice
	// poll counts once per option chosen).
	Votes int64 `json:"votes"`
	// Voters is how many people voted, where the network says (nil: it
	// does not; with single choice, Votes).
	Voters *int64 `json:"voters,omitempty"`
	// Closed is set once the poll takes no more votes.
	Closed bool `json:"closed"`
}

// PollOptionResult is one option's votes.
type PollOptionResult struct {
	Title string `json:"title"`
	Votes int64  `json:"votes"`
}

// Turnout is how many took part: Voters where the network says, else
// Votes.
func (r *PollResults) Turnout() int64 {
	if r.Voters != nil {
		return *r.Voters
	}
	return r.Votes
}
