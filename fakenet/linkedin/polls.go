package linkedin

import (
	"fmt"
	"strings"
)

// liPollBody is a poll post's content.poll
// (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/poll-post-api).
type liPollBody struct {
	Question string `json:"question"`
	Options  []struct {
		Text string `json:"text"`
	} `json:"options"`
	Settings struct {
		Duration string `json:"duration"`
	} `json:"settings"`
}

// liPollMinutes are the poll durations LinkedIn takes.
var liPollMinutes = map[string]int{"ONE_DAY": 1440, "THREE_DAYS": 3 * 1440, "SEVEN_DAYS": 7 * 1440, "FOURTEEN_DAYS": 14 * 1440}

// liCheckPoll applies the Poll API's rules: a question of at most 140
// characters, 2 to 4 options of at most 30, one of the four durations,
// and no other content (images).
func liCheckPoll(p *liPollBody, images int) string {
	switch {
	case images > 0:
		return "/content :: a poll post takes no other content"
	case strings.TrimSpace(p.Question) == "" || liLength(p.Question) > 140:
		return "/content/poll/question :: must be 1 to 140 characters"
	case len(p.Options) < 2 || len(p.Options) > 4:
		return fmt.Sprintf("/content/poll/options :: a poll has 2 to 4 options, not %d", len(p.Options))
	case liPollMinutes[p.Settings.Duration] == 0:
		return "/content/poll/settings/duration :: must be ONE_DAY, THREE_DAYS, SEVEN_DAYS or FOURTEEN_DAYS"
	}
	for _, o := range p.Options {
		if strings.TrimSpace(o.Text) == "" || liLength(o.Text) > 30 {
			return "/content/poll/options/text :: must be 1 to 30 characters"
		}
	}
	return ""
}
