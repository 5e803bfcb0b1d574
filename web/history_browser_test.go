package web_test

// Issue 15's "done when", in the browser: an account with three months of
// earlier posts on the network is connected, its history imported, a few
// posts published through rythme after; the compare page, period before
// against period after, shows what the API's JSON and CSV say, and one
// number of it is traced through GET /v1/posts/{id}/metrics.

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/fakenet/sim"
)

// historyAccount is an account as GET /v1/accounts answers it, with the
// import of its earlier posts.
type historyAccount struct {
	ID      string `json:"id"`
	Network string `json:"network"`
	History *struct {
		Status   string `json:"status"`
		Imported int    `json:"imported"`
		Read     int    `json:"read"`
	} `json:"history"`
}

// postReadings is GET /v1/posts/{id}/metrics: each target's readings.
type postReadings struct {
	Data []struct {
		TargetID    string    `json:"target_id"`
		Network     string    `json:"network"`
		Status      string    `json:"status"`
		PublishedAt time.Time `json:"published_at"`
		Readings    []struct {
			At       time.Time `json:"at"`
			Likes    *int64    `json:"likes"`
			Comments *int64    `json:"comments"`
		} `json:"readings"`
	} `json:"data"`
}

func TestCompareBeforeAndAfterHistory(t *testing.T) {
	tb := newTab(t)
	const seed = 7
	// fakenet's clock, which its engagement grows by, moves ahead once
	// rythme's posts are out: read then, they have likes and replies.
	var ahead atomic.Int64
	l := newLiveWith(t, liveOptions{HistoryDays: 90, Seed: seed,
		Now: func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }})
	f := &fixture{URL: l.URL, Token: l.Token}
	loc := paris(t)
	// The posts made here must be published on the day the cohort "after"
	// names: not across midnight in the browser's zone.
	if now := time.Now().In(loc); now.Add(5*time.Minute).Day() != now.Day() {
		time.Sleep(time.Until(now.Add(6 * time.Minute)))
	}

	// 1. Maya connects Mastodon (OAuth through fakenet) and Bluesky (an
	// app password): fakenet's users have posted every one to three days
	// over the last 90, which connecting imports.
	tb.signInMember(l.URL, "", l.Manager.Email, l.Password)
	tb.click(`#nav a[data-route="accounts"]`)
	mastID := tb.connectOAuth(l)
	ident, pw, ok := l.Fakenet.BlueskyAppPassword("studio")
	if !ok {
		t.Fatal("fakenet made no app password")
	}
	tb.choose("#connect-network", "bluesky")
	tb.waitFor(`document.querySelector("#connect-identifier")`)
	tb.typeInto("#connect-identifier", ident)
	tb.typeInto("#connect-app_password", pw)
	tb.click("#connect-submit")
	tb.waitFor(`document.querySelector('#accounts tr[data-network="bluesky"]')`)
	bskyID := l.account(t, "bluesky").ID

	// What fakenet made (sim.History): the earlier posts of Mastodon's
	// alice and Bluesky's studio within the import's window. With this
	// seed the newest of them is over two days old, so that "before" (up
	// to yesterday) holds them all whatever the time of day.
	wantImported := map[string]int{}
	for network, user := range map[string]string{"mastodon": "alice", "bluesky": "studio"} {
		past := sim.History(seed, network, user, 90)
		if newest := past[len(past)-1].Age; newest < 48*time.Hour {
			t.Fatalf("seed %d: %s's newest earlier post is %v old; pick a seed where it is over 48 h", seed, network, newest)
		}
		for _, p := range past {
			if p.Age <= rythme.HistoryWindow {
				wantImported[network]++
			}
		}
	}
	imported := map[string]int{}
	waitUntil(t, func() bool {
		var out struct{ Data []historyAccount }
		if code := f.send(t, "GET", "/v1/accounts", nil, &out); code != http.StatusOK {
			t.Fatalf("GET /v1/accounts: %d", code)
		}
		for _, a := range out.Data {
			if a.History == nil || a.History.Status != "done" {
				return false
			}
			imported[a.ID] = a.History.Imported
		}
		return len(imported) == 2
	})
	// The oldest may have left the window between fakenet's making it and
	// the import reading it: one less, at most.
	for network, id := range map[string]string{"mastodon": mastID, "bluesky": bskyID} {
		if n, w := imported[id], wantImported[network]; n < w-1 || n > w {
			t.Fatalf("%s imported %d earlier posts, fakenet made %d within the window", network, n, w)
		}
	}
	importedTotal := imported[mastID] + imported[bskyID]

	// 2. Three posts through rythme, published now: two on both accounts,
	// one on Mastodon only (3 posts, 5 publications).
	var mine []string
	for i, accounts := range [][]string{{mastID, bskyID}, {mastID, bskyID}, {mastID}} {
		var targets []map[string]string
		for _, id := range accounts {
			targets = append(targets, map[string]string{"account_id": id})
		}
		var p apiPost
		if code := f.send(t, "POST", "/v1/posts", map[string]any{"content": fmt.Sprintf("After rythme, #%d", i+1),
			"scheduled_at": "now", "targets": targets}, &p); code != http.StatusCreated {
			t.Fatalf("POST /v1/posts: %d", code)
		}
		mine = append(mine, p.ID)
	}
	waitUntil(t, func() bool {
		for _, id := range mine {
			if f.post(t, id).Status != "published" {
				return false
			}
		}
		return true
	})
	// An hour later for fakenet, their engagement read now (the
	// dashboard's "Poll now"), rather than at the schedule's first
	// reading 15 minutes on.
	ahead.Store(int64(time.Hour))
	for _, id := range []string{mastID, bskyID} {
		if code := f.send(t, "POST", "/v1/accounts/"+id+"/poll", nil, nil); code != http.StatusAccepted {
			t.Fatalf("POST poll %s: %d", id, code)
		}
	}
	readings := map[string]postReadings{}
	waitUntil(t, func() bool {
		for _, id := range mine {
			var r postReadings
			if code := f.send(t, "GET", "/v1/posts/"+id+"/metrics", nil, &r); code != http.StatusOK {
				t.Fatalf("GET metrics of %s: %d", id, code)
			}
			for _, tg := range r.Data {
				if len(tg.Readings) == 0 {
					return false
				}
			}
			readings[id] = r
		}
		return true
	})

	// 3. Before: the 92 days up to yesterday, which hold every imported
	// post and none of rythme's; after: today, which holds rythme's 3.
	today := time.Now().In(loc)
	day := func(t time.Time) string { return t.Format("2006-01-02") }
	before := "period:" + day(today.AddDate(0, 0, -92)) + ".." + day(today.AddDate(0, 0, -1))
	after := "period:" + day(today)
	query := url.Values{"a": {before}, "b": {after}, "tz": {browserZone}}.Encode()
	var want compareAnswer
	if code := f.getJSON(t, "/v1/reports/compare?"+query, &want); code != http.StatusOK {
		t.Fatalf("GET compare: %d", code)
	}
	row := func(indicator string) (a, b *float64) {
		t.Helper()
		for _, r := range want.Rows {
			if r.Indicator == indicator {
				return r.A, r.B
			}
		}
		t.Fatalf("no %s row in %+v", indicator, want.Rows)
		return nil, nil
	}
	// An imported post is one post and one publication; rythme's three
	// went out five times.
	if want.A.Posts != importedTotal || want.A.Publications != importedTotal || want.B.Posts != 3 || want.B.Publications != 5 {
		t.Errorf("before %d posts, %d publications (want %d imported); after %d posts, %d publications (want 3, 5)",
			want.A.Posts, want.A.Publications, importedTotal, want.B.Posts, want.B.Publications)
	}
	if a, b := row("posts"); !eqFloat(a, float64(importedTotal)) || !eqFloat(b, 3) {
		t.Errorf("posts row %v | %v, want %d | 3", fv(a), fv(b), importedTotal)
	}
	if a, b := row("publications"); !eqFloat(a, float64(importedTotal)) || !eqFloat(b, 5) {
		t.Errorf("publications row %v | %v, want %d | 5", fv(a), fv(b), importedTotal)
	}

	// One number traced: the likes and comments of "after" are the sums of
	// each of its publications' last reading, as GET /v1/posts/{id}/metrics
	// lists them; comments per post divides by the 3 posts, not the 5
	// publications.
	var likes, comments int64
	publications := 0
	for _, id := range mine {
		for _, tg := range readings[id].Data {
			publications++
			last := tg.Readings[len(tg.Readings)-1]
			if last.Likes == nil || last.Comments == nil {
				t.Fatalf("post %s on %s: a reading without likes or comments: %+v", id, tg.Network, last)
			}
			likes += *last.Likes
			comments += *last.Comments
		}
	}
	if publications != 5 || likes == 0 || comments == 0 {
		t.Fatalf("rythme's posts have %d publications (want 5), %d likes and %d comments (want some, an hour on)", publications, likes, comments)
	}
	if _, b := row("likes"); !eqFloat(b, float64(likes)) {
		t.Errorf("likes after: %v, the readings add up to %d", fv(b), likes)
	}
	if _, b := row("comments_per_post"); !eqFloat(b, float64(comments)/3) {
		t.Errorf("comments per post after: %v, the readings give %d ÷ 3 posts", fv(b), comments)
	}

	// 4. The compare page shows the table; every figure on it is the
	// JSON's and the CSV's.
	tb.do("compare", chromedp.Evaluate[chromedp.Void](`location.hash = "#/compare?`+url.Values{"a": {before}, "b": {after}}.Encode()+`"`))
	tb.waitFor(`document.querySelector("#compare-table") && document.querySelector("#cohort-b-summary")?.textContent.includes(` + fmt.Sprintf("%q", after) + `)`)
	checkCompare(t, tb, want)
	checkSameEverywhere(t, f, tb, query, want)
	for id, text := range map[string]string{
		"#cohort-a-summary": fmt.Sprintf("A: %s — %s", before, counted(importedTotal, importedTotal)),
		"#cohort-b-summary": fmt.Sprintf("B: %s — %s", after, counted(3, 5)),
	} {
		if got := eval[string](tb, fmt.Sprintf(`document.querySelector(%q).textContent`, id)); got != text {
			t.Errorf("%s: %q, want %q", id, got, text)
		}
	}
	shownLikes := eval[string](tb, `document.querySelector('#compare-table tr[data-indicator="likes"] td.b').dataset.value`)
	if shownLikes != fmt.Sprint(likes) {
		t.Errorf("the page's likes after: %q, the readings add up to %d", shownLikes, likes)
	}
	tb.screenshot("compare-history-1280")
	tb.setWidth(390)
	tb.noSidewaysScroll("compare before and after")
	tb.screenshot("compare-history-390")
	tb.setWidth(1280)
}

// eqFloat reports whether p is v, within float rounding.
func eqFloat(p *float64, v float64) bool {
	return p != nil && math.Abs(*p-v) <= 1e-9*math.Max(1, math.Abs(v))
}
