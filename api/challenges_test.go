package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

type challengeOut struct {
	ID          string `json:"id"`
	Kind        string `json:"kind"`
	Status      string `json:"status"`
	Theme       string `json:"theme"`
	FirstDay    string `json:"first_day"`
	Timezone    string `json:"timezone"`
	CurrentWeek string `json:"current_week"`
	Weeks       []struct {
		Week        string    `json:"week"`
		Theme       string    `json:"theme"`
		OpensAt     time.Time `json:"opens_at"`
		ClosesAt    time.Time `json:"closes_at"`
		State       string    `json:"state"`
		Open        bool      `json:"open"`
		Submissions int       `json:"submissions"`
		Picked      int       `json:"picked"`
		PostIDs     []string  `json:"post_ids"`
	} `json:"weeks"`
	Posts []submissionOut `json:"posts"`
}

type submissionOut struct {
	postOut
	CampaignID    string `json:"campaign_id"`
	ChallengeWeek string `json:"challenge_week"`
	Format        string `json:"format"`
	Review        string `json:"review"`
}

// member creates an editor token named name and returns its secret.
func (e *env) member(name string) string {
	e.t.Helper()
	secret := rythme.TokenSecretPrefix + strings.ReplaceAll(rythme.NewID("s"), "_", "")
	tok := &rythme.APIToken{ID: rythme.NewID(rythme.PrefixToken), WorkspaceID: e.ws, Name: name, Role: rythme.RoleEditor,
		Hash: rythme.HashToken(secret), CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if err := e.store.CreateAPIToken(context.Background(), tok); err != nil {
		e.t.Fatalf("create token: %v", err)
	}
	e.noLeak(secret)
	return secret
}

// until moves the clock to at (never back).
func (e *env) until(at time.Time) {
	e.t.Helper()
	if d := at.Sub(e.clock.Now()); d > 0 {
		e.clock.Add(d)
	}
}

func (e *env) submit(secret, campaign string, body map[string]any) *response {
	e.t.Helper()
	return e.do(req{method: "POST", path: "/v1/campaigns/" + campaign + "/submissions", secret: secret, body: body})
}

func TestWeeklyChallenge(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			testWeeklyChallenge(t, newEnv(t, b.open(t)))
		})
	}
}

