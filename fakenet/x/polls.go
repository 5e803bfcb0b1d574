package x

import (
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// xCheckPoll applies X's rules to a new post's poll
// (https://docs.x.com/x-api/posts/create-post: 2 to 4 options of 1 to 25
// characters, 5 to 10,080 minutes; no media with it).
func xCheckPoll(options []string, minutes, media int) (string, int) {
	switch {
	case media > 0:
		return "A post with a poll cannot have media attached.", http.StatusBadRequest
	case len(options) < 2 || len(options) > 4:
		return "The `poll.options` field must have between 2 and 4 options.", http.StatusBadRequest
	case minutes < 5 || minutes > 10080:
		return "The `poll.duration_minutes` field must be between 5 and 10080.", http.StatusBadRequest
	}
	for _, o := range options {
		if n := utf8.RuneCountInString(o); n < 1 || n > 25 {
			return "Each of the `poll.options` must be between 1 and 25 characters.", http.StatusBadRequest
		}
	}
	return "", 0
}

// pollJSON renders t's poll as GET /2/tweets's includes.polls does
// (https://docs.x.com/x-api/fundamentals/data-dictionary#poll): id and
// options always, the other fields when poll.fields asks; votes from
// sim.PollVotesAt. Holds x.mu.
func (x *xNet) pollJSON(t *xTweet, fields map[string]bool, now time.Time) map[string]any {
	d := time.Duration(t.pollMinutes) * time.Minute
	votes, _ := sim.PollVotesAt(x.s.Config().Seed, xName, t.pollID, len(t.pollOptions), false, now.Sub(t.created), d)
	opts := make([]map[string]any, len(t.pollOptions))
	for i, label := range t.pollOptions {
		opts[i] = map[string]any{"position": i + 1, "label": label, "votes": votes[i]}
	}
	out := map[string]any{"id": t.pollID, "options": opts}
	if fields["duration_minutes"] {
		out["duration_minutes"] = t.pollMinutes
	}
	if fields["end_datetime"] {
		out["end_datetime"] = t.created.Add(d).UTC().Format("2006-01-02T15:04:05.000Z")
	}
	if fields["voting_status"] {
		status := "open"
		if !now.Before(t.created.Add(d)) {
			status = "closed"
		}
		out["voting_status"] = status
	}
	return out
}
