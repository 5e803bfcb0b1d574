package api_test

import (
	"context"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/reports"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// publishWithMetrics stores a published post with one reading and returns
// its id.
func (e *env) publishWithMetrics(acc *rythme.Account, author, tag string, at time.Time, likes, comments, shares, reach int64) string {
	e.t.Helper()
	ctx := context.Background()
	p := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: e.ws, Content: "x", ScheduledAt: at, Timezone: "UTC",
		Tags: []string{tag}, Author: author, CreatedAt: at, UpdatedAt: at,
		Targets: []*rythme.Target{{ID: rythme.NewID(rythme.PrefixTarget), AccountID: acc.ID, Status: rythme.TargetScheduled,
			Version: 1, ScheduledAt: at, CreatedAt: at, UpdatedAt: at}}}
	if err := e.store.CreatePost(ctx, p); err != nil {
		e.t.Fatal(err)
	}
	tg := p.Targets[0]
	if _, err := e.store.ClaimTarget(ctx, tg.ID, 1, at, at.Add(time.Minute)); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.store.FinishTarget(ctx, tg.ID, 1, rythme.Outcome{Status: rythme.TargetPublished, ExternalID: "ext-" + tg.ID, At: at}); err != nil {
		e.t.Fatal(err)
	}
	due, err := e.store.DueMetrics(ctx, at.Add(time.Hour), 0)
	if err != nil || len(due) == 0 {
		e.t.Fatalf("due: %v %v", due, err)
	}
	for _, d := range due {
		if d.TargetID == tg.ID {
			m := rythme.Metrics{At: at.Add(20 * time.Minute), Likes: &likes, Comments: &comments, Shares: &shares, Reach: &reach}
			if err := e.store.SaveMetrics(ctx, d, m, nil); err != nil {
				e.t.Fatal(err)
			}
		}
	}
	return p.ID
}

