package reports_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/reports"
)

func TestParseCohort(t *testing.T) {
	t.Parallel()
	zone := paris(t)
	tests := []struct {
		spec   string
		want   reports.Cohort
		string string
	}{
		{"period:2026-10-01..2026-10-31", reports.Cohort{
			From: at("2026-09-30T22:00:00Z"), To: at("2026-10-31T23:00:00Z")}, // CEST start, CET end
			"period:2026-10-01..2026-10-31"},
		{"period:2026-10-25", reports.Cohort{ // the 25-hour day
			From: at("2026-10-24T22:00:00Z"), To: at("2026-10-25T23:00:00Z")}, "period:2026-10-25"},
		{"period: 2026-03-29 .. 2026-03-29", reports.Cohort{ // the 23-hour day
			From: at("2026-03-28T23:00:00Z"), To: at("2026-03-29T22:00:00Z")}, "period:2026-03-29"},
		{"campaign:42", reports.Cohort{Campaign: "42"}, "campaign:42"},
		{"tag:launch", reports.Cohort{Tag: "launch"}, "tag:launch"},
		{"network:x+tag:launch", reports.Cohort{Network: "x", Tag: "launch"}, "tag:launch+network:x"},
		{" author:Ada Lovelace + network:x ", reports.Cohort{Author: "Ada Lovelace", Network: "x"}, "network:x+author:Ada Lovelace"},
		{"tag:c++", reports.Cohort{Tag: "c++"}, "tag:c++"},
		{"tag:c+++network:x", reports.Cohort{Tag: "c++", Network: "x"}, "tag:c+++network:x"},
		{"tag:a+b", reports.Cohort{Tag: "a+b"}, "tag:a+b"},
		{"author:Ada+campaign:7+network:bluesky+tag:week-3+period:2026-01-01..2026-01-07", reports.Cohort{
			Author: "Ada", Campaign: "7", Network: "bluesky", Tag: "week-3",
			From: at("2025-12-31T23:00:00Z"), To: at("2026-01-07T23:00:00Z")},
			"period:2026-01-01..2026-01-07+campaign:7+tag:week-3+network:bluesky+author:Ada"},
		{"all", reports.Cohort{}, "all"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			t.Parallel()
			got, err := reports.ParseCohort(tt.spec, zone)
			if err != nil {
				t.Fatalf("ParseCohort: %v", err)
			}
			if !got.From.Equal(tt.want.From) || !got.To.Equal(tt.want.To) || got.Campaign != tt.want.Campaign ||
				got.Tag != tt.want.Tag || got.Network != tt.want.Network || got.Author != tt.want.Author {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if s := got.String(); s != tt.string {
				t.Errorf("String() = %q, want %q", s, tt.string)
			}
			back, err := reports.ParseCohort(got.String(), zone)
			if err != nil || !back.From.Equal(got.From) || !back.To.Equal(got.To) || back.Tag != got.Tag || back.Author != got.Author {
				t.Errorf("round trip: %+v, %v", back, err)
			}
		})
	}
}

func TestParseCohortNilZoneIsUTC(t *testing.T) {
	t.Parallel()
	c, err := reports.ParseCohort("period:2026-10-01..2026-10-31", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !c.From.Equal(at("2026-10-01T00:00:00Z")) || !c.To.Equal(at("2026-11-01T00:00:00Z")) {
		t.Errorf("got [%s, %s)", c.From, c.To)
	}
}

func TestParseCohortErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ spec, message string }{
		{"", "cohort is empty"},
		{"   ", "cohort is empty"},
		{"launch", `cohort "launch": "launch" is not key:value (keys: period, campaign, tag, network, author)`},
		{"foo:1", `cohort "foo:1": unknown criterion "foo" (keys: period, campaign, tag, network, author)`},
		{"tag:a+bogus:1", `unknown criterion "bogus"`},
		{"Network:x", `unknown criterion "Network"`},
		{"tag:", `cohort "tag:": tag is empty`},
		{"tag:a+tag:b", `cohort "tag:a+tag:b": tag is given twice`},
		{"period:2026-13-01..2026-12-31", `period: "2026-13-01" is not a date (want YYYY-MM-DD, e.g. 2026-10-01..2026-10-31)`},
		{"period:2026-10-01..", `period: "" is not a date`},
		{"period:1/10/2026", `period: "1/10/2026" is not a date`},
		{"period:2026-10-31..2026-10-01", `period: ends (2026-10-01) before it starts (2026-10-31)`},
		{"all+tag:x", `"all" is not key:value`},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			t.Parallel()
			_, err := reports.ParseCohort(tt.spec, time.UTC)
			if err == nil {
				t.Fatal("no error")
			}
			if code := rythme.ErrorCode(err); code != rythme.EINVALID {
				t.Errorf("code %q, want %q", code, rythme.EINVALID)
			}
			if msg := rythme.ErrorMessage(err); !strings.Contains(msg, tt.message) {
				t.Errorf("message %q does not contain %q", msg, tt.message)
			}
		})
	}
}

func TestCohortMatch(t *testing.T) {
	t.Parallel()
	s := reports.Snapshot{Network: "x", Author: "Ada", CampaignID: "42", Tags: []string{"launch", "week-1"},
		PublishedAt: at("2026-10-31T22:59:59Z")}
	zone := paris(t)
	tests := []struct {
		spec string
		want bool
	}{
		{"all", true},
		{"period:2026-10-01..2026-10-31", true}, // 23:59:59 CET on Oct 31
		{"period:2026-11-01", false},
		{"period:2026-10-31", true},
		{"tag:week-1", true},
		{"tag:week", false},
		{"network:x+tag:launch+author:Ada+campaign:42", true},
		{"network:x+author:ada", false},
		{"network:mastodon", false},
		{"campaign:4", false},
	}
	for _, tt := range tests {
		c, err := reports.ParseCohort(tt.spec, zone)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Match(&s); got != tt.want {
			t.Errorf("%s: Match = %v, want %v", tt.spec, got, tt.want)
		}
	}
	// A one-second later post is in November in Paris.
	s.PublishedAt = at("2026-10-31T23:00:00Z")
	if c, _ := reports.ParseCohort("period:2026-11-01", zone); !c.Match(&s) {
		t.Error("midnight of Nov 1 in Paris is not in period:2026-11-01")
	}
}
