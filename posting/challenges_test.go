package posting_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/posting"
)

// challengeEnv is an env on Wednesday 9 January 2030 at noon UTC (ISO week
// 2030-W02) with a challenge on acc for this week and the next.
func challengeEnv(t *testing.T, e *env) (*rythme.Campaign, *rythme.Account) {
	t.Helper()
	e.now = time.Date(2030, time.January, 9, 12, 0, 0, 0, time.UTC)
	acc := e.account(e.ws, "long")
	camp, err := e.planner().CreateChallenge(context.Background(), manager, e.ws, posting.ChallengeInput{Name: "Photo of the week",
		Weeks: []posting.WeekInput{{Week: "2030-W03", Theme: "Shadow"}, {Week: "2030-W02", Theme: "Light"}}, Targets: []string{acc.ID}})
	if err != nil {
		t.Fatalf("create challenge: %v", err)
	}
	return camp, acc
}

func TestCreateChallenge(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		camp, acc := challengeEnv(t, e)
		plan, err := posting.ChallengePlanOf(camp)
		if err != nil {
			t.Fatal(err)
		}
		if camp.Kind != rythme.CampaignWeeklyChallenge || camp.Timezone != "UTC" || camp.FirstDay != "2030-01-07" || camp.Theme != "Light" ||
			len(plan.Weeks) != 2 || plan.Weeks[0].Week.String() != "2030-W02" {
			t.Fatalf("challenge %+v, plan %+v", camp, plan)
		}
		_, err = e.planner().CreateChallenge(ctx, manager, e.ws, posting.ChallengeInput{Name: "Late",
			Weeks: []posting.WeekInput{{Week: "2030-W01", Theme: "Over"}}, Targets: []string{acc.ID, acc.ID}, Format: "poem"})
		want := "weeks[0].week,targets[1],format"
		if got := strings.Join(fieldsOf(err), ","); rythme.ErrorCode(err) != rythme.EINVALID || got != want {
			t.Fatalf("a closed week, an account twice, an unknown format: %v (fields %s, want %s)", err, got, want)
		}
	})
}

func TestSubmitAndPick(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		camp, acc := challengeEnv(t, e)
		pl := e.planner()
		sub, err := pl.Submit(ctx, editor, e.ws, camp.ID, posting.Submission{Content: "My entry",
			Targets: []posting.TargetInput{{AccountID: acc.ID, Content: "My entry, for this account"}}})
		if err != nil {
			t.Fatal(err)
		}
		weekEnd := time.Date(2030, time.January, 14, 0, 0, 0, 0, time.UTC)
		if sub.Review != rythme.ReviewPending || sub.ChallengeWeek != "2030-W02" || sub.Author != editor.Name ||
			!sub.ScheduledAt.Equal(weekEnd) || sub.Targets[0].Status != rythme.TargetDraft || sub.Targets[0].Content != "My entry, for this account" {
			t.Fatalf("submission %+v, target %+v", sub, sub.Targets[0])
		}
		if got := e.queue.take(); len(got) != 0 {
			t.Fatalf("a submission was enqueued: %v", got)
		}

		// A variant for an account the challenge does not publish on.
		other := e.account(e.ws, "long")
		_, err = pl.Submit(ctx, editor, e.ws, camp.ID, posting.Submission{Content: "x", Targets: []posting.TargetInput{{AccountID: other.ID}}})
		if got := strings.Join(fieldsOf(err), ","); got != "targets[0].account_id" {
			t.Fatalf("a variant for another account: %v (fields %s)", err, got)
		}

		// Picked at its own time: approved, scheduled, recorded as picked.
		picked, err := pl.Pick(ctx, manager, e.ws, camp.ID, sub.ID, "", "lovely")
		if err != nil {
			t.Fatal(err)
		}
		if picked.Review != rythme.ReviewApproved || picked.Targets[0].Status != rythme.TargetScheduled || !picked.ScheduledAt.Equal(weekEnd) {
			t.Fatalf("picked: review %q, target %s at %v", picked.Review, picked.Targets[0].Status, picked.ScheduledAt)
		}
		evs, err := e.store.PostEvents(ctx, e.ws, sub.ID)
		if err != nil || len(evs) != 2 || evs[0].Action != posting.ActionSubmitted || evs[1].Action != "picked" ||
			evs[1].Comment != "challenge Photo of the week week 2030-W02. lovely" {
			t.Fatalf("history: %+v, %v", evs, err)
		}
		if _, err := pl.Pick(ctx, manager, e.ws, camp.ID, sub.ID, "", ""); rythme.ErrorCode(err) != rythme.ECONFLICT {
			t.Fatalf("picking twice: %v, want ECONFLICT", err)
		}

		// Picked to go out now: enqueued at once.
		sub2, err := pl.Submit(ctx, editor, e.ws, camp.ID, posting.Submission{Content: "Another entry"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pl.Pick(ctx, manager, e.ws, camp.ID, sub2.ID, "now", ""); err != nil {
			t.Fatal(err)
		}
		if got := e.queue.take(); len(got) != 1 || got[0] != sub2.Targets[0].ID {
			t.Fatalf("enqueued %v, want the picked submission's target", got)
		}

		// A post that is not a submission to this challenge.
		plain := post(e.ws, "not an entry", e.now.Add(time.Hour), e.now, acc)
		if err := e.store.CreatePost(ctx, plain); err != nil {
			t.Fatal(err)
		}
		if _, err := pl.Pick(ctx, manager, e.ws, camp.ID, plain.ID, "", ""); rythme.ErrorCode(err) != rythme.ENOTFOUND {
			t.Fatalf("picking a post that is no submission: %v, want ENOTFOUND", err)
		}
	})
}