func testWeeklyChallenge(t *testing.T, e *env) {
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	paris, _ := time.LoadLocation("Europe/Paris")
	w1 := calendars.ISOWeekOf(e.clock.Now().AddDate(0, 0, 7), paris)
	w2, w3 := w1.Next(), w1.Next().Next()
	open1, close1 := calendars.Window(w1, paris)

	res := e.as(rythme.RoleEditor, "POST", "/v1/campaigns", map[string]any{
		"kind": "weekly_challenge", "name": "Reels", "zone": "Europe/Paris", "targets": []string{acc.ID}, "format": "video",
		"weeks": []map[string]string{{"week": w2.String(), "theme": "an original reel on cycling"}, {"week": w1.String(), "theme": "an original reel on recycling"}},
	})
	expect(t, res, http.StatusCreated)
	var camp challengeOut
	res.decode(t, &camp)
	if camp.Kind != "weekly_challenge" || camp.FirstDay != w1.Monday().String() || camp.Theme != "an original reel on recycling" ||
		camp.Timezone != "Europe/Paris" || len(camp.Weeks) != 2 || camp.Weeks[0].Week != w1.String() || camp.Weeks[0].State != "upcoming" ||
		!camp.Weeks[0].OpensAt.Equal(open1) || camp.Weeks[0].OpensAt.Format("15:04 -07:00") != open1.In(paris).Format("15:04 -07:00") {
		t.Fatalf("challenge = %+v", camp)
	}
	ada, bob := e.member("Ada"), e.member("Bob")

	// Before the first week: refused, saying when it opens.
	res = e.submit(ada, camp.ID, map[string]any{"content": "too early"})
	expect(t, res, http.StatusConflict)
	if msg := res.err(t).Error.Message; !strings.Contains(msg, w1.String()) || !strings.Contains(msg, "opens at") {
		t.Errorf("message %q", msg)
	}

	// Week 1: two members submit; authors are kept.
	e.until(open1.Add(10 * time.Hour))
	res = e.submit(ada, camp.ID, map[string]any{"content": "My reel on sorting glass"})
	expect(t, res, http.StatusCreated)
	var adaPost submissionOut
	res.decode(t, &adaPost)
	if adaPost.Author != "Ada" || adaPost.ChallengeWeek != w1.String() || adaPost.CampaignID != camp.ID || adaPost.Review != "pending" ||
		adaPost.Status != "pending_review" || adaPost.Format != "video" || len(adaPost.Targets) != 1 ||
		adaPost.Targets[0].Status != "draft" || adaPost.Targets[0].AccountID != acc.ID || !adaPost.ScheduledAt.Equal(close1) {
		t.Fatalf("Ada's submission = %+v", adaPost)
	}
	wish := open1.Add(50 * time.Hour)
	res = e.submit(bob, camp.ID, map[string]any{"content": "Bob's reel", "scheduled_at": wish.Format(time.RFC3339), "author": "Bob B."})
	expect(t, res, http.StatusCreated)
	var bobPost submissionOut
	res.decode(t, &bobPost)
	if bobPost.Author != "Bob B." || !bobPost.ScheduledAt.Equal(wish) {
		t.Fatalf("Bob's submission = %+v", bobPost)
	}
	if got := e.queue.take(); len(got) != 0 {
		t.Fatalf("submissions were enqueued: %+v", got)
	}

	res = e.as(rythme.RoleViewer, "GET", "/v1/campaigns/"+camp.ID, nil)
	expect(t, res, http.StatusOK)
	res.decode(t, &camp)
	if camp.CurrentWeek != w1.String() || !camp.Weeks[0].Open || camp.Weeks[0].State != "open" || camp.Weeks[0].Submissions != 2 ||
		camp.Weeks[0].Picked != 0 || len(camp.Posts) != 2 || camp.Weeks[1].Open {
		t.Fatalf("challenge during week 1 = %+v", camp)
	}

	// A manager picks Ada's for now (enqueued) and declines Bob's.
	pick := func(post string, body any) *response {
		return e.as(rythme.RoleManager, "POST", "/v1/campaigns/"+camp.ID+"/submissions/"+post+"/pick", body)
	}
	res = pick(adaPost.ID, map[string]any{"scheduled_at": "now"})
	expect(t, res, http.StatusOK)
	var picked submissionOut
	res.decode(t, &picked)
	if picked.Status != "scheduled" || picked.Review != "approved" || picked.Targets[0].Status != "scheduled" || picked.Targets[0].Version != 2 {
		t.Fatalf("picked = %+v", picked)
	}
	if got := e.queue.take(); len(got) != 1 || got[0].ID != picked.Targets[0].ID || got[0].Version != 2 {
		t.Fatalf("enqueued %+v", got)
	}
	expect(t, pick(adaPost.ID, nil), http.StatusConflict)
	res = e.as(rythme.RoleManager, "POST", "/v1/posts/"+bobPost.ID+"/reject", map[string]string{"comment": "not a reel"})
	expect(t, res, http.StatusOK)
	expect(t, pick(bobPost.ID, nil), http.StatusConflict)
	var hist struct {
		Data []rythme.PostEvent `json:"data"`
	}
	e.as(rythme.RoleViewer, "GET", "/v1/posts/"+adaPost.ID+"/history", nil).decode(t, &hist)
	if len(hist.Data) != 2 || hist.Data[0].Action != "submitted" || hist.Data[0].Comment != "challenge Reels week "+w1.String() ||
		hist.Data[1].Action != "picked" || hist.Data[1].Actor != "manager" {
		t.Fatalf("history = %+v", hist.Data)
	}
	// Resubmitting the declined post still waits for a manager.
	res = e.do(req{method: "POST", path: "/v1/posts/" + bobPost.ID + "/submit", secret: bob})
	expect(t, res, http.StatusOK)
	if res.decode(t, &bobPost); bobPost.Review != "pending" {
		t.Fatalf("resubmitted = %+v", bobPost)
	}

	// Another of Ada's in week 1; once it closes, submissions go to week 2.
	res = e.submit(ada, camp.ID, map[string]any{"content": "A second reel"})
	expect(t, res, http.StatusCreated)
	var ada2 submissionOut
	res.decode(t, &ada2)
	e.until(close1.Add(time.Minute))
	res = e.submit(e.member("Cid"), camp.ID, map[string]any{"content": "Cid's cycling reel"})
	expect(t, res, http.StatusCreated)
	var cid submissionOut
	res.decode(t, &cid)
	if cid.ChallengeWeek != w2.String() || cid.Author != "Cid" {
		t.Fatalf("Cid's = %+v", cid)
	}

	// Lists, by week and by author.
	list := func(query string) []submissionOut {
		t.Helper()
		res := e.as(rythme.RoleViewer, "GET", "/v1/campaigns/"+camp.ID+"/submissions"+query, nil)
		expect(t, res, http.StatusOK)
		var out struct {
			Data []submissionOut `json:"data"`
		}
		res.decode(t, &out)
		return out.Data
	}
	if got := list("?week=" + w1.String()); len(got) != 3 {
		t.Errorf("week 1: %d submissions", len(got))
	}
	if got := list("?week=" + w2.String()); len(got) != 1 || got[0].ID != cid.ID {
		t.Errorf("week 2: %+v", got)
	}
	if got := list("?author=Ada"); len(got) != 2 || got[0].Author != "Ada" || got[1].Author != "Ada" {
		t.Errorf("Ada's: %+v", got)
	}
	if got := list("?limit=1"); len(got) != 1 {
		t.Errorf("a page of 1: %d", len(got))
	}
	for _, q := range []string{"?week=2026-W99", "?week=" + w3.String(), "?limit=0"} {
		res := e.as(rythme.RoleViewer, "GET", "/v1/campaigns/"+camp.ID+"/submissions"+q, nil)
		expect(t, res, http.StatusUnprocessableEntity)
		if f := strings.TrimPrefix(strings.SplitN(q, "=", 2)[0], "?"); !res.err(t).hasField(f) {
			t.Errorf("%s: %s", q, res.Body)
		}
	}

	// Ada's second one, picked after its week: its time has passed.
	res = pick(ada2.ID, nil)
	expect(t, res, http.StatusUnprocessableEntity)
	if !res.err(t).hasField("scheduled_at") {
		t.Errorf("pick without a time: %s", res.Body)
	}
	later := e.clock.Now().AddDate(0, 2, 0).Truncate(time.Second)
	res = pick(ada2.ID, map[string]any{"scheduled_at": later.Format(time.RFC3339), "comment": "great one"})
	expect(t, res, http.StatusOK)
	res.decode(t, &ada2)
	if ada2.Status != "scheduled" || !ada2.ScheduledAt.Equal(later) || !ada2.Targets[0].ScheduledAt.Equal(later) {
		t.Fatalf("picked for later = %+v", ada2)
	}
	if got := e.queue.take(); len(got) != 0 {
		t.Errorf("a pick two months ahead was enqueued: %+v", got)
	}
	// A post of another campaign is not a submission of this one.
	other := e.createPost("not a submission", time.Hour, acc)
	expect(t, pick(other.ID, nil), http.StatusNotFound)

	// The weeks: closed ones stay, the open one may change its theme.
	weeks := func(ws ...string) map[string]any {
		var out []map[string]string
		for i := 0; i < len(ws); i += 2 {
			out = append(out, map[string]string{"week": ws[i], "theme": ws[i+1]})
		}
		return map[string]any{"weeks": out}
	}
	put := func(body any) *response {
		return e.as(rythme.RoleEditor, "PUT", "/v1/campaigns/"+camp.ID+"/weeks", body)
	}
	expect(t, put(weeks(w1.String(), "changed", w2.String(), "an original reel on cycling")), http.StatusConflict)
	expect(t, put(weeks(w2.String(), "an original reel on cycling")), http.StatusConflict)
	expect(t, put(weeks(w1.String(), "an original reel on recycling")), http.StatusConflict)
	res = put(weeks(w1.String(), "an original reel on recycling", "2026-W99", "x"))
	expect(t, res, http.StatusUnprocessableEntity)
	if !res.err(t).hasField("weeks[1].week") {
		t.Errorf("bad week: %s", res.Body)
	}
	res = put(weeks(w1.String(), "an original reel on recycling", w2.String(), "a reel on bikes", w3.String(), "a reel on trains"))
	expect(t, res, http.StatusOK)
	res.decode(t, &camp)
	if len(camp.Weeks) != 3 || camp.Weeks[1].Theme != "a reel on bikes" || camp.CurrentWeek != w2.String() ||
		camp.Weeks[0].Submissions != 3 || camp.Weeks[0].Picked != 2 || camp.Weeks[1].Submissions != 1 {
		t.Fatalf("weeks replaced = %+v", camp)
	}

	// The leaderboard of the challenge counts submissions and picks.
	res = e.as(rythme.RoleViewer, "GET", "/v1/reports/leaderboard?campaign="+camp.ID, nil)
	expect(t, res, http.StatusOK)
	var board struct {
		Rows []struct {
			Rank        int    `json:"rank"`
			Author      string `json:"author"`
			Submissions *int   `json:"submissions"`
			Picked      *int   `json:"picked"`
		} `json:"rows"`
	}
	res.decode(t, &board)
	want := []struct {
		author       string
		subs, picked int
	}{{"Ada", 2, 2}, {"Bob B.", 1, 0}, {"Cid", 1, 0}}
	if len(board.Rows) != len(want) {
		t.Fatalf("leaderboard = %s", res.Body)
	}
	for i, w := range want {
		r := board.Rows[i]
		if r.Rank != i+1 || r.Author != w.author || r.Submissions == nil || *r.Submissions != w.subs || *r.Picked != w.picked {
			t.Errorf("row %d = %+v, want %+v", i, r, w)
		}
	}
	sameLeaderboard(t, e, "/v1/reports/leaderboard?campaign="+camp.ID)
	res = e.as(rythme.RoleViewer, "GET", "/v1/reports/leaderboard", nil)
	expect(t, res, http.StatusOK)
	if strings.Contains(string(res.Body), "submissions") {
		t.Errorf("leaderboard without campaign: %s", res.Body)
	}
	res = e.as(rythme.RoleViewer, "GET", "/v1/reports/leaderboard?campaign=nope", nil)
	if expect(t, res, http.StatusUnprocessableEntity); !res.err(t).hasField("campaign") {
		t.Errorf("bad campaign: %s", res.Body)
	}
	expect(t, e.as(rythme.RoleViewer, "GET", "/v1/reports/leaderboard?campaign="+rythme.NewID(rythme.PrefixCampaign), nil), http.StatusNotFound)

	// A challenge is not cloned.
	res = e.as(rythme.RoleEditor, "POST", "/v1/campaigns/"+camp.ID+"/clone", map[string]string{"first_day": "2030-01-07"})
	expect(t, res, http.StatusConflict)

	// After the last week: over.
	_, close3 := calendars.Window(w3, paris)
	e.until(close3)
	res = e.submit(ada, camp.ID, map[string]any{"content": "late"})
	expect(t, res, http.StatusConflict)
	if msg := res.err(t).Error.Message; !strings.Contains(msg, "over") || !strings.Contains(msg, w3.String()) {
		t.Errorf("message %q", msg)
	}

	// Cancelling cancels the picked posts still scheduled and closes it.
	res = e.as(rythme.RoleEditor, "DELETE", "/v1/campaigns/"+camp.ID, nil)
	expect(t, res, http.StatusOK)
	var gone challengeOut
	res.decode(t, &gone)
	if gone.Status != "cancelled" || gone.CurrentWeek != "" || len(gone.Posts) != 4 {
		t.Fatalf("cancelled = %+v", gone)
	}
	for _, p := range gone.Posts {
		if p.Status != "cancelled" {
			t.Errorf("post %s (%s) is %s", p.ID, p.Author, p.Status)
		}
	}
	res = e.submit(ada, camp.ID, map[string]any{"content": "after"})
	if expect(t, res, http.StatusConflict); !strings.Contains(res.err(t).Error.Message, "cancelled") {
		t.Errorf("after cancel: %s", res.Body)
	}
	expect(t, put(weeks(w1.String(), "an original reel on recycling")), http.StatusConflict)
}

func TestWeeklyChallengeBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	gone := e.account(e.ws, "gone", rythme.AccountDisconnected)
	now := e.clock.Now()
	this, last := calendars.ISOWeekOf(now, time.UTC), calendars.ISOWeekOf(now.AddDate(0, 0, -7), time.UTC)
	next := this.Next()

	res := e.as(rythme.RoleEditor, "POST", "/v1/campaigns", map[string]any{"kind": "quiz", "name": "x"})
	if expect(t, res, http.StatusUnprocessableEntity); !res.err(t).hasField("kind") {
		t.Errorf("unknown kind: %s", res.Body)
	}
	res = e.as(rythme.RoleEditor, "POST", "/v1/campaigns", map[string]any{"kind": "weekly_challenge", "name": "x", "days": []any{}})
	if expect(t, res, http.StatusBadRequest); !res.err(t).hasField("days") {
		t.Errorf("a themed week's field: %s", res.Body)
	}
	res = e.as(rythme.RoleEditor, "POST", "/v1/campaigns", map[string]any{
		"kind": "weekly_challenge", "name": " ", "zone": "Mars/Olympus", "format": "hologram",
		"targets": []string{rythme.NewID(rythme.PrefixAccount), gone.ID, acc.ID, acc.ID},
		"weeks": []map[string]string{
			{"week": "2026-W99", "theme": "a"}, {"week": next.String(), "theme": "b"}, {"week": next.String(), "theme": "c"},
			{"week": this.String(), "theme": ""},
		},
	})
	expect(t, res, http.StatusUnprocessableEntity)
	for _, f := range []string{"name", "zone", "format", "weeks[0].week", "weeks[2].week", "weeks[3].theme", "targets[0]", "targets[1]", "targets[3]"} {
		if !res.err(t).hasField(f) {
			t.Errorf("%s is not named: %s", f, res.Body)
		}
	}
	if res.err(t).hasField("targets[2]") || res.err(t).hasField("weeks[1].week") {
		t.Errorf("a good field is named: %s", res.Body)
	}
	res = e.as(rythme.RoleEditor, "POST", "/v1/campaigns", map[string]any{
		"kind": "weekly_challenge", "name": "x", "weeks": []map[string]string{{"week": last.String(), "theme": "a"}},
	})
	expect(t, res, http.StatusUnprocessableEntity)
	if !res.err(t).hasField("weeks[0].week") || !res.err(t).hasField("targets") {
		t.Errorf("closed week, no targets: %s", res.Body)
	}

	// A challenge open now (UTC).
	res = e.as(rythme.RoleEditor, "POST", "/v1/campaigns", map[string]any{
		"kind": "weekly_challenge", "name": "Now", "targets": []string{acc.ID},
		"weeks": []map[string]string{{"week": this.String(), "theme": "anything"}},
	})
	expect(t, res, http.StatusCreated)
	var camp challengeOut
	res.decode(t, &camp)
	if camp.Timezone != "UTC" || camp.CurrentWeek != this.String() || camp.Weeks[0].Theme != "anything" {
		t.Fatalf("challenge = %+v", camp)
	}
	res = e.as(rythme.RoleEditor, "POST", "/v1/campaigns/"+camp.ID+"/submissions", map[string]any{
		"content": strings.Repeat("x", 101), "format": "hologram", "scheduled_at": now.Add(-time.Hour).Format(time.RFC3339),
		"targets": []map[string]string{{"account_id": gone.ID}, {"account_id": acc.ID, "content": strings.Repeat("y", 120)}},
		"media":   []string{rythme.NewID(rythme.PrefixMedia)},
	})
	expect(t, res, http.StatusUnprocessableEntity)
	for _, f := range []string{"format", "scheduled_at", "targets[0].account_id", "targets[1].content", "media[0]"} {
		if !res.err(t).hasField(f) {
			t.Errorf("%s is not named: %s", f, res.Body)
		}
	}
	res = e.as(rythme.RoleEditor, "POST", "/v1/campaigns/"+camp.ID+"/submissions", map[string]any{"content": strings.Repeat("x", 101)})
	if expect(t, res, http.StatusUnprocessableEntity); !res.err(t).hasField("content") {
		t.Errorf("content over the limit: %s", res.Body)
	}
	res = e.as(rythme.RoleEditor, "POST", "/v1/campaigns/"+camp.ID+"/submissions", map[string]any{"content": ""})
	if expect(t, res, http.StatusUnprocessableEntity); !res.err(t).hasField("content") {
		t.Errorf("no content: %s", res.Body)
	}
	expect(t, e.as(rythme.RoleEditor, "POST", "/v1/campaigns/"+camp.ID+"/submissions", map[string]any{"nope": 1}), http.StatusBadRequest)
	expect(t, e.as(rythme.RoleEditor, "POST", "/v1/campaigns/"+rythme.NewID(rythme.PrefixCampaign)+"/submissions", map[string]any{"content": "x"}), http.StatusNotFound)
	res = e.as(rythme.RoleManager, "POST", "/v1/campaigns/"+camp.ID+"/submissions/"+rythme.NewID(rythme.PrefixPost)+"/pick", map[string]any{"scheduled_at": "next_slot"})
	if expect(t, res, http.StatusUnprocessableEntity); !res.err(t).hasField("scheduled_at") {
		t.Errorf("next_slot without slots: %s", res.Body)
	}
	expect(t, e.as(rythme.RoleManager, "POST", "/v1/campaigns/"+camp.ID+"/submissions/"+rythme.NewID(rythme.PrefixPost)+"/pick", nil), http.StatusNotFound)

	// A themed week, kind given, still works; it takes no submissions.
	first := now.AddDate(0, 0, 7).Format("2006-01-02")
	res = e.as(rythme.RoleEditor, "POST", "/v1/campaigns", map[string]any{"kind": "themed_week", "name": "Green", "theme": "t", "first_day": first,
		"days": []map[string]any{{"offset": 0, "items": []map[string]any{{"time": "09:00", "content": "hi", "targets": []string{acc.ID}}}}}})
	expect(t, res, http.StatusCreated)
	var themed campaignOut
	res.decode(t, &themed)
	res = e.as(rythme.RoleEditor, "POST", "/v1/campaigns/"+themed.ID+"/submissions", map[string]any{"content": "x"})
	if expect(t, res, http.StatusConflict); !strings.Contains(res.err(t).Error.Message, "not a weekly challenge") {
		t.Errorf("themed week: %s", res.Body)
	}
	expect(t, e.as(rythme.RoleViewer, "GET", "/v1/campaigns/"+themed.ID+"/submissions", nil), http.StatusConflict)
	expect(t, e.as(rythme.RoleEditor, "PUT", "/v1/campaigns/"+themed.ID+"/weeks", map[string]any{"weeks": []any{}}), http.StatusConflict)
}

