package posting_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
	"github.com/rythmehq/rythme/posting"
)

// create makes a post of e.ws on acc due at `at` by editor, or fails.
func (e *env) create(acc *rythme.Account, content string, at time.Time, draft bool) *rythme.Post {
	e.t.Helper()
	made, err := e.svc.Create(context.Background(), editor, e.ws, posting.NewPost{Content: content,
		ScheduledAt: at.Format(time.RFC3339Nano), Targets: []posting.TargetInput{{AccountID: acc.ID}}, Draft: draft})
	if err != nil {
		e.t.Fatalf("create: %v", err)
	}
	return made.Post
}

// events returns the actions of post id's history.
func (e *env) events(id string) string {
	e.t.Helper()
	evs, err := e.store.PostEvents(context.Background(), e.ws, id)
	if err != nil {
		e.t.Fatalf("post events: %v", err)
	}
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Action)
	}
	return strings.Join(out, ",")
}

func TestCreate(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		acc := e.account(e.ws, "short")
		p := e.create(acc, "hello", e.now.Add(10*time.Minute), false)
		got, err := e.store.GetPost(ctx, e.ws, p.ID)
		if err != nil || got.Targets[0].Network != "short" || got.Tags == nil {
			t.Fatalf("stored post: %+v, %v", got, err)
		}
		if q := e.queue.take(); len(q) != 1 || q[0] != p.Targets[0].ID {
			t.Fatalf("enqueued %v, want the due target", q)
		}
		if h := e.events(p.ID); h != "created" {
			t.Fatalf("history %q", h)
		}

		e.create(acc, "draft", e.now.Add(10*time.Minute), true)
		if q := e.queue.take(); len(q) != 0 {
			t.Fatalf("a draft was enqueued: %v", q)
		}

		_, err = e.svc.Create(ctx, editor, e.ws, posting.NewPost{Content: strings.Repeat("x", 30), ScheduledAt: "yesterday",
			Targets: []posting.TargetInput{{AccountID: acc.ID}, {AccountID: rythme.NewID(rythme.PrefixAccount)}}})
		want := "scheduled_at,targets[1].account_id,content"
		if got := strings.Join(fieldsOf(err), ","); rythme.ErrorCode(err) != rythme.EINVALID || got != want {
			t.Fatalf("invalid post: %v fields %s, want %s", err, got, want)
		}
	})
}

func TestCreateNeedsApproval(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		e.ws = e.workspace(true)
		p := e.create(e.account(e.ws, "long"), "hello", e.now.Add(time.Minute), false)
		if p.Review != rythme.ReviewDraft || len(e.queue.take()) != 0 {
			t.Fatalf("an editor's post in a workspace asking for approval: review %q", p.Review)
		}
		p, err := e.svc.Submit(context.Background(), editor, e.ws, p.ID)
		if err != nil || p.Review != rythme.ReviewPending || len(e.queue.take()) != 0 {
			t.Fatalf("submitted: %v, review %q", err, p.Review)
		}
		if _, err := e.svc.Reject(context.Background(), manager, e.ws, p.ID, ""); rythme.ErrorCode(err) != rythme.EINVALID {
			t.Fatalf("reject without a comment: %v", err)
		}
		p, err = e.svc.Approve(context.Background(), manager, e.ws, p.ID, "fine")
		if err != nil || p.Review != rythme.ReviewApproved {
			t.Fatalf("approved: %v, review %q", err, p.Review)
		}
		if q := e.queue.take(); len(q) != 1 {
			t.Fatalf("approval enqueues the due target: %v", q)
		}
		if h := e.events(p.ID); h != "created,submitted,approved" {
			t.Fatalf("history %q", h)
		}
	})
}

func TestCreateRecurring(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		acc := e.account(e.ws, "long")
		made, err := e.svc.Create(context.Background(), editor, e.ws, posting.NewPost{Content: "weekly",
			ScheduledAt: e.now.Add(time.Hour).Format(time.RFC3339), Targets: []posting.TargetInput{{AccountID: acc.ID}},
			Recurrence: "FREQ=WEEKLY;COUNT=3", Draft: true})
		if err != nil || made.Rule == nil || made.Review != rythme.ReviewDraft {
			t.Fatalf("recurring: %+v, %v", made, err)
		}
		if _, err := e.store.GetPost(context.Background(), e.ws, made.Post.ID); rythme.ErrorCode(err) != rythme.ENOTFOUND {
			t.Fatalf("the template of a series is not stored as a post: %v", err)
		}
		_, err = e.svc.Create(context.Background(), editor, e.ws, posting.NewPost{Content: "weekly",
			ScheduledAt: posting.NextSlot, Targets: []posting.TargetInput{{AccountID: acc.ID}}, Recurrence: "FREQ=WEEKLY;COUNT=3"})
		if got := strings.Join(fieldsOf(err), ","); got != "targets[0].account_id,recurrence" {
			t.Fatalf("next slot with a recurrence: fields %s", got)
		}
	})
}

