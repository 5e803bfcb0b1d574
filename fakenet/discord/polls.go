package discord

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
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

// pollJSON is the message's poll as Discord's Message object has it
// (https://discord.com/developers/docs/resources/poll#poll-object), with
// no vote counted yet (rythme reads no engagement from a webhook).
func (m *dMessage) pollJSON() map[string]any {
	answers := make([]map[string]any, len(m.poll.Answers))
	for i, a := range m.poll.Answers {
		answers[i] = map[string]any{"answer_id": i + 1, "poll_media": map[string]string{"text": a.Media.Text}}
	}
	return map[string]any{"question": map[string]string{"text": m.poll.Question.Text}, "answers": answers,
		"expiry":            m.created.Add(time.Duration(m.poll.Duration) * time.Hour).UTC().Format("2006-01-02T15:04:05.000000+00:00"),
		"allow_multiselect": m.poll.AllowMultiselect, "layout_type": 1,
		"results": map[string]any{"answer_counts": []any{}, "is_finalized": false}}
}
