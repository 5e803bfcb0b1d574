package x_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
)

// TestPoll publishes a post with a poll, reads its votes over time, and
// checks every request and answer against X's OpenAPI document; the
// limits rythme validates against are the spec's.
func TestPoll(t *testing.T) {
	t.Parallel()
	spec := loadSpec(t)
	e, rec := connectortest.StartRecorded(t, harness(nil))
	ctx := context.Background()
	c := e.Connect("alice")
	poll := &rythme.Poll{Options: []string{"Tea", "Coffee", "Neither"}, DurationMinutes: 60}
	p, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "Which one?", Poll: poll})
	if err != nil {
		t.Fatal(err)
	}
	if posts := e.Posts(); len(posts) != 1 || !slices.Equal(posts[0].Poll, poll.Options) || posts[0].PollMinutes != 60 {
		t.Fatalf("fakenet got %+v", posts)
	}
	read := func() *rythme.PollResults {
		t.Helper()
		ms, err := e.Connector.FetchMetrics(ctx, c.Account, c.Client, []string{p.ExternalID})
		if err != nil || len(ms) != 1 || ms[0].Poll == nil {
			t.Fatalf("FetchMetrics: %+v, %v", ms, err)
		}
		return ms[0].Poll
	}
	e.Clock.Advance(20 * time.Minute)
	mid := read()
	e.Clock.Advance(3 * time.Hour)
	end := read()
	if len(mid.Options) != 3 || mid.Options[2].Title != "Neither" || mid.Votes == 0 || mid.Closed ||
		end.Votes < mid.Votes || !end.Closed || end.Voters != nil {
		t.Errorf("votes after 20 min %+v, after the end %+v", mid, end)
	}
	checked := connectortest.CheckExchanges(t, spec, rec.Exchanges(), outsideSpec, checkX(t, spec))
	checked.Require(t, []string{"POST /2/tweets", "GET /2/tweets"}, 200, 201)

	// fakenet refuses, as X does, what rythme's validation keeps from it:
	// five options (out of the spec, hence not recorded).
	e2 := connectortest.Start(t, harness(nil))
	c2 := e2.Connect("alice")
	_, err = e2.Connector.Publish(ctx, c2.Account, c2.Client, connectors.PublishRequest{Text: "Five?",
		Poll: &rythme.Poll{Options: []string{"a", "b", "c", "d", "e"}, DurationMinutes: 60}})
	if connectors.KindOf(err) != connectors.Permanent {
		t.Errorf("five options: %v, want a permanent refusal", err)
	}

	l := e.Connector.Info().Polls
	if got := spec.Limit(t, "/components/schemas/CreatePostsPoll/properties/options", "maxItems"); l == nil || got != l.MaxOptions {
		t.Errorf("poll options: the spec allows %d, rythme %+v", got, l)
	}
	if got := spec.Limit(t, "/components/schemas/CreatePostsPoll/properties/options/items", "maxLength"); got != l.MaxOptionLength {
		t.Errorf("poll option length: the spec allows %d, rythme %d", got, l.MaxOptionLength)
	}
	if lo, hi := spec.Limit(t, "/components/schemas/CreatePostsPoll/properties/duration_minutes", "minimum"),
		spec.Limit(t, "/components/schemas/CreatePostsPoll/properties/duration_minutes", "maximum"); lo != l.MinDurationMinutes || hi != l.MaxDurationMinutes {
		t.Errorf("poll duration: the spec allows %d to %d, rythme %d to %d", lo, hi, l.MinDurationMinutes, l.MaxDurationMinutes)
	}
}
