package linkedin_test

import (
	"context"
	"slices"
	"testing"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
)

// TestPoll publishes a poll post (content.poll, the text as question, a
// week as SEVEN_DAYS); a duration LinkedIn does not have is refused
// before anything is sent.
func TestPoll(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harness(nil))
	c := e.Connect("alice")
	ctx := context.Background()
	poll := &rythme.Poll{Options: []string{"Remote", "Office", "Both"}, DurationMinutes: 7 * 1440}
	if _, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "Where do you work best?", Poll: poll}); err != nil {
		t.Fatal(err)
	}
	posts := e.Posts()
	if len(posts) != 1 || !slices.Equal(posts[0].Poll, poll.Options) || posts[0].PollMinutes != 7*1440 {
		t.Fatalf("fakenet got %+v", posts)
	}
	_, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "Two days?",
		Poll: &rythme.Poll{Options: []string{"A", "B"}, DurationMinutes: 2 * 1440}})
	if connectors.KindOf(err) != connectors.Permanent || len(e.Posts()) != 1 {
		t.Errorf("two days: %v (%d posts), want a permanent refusal, nothing sent", err, len(e.Posts()))
	}
	if l := e.Connector.Info().Polls; l == nil || rythme.CheckPoll(l, &rythme.Poll{Options: []string{"A", "B"}, DurationMinutes: 2 * 1440}, "Q", 0) == nil {
		t.Errorf("LinkedIn's limits %+v take a two-day poll", l)
	}
}
