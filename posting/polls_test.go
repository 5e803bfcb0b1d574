package posting_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors/bluesky"
	"github.com/rythmehq/rythme/connectors/mastodon"
	"github.com/rythmehq/rythme/posting"
)

// TestPollValidation checks a poll against each target network's limits:
// Mastodon's defaults, a Mastodon instance's own, and a network without
// polls (Bluesky), whose targets the 422 names; nothing is stored.
func TestPollValidation(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.reg.Register(mastodon.New())
		e.reg.Register(bluesky.New(bluesky.Config{}))
		masto, sky := e.account(e.ws, "mastodon"), e.account(e.ws, "bluesky")
		big := e.account(e.ws, "mastodon") // an instance that allows 6 options of 100 characters, up to a day
		big.Meta = map[string]string{mastodon.MetaPollOptions: "6", mastodon.MetaPollChars: "100", mastodon.MetaPollMaxSecs: "86400"}
		if err := e.store.UpsertAccount(ctx, big); err != nil {
			t.Fatal(err)
		}
		at := e.now.Add(time.Hour).Format(time.RFC3339)
		six := []string{"one", "two", "three", "four", "five", "six"}
		cases := []struct {
			name     string
			accounts []*rythme.Account
			poll     rythme.Poll
			media    bool
			want     []string // field: message fragments; none: valid
		}{
			{"fits", []*rythme.Account{masto}, rythme.Poll{Options: []string{"Tea", "Coffee"}, DurationMinutes: 1440, Multiple: true}, false, nil},
			{"one option", []*rythme.Account{masto}, rythme.Poll{Options: []string{"Tea"}, DurationMinutes: 60}, false,
				[]string{"poll.options: must have 2 to 10 options"}},
			{"empty and twice", []*rythme.Account{masto}, rythme.Poll{Options: []string{"A", " ", "A"}, DurationMinutes: 60}, false,
				[]string{"poll.options[1]: is empty", "poll.options[2]: is listed twice"}},
			{"no duration", []*rythme.Account{masto}, rythme.Poll{Options: []string{"A", "B"}}, false,
				[]string{"poll.duration_minutes: must be a positive"}},
			{"too many options", []*rythme.Account{masto}, rythme.Poll{Options: six, DurationMinutes: 60}, false,
				[]string{"poll: Mastodon: a poll has at most 4 options (this one has 6)"}},
			{"the instance takes six", []*rythme.Account{big}, rythme.Poll{Options: six, DurationMinutes: 60}, false, nil},
			{"option too long", []*rythme.Account{masto}, rythme.Poll{Options: []string{"A", strings.Repeat("b", 51)}, DurationMinutes: 60}, false,
				[]string{"poll: Mastodon: poll option 2 is 51 characters long, the most is 50"}},
			{"too short", []*rythme.Account{masto}, rythme.Poll{Options: []string{"A", "B"}, DurationMinutes: 4}, false,
				[]string{"poll: Mastodon: a poll lasts at least 5 minutes (not 4)"}},
			{"longer than the instance's", []*rythme.Account{big}, rythme.Poll{Options: []string{"A", "B"}, DurationMinutes: 1441}, false,
				[]string{"poll: Mastodon: a poll lasts at most 1440 minutes (not 1441)"}},
			{"with media", []*rythme.Account{masto}, rythme.Poll{Options: []string{"A", "B"}, DurationMinutes: 60}, true,
				[]string{"poll: Mastodon: a poll cannot go with media files"}},
			{"a network without polls", []*rythme.Account{masto, sky}, rythme.Poll{Options: []string{"A", "B"}, DurationMinutes: 60}, false,
				[]string{"poll: Bluesky does not take polls: drop the poll or target 1 (account " + sky.ID + ")"}},
		}
		for _, tc := range cases {
			in := posting.NewPost{Content: "Which one?", ScheduledAt: at, Poll: &tc.poll}
			for _, a := range tc.accounts {
				in.Targets = append(in.Targets, posting.TargetInput{AccountID: a.ID})
			}
			if tc.media {
				in.Media = []string{rythme.NewID(rythme.PrefixMedia)}
			}
			err := e.svc.Check(ctx, editor, e.ws, in)
			var got []string
			for _, f := range rythme.ErrorFields(err) {
				if f.Field != "media[0]" { // the unknown media id: not what is tested
					got = append(got, f.Field+": "+f.Message)
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("%s: errors %q, want %q", tc.name, got, tc.want)
				continue
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("%s: error %q, want %q", tc.name, got[i], w)
				}
			}
		}

		// A recurring post carries its poll to every occurrence, checked by
		// the same rule: fine for Mastodon, refused naming Bluesky's target.
		weekly := posting.NewPost{Content: "Weekly vote", ScheduledAt: at, Recurrence: "FREQ=WEEKLY;COUNT=3",
			Targets: []posting.TargetInput{{AccountID: masto.ID}}, Poll: &rythme.Poll{Options: []string{"A", "B"}, DurationMinutes: 60}}
		if err := e.svc.Check(ctx, editor, e.ws, weekly); err != nil {
			t.Errorf("a recurring poll for Mastodon: %v", err)
		}
		weekly.Targets = append(weekly.Targets, posting.TargetInput{AccountID: sky.ID})
		err := e.svc.Check(ctx, editor, e.ws, weekly)
		if f := rythme.ErrorFields(err); len(f) != 1 || f[0].Field != "poll" || !strings.Contains(f[0].Message, "target 1 (account "+sky.ID+")") {
			t.Errorf("a recurring poll for Bluesky: %v", err)
		}

		// Create refuses the same way, and stores nothing.
		_, err = e.svc.Create(ctx, editor, e.ws, posting.NewPost{Content: "Which one?", ScheduledAt: at,
			Targets: []posting.TargetInput{{AccountID: sky.ID}}, Poll: &rythme.Poll{Options: []string{"A", "B"}, DurationMinutes: 60}})
		if rythme.ErrorCode(err) != rythme.EINVALID {
			t.Fatalf("a poll for Bluesky: %v, want EINVALID", err)
		}
		if posts, _, err := e.store.ListPosts(ctx, e.ws, rythme.PostFilter{}); err != nil || len(posts) != 0 {
			t.Fatalf("refused post stored: %d posts, %v", len(posts), err)
		}
	})
}

