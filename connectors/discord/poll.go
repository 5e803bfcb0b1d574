package discord

import (
	"errors"
	"regexp"

	"github.com/rythmehq/rythme"
)

// codeUnknownMessage is Discord's JSON error code for a message that does
// not exist
// (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json).
const codeUnknownMessage = 10008

// errUnknownMessage is the Err of the error fromResponse makes of a 404
// Unknown Message: the message was deleted.
var errUnknownMessage = errors.New("discord: unknown message")

// snowflake is a message id as Discord makes them (decimal), checked
// before it goes into a URL path.
var snowflake = regexp.MustCompile(`^\d{1,25}$`)

// poll is the part of a message's poll
// (https://discord.com/developers/docs/resources/poll#poll-object) rythme
// reads: the answers, and the results
// (https://discord.com/developers/docs/resources/poll#poll-results-object):
// answer_counts ({id: the answer_id, count}; an answer absent from it has
// no votes) and is_finalized, set once the poll has ended and Discord has
// counted its votes precisely. results may be absent (not fetched): the
// votes are then unknown, not zero.
type poll struct {
	Answers []struct {
		AnswerID int `json:"answer_id"`
		Media    struct {
			Text string `json:"text"`
		} `json:"poll_media"`
	} `json:"answers"`
	AllowMultiselect bool `json:"allow_multiselect"`
	Results          *struct {
		AnswerCounts []struct {
			ID    int   `json:"id"`
			Count int64 `json:"count"`
		} `json:"answer_counts"`
		IsFinalized bool `json:"is_finalized"`
	} `json:"results"`
}

// results turns the poll into rythme's reading of it: the votes of each
// answer, in the poll's order, and their sum. Discord gives no voter
// count (with allow_multiselect a voter counts once per answer chosen),
// so Voters is nil. It is closed once is_finalized: the poll is over and
// its counts final (an ended poll not yet tallied is read again). nil
// when Discord sent no results.
func (p *poll) results() *rythme.PollResults {
	if p.Results == nil {
		return nil
	}
	counts := map[int]int64{}
	for _, c := range p.Results.AnswerCounts {
		counts[c.ID] += c.Count
	}
	r := &rythme.PollResults{Options: make([]rythme.PollOptionResult, len(p.Answers)), Closed: p.Results.IsFinalized}
	for i, a := range p.Answers {
		n := max(counts[a.AnswerID], 0)
		r.Options[i] = rythme.PollOptionResult{Title: a.Media.Text, Votes: n}
		r.Votes += n
	}
	return r
}
