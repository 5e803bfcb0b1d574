package chaos_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme/chaos"
)

// TestCount puts one target in each bucket and checks where it lands: the
// accounting is what the suite's verdict rests on.
func TestCount(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 5, 1, 12, 0, 0, 500_000_000, time.UTC)
	rec := func(key, id string, created bool, d time.Duration) chaos.Record {
		return chaos.Record{IdempotencyKey: key, ID: id, Created: created, ReceivedAt: at.Add(d)}
	}
	tg := func(id, acct, status, ext string) chaos.Target {
		return chaos.Target{ID: id, AccountID: acct, Status: status, ExternalID: ext, ScheduledAt: at}
	}
	cases := []struct {
		name        string
		target      chaos.Target
		records     []chaos.Record
		idempotent  bool
		listed      bool
		want        func(chaos.Tally) int
		failures    int // goals missed
		early       bool
		wantResent  bool
		wantOnNet   bool
		wantNotList bool
	}{
		{name: "exactly once", target: tg("tgt_1", "acc_m", "published", "s1"),
			records: []chaos.Record{rec("tgt_1", "s1", true, 3*time.Millisecond)},
			want:    func(x chaos.Tally) int { return x.ExactlyOnce }},
		{name: "retried and deduplicated is still once", target: tg("tgt_2", "acc_m", "published", "s2"),
			records: []chaos.Record{rec("tgt_2", "s2", true, time.Second), rec("tgt_2", "s2", false, 9*time.Second)},
			want:    func(x chaos.Tally) int { return x.ExactlyOnce }},
		{name: "created twice", target: tg("tgt_3", "acc_g", "published", "s3"),
			records: []chaos.Record{rec("tgt_3", "s3", true, 0), rec("tgt_3", "s4", true, time.Second)},
			want:    func(x chaos.Tally) int { return x.Duplicates }, failures: 1},
		{name: "early by a millisecond", target: tg("tgt_4", "acc_m", "published", "s5"),
			records: []chaos.Record{rec("tgt_4", "s5", true, -time.Millisecond)},
			want:    func(x chaos.Tally) int { return x.ExactlyOnce }, failures: 1, early: true},
		{name: "never sent, still scheduled", target: tg("tgt_5", "acc_m", "scheduled", ""),
			want: func(x chaos.Tally) int { return x.Lost }, failures: 1},
		{name: "published in the store only", target: tg("tgt_6", "acc_m", "published", "s6"),
			want: func(x chaos.Tally) int { return x.Lost }, failures: 1},
		{name: "on the network, store says publishing", target: tg("tgt_7", "acc_m", "publishing", ""),
			records: []chaos.Record{rec("tgt_7", "s7", true, 0)},
			want:    func(x chaos.Tally) int { return x.Mismatch }, failures: 1},
		{name: "store points at another status", target: tg("tgt_8", "acc_m", "published", "other"),
			records: []chaos.Record{rec("tgt_8", "s8", true, 0)},
			want:    func(x chaos.Tally) int { return x.Mismatch }, failures: 1},
		{name: "unconfirmed, surfaced, sent once", target: tg("tgt_9", "acc_g", "unconfirmed", ""),
			records: []chaos.Record{rec("tgt_9", "s9", true, 0)}, listed: true,
			want: func(x chaos.Tally) int { return x.Unconfirmed }, wantOnNet: true},
		{name: "unconfirmed and re-sent", target: tg("tgt_10", "acc_g", "unconfirmed", ""),
			records: []chaos.Record{rec("tgt_10", "s10", true, 0), rec("tgt_10", "", false, time.Second)}, listed: true,
			want: func(x chaos.Tally) int { return x.Unconfirmed }, failures: 1, wantResent: true, wantOnNet: true},
		{name: "unconfirmed but not listed", target: tg("tgt_11", "acc_g", "unconfirmed", ""),
			want: func(x chaos.Tally) int { return x.Unconfirmed }, failures: 1, wantNotList: true},
		{name: "unconfirmed where a retry was safe", target: tg("tgt_12", "acc_m", "unconfirmed", ""), idempotent: true, listed: true,
			want: func(x chaos.Tally) int { return x.Unconfirmed }, failures: 1},
		{name: "failed", target: tg("tgt_13", "acc_m", "failed", ""),
			want: func(x chaos.Tally) int { return x.Failed }, failures: 1},
		{name: "held", target: tg("tgt_14", "acc_m", "held", ""),
			want: func(x chaos.Tally) int { return x.Held }, failures: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			idem := map[string]bool{tc.target.AccountID: tc.idempotent}
			listed := map[string]bool{tc.target.ID: tc.listed}
			x := chaos.Count([]chaos.Target{tc.target}, tc.records, idem, listed)
			if x.Posts != 1 || tc.want(x) != 1 {
				t.Errorf("tally = %+v, want the target in its bucket", x)
			}
			buckets := x.ExactlyOnce + x.Duplicates + x.Unconfirmed + x.Failed + x.Held + x.Lost + x.Mismatch
			if buckets != 1 {
				t.Errorf("the target is in %d buckets: %+v", buckets, x)
			}
			if got := len(x.Failures()); got != tc.failures {
				t.Errorf("Failures() = %q, want %d", x.Failures(), tc.failures)
			}
			if (x.Early == 1) != tc.early || (x.UnconfirmedResent == 1) != tc.wantResent ||
				(x.UnconfirmedOnNetwork == 1) != tc.wantOnNet || (x.UnconfirmedNotListed == 1) != tc.wantNotList {
				t.Errorf("tally = %+v", x)
			}
		})
	}
}

