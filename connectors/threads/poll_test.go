package threads_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/threads"
	"github.com/rythmehq/rythme/fakenet/sim"
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

// TestPollVotes reads a poll's votes back from the media object's
// poll_attachment (shares of total_votes) over its life: the counts are
// fakenet's simulated votes exactly, it closes 24 hours after publication,
// and a post without a poll, or deleted, has none.
func TestPollVotes(t *testing.T) {
	t.Parallel()
	var e *connectortest.Env
	e = connectortest.Start(t, harnessWith(func(c *threads.Config) { c.Now = func() time.Time { return e.Clock.Now() } }))
	e.Clock.Advance(time.Since(e.Clock.Now()).Truncate(time.Second)) // tokens are issued on the real clock
	c := e.Connect("alice")
	ctx := context.Background()
	if l := e.Connector.Info().Polls; l == nil || !l.Results {
		t.Fatalf("Threads' poll limits %+v: votes are read back", l)
	}
	poll := &rythme.Poll{Options: []string{"Morning", "Noon", "Evening"}, DurationMinutes: 90}
	p, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "When do you read?", Poll: poll})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := e.Connector.Publish(ctx, c.Account, c.Client, connectors.PublishRequest{Text: "No poll here"})
	if err != nil {
		t.Fatal(err)
	}
	published := e.Clock.Now()
	pr := e.Connector.(connectors.PollReader)
	read := func(ids ...string) []*rythme.PollResults {
		t.Helper()
		got, err := pr.FetchPolls(ctx, c.Account, c.Client, ids)
		if err != nil || len(got) != len(ids) {
			t.Fatalf("FetchPolls: %v, %v", got, err)
		}
		return got
	}
	want := func(r *rythme.PollResults, closed bool) {
		t.Helper()
		votes, _ := sim.PollVotesAt(42, threads.Name, p.ExternalID, 3, false, e.Clock.Now().Sub(published), 24*time.Hour)
		var total int64
		for i, o := range r.Options {
			if o.Title != poll.Options[i] || o.Votes != votes[i] {
				t.Errorf("option %d: %+v, want %q with %d votes (%v)", i, o, poll.Options[i], votes[i], votes)
			}
			total += votes[i]
		}
		if len(r.Options) != 3 || r.Votes != total || r.Turnout() != total || r.Closed != closed {
			t.Errorf("poll %+v, want %d votes, closed %v", r, total, closed)
		}
	}
	e.Clock.Advance(2 * time.Hour)
	got := read(p.ExternalID, plain.ExternalID)
	if got[0] == nil || got[1] != nil {
		t.Fatalf("polls %v: want one for the poll post, nil for the plain one", got)
	}
	if got[0].Votes == 0 {
		t.Fatalf("no votes after 2 hours: %+v", got[0])
	}
	want(got[0], false)
	e.Clock.Advance(30 * time.Hour)
	end := read(p.ExternalID)[0]
	want(end, true)
	if end.Votes < got[0].Votes {
		t.Errorf("votes went down: %d then %d", got[0].Votes, end.Votes)
	}
	e.Fake.DeletePost(threads.Name, p.ExternalID)
	if gone := read(p.ExternalID); gone[0] != nil {
		t.Errorf("a deleted post's poll: %+v, want nil", gone[0])
	}
}
