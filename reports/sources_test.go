package reports_test

import (
	"os"
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

// TestDefinitionsQuoted checks docs/metrics.md and the OpenAPI document
// say each indicator's definition in the words of reports.Definitions.
func TestDefinitionsQuoted(t *testing.T) {
	for _, file := range []string{"../docs/metrics.md", "../api/openapi.json"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		for _, d := range reports.Definitions {
			if !strings.Contains(text, d.Text) {
				t.Errorf("%s does not quote the definition of %s: %q", file, d.Indicator, d.Text)
			}
		}
	}
}
