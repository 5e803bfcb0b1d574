package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/reports"
)

// TestEveryNetworkIsListed walks every connector this server can offer and
// checks the places docs/adding-a-network.md lists outside the connector
// and fakenet: its page docs/networks/<name>.md, its row in the README's
// network table, and, when it reads metrics, its row in reports.Sources
// (which the readings and docs/metrics.md quote); a network without
// metrics has no such row; a network that reads history has a History
// row on its page and "yes" in docs/networks/README.md's history table,
// and one that reads followers says how on its page.
func TestEveryNetworkIsListed(t *testing.T) {
	t.Parallel()
	cfg, err := loadConfig(func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.FakenetURL = "http://127.0.0.1:1"
	all := registry(cfg, connectors.NewHTTPClient()).All()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	metricsDoc, err := os.ReadFile(filepath.Join("..", "..", "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	networksDoc, err := os.ReadFile(filepath.Join("..", "..", "docs", "networks", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatal("no connectors")
	}
	for _, c := range all {
		info := c.Info()
		if _, err := os.Stat(filepath.Join("..", "..", "docs", "networks", info.Name+".md")); err != nil {
			t.Errorf("%s: no docs/networks/%s.md: %v", info.Name, info.Name, err)
		}
		if !strings.Contains(string(readme), "\n| "+info.Title+" |") {
			t.Errorf("%s: no row for %q in the README's network table", info.Name, info.Title)
		}
		_, hasSources := reports.Sources[info.Name]
		switch {
		case info.Metrics && !hasSources:
			t.Errorf("%s: reads metrics but has no row in reports.Sources (reports/sources.go)", info.Name)
		case !info.Metrics && hasSources:
			t.Errorf("%s: reads no metrics but has a row in reports.Sources", info.Name)
		}
		if info.Metrics && !strings.Contains(string(metricsDoc), info.Title) {
			t.Errorf("%s: reads metrics but docs/metrics.md does not name %q", info.Name, info.Title)
		}
		page, _ := os.ReadFile(filepath.Join("..", "..", "docs", "networks", info.Name+".md"))
		historyRow := map[string]string{"facebook": "Facebook Pages", "mastodon": "Mastodon (and GoToSocial)"}[info.Name]
		if historyRow == "" {
			historyRow = info.Title
		}
		historyRow = "\n| " + historyRow + " | yes"
		if connectors.HasHistory(c) {
			if lower := strings.ToLower(string(page)); !strings.Contains(lower, "\n| history |") && !strings.Contains(lower, "\n## history") {
				t.Errorf("%s: reads history but docs/networks/%s.md has no History row", info.Name, info.Name)
			}
			if !strings.Contains(string(networksDoc), historyRow) {
				t.Errorf("%s: reads history but docs/networks/README.md's history table does not say yes", info.Name)
			}
		}
		if connectors.HasFollowers(c) && !strings.Contains(strings.ToLower(string(page)), "\n| followers |") &&
			!strings.Contains(string(page), "follower count") {
			t.Errorf("%s: reads followers but docs/networks/%s.md does not say how", info.Name, info.Name)
		}
	}
}