// TestPollStoredAndEdited creates a post with a poll, reads it back with
// its targets (what the worker publishes), changes it and removes it.
func TestPollStoredAndEdited(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.reg.Register(mastodon.New())
		masto := e.account(e.ws, "mastodon")
		made, err := e.svc.Create(ctx, editor, e.ws, posting.NewPost{Content: "Which one?", ScheduledAt: e.now.Add(time.Hour).Format(time.RFC3339),
			Targets: []posting.TargetInput{{AccountID: masto.ID}}, Poll: &rythme.Poll{Options: []string{"Tea", "Coffee"}, DurationMinutes: 90, Multiple: true}})
		if err != nil {
			t.Fatal(err)
		}
		p, err := e.store.GetPost(ctx, e.ws, made.Post.ID)
		if err != nil || p.Poll == nil || strings.Join(p.Poll.Options, ",") != "Tea,Coffee" || p.Poll.DurationMinutes != 90 || !p.Poll.Multiple {
			t.Fatalf("stored poll %+v, %v", p.Poll, err)
		}
		tg, err := e.store.GetTarget(ctx, p.Targets[0].ID)
		if err != nil || tg.Poll == nil || tg.Poll.DurationMinutes != 90 {
			t.Fatalf("target's poll %+v, %v", tg.Poll, err)
		}

		var ch posting.Changes
		if err := json.Unmarshal([]byte(`{"poll": {"options": ["A", "B", "C"], "duration_minutes": 30}}`), &ch); err != nil {
			t.Fatal(err)
		}
		p, err = e.svc.Edit(ctx, editor, e.ws, p.ID, ch)
		if err != nil || p.Poll == nil || len(p.Poll.Options) != 3 || p.Poll.Multiple {
			t.Fatalf("edited poll %+v, %v", p.Poll, err)
		}
		// An edit that leaves the poll out keeps it.
		ch = posting.Changes{}
		if err := json.Unmarshal([]byte(`{"content": "Which one, then?"}`), &ch); err != nil {
			t.Fatal(err)
		}
		if p, err = e.svc.Edit(ctx, editor, e.ws, p.ID, ch); err != nil || p.Poll == nil || len(p.Poll.Options) != 3 {
			t.Fatalf("an edit that keeps the poll: %+v, %v", p, err)
		}
		ch = posting.Changes{}
		if err := json.Unmarshal([]byte(`{"poll": null}`), &ch); err != nil || !ch.Poll.Set {
			t.Fatalf("null poll: %+v, %v", ch.Poll, err)
		}
		p, err = e.svc.Edit(ctx, editor, e.ws, p.ID, ch)
		if err != nil || p.Poll != nil {
			t.Fatalf("poll removed: %+v, %v", p.Poll, err)
		}
		if p, _ = e.store.GetPost(ctx, e.ws, p.ID); p.Poll != nil {
			t.Fatalf("removed poll still stored: %+v", p.Poll)
		}
	})
}
