package mastodon_test

import (
	"strings"
	"testing"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors/mastodon"
)

func TestLength(t *testing.T) {
	t.Parallel()
	long := "https://example.com/" + strings.Repeat("x", 100)
	for _, tc := range []struct {
		text string
		want int
	}{
		{"", 0},
		{"   ", 0},
		{"hello", 5},
		{"héllo wörld", 11},
		{long, 23},
		{"see " + long + ".", 4 + 23 + 1},
		{"(" + long + ")", 1 + 23 + 1},
		{"http://localhost:3000/x", 23},
		{"http://nodot/path", 17},                // not a URL Mastodon recognises
		{"xhttps://example.com/abc", 24},         // preceded by a letter
		{"ftp://example.com/abc", 21},            // only http(s)
		{"@alice@mastodon.example hi", 6 + 3},    // remote mention: @alice
		{"@alice hi", 9},                         // local mention as written
		{"mail bob@example.com", 20},             // not a mention
		{long + "/@carol@elsewhere.example", 23}, // mention inside a URL
		{"👍🏽", 1},                                // emoji with a skin tone: one grapheme
		{"👨‍👩‍👧‍👦 family", 8},                    // ZWJ sequence
		{"🇫🇷", 1},                                // flag
		{"e\u0301", 1},                           // combining accent
	} {
		if got := mastodon.Length(tc.text); got != tc.want {
			t.Errorf("Length(%q) = %d, want %d", tc.text, got, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	c := mastodon.New()
	if msgs := c.Validate(strings.Repeat("é", 500)); msgs != nil {
		t.Errorf("500 accented letters: %v", msgs)
	}
	msgs := c.Validate(strings.Repeat("a", 500) + " https://example.com/" + strings.Repeat("y", 50))
	if len(msgs) != 1 || msgs[0] != "is 524 characters long; Mastodon allows 500 (a URL counts as 23)" {
		t.Errorf("got %q", msgs)
	}
	if msgs := c.Validate(" \n"); len(msgs) != 1 {
		t.Errorf("blank: %v", msgs)
	}
}

func TestNormalizeInstanceURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"mastodon.social", "https://mastodon.social"},
		{" HTTPS://Mastodon.Social/ ", "https://mastodon.social"},
		{"https://example.com:443", "https://example.com"},
		{"https://example.com:8443/social/", "https://example.com:8443/social"},
		{"http://127.0.0.1:8090/mastodon", "http://127.0.0.1:8090/mastodon"},
		{"http://localhost:3000", "http://localhost:3000"},
		{"http://[::1]:3000/", "http://[::1]:3000"},
		{"https://93.184.216.34", "https://93.184.216.34"},
	} {
		got, err := mastodon.NormalizeInstanceURL(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormalizeInstanceURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{
		"", "http://mastodon.social", "ftp://mastodon.social", "https://user:pw@mastodon.social",
		"https://mastodon.social/?x=1", "https://mastodon.social/#top", "https://10.0.0.5", "https://192.168.1.10",
		"https://172.16.0.1", "https://169.254.169.254", "https://[fd00::1]", "https://0.0.0.0", "https://100.64.0.1",
		"https://", "https://example.com/a/../b",
	} {
		_, err := mastodon.NormalizeInstanceURL(bad)
		if rythme.ErrorCode(err) != rythme.EINVALID || len(rythme.ErrorFields(err)) != 1 || rythme.ErrorFields(err)[0].Field != "instance_url" {
			t.Errorf("NormalizeInstanceURL(%q): %v, want EINVALID on instance_url", bad, err)
		}
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		version, source       string
		software, idempotency string
		batch                 bool
	}{
		{"4.3.2", "https://github.com/mastodon/mastodon", "mastodon", "honoured", true},
		{"4.2.10", "https://github.com/mastodon/mastodon", "mastodon", "honoured", false},
		{"4.4.0+glitch", "https://github.com/glitch-soc/mastodon", "mastodon", "honoured", true},
		{"3.5.3", "", "mastodon", "honoured", false},
		{"0.17.3 git-abc", "https://github.com/superseriousbusiness/gotosocial", "gotosocial", "ignored", false},
		{"0.18.0 git-abc", "https://codeberg.org/superseriousbusiness/gotosocial", "gotosocial", "ignored", false},
		{"2.7.2 (compatible; Pleroma 2.6.0)", "", "pleroma", "unknown", true},
		{"", "", "unknown", "unknown", true},
	} {
		sw, idem, batch := mastodon.Classify(tc.version, tc.source)
		if sw != tc.software || idem != tc.idempotency || batch != tc.batch {
			t.Errorf("classify(%q, %q) = %q %q %v, want %q %q %v", tc.version, tc.source, sw, idem, batch, tc.software, tc.idempotency, tc.batch)
		}
	}
}
