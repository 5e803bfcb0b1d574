package mastodon

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rythmehq/rythme/fakenet/sim"
)

// The instance's poll limits, as GET /api/v2/instance says them
// (configuration.polls, https://docs.joinmastodon.org/entities/Instance/#polls).
const (
	pollMaxOptions  = 4
	pollMaxChars    = 50
	pollMinSeconds  = 300
	pollMaxSeconds  = 2629746
	errPollOptions  = "Validation failed: Poll options must have at most 4 options"
	errPollTooShort = "Validation failed: Poll expires at is too soon"
	errPollTooLong  = "Validation failed: Poll expires at is too far into the future"
)

// pollParams reads a poll from POST /api/v1/statuses's parameters
// (https://docs.joinmastodon.org/methods/statuses/#create: poll[options][],
// poll[expires_in] in seconds, poll[multiple]): nil and "" when there is
// none, else the poll or Mastodon's refusal. It is mutually exclusive with
// media. Holds m.mu (for the poll's id).
func (m *mastodon) pollParams(p map[string][]string, media int, now time.Time) (*mPoll, string) {
	opts := p["poll[options][]"]
	expires := sim.First(p, "poll[expires_in]")
	if len(opts) == 0 && expires == "" {
		return nil, ""
	}
	secs, err := strconv.Atoi(expires)
	switch {
	case media > 0:
		return nil, "Validation failed: Media attachments cannot be attached to a poll"
	case len(opts) < 2:
		return nil, "Validation failed: Poll options must have at least 2 options"
	case len(opts) > pollMaxOptions:
		return nil, errPollOptions
	case err != nil:
		return nil, "Validation failed: Poll expires at can't be blank"
	case secs < pollMinSeconds:
		return nil, errPollTooShort
	case secs > pollMaxSeconds:
		return nil, errPollTooLong
	}
	for _, o := range opts {
		if strings.TrimSpace(o) == "" || utf8.RuneCountInString(o) > pollMaxChars {
			return nil, fmt.Sprintf("Validation failed: Poll options must be 1 to %d characters each", pollMaxChars)
		}
	}
	return &mPoll{id: m.newID(), options: opts, expires: now.Add(time.Duration(secs) * time.Second),
		multiple: sim.First(p, "poll[multiple]") == "true", cast: make([]int64, len(opts)), voters: map[string]bool{}}, ""
}

// pollJSON renders st's poll at now as https://docs.joinmastodon.org/entities/Poll/
// does: the simulated votes (sim.PollVotesAt) plus those cast through the
// API, voters_count null unless it is multiple-choice. Holds m.mu.
func (m *mastodon) pollJSON(st *mStatus, viewer string, now time.Time) map[string]any {
	pl := st.poll
	votes, voters := sim.PollVotesAt(m.s.Config().Seed, Name, pl.id, len(pl.options), pl.multiple,
		now.Sub(st.created), pl.expires.Sub(st.created))
	var total int64
	options := make([]map[string]any, len(pl.options))
	for i, title := range pl.options {
		n := votes[i] + pl.cast[i]
		total += n
		options[i] = map[string]any{"title": title, "votes_count": n}
	}
	voters += int64(len(pl.voters))
	var votersCount any
	if pl.multiple {
		votersCount = voters
	}
	return map[string]any{"id": pl.id, "expires_at": mastodonTime(pl.expires), "expired": !now.Before(pl.expires),
		"multiple": pl.multiple, "votes_count": total, "voters_count": votersCount, "options": options,
		"emojis": []any{}, "voted": pl.voters[viewer], "own_votes": []int{}}
}

// vote is POST /api/v1/polls/:id/votes
// (https://docs.joinmastodon.org/methods/polls/#vote): choices[] are option
// indexes; one vote per account, none on an expired poll or one's own.
func (m *mastodon) vote(w http.ResponseWriter, r *http.Request, tok *mToken, id string) {
	p, err := sim.Params(r)
	if err != nil {
		sim.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "Error occurred while parsing request parameters"})
		return
	}
	now := m.s.Config().Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	var st *mStatus
	for _, s := range m.statuses {
		if s.poll != nil && s.poll.id == id && !s.deleted {
			st = s
			break
		}
	}
	if st == nil {
		sim.WriteJSON(w, http.StatusNotFound, map[string]string{"error": errNotFound})
		return
	}
	pl, choices := st.poll, p["choices[]"]
	msg := ""
	switch {
	case !now.Before(pl.expires):
		msg = "Validation failed: The poll has already ended"
	case pl.voters[tok.user]:
		msg = "Validation failed: You have already voted on this poll"
	case len(choices) == 0 || (!pl.multiple && len(choices) > 1):
		msg = "Validation failed: Choice is invalid"
	}
	idx := make([]int, 0, len(choices))
	for _, c := range choices {
		i, err := strconv.Atoi(c)
		if err != nil || i < 0 || i >= len(pl.options) {
			msg = "Validation failed: Choice is invalid"
		}
		idx = append(idx, i)
	}
	if msg != "" {
		sim.WriteJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": msg})
		return
	}
	for _, i := range idx {
		pl.cast[i]++
	}
	pl.voters[tok.user] = true
	sim.WriteJSON(w, http.StatusOK, m.pollJSON(st, tok.user, now))
}
