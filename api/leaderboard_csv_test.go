package api_test

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rythmehq/rythme"
)

// sameLeaderboard checks that the leaderboard at path has, as CSV, the
// same rows and columns, under the same names, as its JSON rows: each
// cell is the JSON value (numbers rounded to 2 decimals, null empty,
// post ids separated by spaces).
func sameLeaderboard(t *testing.T, e *env, path string) {
	t.Helper()
	var js struct {
		Rows []map[string]json.RawMessage `json:"rows"`
	}
	e.as(rythme.RoleViewer, "GET", path, nil).decode(t, &js)
	res := e.do(req{method: "GET", path: path, secret: e.secrets[rythme.RoleViewer], header: map[string]string{"Accept": "text/csv"}})
	expect(t, res, 200)
	table, err := csv.NewReader(strings.NewReader(string(res.Body))).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v\n%s", err, res.Body)
	}
	if len(table)-1 != len(js.Rows) {
		t.Fatalf("csv has %d rows, JSON %d:\n%s", len(table)-1, len(js.Rows), res.Body)
	}
	head := table[0]
	for i, row := range js.Rows {
		keys := make([]string, 0, len(row))
		for k := range row {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		cols := slices.Clone(head)
		slices.Sort(cols)
		if !slices.Equal(keys, cols) {
			t.Fatalf("row %d: JSON keys %v, CSV columns %v", i, keys, cols)
		}
		for j, col := range head {
			if got, want := table[i+1][j], cell(t, row[col]); got != want {
				t.Errorf("row %d, %s: CSV %q, JSON %q", i, col, got, want)
			}
		}
	}
}

// cell is a JSON value as the CSV writes it.
func cell(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(math.Round(x*100)/100, 'f', -1, 64)
	case []any:
		var parts []string
		for _, p := range x {
			parts = append(parts, p.(string))
		}
		return strings.Join(parts, " ")
	}
	t.Fatalf("unexpected JSON %s", raw)
	return ""
}
