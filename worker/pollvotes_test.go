package worker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/connectortest"
	"github.com/rythmehq/rythme/connectors/discord"
	"github.com/rythmehq/rythme/connectors/threads"
)

// publishPolls publishes, through the worker, a post with a poll of the
// given duration and one without; it returns their target ids.
func (pe *pollEnv) publishPolls(t *testing.T, minutes int) (withPoll, plain string) {
	pe.posts = map[string]string{}
	t.Helper()
	ctx := context.Background()
	for i, text := range []string{"Which day?", "No poll here"} {
		p := pe.post(t, text, pe.clock.Now(), pe.acct)
		if i == 0 {
			_, err := pe.store.UpdatePost(ctx, pe.ws.ID, p.ID, func(p *rythme.Post) error {
				p.Poll = &rythme.Poll{Options: []string{"Monday", "Friday"}, DurationMinutes: minutes}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := pe.handler().ProcessTask(ctx, publishTask(t, p.Targets[0].ID, p.Targets[0].Version)); err != nil {
			t.Fatal(err)
		}
		if tg := pe.target(t, p.Targets[0].ID); tg.Status != rythme.TargetPublished {
			t.Fatalf("%q: %s %q", text, tg.Status, tg.LastError)
		}
		pe.posts[p.Targets[0].ID] = p.ID
		if i == 0 {
			withPoll = p.Targets[0].ID
		} else {
			plain = p.Targets[0].ID
		}
	}
	return withPoll, plain
}

// snapshotsOf returns the stored readings of each target publishPolls
// made, polls included.
func (pe *pollEnv) snapshotsOf(t *testing.T) map[string][]rythme.Metrics {
	t.Helper()
	out := map[string][]rythme.Metrics{}
	for target, post := range pe.posts {
		rs, err := pe.store.PostReadings(context.Background(), pe.ws.ID, post, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range rs {
			if m.TargetID == target {
				out[target] = append(out[target], m)
			}
		}
	}
	return out
}

// TestPollerReadsPollVotesWithoutEngagement: Discord gives no engagement
// (Info().Metrics is false) but reads its polls' votes back, so the
// poller reads the messages that carry a poll, and only those, until the
// poll is closed; the readings claim no engagement figure.
func TestPollerReadsPollVotesWithoutEngagement(t *testing.T) {
	t.Parallel()
	pe := newPollEnvOn(t, connectortest.Harness{Network: discord.Name,
		New: func(base string) connectors.Connector {
			return discord.New(discord.FakenetConfig(strings.TrimSuffix(base, "/"+discord.Name)))
		},
		Params: func(string) connectors.ConnectParams { return connectors.ConnectParams{} },
		Direct: func(e *connectortest.Env, user string) connectors.ConnectParams {
			return connectors.ConnectParams{"webhook_url": e.Fake.DiscordWebhook(e.Server.URL, user)}
		}}, 0)
	withPoll, plain := pe.publishPolls(t, 60)
	pe.advance(15 * time.Minute)
	if _, err := pe.poll(t); err != nil {
		t.Fatal(err)
	}
	if n := pe.requests("get_message"); n != 1 {
		t.Fatalf("%d messages read, want 1 (the one with a poll)", n)
	}
	snaps := pe.snapshotsOf(t)
	if len(snaps[plain]) != 0 || len(snaps[withPoll]) != 1 {
		t.Fatalf("snapshots %+v: want one, of the poll", snaps)
	}
	first := snaps[withPoll][0]
	if first.Poll == nil || first.Poll.Votes == 0 || first.Poll.Closed || len(first.Poll.Options) != 2 ||
		first.Likes != nil || first.Comments != nil || first.Shares != nil {
		t.Fatalf("first reading %+v (poll %+v): want votes and no engagement", first, first.Poll)
	}
	// At an hour the poll is over and finalized: its last reading, then no
	// more.
	pe.advance(45 * time.Minute)
	if _, err := pe.poll(t); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		pe.advance(10 * 24 * time.Hour)
		if _, err := pe.poll(t); err != nil {
			t.Fatal(err)
		}
	}
	snaps = pe.snapshotsOf(t)
	if n := pe.requests("get_message"); n != 2 || len(snaps[withPoll]) != 2 || len(snaps[plain]) != 0 {
		t.Fatalf("%d reads, snapshots %+v: want 2, the second closing the poll", n, snaps)
	}
	if last := snaps[withPoll][1]; last.Poll == nil || !last.Poll.Closed || last.Poll.Votes < first.Poll.Votes {
		t.Errorf("last reading %+v", last.Poll)
	}
}

// TestPollerReadsPollVotesApart: Threads reads a poll's votes with a call
// apart from the insights (connectors.PollReader); the poller makes it for
// the posts with a poll only, and puts the votes into their readings
// alongside the engagement.
func TestPollerReadsPollVotesApart(t *testing.T) {
	t.Parallel()
	pe := newPollEnvOn(t, connectortest.Harness{Network: threads.Name,
		New: func(base string) connectors.Connector {
			return threads.New(threads.FakenetConfig(strings.TrimSuffix(base, "/"+threads.Name)))
		},
		Params: func(string) connectors.ConnectParams { return connectors.ConnectParams{} }}, 0)
	withPoll, plain := pe.publishPolls(t, 60)
	before := pe.requests("get_thread") // the permalinks read at publication
	pe.advance(15 * time.Minute)
	if _, err := pe.poll(t); err != nil {
		t.Fatal(err)
	}
	if n := pe.requests("get_thread") - before; n != 1 {
		t.Fatalf("%d media objects read, want 1 (the post with a poll)", n)
	}
	if n := pe.requests("insights"); n != 2 {
		t.Fatalf("%d insights read, want 2", n)
	}
	snaps := pe.snapshotsOf(t)
	if len(snaps[withPoll]) != 1 || len(snaps[plain]) != 1 {
		t.Fatalf("snapshots %+v: one per post", snaps)
	}
	if m := snaps[withPoll][0]; m.Poll == nil || m.Poll.Votes == 0 || len(m.Poll.Options) != 2 || m.Poll.Options[0].Title != "Monday" || m.Likes == nil {
		t.Errorf("the poll post's reading %+v (poll %+v): want engagement and votes", m, m.Poll)
	}
	if m := snaps[plain][0]; m.Poll != nil || m.Likes == nil {
		t.Errorf("the plain post's reading %+v: engagement, no poll", m)
	}
}
