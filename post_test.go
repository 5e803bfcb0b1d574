package rythme_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

var t0 = time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)

func newPost(statuses ...rythme.TargetStatus) *rythme.Post {
	p := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), Content: "hello", ScheduledAt: t0, Timezone: "Europe/Paris"}
	for i, s := range statuses {
		p.Targets = append(p.Targets, &rythme.Target{ID: rythme.NewID(rythme.PrefixTarget), AccountID: "acc_" + string(rune('a'+i)),
			Status: s, Version: 1, ScheduledAt: t0})
	}
	return p
}

func TestValidateNamesEveryBadField(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		change func(p *rythme.Post)
		field  string
	}{
		{"no targets", func(p *rythme.Post) { p.Targets = nil }, "targets"},
		{"empty content", func(p *rythme.Post) { p.Content = "  " }, "targets[0].content"},
		{"account twice", func(p *rythme.Post) { p.Targets[1].AccountID = p.Targets[0].AccountID }, "targets[1].account_id"},
		{"missing account", func(p *rythme.Post) { p.Targets[0].AccountID = "" }, "targets[0].account_id"},
		{"bad zone", func(p *rythme.Post) { p.Timezone = "Mars/Olympus" }, "timezone"},
		{"too many tags", func(p *rythme.Post) { p.Tags = make([]string, 21) }, "tags"},
		{"blank tag", func(p *rythme.Post) { p.Tags = []string{"ok", " "} }, "tags[1]"},
		{"no time", func(p *rythme.Post) { p.ScheduledAt = time.Time{} }, "scheduled_at"},
		{"invalid utf-8", func(p *rythme.Post) { p.Content = "\xff" }, "content"},
		{"NUL in content", func(p *rythme.Post) { p.Content = "a\x00b" }, "content"},
		{"escape in a variant", func(p *rythme.Post) { p.Targets[1].Content = "a\x1b[31m" }, "targets[1].content"},
		{"C1 in a thread part", func(p *rythme.Post) { p.Thread = []string{"ok", "a\u0085"} }, "thread[1]"},
		{"DEL in a tag", func(p *rythme.Post) { p.Tags = []string{"a\x7f"} }, "tags[0]"},
		{"NUL in author", func(p *rythme.Post) { p.Author = "\x00" }, "author"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := newPost(rythme.TargetScheduled, rythme.TargetScheduled)
			c.change(p)
			err := p.Validate()
			if rythme.ErrorCode(err) != rythme.EINVALID {
				t.Fatalf("Validate() = %v, want EINVALID", err)
			}
			found := false
			for _, f := range rythme.ErrorFields(err) {
				found = found || f.Field == c.field
			}
			if !found {
				t.Fatalf("fields %+v do not name %q", rythme.ErrorFields(err), c.field)
			}
		})
	}
	if err := newPost(rythme.TargetScheduled).Validate(); err != nil {
		t.Fatalf("a good post fails validation: %v", err)
	}
	tabs := newPost(rythme.TargetScheduled)
	tabs.Content = "line one\r\n\tline two\n"
	if err := tabs.Validate(); err != nil {
		t.Fatalf("tab, CR and LF are text: %v", err)
	}
	// A variant on every target makes the post's own content optional.
	p := newPost(rythme.TargetScheduled)
	p.Content, p.Targets[0].Content = "", "variant"
	if err := p.Validate(); err != nil {
		t.Fatalf("variants only: %v", err)
	}
}

