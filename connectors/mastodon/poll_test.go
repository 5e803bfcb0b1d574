package mastodon_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/mastodon"
)

func TestPollPublishedAndRead(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	c := e.Connect("alice")
	ctx := context.Background()
	poll := &rythme.Poll{Options: []string{"Tea", "Coffee", "Both"}, DurationMinutes: 60, Multiple: true}
	p, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "Which one?", Poll: poll,
		Thread: []string{"Tell us why below."}})
	if err != nil {
		t.Fatal(err)
	}
	posts := e.Posts()
	if len(posts) != 2 || !slices.Equal(posts[0].Poll, poll.Options) || posts[0].PollMinutes != 60 || posts[1].Poll != nil {
		t.Fatalf("fakenet got %+v, want the poll on the first part only, lasting 60 minutes", posts)
	}

	read := func() *rythme.PollResults {
		t.Helper()
		ms, err := e.Connector.FetchMetrics(ctx, c.Account, c.Client, []string{p.ExternalID})
		if err != nil || len(ms) != 1 || ms[0].Poll == nil {
			t.Fatalf("FetchMetrics: %+v, %v", ms, err)
		}
		return ms[0].Poll
	}
	first := read()
	if len(first.Options) != 3 || first.Options[1].Title != "Coffee" || first.Votes != 0 || first.Closed {
		t.Errorf("at publication: %+v, want three options and no vote yet", first)
	}
	e.Clock.Advance(30 * time.Minute)
	mid := read()
	e.Clock.Advance(2 * time.Hour)
	end := read()
	var sum int64
	for _, o := range end.Options {
		sum += o.Votes
	}
	if mid.Votes == 0 || end.Votes < mid.Votes || !end.Closed || mid.Closed || sum != end.Votes {
		t.Errorf("votes after 30 min %+v, after the end %+v: want votes growing, closed at the end, options adding up", mid, end)
	}
	if end.Voters == nil || *end.Voters == 0 || *end.Voters > end.Votes {
		t.Errorf("voters %v of a multiple-choice poll with %d votes", end.Voters, end.Votes)
	}
	e.Clock.Advance(24 * time.Hour)
	if later := read(); later.Votes != end.Votes {
		t.Errorf("a closed poll took votes: %d then %d", end.Votes, later.Votes)
	}
}

func TestPollRefusedByServer(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	c := e.Connect("alice")
	_, err := e.Connector.Publish(context.Background(), c.Account, c.Client, connectors.PublishRequest{Text: "Which?",
		Poll: &rythme.Poll{Options: []string{"A", "B"}, DurationMinutes: 1}})
	if connectors.KindOf(err) != connectors.Permanent {
		t.Errorf("a poll of one minute (the server's least is 5): %v, want a permanent refusal", err)
	}
}

func TestPollLimitsFromInstance(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness())
	c := e.Connect("alice")
	l := e.Connector.(*mastodon.Connector).Limits(c.Account).Polls
	if l == nil || l.MaxOptions != 4 || l.MaxOptionLength != 50 || l.MinDurationMinutes != 5 || l.MaxDurationMinutes != 2629746/60 {
		t.Fatalf("limits from the instance: %+v", l)
	}
	c.Account.Meta[mastodon.MetaPollOptions], c.Account.Meta[mastodon.MetaPollChars] = "6", "100"
	c.Account.Meta[mastodon.MetaPollMaxSecs] = "86400"
	l = e.Connector.(*mastodon.Connector).Limits(c.Account).Polls
	if l.MaxOptions != 6 || l.MaxOptionLength != 100 || l.MaxDurationMinutes != 1440 || e.Connector.Info().Polls.MaxOptions != 4 {
		t.Errorf("an instance's own limits: %+v (defaults %+v)", l, e.Connector.Info().Polls)
	}
}