// withSlots gives acc a slot at every hour of every day, in UTC.
func (e *env) withSlots(acc *rythme.Account) {
	e.t.Helper()
	sched := &rythme.PostingSchedule{Timezone: "UTC"}
	for d := 0; d < 7; d++ {
		for h := 0; h < 24; h++ {
			sched.Slots = append(sched.Slots, rythme.PostingSlot{Weekday: d, Time: fmt.Sprintf("%02d:00", h)})
		}
	}
	if err := e.store.SetAccountSchedule(context.Background(), acc.WorkspaceID, acc.ID, sched); err != nil {
		e.t.Fatalf("set schedule: %v", err)
	}
}

func TestCreateInSlotConcurrent(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		acc := e.account(e.ws, "long")
		e.withSlots(acc)
		const n = 8
		var wg sync.WaitGroup
		times := make([]time.Time, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				made, err := e.svc.Create(context.Background(), editor, e.ws, posting.NewPost{Content: "queued",
					ScheduledAt: posting.NextSlot, Targets: []posting.TargetInput{{AccountID: acc.ID}}})
				errs[i] = err
				if err == nil {
					times[i] = made.Post.ScheduledAt
					if len(made.SlotAccounts) != 1 || !made.Post.Targets[0].Slotted {
						errs[i] = fmt.Errorf("slot accounts %d, slotted %v", len(made.SlotAccounts), made.Post.Targets[0].Slotted)
					}
				}
			}()
		}
		wg.Wait()
		seen := map[time.Time]bool{}
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("request %d: %v", i, errs[i])
			}
			if seen[times[i]] || times[i].Minute() != 0 || !times[i].After(e.now) {
				t.Fatalf("request %d took %v (taken twice, or not a slot)", i, times[i])
			}
			seen[times[i]] = true
		}
	})
}

// blindSlots is a store whose TakenTimes sees nothing (a replica that
// lags): only the store's unique slot index stops a second post.
type blindSlots struct{ rythme.Store }

func (blindSlots) TakenTimes(context.Context, string, []string, time.Time, time.Time) (map[string][]time.Time, error) {
	return map[string][]time.Time{}, nil
}

func TestCreateInSlotSkipsLostSlots(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		acc := e.account(e.ws, "long")
		e.withSlots(acc)
		first, err := e.svc.Create(context.Background(), editor, e.ws, posting.NewPost{Content: "one",
			ScheduledAt: posting.NextSlot, Targets: []posting.TargetInput{{AccountID: acc.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		blind, err := posting.New(posting.Config{Store: blindSlots{e.store}, Connectors: e.reg, Now: func() time.Time { return e.now }})
		if err != nil {
			t.Fatal(err)
		}
		second, err := blind.Create(context.Background(), editor, e.ws, posting.NewPost{Content: "two",
			ScheduledAt: posting.NextSlot, Targets: []posting.TargetInput{{AccountID: acc.ID}}})
		if err != nil {
			t.Fatalf("second in a slot: %v", err)
		}
		if want := first.Post.ScheduledAt.Add(time.Hour); !second.Post.ScheduledAt.Equal(want) {
			t.Fatalf("second took %v, want the next slot %v", second.Post.ScheduledAt, want)
		}
	})
}

func TestEdit(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		acc := e.account(e.ws, "short")
		p := e.create(acc, "hello", e.now.Add(2*time.Hour), false)
		if _, err := e.svc.Edit(ctx, editor, e.ws, p.ID, posting.Changes{}); rythme.ErrorCode(err) != rythme.EINVALID {
			t.Fatalf("nothing to change: %v", err)
		}
		long := strings.Repeat("y", 21)
		if _, err := e.svc.Edit(ctx, editor, e.ws, p.ID, posting.Changes{Content: &long}); !strings.Contains(strings.Join(fieldsOf(err), ","), "content") {
			t.Fatalf("too long for the network: %v", err)
		}
		soon := e.now.Add(5 * time.Minute).Format(time.RFC3339Nano)
		text := "edited"
		got, err := e.svc.Edit(ctx, editor, e.ws, p.ID, posting.Changes{Content: &text, ScheduledAt: &soon})
		if err != nil || got.Content != "edited" || got.Targets[0].Version != 2 {
			t.Fatalf("edit: %+v, %v", got, err)
		}
		if q := e.queue.take(); len(q) != 1 {
			t.Fatalf("an edit that makes the post due enqueues it: %v", q)
		}
		if h := e.events(p.ID); h != "created,edited" {
			t.Fatalf("history %q", h)
		}
		if _, err := e.svc.Edit(ctx, editor, e.ws, rythme.NewID(rythme.PrefixPost), posting.Changes{Content: &text}); rythme.ErrorCode(err) != rythme.ENOTFOUND {
			t.Fatalf("unknown post: %v", err)
		}
	})
}