// TestPickNextSlotConcurrently: managers picking several submissions into
// "the next slot" at once each get their own slot.
func TestPickNextSlotConcurrently(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b.open(t))
			acc := e.account(e.ws, "brand", rythme.AccountConnected)
			paris, _ := time.LoadLocation("Europe/Paris")
			w1 := calendars.ISOWeekOf(e.clock.Now().AddDate(0, 0, 7), paris)
			open1, _ := calendars.Window(w1, paris)
			expect(t, e.as(rythme.RoleManager, "PUT", "/v1/accounts/"+acc.ID+"/schedule", map[string]any{"timezone": "Europe/Paris",
				"slots": []map[string]any{{"weekday": 2, "time": "09:30"}, {"weekday": 4, "time": "09:30"}, {"weekday": 6, "time": "11:00"}}}), http.StatusOK)
			res := e.as(rythme.RoleEditor, "POST", "/v1/campaigns", map[string]any{"kind": "weekly_challenge", "name": "Reels", "zone": "Europe/Paris",
				"targets": []string{acc.ID}, "weeks": []map[string]string{{"week": w1.String(), "theme": "reels"}}})
			expect(t, res, http.StatusCreated)
			var camp challengeOut
			res.decode(t, &camp)
			e.until(open1.Add(time.Hour))
			const n = 5
			var ids []string
			for i := range n {
				res := e.submit(e.secrets[rythme.RoleEditor], camp.ID, map[string]any{"content": fmt.Sprintf("reel %d", i)})
				expect(t, res, http.StatusCreated)
				var p submissionOut
				res.decode(t, &p)
				ids = append(ids, p.ID)
			}
			var wg sync.WaitGroup
			results := make([]*response, n)
			for i, id := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i] = e.as(rythme.RoleManager, "POST", "/v1/campaigns/"+camp.ID+"/submissions/"+id+"/pick", map[string]any{"scheduled_at": "next_slot"})
				}()
			}
			wg.Wait()
			taken := map[time.Time]string{}
			for i, res := range results {
				expect(t, res, http.StatusOK)
				var p submissionOut
				res.decode(t, &p)
				if other, dup := taken[p.ScheduledAt]; dup {
					t.Fatalf("submissions %s and %s were picked into one slot, %s", other, ids[i], p.ScheduledAt)
				}
				taken[p.ScheduledAt] = ids[i]
			}
		})
	}
}
