package reports_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/rythmehq/rythme/reports"
)

// TestSourcesNameFigures checks the sources table names only normalised
// figures, and every figure a network gives has a field.
func TestSourcesNameFigures(t *testing.T) {
	figures := map[string]bool{"impressions": true, "reach": true, "likes": true, "comments": true, "shares": true,
		"saves": true, "clicks": true, "video_views": true}
	for network, src := range reports.Sources {
		if src["likes"] == "" || src["comments"] == "" {
			t.Errorf("%s: no source for likes or comments: %v", network, src)
		}
		for fig, field := range src {
			if !figures[fig] || field == "" {
				t.Errorf("%s: %q → %q is not a figure with a field", network, fig, field)
			}
		}
	}
	if got := reports.Sources["facebook"]["reach"]; got != "insights post_total_media_view_unique" {
		t.Errorf("facebook reach = %q", got)
	}
}

// TestDefinitionsQuoted derives, from reports.Definitions, the table of
// docs/metrics.md and the OpenAPI document's description of a report row's
// indicator (with its enum), and checks both say exactly that: the same
// indicators, in the same order, with the same labels, units and words.
func TestDefinitionsQuoted(t *testing.T) {
	t.Parallel()
	var table, list []string
	var indicators []any
	for _, d := range reports.Definitions {
		table = append(table, fmt.Sprintf("| `%s` | %s | %s | %s |", d.Indicator, d.Label, d.Unit, d.Text))
		list = append(list, fmt.Sprintf("- %s (%s): %s", d.Indicator, d.Unit, d.Text))
		indicators = append(indicators, d.Indicator)
	}
	doc, err := os.ReadFile("../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	head := "| indicator | label | unit | definition |\n| --- | --- | --- | --- |\n"
	if want := head + strings.Join(table, "\n") + "\n\n"; !strings.Contains(string(doc), want) {
		t.Errorf("docs/metrics.md does not have the definitions table as reports.Definitions says it:\n%s", want)
	}

	raw, err := os.ReadFile("../api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Description string `json:"description"`
					Enum        []any  `json:"enum"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	ind := spec.Components.Schemas["ReportRow"].Properties["indicator"]
	want := "The indicator, each defined as follows (the same text as the report's definitions field and docs/metrics.md):\n" +
		strings.Join(list, "\n")
	if ind.Description != want {
		t.Errorf("openapi.json ReportRow.indicator says:\n%s\nreports.Definitions:\n%s", ind.Description, want)
	}
	if !slices.Equal(ind.Enum, indicators) {
		t.Errorf("openapi.json ReportRow.indicator enum %v, reports.Definitions %v", ind.Enum, indicators)
	}
}
