package discord_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/fakenet"
	"github.com/rythmehq/rythme/fakenet/sim"
)

// TestPoll publishes a poll through the webhook: the text is its
// question, the duration goes in hours; the request and fakenet's answer
// are checked against Discord's OpenAPI document, and rythme's limits
// against the spec's.
func TestPoll(t *testing.T) {
	t.Parallel()
	spec := loadSpec(t)
	e, rec := connectortest.StartRecorded(t, harness())
	ctx := context.Background()
	c := e.Connect("carol")
	poll := &rythme.Poll{Options: []string{"Monday", "Tuesday", "Friday"}, DurationMinutes: 48 * 60, Multiple: true}
	if _, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "When do we meet?", Poll: poll}); err != nil {
		t.Fatal(err)
	}
	posts := e.Posts()
	if len(posts) != 1 || posts[0].Text != "When do we meet?" || !slices.Equal(posts[0].Poll, poll.Options) || posts[0].PollMinutes != 48*60 {
		t.Fatalf("fakenet got %+v", posts)
	}
	x := rec.Exchanges()[len(rec.Exchanges())-1]
	var body map[string]any
	if err := json.Unmarshal(x.Body, &body); err != nil || body["content"] != nil || !strings.Contains(string(x.Body), `"duration":48`) ||
		!strings.Contains(string(x.Body), `"allow_multiselect":true`) {
		t.Errorf("Execute Webhook body %s: want the question in the poll, not the content; 48 hours", x.Body)
	}
	checked := connectortest.CheckExchanges(t, spec, rec.Exchanges(), nil, check(t, spec))
	checked.Require(t, []string{"POST /webhooks/{webhook_id}/{webhook_token}"}, 200)

	l := e.Connector.Info().Polls
	if got := spec.Limit(t, "/components/schemas/PollCreateRequest/properties/answers", "maxItems"); l == nil || got != l.MaxOptions {
		t.Errorf("answers: the spec allows %d, rythme %+v", got, l)
	}
	if got := spec.Limit(t, "/components/schemas/PollCreateRequest/properties/duration", "maximum"); got*60 != l.MaxDurationMinutes {
		t.Errorf("duration: the spec allows %d hours, rythme %d minutes", got, l.MaxDurationMinutes)
	}
}

// TestPollVotes reads a poll's votes back with Get Webhook Message: votes
// per answer are fakenet's simulated ones exactly (a multiple-choice poll),
// no engagement figure is claimed, the poll is closed once Discord has
// finalized it, a deleted message is Deleted and a deleted webhook needs
// a reconnection. fakenet's answers are held to the spec's Message object.
func TestPollVotes(t *testing.T) {
	t.Parallel()
	spec := loadSpec(t)
	e, rec := connectortest.StartRecorded(t, harness())
	ctx := context.Background()
	c := e.Connect("carol")
	if l := e.Connector.Info(); l.Metrics || l.Polls == nil || !l.Polls.Results {
		t.Fatalf("Discord's info %+v: no engagement, poll votes read back", l)
	}
	poll := &rythme.Poll{Options: []string{"Monday", "Tuesday", "Friday"}, DurationMinutes: 120, Multiple: true}
	p, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "When do we meet?", Poll: poll})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "No poll"})
	if err != nil {
		t.Fatal(err)
	}
	published := e.Clock.Now()
	read := func(ids ...string) []rythme.Metrics {
		t.Helper()
		ms, err := e.Connector.FetchMetrics(ctx, c.Account, c.Client, ids)
		if err != nil || len(ms) != len(ids) {
			t.Fatalf("FetchMetrics: %+v, %v", ms, err)
		}
		return ms
	}
	want := func(r *rythme.PollResults, closed bool) {
		t.Helper()
		votes, _ := sim.PollVotesAt(42, "discord", p.ExternalID, 3, true, e.Clock.Now().Sub(published), 2*time.Hour)
		var total int64
		for i, n := range votes {
			total += n
			if r == nil || len(r.Options) != 3 || r.Options[i].Title != poll.Options[i] || r.Options[i].Votes != n {
				t.Fatalf("poll %+v, want votes %v", r, votes)
			}
		}
		if r.Votes != total || r.Voters != nil || r.Closed != closed {
			t.Errorf("poll %+v, want %d votes, no voter count, closed %v", r, total, closed)
		}
	}
	e.Clock.Advance(30 * time.Minute)
	ms := read(p.ExternalID, plain.ExternalID)
	if m := ms[0]; m.ExternalID != p.ExternalID || m.Likes != nil || m.Comments != nil || m.Shares != nil || m.Impressions != nil || m.Deleted {
		t.Errorf("reading %+v: a webhook gives no engagement", m)
	}
	if ms[0].Poll == nil || ms[0].Poll.Votes == 0 {
		t.Fatalf("no votes after 30 minutes: %+v", ms[0].Poll)
	}
	want(ms[0].Poll, false)
	if ms[1].Poll != nil || ms[1].Deleted {
		t.Errorf("a message without a poll: %+v", ms[1])
	}
	e.Clock.Advance(3 * time.Hour)
	want(read(p.ExternalID)[0].Poll, true)

	if !e.Fake.DeletePost("discord", p.ExternalID) {
		t.Fatal("fakenet could not delete the message")
	}
	if m := read(p.ExternalID)[0]; !m.Deleted || m.Poll != nil {
		t.Errorf("a deleted message: %+v, want Deleted", m)
	}
	if _, err := e.Connector.FetchMetrics(ctx, c.Account, c.Client, []string{"../x"}); connectors.KindOf(err) != connectors.Permanent {
		t.Errorf("an id that is not a snowflake: %v, want a permanent refusal before any call", err)
	}

	// Every answer of Get Webhook Message is the spec's Message object (the
	// pinned spec keeps only Execute Webhook's path: the body is checked
	// against its schema).
	gets, gone := 0, 0
	for _, x := range rec.Exchanges() {
		if x.Method != "GET" || !strings.Contains(x.Path, "/messages/") {
			continue
		}
		if x.Status == 200 {
			gets++
			if msg := spec.CheckJSON("/components/schemas/MessageResponse", x.RespBody); msg != "" {
				t.Errorf("GET %s: %s\n%.500s", x.Path, msg, x.RespBody)
			}
		} else if x.Status == 404 && strings.Contains(string(x.RespBody), `"code":10008`) {
			gone++
		} else {
			t.Errorf("GET %s: %d %s, want 200 or 404 Unknown Message", x.Path, x.Status, x.RespBody)
		}
	}
	if gets != 3 || gone != 1 {
		t.Errorf("%d messages read and %d unknown, want 3 and 1", gets, gone)
	}

	e.InjectFault(fakenet.Fault{Kind: fakenet.FaultRevoke})
	if _, err := e.Connector.FetchMetrics(ctx, c.Account, c.Client, []string{plain.ExternalID}); connectors.KindOf(err) != connectors.Auth {
		t.Errorf("a deleted webhook: %v, want Auth (reconnect)", err)
	}
}
