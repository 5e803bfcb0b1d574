package threads_test

import (
	"context"
	"slices"
	"testing"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
)

// TestPoll publishes a text post with a poll_attachment; Threads sets the
// poll's duration itself, so any duration passes rythme's check; a poll
// with an image is refused before anything is sent.
func TestPoll(t *testing.T) {
	t.Parallel()
	e := connectortest.Start(t, harnessWith(nil))
	c := e.Connect("alice")
	ctx := context.Background()
	poll := &rythme.Poll{Options: []string{"Morning", "Noon", "Evening"}, DurationMinutes: 90}
	if _, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "When do you read?", Poll: poll}); err != nil {
		t.Fatal(err)
	}
	if posts := e.Posts(); len(posts) != 1 || !slices.Equal(posts[0].Poll, poll.Options) {
		t.Fatalf("fakenet got %+v", posts)
	}
	l := e.Connector.Info().Polls
	if l == nil || rythme.CheckPoll(l, poll, "When do you read?", 0) != nil ||
		rythme.CheckPoll(l, &rythme.Poll{Options: []string{"A", "B"}, DurationMinutes: 90}, "Q", 1) == nil {
		t.Errorf("Threads' limits %+v: any duration, no media", l)
	}
	_, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "With a picture?", Poll: poll,
		Media: []connectors.Media{{ContentType: "image/png", URL: "https://example.com/a.png"}}})
	if connectors.KindOf(err) != connectors.Permanent || len(e.Posts()) != 1 {
		t.Errorf("a poll with an image: %v, want a permanent refusal, nothing sent", err)
	}
}
