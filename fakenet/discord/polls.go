package discord

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// dPoll is a poll create request
// (https://discord.com/developers/docs/resources/poll#poll-create-request-object).
type dPoll struct {
	Question struct {
		Text string `json:"text"`
	} `json:"question"`
	Answers []struct {
		Media struct {
			Text string `json:"text"`
		} `json:"poll_media"`
	} `json:"answers"`
	Duration         int  `json:"duration"` // hours, default 24
	AllowMultiselect bool `json:"allow_multiselect"`
}

// discordPoll reads Execute Webhook's poll parameter (JSON; "" for none)
// and checks Discord's limits: a question of 1 to 300 characters, 1 to 10
// answers of 1 to 55, 1 to 768 hours. A refusal is Discord's form error.
func discordPoll(raw string) (*dPoll, map[string]any) {
	if raw == "" {
		return nil, nil
	}
	p := &dPoll{Duration: 24}
	if err := json.Unmarshal([]byte(raw), p); err != nil {
		return nil, formError("poll", "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
	}
	q := utf8.RuneCountInString(p.Question.Text)
	switch {
	case q == 0 || q > 300 || strings.TrimSpace(p.Question.Text) == "":
		return p, formError("poll", "BASE_TYPE_BAD_LENGTH", "question: Must be between 1 and 300 in length.")
	case len(p.Answers) < 1 || len(p.Answers) > 10:
		return p, formError("poll", "BASE_TYPE_BAD_LENGTH", "answers: Must be between 1 and 10 in length.")
	case p.Duration < 1 || p.Duration > 768:
		return p, formError("poll", "NUMBER_TYPE_MAX", "duration: int value should be between 1 and 768.")
	}
	for _, a := range p.Answers {
		if n := utf8.RuneCountInString(a.Media.Text); n < 1 || n > 55 {
			return p, formError("poll", "BASE_TYPE_BAD_LENGTH", "answers: text must be between 1 and 55 in length.")
		}
	}
	return p, nil
}

// pollJSON is the message's poll at now as Discord's Message object has
// it (https://discord.com/developers/docs/resources/poll#poll-object):
// results.answer_counts lists the answers with votes ({id: answer_id,
// count, me_voted}; an answer absent from it has none), is_finalized once
// the poll has expired (Discord's final tally, done at once here). The
// votes come from sim.PollVotesAt; with allow_multiselect a voter may
// count on two answers. Holds d.mu.
func (d *discord) pollJSON(m *dMessage, now time.Time) map[string]any {
	dur := time.Duration(m.poll.Duration) * time.Hour
	votes, _ := sim.PollVotesAt(d.s.Config().Seed, discordName, m.id, len(m.poll.Answers), m.poll.AllowMultiselect,
		now.Sub(m.created), dur)
	answers := make([]map[string]any, len(m.poll.Answers))
	counts := []any{}
	for i, a := range m.poll.Answers {
		answers[i] = map[string]any{"answer_id": i + 1, "poll_media": map[string]string{"text": a.Media.Text}}
		if votes[i] > 0 {
			counts = append(counts, map[string]any{"id": i + 1, "count": votes[i], "me_voted": false})
		}
	}
	expiry := m.created.Add(dur)
	return map[string]any{"question": map[string]string{"text": m.poll.Question.Text}, "answers": answers,
		"expiry":            expiry.UTC().Format("2006-01-02T15:04:05.000000+00:00"),
		"allow_multiselect": m.poll.AllowMultiselect, "layout_type": 1,
		"results": map[string]any{"answer_counts": counts, "is_finalized": !now.Before(expiry)}}
}
