package api_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/reports"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// TestCohortReadings exports every reading of a cohort: JSON exact, CSV
// with the same column names rounded to 2 decimals, each figure with the
// network field it came from.
func TestCohortReadings(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	acc := &rythme.Account{WorkspaceID: e.ws, Network: "mastodon", InstanceURL: "https://social.example",
		ExternalID: rythme.NewID("x"), Username: "brand", Status: rythme.AccountConnected,
		CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}
	if err := e.store.UpsertAccount(context.Background(), acc); err != nil {
		t.Fatal(err)
	}
	day := e.clock.Now().Add(-48 * time.Hour).Truncate(time.Hour)
	// The launch post: read at +20 min (10 likes, 2 comments, 1 share,
	// reach 100: rate 13 × 100 ÷ 100 = 13 %), then on request at +2 h (12,
	// 3, 1, reach 150: 16 × 100 ÷ 150 = 10.666… %, 10.67 in CSV).
	launch := e.publishWithMetrics(acc, "Ada", "launch", day, 10, 2, 1, 100)
	e.publishWithMetrics(acc, "Bo", "other", day.Add(time.Hour), 50, 5, 5, 500)
	p, err := e.store.GetPost(context.Background(), e.ws, launch)
	if err != nil {
		t.Fatal(err)
	}
	n := func(v int64) *int64 { return &v }
	if err := e.store.SaveReading(context.Background(), p.Targets[0].ID, rythme.Metrics{At: day.Add(2 * time.Hour),
		Likes: n(12), Comments: n(3), Shares: n(1), Reach: n(150)}); err != nil {
		t.Fatal(err)
	}

	res := e.as(rythme.RoleViewer, "GET", "/v1/reports/readings?cohort=tag:launch", nil)
	expect(t, res, http.StatusOK)
	var out struct {
		Cohort    string               `json:"cohort"`
		Truncated bool                 `json:"truncated"`
		Rows      []reports.ReadingRow `json:"rows"`
	}
	res.decode(t, &out)
	if out.Cohort != "tag:launch" || out.Truncated || len(out.Rows) != 2 {
		t.Fatalf("readings: %s", res.Body)
	}
	first, second := out.Rows[0], out.Rows[1]
	if first.PostID != launch || !first.At.Equal(day.Add(20*time.Minute)) || *first.Likes != 10 || *first.Engagement != 13 ||
		*first.RatePct != 13 || first.Basis != reports.BasisReach || first.Impressions != nil ||
		first.LikesSource != "favourites_count" || first.CommentsSource != "replies_count" || first.ReachSource != "" {
		t.Errorf("first reading %+v", first)
	}
	if !second.At.Equal(day.Add(2*time.Hour)) || *second.Reach != 150 || *second.RatePct != float64(16)*100/150 {
		t.Errorf("second reading %+v", second)
	}
	// The JSON keys are the CSV columns.
	var raw struct {
		Rows []map[string]json.RawMessage `json:"rows"`
	}
	res.decode(t, &raw)
	keys := make([]string, 0, len(raw.Rows[0]))
	for k := range raw.Rows[0] {
		keys = append(keys, k)
	}
	cols := slices.Clone(reports.ReadingColumns)
	sort.Strings(keys)
	sort.Strings(cols)
	if !slices.Equal(keys, cols) {
		t.Errorf("JSON keys %v, CSV columns %v", keys, cols)
	}

	res = e.do(req{method: "GET", path: "/v1/reports/readings?cohort=tag:launch", secret: e.secrets[rythme.RoleViewer],
		header: map[string]string{"Accept": "text/csv"}})
	expect(t, res, http.StatusOK)
	table, err := csv.NewReader(strings.NewReader(string(res.Body))).ReadAll()
	if err != nil || len(table) != 3 || !slices.Equal(table[0], reports.ReadingColumns) {
		t.Fatalf("CSV %q (%v)", res.Body, err)
	}
	cell := func(row int, col string) string { return table[row][slices.Index(reports.ReadingColumns, col)] }
	if cell(1, "engagement_rate_pct") != "13" || cell(2, "engagement_rate_pct") != "10.67" || cell(2, "reach") != "150" ||
		cell(1, "impressions") != "" || cell(1, "likes_source") != "favourites_count" || cell(1, "post_id") != launch ||
		cell(2, "at") != day.Add(2*time.Hour).UTC().Format(time.RFC3339) {
		t.Errorf("CSV rows %q", table[1:])
	}

	// The comparison's figures are the last of these rows: organic reach
	// 150 (the reading on request), likes 12, average rate 10.666… %.
	res = e.as(rythme.RoleViewer, "GET", "/v1/reports/compare?a=tag:launch&b=tag:launch", nil)
	expect(t, res, http.StatusOK)
	var cmp struct {
		Rows []struct {
			Indicator string   `json:"indicator"`
			A         *float64 `json:"a"`
		} `json:"rows"`
	}
	res.decode(t, &cmp)
	traced := map[string]float64{"organic_reach": float64(*second.Reach), "likes": float64(*second.Likes),
		"engagement_rate_pct": *second.RatePct, "posts": 1}
	for _, r := range cmp.Rows {
		if want, ok := traced[r.Indicator]; ok && (r.A == nil || *r.A != want) {
			t.Errorf("compare %s = %v, the last reading says %v", r.Indicator, r.A, want)
		}
	}

	// The cohort is required and checked.
	for _, q := range []string{"", "?cohort=bogus:1", "?cohort=all&tz=Mars/Base"} {
		res := e.as(rythme.RoleViewer, "GET", "/v1/reports/readings"+q, nil)
		expect(t, res, http.StatusUnprocessableEntity)
	}
	if res := e.as(rythme.RoleViewer, "GET", "/v1/reports/readings?cohort=all", nil); !strings.Contains(string(res.Body), launch) {
		t.Errorf("cohort all lacks the launch: %s", res.Body)
	}
}