func TestCancelAndResolve(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		acc := e.account(e.ws, "long")
		p := e.create(acc, "hello", e.now.Add(2*time.Hour), false)
		if _, err := e.store.HoldAccountTargets(ctx, acc.ID, "token revoked", e.now); err != nil {
			t.Fatal(err)
		}
		tid := p.Targets[0].ID
		if _, err := e.svc.Resolve(ctx, manager, e.ws, p.ID, tid, posting.Resolution{Outcome: "published"}); rythme.ErrorCode(err) != rythme.ECONFLICT {
			t.Fatalf("a held target cannot be marked published: %v", err)
		}
		_, err := e.svc.Resolve(ctx, manager, e.ws, p.ID, tid, posting.Resolution{Outcome: "retry", URL: "https://x.example/1"})
		if got := strings.Join(fieldsOf(err), ","); got != "url" {
			t.Fatalf("url on a retry: fields %s", got)
		}
		got, err := e.svc.Resolve(ctx, manager, e.ws, p.ID, tid, posting.Resolution{Outcome: "retry"})
		if err != nil || got.Targets[0].Status != rythme.TargetScheduled {
			t.Fatalf("retry: %+v, %v", got, err)
		}
		if q := e.queue.take(); len(q) != 1 || q[0] != tid {
			t.Fatalf("a retry now enqueues the target: %v", q)
		}
		got, err = e.svc.Cancel(ctx, editor, e.ws, p.ID)
		if err != nil || got.Targets[0].Status != rythme.TargetCancelled {
			t.Fatalf("cancel: %+v, %v", got, err)
		}
		if _, err := e.svc.Cancel(ctx, editor, e.ws, p.ID); rythme.ErrorCode(err) != rythme.ECONFLICT {
			t.Fatalf("cancel twice: %v", err)
		}
		if h := e.events(p.ID); h != "created,resolved,cancelled" {
			t.Fatalf("history %q", h)
		}
	})
}

func TestImport(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		acc := e.account(e.ws, "short")
		row := func(n int, content string, at time.Time) calendars.ImportRow {
			return calendars.ImportRow{Line: n + 1, Row: n, Content: content, ScheduledAt: at, Timezone: "UTC", Accounts: []string{acc.ID}}
		}
		_, err := e.svc.Import(ctx, editor, e.ws, []calendars.ImportRow{
			row(1, "fine", e.now.Add(time.Hour)), row(2, "late", e.now.Add(-time.Hour)), row(3, strings.Repeat("z", 21), e.now.Add(time.Hour)),
		}, nil)
		want := "rows[2].scheduled_at,rows[3].content"
		if got := strings.Join(fieldsOf(err), ","); got != want {
			t.Fatalf("bad rows: fields %s, want %s", got, want)
		}
		if posts, _, err := e.store.ListPosts(ctx, e.ws, rythme.PostFilter{}); err != nil || len(posts) != 0 {
			t.Fatalf("a bad file stores nothing: %d posts, %v", len(posts), err)
		}
		made, err := e.svc.Import(ctx, editor, e.ws, []calendars.ImportRow{row(1, "one", e.now.Add(time.Minute)), row(2, "two", e.now.Add(3*time.Hour))}, nil)
		if err != nil || len(made.Posts) != 2 {
			t.Fatalf("import: %+v, %v", made, err)
		}
		if q := e.queue.take(); len(q) != 1 || q[0] != made.Posts[0].Targets[0].ID {
			t.Fatalf("import enqueues the due posts: %v", q)
		}
		if h := e.events(made.Posts[1].ID); h != "created" {
			t.Fatalf("history %q", h)
		}
		if _, err := e.svc.Import(ctx, editor, e.ws, nil, nil); strings.Join(fieldsOf(err), ",") != "file" {
			t.Fatalf("no rows: %v", err)
		}
	})
}
