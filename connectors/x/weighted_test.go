package x_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/rythmehq/rythme/connectors/x"
)

type conformanceCase struct {
	Suite          string `json:"suite"`
	Description    string `json:"description"`
	Text           string `json:"text"`
	WeightedLength int    `json:"weightedLength"`
	Valid          bool   `json:"valid"`
	Permillage     int    `json:"permillage"`
}

func loadConformance(t *testing.T) []conformanceCase {
	t.Helper()
	b, err := os.ReadFile("testdata/twitter_text_weighted.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases []conformanceCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	// validate.yml's "Handle long url with invalid domain labels and short
	// url": three https URLs whose host label is 249 × "somesuperlongurl"
	// (too long for DNS, so not URLs), then a valid one.
	long := "Long url with invalid domain labels and a short url: " +
		strings.Repeat("https://"+strings.Repeat("somesuperlongurl", 249)+".com/foo ", 3) + "https://validurl.com"
	for _, s := range []string{"v2", "v3"} {
		f.Cases = append(f.Cases, conformanceCase{Suite: s, Description: "Handle long url with invalid domain labels and short url",
			Text: long, WeightedLength: 12079, Valid: false, Permillage: 43139})
	}
	return f.Cases
}

// TestTwitterTextConformance runs twitter-text's own weighted-length
// cases (testdata/twitter_text_weighted.json says where they come from).
func TestTwitterTextConformance(t *testing.T) {
	t.Parallel()
	cases := loadConformance(t)
	if len(cases) < 30 {
		t.Fatalf("only %d conformance cases loaded", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.Suite+"/"+tc.Description, func(t *testing.T) {
			t.Parallel()
			parse := x.Parse
			if tc.Suite == "v2" {
				parse = x.ParseV2
			}
			got := parse(tc.Text)
			if got.WeightedLength != tc.WeightedLength || got.Valid != tc.Valid || got.Permillage != tc.Permillage {
				t.Errorf("got length %d valid %v permillage %d, want %d %v %d", got.WeightedLength, got.Valid, got.Permillage,
					tc.WeightedLength, tc.Valid, tc.Permillage)
			}
		})
	}
}

func TestWeightedLength(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, text string
		want       int
	}{
		{"ascii", "hello", 5},
		{"latin accents", "café crème", 10},
		{"greek and cyrillic weigh 1", "αβγ где", 7},
		{"CJK weighs 2", "日本語", 6},
		{"copyright alone is Latin-1", "©", 1},
		{"copyright as emoji", "©\ufe0f", 2},
		{"keycap", "1\ufe0f\u20e3", 2},
		{"flag", "🇫🇷", 2},
		{"URL without protocol", "see example.com now", 4 + 23 + 4},
		{"file name is not a URL", "open report.pdf", 15},
		{"trailing period outside URL", "https://example.com/a.", 24},
		{"URL then Japanese", "https://example.comをご覧ください", 23 + 14},
		{"wikipedia parens", "https://en.wikipedia.org/wiki/Primer_(film) ok", 23 + 3},
		{"query", "https://x.com/search?q=go&src=typed!", 24},
		{"email is not a URL", "me@example.com", 2 + 1 + 11},
		{"decomposed accent", "e\u0301", 1},
	}
	for _, tc := range cases {
		if got := x.WeightedLength(tc.text); got != tc.want {
			t.Errorf("%s: WeightedLength(%q) = %d, want %d", tc.name, tc.text, got, tc.want)
		}
	}
}

func TestExtractURLs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		text string
		want []string
	}{
		{"Test https://test.com test https://test.com test.com test", []string{"https://test.com", "https://test.com", "test.com"}},
		{"(see http://example.com/a_(b)_c).", []string{"http://example.com/a_(b)_c"}},
		{"ftp://www.example.com/", nil},
		{"-example.com", nil}, {"a-example.com", []string{"a-example.com"}},
		{"$example.com #example.com", nil},
		{"http://☃.net/", []string{"http://☃.net/"}},
		{"www.example.com:8080/x?y=1.", []string{"www.example.com:8080/x?y=1"}},
	}
	for _, tc := range cases {
		if got := x.ExtractURLs(tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("ExtractURLs(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}
