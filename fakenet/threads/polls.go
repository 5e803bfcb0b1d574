package threads

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rythmehq/rythme/fakenet/meta"
	"github.com/rythmehq/rythme/fakenet/sim"
)

// thPollDuration is how long a poll takes votes: Threads sets it (the API
// takes no duration), and a poll in the Threads app lasts 24 hours.
const thPollDuration = 24 * time.Hour

// thPollFields are poll_attachment's fields, as the polls page lists them
// (https://developers.facebook.com/documentation/threads/create-posts/polls,
// "Media retrieval").
var thPollFields = []string{"option_a", "option_b", "option_c", "option_d", "option_a_votes_percentage",
	"option_b_votes_percentage", "option_c_votes_percentage", "option_d_votes_percentage", "total_votes",
	"expiration_timestamp"}

// threadsPoll reads a container's poll_attachment
// (https://developers.facebook.com/documentation/threads/create-posts/polls):
// {"option_a", "option_b", optional "option_c", "option_d"}, each of 1 to
// 25 characters, on TEXT posts only. It returns the options in order, or
// Threads' refusal.
func threadsPoll(raw, mediaType string) ([]string, string) {
	if raw == "" {
		return nil, ""
	}
	if mediaType != "TEXT" {
		return nil, "(#100) Polls can only be attached to text-only posts."
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, "(#100) Param poll_attachment must be a JSON object."
	}
	var out []string
	for _, k := range []string{"option_a", "option_b", "option_c", "option_d"} {
		v, ok := m[k]
		if !ok {
			break
		}
		if n := utf8.RuneCountInString(v); n < 1 || n > 25 || strings.TrimSpace(v) == "" {
			return nil, "(#100) Each poll option must be between 1 and 25 characters long."
		}
		out = append(out, v)
	}
	if len(out) < 2 || len(out) != len(m) {
		return nil, "(#100) The poll_attachment must contain option_a, option_b and at most option_c and option_d."
	}
	return out, ""
}

// pollFieldsAsked reads a fields list (GET /{threads-media-id}?fields=…)
// for poll_attachment: whether it is asked, and which of its fields (all
// of them for a bare poll_attachment, as fakenet's simplification).
func pollFieldsAsked(fields string) (map[string]bool, bool) {
	for _, f := range meta.SplitFields(fields) {
		name, sub, _ := strings.Cut(f, "{")
		if strings.TrimSpace(name) != "poll_attachment" {
			continue
		}
		asked := map[string]bool{}
		for _, s := range strings.Split(strings.TrimSuffix(sub, "}"), ",") {
			if s = strings.TrimSpace(s); s != "" {
				asked[s] = true
			}
		}
		if len(asked) == 0 {
			for _, s := range thPollFields {
				asked[s] = true
			}
		}
		return asked, true
	}
	return nil, false
}

// pollAttachmentJSON is p's poll as the media object's poll_attachment at
// now, with the fields asked: the options, each option's share of the
// votes (a fraction: 0.10 is a tenth, as the docs' example), total_votes
// and expiration_timestamp. Option C and D fields are there only when the
// poll has them. Votes come from sim.PollVotesAt (one choice per voter)
// until the poll expires, thPollDuration after publication.
func (g *threads) pollAttachmentJSON(p meta.Post, asked map[string]bool, now time.Time) map[string]any {
	votes, _ := sim.PollVotesAt(g.s.Config().Seed, Name, p.ID, len(p.Poll), false, now.Sub(p.Created), thPollDuration)
	var total int64
	for _, v := range votes {
		total += v
	}
	all := map[string]any{"total_votes": total,
		"expiration_timestamp": p.Created.Add(thPollDuration).UTC().Format("2006-01-02T15:04:05-0700")}
	for i, o := range p.Poll {
		k := "option_" + string(rune('a'+i))
		share := 0.0
		if total > 0 {
			share = float64(votes[i]) / float64(total)
		}
		all[k], all[k+"_votes_percentage"] = o, share
	}
	out := map[string]any{}
	for k, v := range all {
		if asked[k] {
			out[k] = v
		}
	}
	return out
}