func TestPickInTheNextSlot(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		camp, acc := challengeEnv(t, e)
		pl := e.planner()
		var subs []*rythme.Post
		for _, c := range []string{"one", "two", "three"} {
			p, err := pl.Submit(ctx, editor, e.ws, camp.ID, posting.Submission{Content: c})
			if err != nil {
				t.Fatal(err)
			}
			subs = append(subs, p)
		}
		if _, err := pl.Pick(ctx, manager, e.ws, camp.ID, subs[0].ID, posting.NextSlot, ""); rythme.ErrorCode(err) != rythme.EINVALID ||
			strings.Join(fieldsOf(err), ",") != "scheduled_at" {
			t.Fatalf("next slot on an account without slots: %v", err)
		}
		schedule := &rythme.PostingSchedule{Timezone: "UTC", Slots: []rythme.PostingSlot{{Weekday: 4, Time: "09:00"}, {Weekday: 5, Time: "09:00"}}}
		if err := e.store.SetAccountSchedule(ctx, e.ws, acc.ID, schedule); err != nil {
			t.Fatal(err)
		}
		thursday := time.Date(2030, time.January, 10, 9, 0, 0, 0, time.UTC)
		for i, want := range []time.Time{thursday, thursday.Add(day), thursday.Add(7 * day)} {
			p, err := pl.Pick(ctx, manager, e.ws, camp.ID, subs[i].ID, posting.NextSlot, "")
			if err != nil {
				t.Fatal(err)
			}
			if !p.ScheduledAt.Equal(want) || !p.Targets[0].Slotted {
				t.Fatalf("pick %d in the next slot: at %v (slotted %v), want %v", i, p.ScheduledAt, p.Targets[0].Slotted, want)
			}
		}
	})
}

func TestChallengeWeeks(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		camp, _ := challengeEnv(t, e)
		pl := e.planner()
		weeks := func(ws ...string) []posting.WeekInput {
			var out []posting.WeekInput
			for i := 0; i < len(ws); i += 2 {
				out = append(out, posting.WeekInput{Week: ws[i], Theme: ws[i+1]})
			}
			return out
		}
		// The week open now stays; weeks to come are free.
		if _, _, err := pl.PutChallengeWeeks(ctx, e.ws, camp.ID, weeks("2030-W03", "Shadow")); rythme.ErrorCode(err) != rythme.ECONFLICT {
			t.Fatalf("removing the open week: %v, want ECONFLICT", err)
		}
		if _, _, err := pl.PutChallengeWeeks(ctx, e.ws, camp.ID, weeks("2030-W01", "Past", "2030-W02", "Light")); rythme.ErrorCode(err) != rythme.ECONFLICT {
			t.Fatalf("adding a closed week: %v, want ECONFLICT", err)
		}
		got, _, err := pl.PutChallengeWeeks(ctx, e.ws, camp.ID, weeks("2030-W04", "Colour", "2030-W02", "Bright light"))
		if err != nil {
			t.Fatal(err)
		}
		plan, err := posting.ChallengePlanOf(got)
		if err != nil || len(plan.Weeks) != 2 || plan.Weeks[0].Theme != "Bright light" || plan.Weeks[1].Week.String() != "2030-W04" {
			t.Fatalf("weeks after the change: %+v, %v", plan.Weeks, err)
		}

		// Next week, the challenge's current week has closed; once
		// cancelled, it takes nothing.
		e.now = e.now.Add(7 * day)
		_, err = pl.Submit(ctx, editor, e.ws, camp.ID, posting.Submission{Content: "late"})
		if rythme.ErrorCode(err) != rythme.ECONFLICT || !strings.Contains(rythme.ErrorMessage(err), "week 2030-W04 (Colour) opens at") {
			t.Fatalf("submitting between weeks: %v", err)
		}
		if err := pl.CancelCampaign(ctx, manager, e.ws, camp.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := pl.PutChallengeWeeks(ctx, e.ws, camp.ID, weeks("2030-W04", "x")); rythme.ErrorCode(err) != rythme.ECONFLICT {
			t.Fatalf("changing a cancelled challenge: %v, want ECONFLICT", err)
		}
		if _, _, err := pl.Challenge(ctx, e.workspace(false), camp.ID); rythme.ErrorCode(err) != rythme.ENOTFOUND {
			t.Fatalf("another workspace's challenge: %v, want ENOTFOUND", err)
		}
	})
}