// TestCountStray counts a request nobody scheduled as a failure, and
// computes lateness from the first creation.
func TestCountStray(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	targets := []chaos.Target{{ID: "tgt_a", Status: "published", ExternalID: "1", ScheduledAt: at}}
	records := []chaos.Record{
		{IdempotencyKey: "tgt_a", ID: "1", Created: true, ReceivedAt: at.Add(2 * time.Second)},
		{IdempotencyKey: "tgt_zz", ID: "2", Created: true, ReceivedAt: at},
	}
	x := chaos.Count(targets, records, nil, nil)
	if x.Stray != 1 || x.ExactlyOnce != 1 || x.Requests != 2 || len(x.Failures()) != 1 {
		t.Errorf("tally = %+v, failures %q", x, x.Failures())
	}
	if x.LateMax != 2*time.Second || x.LateP50 != 2*time.Second {
		t.Errorf("lateness = %s/%s, want 2s", x.LateP50, x.LateMax)
	}
}

// TestWriteReport checks that a scenario gets its row with its figures
// and that a missed goal is written as such.
func TestWriteReport(t *testing.T) {
	t.Parallel()
	res := []chaos.Result{
		{Title: "workers killed", Injected: []string{"3 kill -9"}, Duration: 61 * time.Second, Passed: true,
			Tally: chaos.Tally{Posts: 10, ExactlyOnce: 9, Unconfirmed: 1}},
		{Title: "redis wiped", Duration: 30 * time.Second, Tally: chaos.Tally{Posts: 10, ExactlyOnce: 9, Lost: 1}},
	}
	var b bytes.Buffer
	if err := chaos.WriteReport(&b, time.Now(), chaos.ThisMachine(), chaos.Settings{Posts: 10}, res); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"| workers killed | 10 | 9 | 0 | 0 | 0 | 1 | 3 kill -9 | 1m1s |",
		"| redis wiped | 10 | 9 | 1 | 0 | 0 | 0 |  | 30s |",
		"### redis wiped (**FAILED**)",
		"**goal missed:** 1 lost",
		"## Threads: each part at most once",      // the thread fault matrix, kept by every run
		"## Against real servers: the peer suite", // the peer results, kept by every run
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// TestWriteSummary checks the terminal summary: a line per scenario with
// its figures in order, the verdict, and the totals.
func TestWriteSummary(t *testing.T) {
	t.Parallel()
	res := []chaos.Result{
		{Name: "workers_killed", Passed: true, Tally: chaos.Tally{Posts: 10, ExactlyOnce: 9, Unconfirmed: 1, UnconfirmedOnNetwork: 1}},
		{Name: "redis_wiped", Tally: chaos.Tally{Posts: 10, ExactlyOnce: 8, Lost: 1, Duplicates: 1, Early: 2}},
	}
	var b bytes.Buffer
	if err := chaos.WriteSummary(&b, res); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("want a header, 2 scenarios and a total:\n%s", b.String())
	}
	for i, want := range [][]string{
		{"scenario", "posts", "once", "lost", "dup", "early", "unconf", "(on", "net)", "failed", "held", "mismatch", "verdict"},
		{"workers_killed", "10", "9", "0", "0", "0", "1", "1", "0", "0", "0", "ok"},
		{"redis_wiped", "10", "8", "1", "1", "2", "0", "0", "0", "0", "0", "FAILED"},
		{"total", "20", "17", "1", "1", "2", "1", "1", "0", "0", "0", "1", "of", "2", "scenarios", "failed"},
	} {
		if got := strings.Fields(lines[i]); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("line %d: %q, want %q", i, got, want)
		}
	}
	if len(lines[1])-len("ok") != len(lines[2])-len("FAILED") || len(lines[0])-len("verdict") != len(lines[1])-len("ok") {
		t.Errorf("rows are not aligned:\n%s", b.String())
	}
}
