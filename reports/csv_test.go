package reports_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/reports"
)

func TestSafeCell(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"Ada", "Ada"},
		{"=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"+33 6", "'+33 6"},
		{"-x", "'-x"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tcmd", "'\tcmd"},
		{"\rcmd", "'\rcmd"},
		{"a=b", "a=b"},
		{"-12.5", "-12.5"}, // a plain number stays a number
		{"-3", "-3"},
		{"12", "12"},
		{"-1+1", "'-1+1"},
		{"-1.", "'-1."},
		{"-.5", "'-.5"},
		{"-", "'-"},
	}
	for _, tt := range tests {
		if got := reports.SafeCell(tt.in); got != tt.want {
			t.Errorf("SafeCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWriteCSVInjection(t *testing.T) {
	t.Parallel()
	snaps := []reports.Snapshot{
		{TargetID: "t1", PostID: "p1", AccountID: "a", Network: "x", Author: "=cmd|' /C calc'!A0",
			Tags: []string{"@launch", "ok"}, PublishedAt: at("2026-10-01T10:00:00Z"), At: at("2026-10-02T10:00:00Z"),
			Metrics: rythme.Metrics{Impressions: n(40), Likes: n(3), Comments: n(-1)}},
	}
	var buf bytes.Buffer
	if err := reports.WriteCSV(&buf, reports.Posts(snaps, time.Time{})); err != nil {
		t.Fatal(err)
	}
	want := "target_id,post_id,account_id,network,author,campaign_id,tags,published_at,at,deleted,impressions,reach,likes,comments,shares,saves,clicks,video_views,engagement,rate_pct,basis\n" +
		"t1,p1,a,x,'=cmd|' /C calc'!A0,,'@launch;ok,2026-10-01T10:00:00Z,2026-10-02T10:00:00Z,false,40,,3,-1,,,,,2,5,impressions\n"
	if buf.String() != want {
		t.Errorf("CSV:\n%q\nwant:\n%q", buf.String(), want)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteCSVError(t *testing.T) {
	t.Parallel()
	err := reports.WriteCSV(failingWriter{}, reports.Ranking{})
	if err == nil || err.Error() != "reports: write csv: disk full" {
		t.Errorf("err = %v", err)
	}
}
