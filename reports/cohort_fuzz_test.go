package reports_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/reports"
)

// FuzzParseCohort: a cohort spec comes from a query string. Any spec
// parses or fails with EINVALID and a message; a parsed period is a
// non-empty range of whole days; in UTC the cohort's String reads back
// as the same cohort.
func FuzzParseCohort(f *testing.F) {
	for _, seed := range []struct{ spec, zone string }{
		{"all", ""},
		{"", "UTC"},
		{"period:2026-10-01..2026-10-31", "Europe/Paris"},
		{"period:2026-10-01", "America/Sao_Paulo"},
		{"network:x+tag:launch", ""},
		{"tag:c++", ""},
		{"campaign:42 + author: Ada Lovelace ", ""},
		{"period:2026-10-31..2026-10-01", ""},
		{"period:2026-02-30", ""},
		{"tag:a+tag:b", ""},
		{"colour:red", ""},
		{"tag:", ""},
		{"period:..", ""},
		{"period:0001-01-01", ""},
		{"period:9999-12-31", "Pacific/Kiritimati"},
		{"tag:a+b:c", ""},
		{"author:\xff\xfe", ""},
		{"++++", ""},
	} {
		f.Add(seed.spec, seed.zone)
	}
	f.Fuzz(func(t *testing.T, spec, zoneName string) {
		zone, err := time.LoadLocation(zoneName)
		if err != nil || zoneName == "Local" {
			zone = time.UTC
		}
		c, err := reports.ParseCohort(spec, zone)
		if err != nil {
			if rythme.ErrorCode(err) != rythme.EINVALID || rythme.ErrorMessage(err) == "" {
				t.Fatalf("ParseCohort(%q) = %v: want EINVALID with a message", spec, err)
			}
			return
		}
		if c.HasPeriod() {
			if c.To.IsZero() || !c.To.After(c.From) {
				t.Fatalf("ParseCohort(%q): period [%v, %v) is empty", spec, c.From, c.To)
			}
		}
		for _, v := range []string{c.Campaign, c.Tag, c.Network, c.Author} {
			if v != strings.TrimSpace(v) {
				t.Fatalf("ParseCohort(%q): value %q is not trimmed", spec, v)
			}
		}
		if zone != time.UTC || (c.From.IsZero() && c.HasPeriod()) {
			return // String prints non-midnight bounds as RFC 3339, which ParseCohort does not read
		}
		again, err := reports.ParseCohort(c.String(), time.UTC)
		if err != nil {
			t.Fatalf("ParseCohort(%q).String() = %q does not parse back: %v", spec, c.String(), err)
		}
		if !again.From.Equal(c.From) || !again.To.Equal(c.To) || again.Campaign != c.Campaign ||
			again.Tag != c.Tag || again.Network != c.Network || again.Author != c.Author {
			t.Fatalf("ParseCohort(%q) = %+v; its String %q reads back as %+v", spec, c, c.String(), again)
		}
	})
}
