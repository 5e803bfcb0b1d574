package rythme_test

import (
	"strings"
	"testing"

	"github.com/rythmehq/rythme"
)

func TestAddUTM(t *testing.T) {
	t.Parallel()
	u := rythme.UTM{Source: "{network}", Medium: "social", Campaign: "{campaign}"}
	vars := map[string]string{"network": "mastodon", "campaign": "Green week", "theme": "Recycling"}
	for _, tc := range []struct{ in, want string }{
		{"See https://example.com/a", "See https://example.com/a?utm_source=mastodon&utm_medium=social&utm_campaign=Green+week"},
		{"See https://example.com/a?x=1&y=2.", "See https://example.com/a?x=1&y=2&utm_source=mastodon&utm_medium=social&utm_campaign=Green+week."},
		{"Anchor: https://example.com/doc#part-2!", "Anchor: https://example.com/doc?utm_source=mastodon&utm_medium=social&utm_campaign=Green+week#part-2!"},
		{"Kept: https://example.com/?utm_source=newsletter", "Kept: https://example.com/?utm_source=newsletter"},
		{"Kept: https://example.com/?UTM_Medium=x#f", "Kept: https://example.com/?UTM_Medium=x#f"},
		{"(see https://example.com/wiki/Foo_(bar))", "(see https://example.com/wiki/Foo_(bar)?utm_source=mastodon&utm_medium=social&utm_campaign=Green+week)"},
		{"two: http://a.example and https://b.example/x?", "two: http://a.example?utm_source=mastodon&utm_medium=social&utm_campaign=Green+week and https://b.example/x?utm_source=mastodon&utm_medium=social&utm_campaign=Green+week?"},
		{"no link, just example.com", "no link, just example.com"},
		{"ftp://example.com stays", "ftp://example.com stays"},
	} {
		if got := rythme.AddUTM(tc.in, u, vars); got != tc.want {
			t.Errorf("AddUTM(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
	if got := rythme.AddUTM("https://example.com", rythme.UTM{}, vars); got != "https://example.com" {
		t.Errorf("no templates: %q", got)
	}
	// Applied twice, nothing more is added: a link with utm_ is kept.
	once := rythme.AddUTM("go https://example.com/x", u, vars)
	if twice := rythme.AddUTM(once, u, vars); twice != once {
		t.Errorf("twice: %q", twice)
	}
	// A value that needs escaping is escaped.
	if got := rythme.AddUTM("https://e.example", rythme.UTM{Campaign: "{theme} & more"}, vars); got != "https://e.example?utm_campaign=Recycling+%26+more" {
		t.Errorf("escaping: %q", got)
	}
}

func TestUTMSettings(t *testing.T) {
	t.Parallel()
	s := &rythme.UTMSettings{Default: rythme.UTM{Source: "{network}", Medium: "social"},
		Networks: map[string]rythme.UTM{"bluesky": {Medium: "sky"}}}
	if got := s.For("bluesky"); got != (rythme.UTM{Source: "{network}", Medium: "sky"}) {
		t.Errorf("bluesky: %+v", got)
	}
	if got := s.For("mastodon"); got != s.Default {
		t.Errorf("mastodon: %+v", got)
	}
	var none *rythme.UTMSettings
	if !none.Empty() || none.For("x") != (rythme.UTM{}) || s.Empty() {
		t.Error("Empty/For on nil")
	}
	known := func(n string) bool { return n == "bluesky" || n == "mastodon" }
	if err := s.Validate(known); err != nil {
		t.Errorf("valid: %v", err)
	}
	bad := &rythme.UTMSettings{Default: rythme.UTM{Source: "{who}", Medium: strings.Repeat("m", 201), Campaign: "a\x00b"},
		Networks: map[string]rythme.UTM{"myspace": {Source: "x"}}}
	err := bad.Validate(known)
	var fields []string
	for _, f := range rythme.ErrorFields(err) {
		fields = append(fields, f.Field)
	}
	if got := strings.Join(fields, ","); got != "utm.default.source,utm.default.medium,utm.default.campaign,utm.networks.myspace" {
		t.Errorf("fields %s (%v)", got, err)
	}
}
