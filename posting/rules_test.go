package posting_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/posting"
)

// post builds a post of ws at `at` with one target per account.
func post(ws, content string, at, now time.Time, accts ...*rythme.Account) *rythme.Post {
	p := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: ws, Content: content, ScheduledAt: at,
		Timezone: "UTC", Tags: []string{}, Media: []string{}, Thread: []string{}, CreatedAt: now, UpdatedAt: now}
	for _, a := range accts {
		p.Targets = append(p.Targets, &rythme.Target{ID: rythme.NewID(rythme.PrefixTarget), PostID: p.ID,
			WorkspaceID: ws, AccountID: a.ID, Network: a.Network, Status: rythme.TargetScheduled, Version: 1,
			ScheduledAt: at, CreatedAt: now, UpdatedAt: now})
	}
	return p
}

func TestValidate(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		short, long := e.account(e.ws, "short"), e.account(e.ws, "long")
		at := e.now.Add(time.Hour)

		var fe posting.Fields
		e.svc.Validate(ctx, &fe, post(e.ws, "fits everywhere", at, e.now, short, long), false)
		if fe.Err() != nil {
			t.Fatalf("valid post: %v", fe.Err())
		}

		fe = nil
		e.svc.Validate(ctx, &fe, post(e.ws, strings.Repeat("x", 30), at, e.now, short, long), false)
		if len(fe) != 1 || fe[0].Field != "content" || !strings.HasPrefix(fe[0].Message, "Fake short: is 30 characters") {
			t.Fatalf("too long for one network: %+v", fe)
		}

		fe = nil
		p := post(e.ws, "", at, e.now, short)
		p.Thread = []string{"one", strings.Repeat("y", 21)}
		e.svc.Validate(ctx, &fe, p, false)
		if got := strings.Join(fieldsOf(fe.Err()), ","); got != "content" {
			t.Fatalf("empty content: fields %s, want content only (said once)", got)
		}

		fe = nil
		p = post(e.ws, "hello", at, e.now, long)
		p.Thread = []string{"part"}
		e.svc.Validate(ctx, &fe, p, false)
		if !fe.Has("thread") {
			t.Fatalf("thread on a network without threads: %+v", fe)
		}

		// A field already reported is not reported twice.
		fe = nil
		fe.Add("scheduled_at", "is bad")
		p = post(e.ws, "hello", time.Time{}, e.now, long)
		e.svc.Validate(ctx, &fe, p, false)
		if n := strings.Count(strings.Join(fieldsOf(fe.Err()), ","), "scheduled_at"); n != 1 {
			t.Fatalf("scheduled_at reported %d times: %+v", n, fe)
		}
	})
}

func TestLoadMedia(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		var fe posting.Fields
		media, err := e.svc.LoadMedia(context.Background(), &fe, e.ws, []string{rythme.NewID(rythme.PrefixMedia)})
		if err != nil {
			t.Fatal(err)
		}
		if len(media) != 0 || !fe.Has("media[0]") {
			t.Fatalf("unknown media: got %d, fields %+v", len(media), fe)
		}
	})
}

func TestAccountAndUnusable(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		acc := e.account(e.ws, "short")
		other := e.account(e.workspace(false), "short")
		seen := map[string]*rythme.Account{}
		got, err := e.svc.Account(ctx, seen, e.ws, acc.ID)
		if err != nil || got == nil || got.ID != acc.ID || posting.Unusable(got) != "" {
			t.Fatalf("own account: %v, %v", got, err)
		}
		got, err = e.svc.Account(ctx, seen, e.ws, other.ID)
		if err != nil || got != nil {
			t.Fatalf("another workspace's account: %v, %v", got, err)
		}
		if msg := posting.Unusable(got); msg != "no such account in this workspace" {
			t.Fatalf("unusable(nil) = %q", msg)
		}
	})
}

func TestApproval(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		acc := e.account(e.ws, "long")
		strict := e.workspace(true)
		cases := []struct {
			ws           string
			a            rythme.Actor
			draft        bool
			wantDraft    bool
			wantSeriesRv string
		}{
			{e.ws, editor, false, false, ""},
			{e.ws, editor, true, true, rythme.ReviewDraft},
			{strict, editor, false, true, rythme.ReviewPending},
			{strict, manager, false, false, ""},
		}
		for i, c := range cases {
			ap, err := e.svc.ApprovalFor(ctx, c.ws, c.a)
			if err != nil {
				t.Fatal(err)
			}
			p := post(c.ws, "hello", e.now.Add(time.Hour), e.now, acc)
			ap.Created(p, c.draft)
			if got := p.Review == rythme.ReviewDraft && p.Targets[0].Status == rythme.TargetDraft; got != c.wantDraft {
				t.Errorf("case %d: draft = %v, want %v", i, got, c.wantDraft)
			}
			if got := ap.SeriesReview(c.draft); got != c.wantSeriesRv {
				t.Errorf("case %d: series review %q, want %q", i, got, c.wantSeriesRv)
			}
		}
		if _, err := e.svc.ApprovalFor(ctx, rythme.NewID(rythme.PrefixWorkspace), editor); rythme.ErrorCode(err) != rythme.ENOTFOUND {
			t.Fatalf("unknown workspace: %v", err)
		}
	})
}

func TestEnqueue(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		acc := e.account(e.ws, "long")
		soon := post(e.ws, "soon", e.now.Add(30*time.Minute), e.now, acc)
		later := post(e.ws, "later", e.now.Add(2*time.Hour), e.now, acc)
		draft := post(e.ws, "draft", e.now.Add(time.Minute), e.now, acc)
		draft.MakeDraft()
		e.svc.Enqueue(ctx, soon, later, draft)
		got := e.queue.take()
		if len(got) != 1 || got[0] != soon.Targets[0].ID {
			t.Fatalf("enqueued %v, want only %s (within the horizon, scheduled)", got, soon.Targets[0].ID)
		}

		e.queue.err = errors.New("redis down")
		e.svc.Enqueue(ctx, soon) // logged, not returned
		if !strings.Contains(e.logs.String(), "enqueue publish failed") || strings.Contains(e.logs.String(), "soon") {
			t.Fatalf("a queue failure is logged without content: %q", e.logs.String())
		}
	})
}

func TestRecord(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		p := post(e.ws, "hello", e.now.Add(time.Hour), e.now, e.account(e.ws, "long"))
		posting.Record(p, editor, posting.ActionCreated, "import", e.now)
		if err := e.store.CreatePost(ctx, p); err != nil {
			t.Fatal(err)
		}
		evs, err := e.store.PostEvents(ctx, e.ws, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || evs[0].Action != "created" || evs[0].Comment != "import" || evs[0].ActorID != editor.ID {
			t.Fatalf("history: %+v", evs)
		}
	})
}
