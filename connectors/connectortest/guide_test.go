package connectortest_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// docs/adding-a-network.md stays true to the code: every file it cites
// exists, and its table of the suite's cases names each case Run runs.
func TestAddingANetworkGuide(t *testing.T) {
	t.Parallel()
	guide, err := os.ReadFile("../../docs/adding-a-network.md")
	if err != nil {
		t.Fatal(err)
	}
	cited := regexp.MustCompile(`\b(?:connectors|fakenet|cmd|worker|api|internal|reports|posting|connecting|people)/[A-Za-z0-9_./-]+\.(?:go|md|json)\b`).
		FindAllString(string(guide), -1)
	if len(cited) < 20 {
		t.Fatalf("only %d file paths found in the guide: %q", len(cited), cited)
	}
	for _, p := range cited {
		if strings.Contains(p, "acme") {
			continue // the example network
		}
		if _, err := os.Stat("../../" + p); err != nil {
			t.Errorf("the guide cites %s, which does not exist", p)
		}
	}
	suite, err := os.ReadFile("suite.go")
	if err != nil {
		t.Fatal(err)
	}
	cases := regexp.MustCompile(`\{"([A-Za-z]+)", test[A-Za-z]+\}`).FindAllStringSubmatch(string(suite), -1)
	if len(cases) < 10 {
		t.Fatalf("only %d cases found in suite.go", len(cases))
	}
	for _, c := range cases {
		if !strings.Contains(string(guide), "| `"+c[1]+"` |") {
			t.Errorf("the guide's table of the suite's cases has no row for %s", c[1])
		}
	}
}
