package connectors_test

import (
	"testing"

	"github.com/rythmehq/rythme/connectors"
)

func TestPlainText(t *testing.T) {
	for in, want := range map[string]string{
		`<p>Hello &amp; welcome</p><p>to <a href="https://x.example">x.example</a></p>`: "Hello & welcome\nto x.example",
		`line<br>two<br />three`: "line\ntwo\nthree",
		`plain`:                  "plain",
	} {
		if got := connectors.PlainText(in); got != want {
			t.Errorf("PlainText(%q) = %q, want %q", in, got, want)
		}
	}
}
