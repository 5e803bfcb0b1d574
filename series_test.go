package rythme_test

import (
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

// TestSeriesCarriesPollAndComment: an occurrence has the template's poll
// (a copy: changing one changes no other) and first comment; Apply gives
// a post a new poll or comment, bumping its targets' versions, and
// changes nothing when they are the same.
func TestSeriesCarriesPollAndComment(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	se := &rythme.Series{ID: "ser_1", WorkspaceID: "ws_1", Timezone: "UTC", Template: rythme.SeriesTemplate{Content: "Vote",
		Targets: []rythme.SeriesTarget{{AccountID: "acc_1", Network: "mastodon"}}, FirstComment: "More",
		Poll: &rythme.Poll{Options: []string{"A", "B"}, DurationMinutes: 60}}}
	p := se.Occurrence(now.Add(time.Hour), rythme.Actor{ID: "tok_1"}, now)
	q := se.Occurrence(now.Add(2*time.Hour), rythme.Actor{ID: "tok_1"}, now)
	if p.FirstComment != "More" || !p.Poll.Equal(se.Template.Poll) || p.Poll == se.Template.Poll {
		t.Fatalf("occurrence: comment %q, poll %+v", p.FirstComment, p.Poll)
	}
	p.Poll.Options[0] = "changed"
	if q.Poll.Options[0] != "A" || se.Template.Poll.Options[0] != "A" {
		t.Fatal("occurrences share their poll's options")
	}

	tp := se.Template
	tp.Poll = &rythme.Poll{Options: []string{"A", "B"}, DurationMinutes: 60}
	if tp.Apply(q, q.ScheduledAt, "UTC", now) {
		t.Fatal("Apply changed a post already so")
	}
	tp.FirstComment, tp.Poll = "", &rythme.Poll{Options: []string{"A", "B", "C"}, DurationMinutes: 60}
	if !tp.Apply(q, q.ScheduledAt, "UTC", now) || q.FirstComment != "" || len(q.Poll.Options) != 3 || q.Targets[0].Version != 2 {
		t.Fatalf("Apply: changed %q %+v, version %d", q.FirstComment, q.Poll, q.Targets[0].Version)
	}
	tp.Poll = nil
	if !tp.Apply(q, q.ScheduledAt, "UTC", now) || q.Poll != nil {
		t.Fatalf("Apply without a poll: %+v", q.Poll)
	}
	var none *rythme.Poll
	if !none.Equal(nil) || none.Equal(&rythme.Poll{}) || none.Clone() != nil || (&rythme.Poll{Multiple: true}).Equal(&rythme.Poll{}) {
		t.Fatal("Poll.Equal or Clone of nil")
	}
}