func TestEditBumpsVersionsOfWaitingTargetsOnly(t *testing.T) {
	t.Parallel()
	p := newPost(rythme.TargetScheduled, rythme.TargetPublished, rythme.TargetHeld)
	later := t0.Add(time.Hour)
	text := "edited"
	err := p.ApplyEdit(rythme.PostEdit{Content: &text, ScheduledAt: &later, TargetContent: map[string]string{"acc_c": "variant"}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Content != "edited" || !p.ScheduledAt.Equal(later) {
		t.Fatalf("post not edited: %+v", p)
	}
	want := []struct {
		version int
		at      time.Time
	}{{2, later}, {1, t0}, {2, later}}
	for i, w := range want {
		if got := p.Targets[i]; got.Version != w.version || !got.ScheduledAt.Equal(w.at) {
			t.Errorf("target %d: v%d at %s, want v%d at %s", i, got.Version, got.ScheduledAt, w.version, w.at)
		}
	}
	if p.Targets[2].Content != "variant" || p.TextFor(p.Targets[2]) != "variant" || p.TextFor(p.Targets[0]) != "edited" {
		t.Fatal("per-account variant not applied")
	}
	if err := p.ApplyEdit(rythme.PostEdit{TargetContent: map[string]string{"acc_zz": "x"}}, t0); rythme.ErrorCode(err) != rythme.EINVALID {
		t.Fatalf("variant for a non-target account: %v, want EINVALID", err)
	}
}

func TestNoEditOrCancelWhilePublishingOrWhenAllAreOut(t *testing.T) {
	t.Parallel()
	for _, statuses := range [][]rythme.TargetStatus{
		{rythme.TargetScheduled, rythme.TargetPublishing},
		{rythme.TargetPublished, rythme.TargetCancelled, rythme.TargetFailed},
	} {
		p := newPost(statuses...)
		text := "x"
		if err := p.ApplyEdit(rythme.PostEdit{Content: &text}, t0); rythme.ErrorCode(err) != rythme.ECONFLICT {
			t.Errorf("%v: edit = %v, want ECONFLICT", statuses, err)
		}
		if err := p.Cancel(t0); rythme.ErrorCode(err) != rythme.ECONFLICT {
			t.Errorf("%v: cancel = %v, want ECONFLICT", statuses, err)
		}
		if p.Targets[0].Version != 1 {
			t.Errorf("%v: a refused change bumped a version", statuses)
		}
	}
	p := newPost(rythme.TargetScheduled, rythme.TargetPublished)
	if err := p.Cancel(t0); err != nil {
		t.Fatal(err)
	}
	if p.Targets[0].Status != rythme.TargetCancelled || p.Targets[0].Version != 2 || p.Targets[1].Status != rythme.TargetPublished {
		t.Fatalf("cancel: %+v %+v", p.Targets[0], p.Targets[1])
	}
}

func TestResolveTarget(t *testing.T) {
	t.Parallel()
	p := newPost(rythme.TargetUnconfirmed, rythme.TargetFailed, rythme.TargetPublished)
	if err := p.ResolveTarget(p.Targets[0].ID, rythme.ResolvePublished, time.Time{}, "https://m.example/@a/1", t0); err != nil {
		t.Fatal(err)
	}
	if tg := p.Targets[0]; tg.Status != rythme.TargetPublished || tg.URL == "" || tg.Version != 2 {
		t.Fatalf("resolved published: %+v", tg)
	}
	if err := p.ResolveTarget(p.Targets[1].ID, rythme.ResolvePublished, time.Time{}, "", t0); rythme.ErrorCode(err) != rythme.ECONFLICT {
		t.Fatalf("a failed target marked published: %v", err)
	}
	at := t0.Add(time.Minute)
	if err := p.ResolveTarget(p.Targets[1].ID, rythme.ResolveRetry, at, "", t0); err != nil {
		t.Fatal(err)
	}
	if tg := p.Targets[1]; tg.Status != rythme.TargetScheduled || !tg.ScheduledAt.Equal(at) || tg.Version != 2 {
		t.Fatalf("retry: %+v", tg)
	}
	if err := p.ResolveTarget(p.Targets[2].ID, rythme.ResolveRetry, at, "", t0); rythme.ErrorCode(err) != rythme.ECONFLICT {
		t.Fatalf("retry of a published target: %v", err)
	}
	if err := p.ResolveTarget("tgt_nope", rythme.ResolveRetry, at, "", t0); rythme.ErrorCode(err) != rythme.ENOTFOUND {
		t.Fatalf("unknown target: %v", err)
	}
}

func TestPostStatusSummarisesTargets(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   []rythme.TargetStatus
		want string
	}{
		{[]rythme.TargetStatus{rythme.TargetPublished, rythme.TargetPublishing}, "publishing"},
		{[]rythme.TargetStatus{rythme.TargetPublished, rythme.TargetScheduled}, "scheduled"},
		{[]rythme.TargetStatus{rythme.TargetPublished, rythme.TargetFailed}, "failed"},
		{[]rythme.TargetStatus{rythme.TargetPublished, rythme.TargetCancelled}, "published"},
		{[]rythme.TargetStatus{rythme.TargetCancelled}, "cancelled"},
	}
	for _, c := range cases {
		if got := newPost(c.in...).Status(); got != c.want {
			t.Errorf("Status(%v) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestIDs(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	prev := ""
	for range 10000 {
		id := rythme.NewID(rythme.PrefixPost)
		if seen[id] || !rythme.ValidID(rythme.PrefixPost, id) || id <= prev {
			t.Fatalf("id %q: repeated, invalid or not increasing after %q", id, prev)
		}
		seen[id], prev = true, id
	}
	for _, bad := range []string{"", "pst_", "tgt_01ARZ3NDEKTSV4RRFFQ69G5FAV", "pst_01ARZ3NDEKTSV4RRFFQ69G5FA!", strings.Repeat("x", 31)} {
		if rythme.ValidID(rythme.PrefixPost, bad) {
			t.Errorf("ValidID(%q) = true", bad)
		}
	}
}

func TestRoles(t *testing.T) {
	t.Parallel()
	if !rythme.RoleAdmin.AtLeast(rythme.RoleManager) || rythme.RoleEditor.AtLeast(rythme.RoleManager) ||
		!rythme.RoleViewer.AtLeast(rythme.RoleViewer) || rythme.Role("root").AtLeast(rythme.RoleViewer) {
		t.Fatal("role order is wrong")
	}
}

func TestErrorsNeverLeakTheirCause(t *testing.T) {
	t.Parallel()
	cause := &rythme.Error{Code: rythme.EINTERNAL, Message: "internal error"}
	if rythme.ErrorMessage(errString("pq: password=secret")) != "internal error" || rythme.ErrorCode(errString("x")) != rythme.EINTERNAL {
		t.Fatal("a plain error's text reached the user-facing message")
	}
	if rythme.ErrorCode(nil) != "" || rythme.ErrorCode(cause) != rythme.EINTERNAL {
		t.Fatal("ErrorCode")
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// A target whose thread is partly on the network: its text cannot change
// under it, cancelling says what remains, and a person's resolution keeps
// the parts out.
func TestThreadPartlyOut(t *testing.T) {
	t.Parallel()
	parts := []rythme.TargetPart{{Index: 0, ExternalID: "1", URL: "https://m.example/1"}, {Index: 1, ExternalID: "2", URL: "https://m.example/2"}}
	p := newPost(rythme.TargetScheduled, rythme.TargetScheduled)
	p.Thread = []string{"two", "three"}
	p.Targets[0].Parts = parts

	text := "changed"
	err := p.ApplyEdit(rythme.PostEdit{Content: &text}, t0)
	if rythme.ErrorCode(err) != rythme.ECONFLICT || !strings.Contains(rythme.ErrorMessage(err), "parts 1–2 out (https://m.example/1, https://m.example/2)") {
		t.Fatalf("edit of a thread partly out: %v", err)
	}
	thread := []string{"other"}
	if err := p.ApplyEdit(rythme.PostEdit{Thread: &thread}, t0); rythme.ErrorCode(err) != rythme.ECONFLICT {
		t.Fatalf("thread edit: %v", err)
	}
	tags := []string{"ok"}
	if err := p.ApplyEdit(rythme.PostEdit{Tags: &tags}, t0); err != nil {
		t.Fatalf("a tag edit changes nothing on the network: %v", err)
	}

	if err := p.Cancel(t0); err != nil {
		t.Fatal(err)
	}
	if left := p.PartsLeft(); !strings.Contains(left, p.Targets[0].ID+": parts 1–2 out") || !strings.Contains(left, "remain on the network") {
		t.Errorf("parts left %q", left)
	}

	q := newPost(rythme.TargetUnconfirmed)
	q.Targets[0].Parts = parts
	if err := q.ResolveTarget(q.Targets[0].ID, rythme.ResolvePublished, time.Time{}, "", t0); err != nil {
		t.Fatal(err)
	}
	if tg := q.Targets[0]; tg.ExternalID != "1" || tg.URL != "https://m.example/1" || len(tg.Parts) != 2 {
		t.Errorf("resolved published: %+v, want the first part as the target's post", tg)
	}
}

// A draft submitted where the workspace asks for approval waits for a
// review whoever submits it (a manager asks a colleague that way); where
// it does not, it is scheduled at once.
func TestSubmitAsksForReviewWhereRequired(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		role     rythme.Role
		required bool
		want     string
	}{
		{rythme.RoleEditor, true, rythme.ReviewPending},
		{rythme.RoleManager, true, rythme.ReviewPending},
		{rythme.RoleAdmin, true, rythme.ReviewPending},
		{rythme.RoleEditor, false, rythme.ReviewApproved},
		{rythme.RoleAdmin, false, rythme.ReviewApproved},
	} {
		p := &rythme.Post{ScheduledAt: now.Add(24 * time.Hour), Targets: []*rythme.Target{{ID: "tgt_1", Status: rythme.TargetScheduled, ScheduledAt: now.Add(24 * time.Hour)}}}
		p.MakeDraft()
		if err := p.Submit(rythme.Actor{ID: "a", Name: "A", Role: c.role}, c.required, now); err != nil {
			t.Fatalf("%s, required %v: %v", c.role, c.required, err)
		}
		wantTarget := rythme.TargetDraft
		if c.want == rythme.ReviewApproved {
			wantTarget = rythme.TargetScheduled
		}
		if p.Review != c.want || p.Targets[0].Status != wantTarget {
			t.Errorf("%s submits, approval required %v: review %q, target %s; want %q, %s", c.role, c.required, p.Review, p.Targets[0].Status, c.want, wantTarget)
		}
	}
}