func TestReportsFromStoredReadings(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	day := e.clock.Now().Add(-48 * time.Hour).Truncate(time.Hour)
	// Cohort A (tag before): rates 13/100 and 25/200 → mean 0.1275.
	e.publishWithMetrics(acc, "Ada", "before", day, 10, 2, 1, 100)
	e.publishWithMetrics(acc, "Ada", "before", day.Add(time.Hour), 20, 4, 1, 200)
	// Cohort B (tag after): rate 36/100.
	e.publishWithMetrics(acc, "Bo", "after", day.Add(2*time.Hour), 30, 3, 3, 100)

	res := e.as(rythme.RoleViewer, "GET", "/v1/reports/compare?a=tag:before&b=tag:after", nil)
	expect(t, res, http.StatusOK)
	var out struct {
		A, B struct {
			Posts int `json:"posts"`
		}
		Denominator string `json:"denominator"`
		Rows        []struct {
			Indicator string   `json:"indicator"`
			Label     string   `json:"label"`
			A         *float64 `json:"a"`
			B         *float64 `json:"b"`
			ChangePct *float64 `json:"change_pct"`
		} `json:"rows"`
		Series map[string][]struct {
			Date  string `json:"date"`
			Posts int    `json:"posts"`
		} `json:"series"`
		Definitions []reports.Definition `json:"definitions"`
	}
	res.decode(t, &out)
	rows := map[string]int{}
	for i, r := range out.Rows {
		rows[r.Indicator] = i
	}
	check := func(ind string, a, b, change float64) {
		t.Helper()
		r := out.Rows[rows[ind]]
		if r.A == nil || math.Abs(*r.A-a) > 1e-9 || math.Abs(*out.Rows[rows[ind]].B-b) > 1e-9 {
			t.Errorf("%s: A %v B %v, want %v and %v", ind, deref(r.A), deref(out.Rows[rows[ind]].B), a, b)
		}
		if r.ChangePct == nil || math.Abs(*r.ChangePct-change) > 1e-9 {
			t.Errorf("%s: change %v, want %v", ind, deref(r.ChangePct), change)
		}
	}
	if out.A.Posts != 2 || out.B.Posts != 1 || out.Denominator != "reach" {
		t.Fatalf("cohorts %+v %+v, denominator %q", out.A, out.B, out.Denominator)
	}
	check("posts", 2, 1, -50)
	check("likes", 30, 30, 0)
	check("shares", 2, 3, 50)
	check("comments_per_post", 3, 3, 0)
	// Rates in percent, exact: mean (13 + 12.5) / 2 = 12.75 against 36;
	// pooled (13 + 25) × 100 / (100 + 200) = 12.666… against 36, +184.2 %.
	check("engagement_rate_pct", 12.75, 36, 182.4)
	check("pooled_engagement_rate_pct", 3800.0/300, 36, 184.2)
	check("organic_reach_per_post", 150, 100, -33.3)
	check("organic_reach", 300, 100, -66.7)
	if len(out.Definitions) != len(reports.Definitions) {
		t.Fatalf("definitions %+v", out.Definitions)
	}
	for i, d := range reports.Definitions {
		if out.Definitions[i] != d || out.Rows[i].Indicator != d.Indicator || out.Rows[i].Label != d.Label {
			t.Errorf("row %d: %+v, definition %+v, want %+v", i, out.Rows[i], out.Definitions[i], d)
		}
	}
	n := 0
	for _, p := range out.Series["a"] {
		n += p.Posts
	}
	if n != 2 {
		t.Errorf("series a = %+v, want its 2 posts", out.Series["a"])
	}

	// CSV, for a spreadsheet.
	csv := e.do(req{method: "GET", path: "/v1/reports/compare?a=tag:before&b=tag:after", secret: e.secrets[rythme.RoleViewer],
		header: map[string]string{"Accept": "text/csv"}})
	if csv.Status != 200 || !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") || !strings.Contains(string(csv.Body), "likes") {
		t.Fatalf("csv: %d %q %s", csv.Status, csv.Header.Get("Content-Type"), csv.Body)
	}
	// The same unit as JSON, rounded to 2 decimals.
	for _, line := range []string{"\nengagement_rate_pct,12.75,36,182.4\n", "\npooled_engagement_rate_pct,12.67,36,184.2\n"} {
		if !strings.Contains(string(csv.Body), line) {
			t.Errorf("csv has no %q:\n%s", line, csv.Body)
		}
	}
	if res := e.as(rythme.RoleViewer, "GET", "/v1/reports/compare?a=tag:before&b=colour:blue", nil); res.Status != 422 || !res.err(t).hasField("b") {
		t.Fatalf("a bad cohort: %d %s", res.Status, res.Body)
	}

	var lb struct {
		Rows []struct {
			Rank       int      `json:"rank"`
			Author     string   `json:"author"`
			Engagement int64    `json:"engagement"`
			Posts      int      `json:"posts"`
			RatePct    *float64 `json:"engagement_rate_pct"`
			Basis      string   `json:"basis"`
		} `json:"rows"`
	}
	e.as(rythme.RoleViewer, "GET", "/v1/reports/leaderboard", nil).decode(t, &lb)
	if len(lb.Rows) != 2 || lb.Rows[0].Author != "Ada" || lb.Rows[0].Engagement != 38 || lb.Rows[1].Engagement != 36 || lb.Rows[0].Posts != 2 ||
		lb.Rows[1].RatePct == nil || *lb.Rows[1].RatePct != 36 || lb.Rows[0].Basis != "reach" {
		t.Fatalf("leaderboard %+v", lb.Rows)
	}
	sameLeaderboard(t, e, "/v1/reports/leaderboard")
	var bt struct {
		Basis string `json:"basis"`
		Cells []struct {
			Weekday, Hour, Posts int
			Basis                string
		} `json:"cells"`
	}
	e.as(rythme.RoleViewer, "GET", "/v1/reports/best-times?tz=UTC", nil).decode(t, &bt)
	total := 0
	for _, c := range bt.Cells {
		total += c.Posts
		if c.Basis != "reach" {
			t.Errorf("best times cell %+v: every post was rated on reach", c)
		}
	}
	if bt.Basis != "reach" {
		t.Errorf("best times basis %q, want reach", bt.Basis)
	}
	if total != 3 {
		t.Fatalf("best times count %d posts, want 3", total)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
