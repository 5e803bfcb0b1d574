package api_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// publishOn stores one post published on each of accs at at, each
// publication with one reading of likes and comments, and returns its id.
func (e *env) publishOn(accs []*rythme.Account, author, tag string, at time.Time, likes, comments int64) string {
	e.t.Helper()
	ctx := context.Background()
	p := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: e.ws, Content: "x", ScheduledAt: at, Timezone: "UTC",
		Tags: []string{tag}, Author: author, CreatedAt: at, UpdatedAt: at}
	for _, acc := range accs {
		p.Targets = append(p.Targets, &rythme.Target{ID: rythme.NewID(rythme.PrefixTarget), AccountID: acc.ID,
			Status: rythme.TargetScheduled, Version: 1, ScheduledAt: at, CreatedAt: at, UpdatedAt: at})
	}
	if err := e.store.CreatePost(ctx, p); err != nil {
		e.t.Fatal(err)
	}
	mine := map[string]bool{}
	for _, tg := range p.Targets {
		mine[tg.ID] = true
		if _, err := e.store.ClaimTarget(ctx, tg.ID, 1, at, at.Add(time.Minute)); err != nil {
			e.t.Fatal(err)
		}
		if _, err := e.store.FinishTarget(ctx, tg.ID, 1, rythme.Outcome{Status: rythme.TargetPublished, ExternalID: "ext-" + tg.ID, At: at}); err != nil {
			e.t.Fatal(err)
		}
	}
	due, err := e.store.DueMetrics(ctx, at.Add(time.Hour), 0)
	if err != nil {
		e.t.Fatal(err)
	}
	saved := 0
	for _, d := range due {
		if mine[d.TargetID] {
			m := rythme.Metrics{At: at.Add(20 * time.Minute), Likes: &likes, Comments: &comments}
			if err := e.store.SaveMetrics(ctx, d, m, nil); err != nil {
				e.t.Fatal(err)
			}
			saved++
		}
	}
	if saved != len(accs) {
		e.t.Fatalf("%d readings saved, want one per publication (%d)", saved, len(accs))
	}
	return p.ID
}

// csvOf is the report at path as CSV, with its header row.
func (e *env) csvOf(t *testing.T, path string) [][]string {
	t.Helper()
	res := e.do(req{method: "GET", path: path, secret: e.secrets[rythme.RoleViewer], header: map[string]string{"Accept": "text/csv"}})
	expect(t, res, http.StatusOK)
	table, err := csv.NewReader(strings.NewReader(string(res.Body))).ReadAll()
	if err != nil {
		t.Fatalf("csv of %s: %v\n%s", path, err, res.Body)
	}
	return table
}

// TestOnePostOnTwoAccounts: a post put on the calendar once and published
// on two accounts is 1 post and 2 publications in the comparison, best
// times and the leaderboard, in JSON and CSV alike (issue 14); comments
// per post divide by the post, not its publications.
func TestOnePostOnTwoAccounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	one := e.account(e.ws, "one", rythme.AccountConnected)
	two := e.account(e.ws, "two", rythme.AccountConnected)
	at := e.clock.Now().Add(-48 * time.Hour).Truncate(time.Hour)
	// 4 likes and 3 comments on each account: 8 likes, 6 comments, one post.
	id := e.publishOn([]*rythme.Account{one, two}, "Ada", "launch", at, 4, 3)

	// The comparison: the post against itself.
	path := "/v1/reports/compare?a=tag:launch&b=all"
	var cmp struct {
		A struct {
			Posts        int `json:"posts"`
			Publications int `json:"publications"`
		} `json:"a"`
		Rows []struct {
			Indicator string   `json:"indicator"`
			A         *float64 `json:"a"`
		} `json:"rows"`
	}
	res := e.as(rythme.RoleViewer, "GET", path, nil)
	expect(t, res, http.StatusOK)
	res.decode(t, &cmp)
	if cmp.A.Posts != 1 || cmp.A.Publications != 2 {
		t.Errorf("compare: cohort A has %d posts, %d publications; want 1, 2", cmp.A.Posts, cmp.A.Publications)
	}
	want := map[string]float64{"posts": 1, "publications": 2, "comments_per_post": 6, "likes": 8}
	csvRows := map[string]string{}
	for _, row := range e.csvOf(t, path)[1:] {
		csvRows[row[0]] = row[1]
	}
	for _, r := range cmp.Rows {
		w, ok := want[r.Indicator]
		if !ok {
			continue
		}
		if r.A == nil || *r.A != w {
			t.Errorf("compare JSON %s = %v, want %v", r.Indicator, deref(r.A), w)
		}
		if got := csvRows[r.Indicator]; got != strconv.FormatFloat(w, 'f', -1, 64) {
			t.Errorf("compare CSV %s = %q, want %v", r.Indicator, got, w)
		}
	}

	// Best times: the hour the post went out in holds 1 post, 2
	// publications.
	var bt struct {
		Cells []struct {
			Weekday      int `json:"weekday"`
			Hour         int `json:"hour"`
			Posts        int `json:"posts"`
			Publications int `json:"publications"`
		} `json:"cells"`
	}
	res = e.as(rythme.RoleViewer, "GET", "/v1/reports/best-times", nil)
	expect(t, res, http.StatusOK)
	res.decode(t, &bt)
	if len(bt.Cells) != 1 || bt.Cells[0].Weekday != int(at.Weekday()) || bt.Cells[0].Hour != at.Hour() ||
		bt.Cells[0].Posts != 1 || bt.Cells[0].Publications != 2 {
		t.Errorf("best times: %+v, want one cell at %s %d:00 with 1 post, 2 publications", bt.Cells, at.Weekday(), at.Hour())
	}
	grid := e.csvOf(t, "/v1/reports/best-times")
	if !slices.Equal(grid[0][:4], []string{"weekday", "hour", "posts", "publications"}) {
		t.Fatalf("best times CSV header %v", grid[0])
	}
	found := false
	for _, row := range grid[1:] {
		if row[0] == at.Weekday().String() && row[1] == strconv.Itoa(at.Hour()) {
			found = true
			if row[2] != "1" || row[3] != "2" {
				t.Errorf("best times CSV %v, want 1 post, 2 publications", row)
			}
		}
	}
	if !found {
		t.Errorf("best times CSV has no row for %s %d:00", at.Weekday(), at.Hour())
	}

	// The leaderboard: Ada wrote 1 post, out on 2 accounts.
	var lb struct {
		Rows []struct {
			Author       string   `json:"author"`
			Posts        int      `json:"posts"`
			Publications int      `json:"publications"`
			Engagement   int64    `json:"engagement"`
			PostIDs      []string `json:"post_ids"`
		} `json:"rows"`
	}
	res = e.as(rythme.RoleViewer, "GET", "/v1/reports/leaderboard", nil)
	expect(t, res, http.StatusOK)
	res.decode(t, &lb)
	if len(lb.Rows) != 1 || lb.Rows[0].Posts != 1 || lb.Rows[0].Publications != 2 || lb.Rows[0].Engagement != 14 ||
		!slices.Equal(lb.Rows[0].PostIDs, []string{id}) {
		t.Errorf("leaderboard %+v, want Ada with 1 post (%s), 2 publications, 14 engagement", lb.Rows, id)
	}
	sameLeaderboard(t, e, "/v1/reports/leaderboard")
}
