package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

func init() {
	register(suiteCase{"Inbox", testInbox}, suiteCase{"InboxPages", testInboxPages},
		suiteCase{"InboxSavedOnce", testInboxSavedOnce}, suiteCase{"InboxAuthorCounts", testInboxAuthorCounts})
}

func inboxItem(ws *rythme.Workspace, a *rythme.Account, ext string, at time.Time) *rythme.InboxItem {
	return &rythme.InboxItem{WorkspaceID: ws.ID, AccountID: a.ID, Network: a.Network, ExternalID: ext,
		Kind: rythme.InboxComment, Author: rythme.InboxAuthor{Handle: "Bob@social.example", DisplayName: "Bob",
			ProfileURL: "https://social.example/@bob"}, Text: "Nice post " + ext, URL: "https://social.example/" + ext,
		CreatedAt: at, ReceivedAt: at.Add(time.Minute)}
}

// testInbox: items are stored once per (account, external id), read back
// whole, scoped to their workspace; triage changes and notes are saved with
// their audit trail.
func testInbox(t *testing.T, s rythme.Store) {
	ws, other := newWorkspace(t, s), newWorkspace(t, s)
	acc := newAccount(t, s, ws.ID, "mastodon")
	p := newPost(t, s, ws.ID, T0, acc)
	it := inboxItem(ws, acc, "c1", T0.Add(time.Hour))
	it.TargetID, it.PostID, it.InReplyTo = p.Targets[0].ID, p.ID, "status-1"
	it.Record(rythme.Actor{ID: "rythme", Name: "rythme"}, rythme.InboxActionReceived, "read from mastodon", T0.Add(time.Hour))
	created, err := s.SaveInboxItems(ctx(t), []*rythme.InboxItem{it})
	must(t, err)
	if len(created) != 1 || created[0].ID == "" || created[0].Status != rythme.InboxNew {
		t.Fatalf("created %s", dump(created))
	}
	again := inboxItem(ws, acc, "c1", T0.Add(2*time.Hour))
	again.Text = "changed"
	created, err = s.SaveInboxItems(ctx(t), []*rythme.InboxItem{again})
	must(t, err)
	if len(created) != 0 {
		t.Fatalf("the same comment read again was stored again: %s", dump(created))
	}

	got, err := s.GetInboxItem(ctx(t), ws.ID, it.ID)
	must(t, err)
	if got.Text != "Nice post c1" || got.PostID != p.ID || got.TargetID != p.Targets[0].ID || got.InReplyTo != "status-1" ||
		got.Author.Handle != "Bob@social.example" || got.Author.ProfileURL != "https://social.example/@bob" ||
		!got.CreatedAt.Equal(us(T0.Add(time.Hour))) || got.Kind != rythme.InboxComment || got.Network != "mastodon" {
		t.Fatalf("item read back %s", dump(got))
	}
	if len(got.Audit) != 1 || got.Audit[0].Action != rythme.InboxActionReceived || got.Audit[0].Reason != "read from mastodon" ||
		len(got.Notes) != 0 {
		t.Fatalf("audit %s notes %s", dump(got.Audit), dump(got.Notes))
	}
	_, err = s.GetInboxItem(ctx(t), other.ID, it.ID)
	wantCode(t, err, rythme.ENOTFOUND)

	ada := rythme.Actor{ID: "mem_ada", Name: "Ada"}
	upd, err := s.UpdateInboxItem(ctx(t), ws.ID, it.ID, func(x *rythme.InboxItem) error {
		x.Status, x.AssigneeID, x.UpdatedAt = rythme.InboxAssigned, "mem_ada", T0.Add(3*time.Hour)
		x.Record(ada, rythme.InboxActionAssign, "Ada", T0.Add(3*time.Hour))
		return nil
	})
	must(t, err)
	if upd.Status != rythme.InboxAssigned || upd.AssigneeID != "mem_ada" || len(upd.Audit) != 2 || upd.Audit[1].Actor != "Ada" {
		t.Fatalf("updated %s", dump(upd))
	}
	_, err = s.UpdateInboxItem(ctx(t), ws.ID, it.ID, func(x *rythme.InboxItem) error {
		x.Status = rythme.InboxDone
		return errTest
	})
	if !errors.Is(err, errTest) {
		t.Fatalf("fn's error = %v", err)
	}
	_, err = s.UpdateInboxItem(ctx(t), other.ID, it.ID, func(*rythme.InboxItem) error { return nil })
	wantCode(t, err, rythme.ENOTFOUND)

	must(t, s.AddInboxNote(ctx(t), ws.ID, &rythme.InboxNote{ItemID: it.ID, AuthorID: "mem_ada", Author: "Ada",
		Text: "A regular; thank them", CreatedAt: T0.Add(4 * time.Hour)}))
	wantCode(t, s.AddInboxNote(ctx(t), other.ID, &rythme.InboxNote{ItemID: it.ID, AuthorID: "x", Author: "X", Text: "no"}),
		rythme.ENOTFOUND)
	got, err = s.GetInboxItem(ctx(t), ws.ID, it.ID)
	must(t, err)
	if got.Status != rythme.InboxAssigned || len(got.Notes) != 1 || got.Notes[0].Text != "A regular; thank them" ||
		got.Notes[0].Author != "Ada" || !got.Notes[0].CreatedAt.Equal(us(T0.Add(4*time.Hour))) ||
		len(got.Audit) != 3 || got.Audit[2].Action != rythme.InboxActionNote {
		t.Fatalf("after the note %s", dump(got))
	}
}

// testInboxPages: newest first, filters, cursors that page without gaps
// or repeats, and a bad cursor or status refused.
func testInboxPages(t *testing.T, s rythme.Store) {
	ws, other := newWorkspace(t, s), newWorkspace(t, s)
	masto, bsky := newAccount(t, s, ws.ID, "mastodon"), newAccount(t, s, ws.ID, "bluesky")
	foreign := newAccount(t, s, other.ID, "mastodon")
	p := newPost(t, s, ws.ID, T0, masto)
	var items []*rythme.InboxItem
	for i := range 7 {
		a := masto
		if i%2 == 1 {
			a = bsky
		}
		it := inboxItem(ws, a, fmt.Sprintf("c%d", i), T0.Add(time.Duration(i%4)*time.Minute)) // equal times: id breaks ties
		if i == 4 {
			it.Author.Handle = "carol"
			it.PostID = p.ID
		}
		items = append(items, it)
	}
	items = append(items, inboxItem(other, foreign, "c0", T0))
	_, err := s.SaveInboxItems(ctx(t), items)
	must(t, err)

	seen := map[string]bool{}
	var last *rythme.InboxItem
	cursor, pages := "", 0
	for {
		page, next, err := s.ListInboxItems(ctx(t), ws.ID, rythme.InboxFilter{Limit: 3, Cursor: cursor})
		must(t, err)
		pages++
		for _, it := range page {
			if seen[it.ID] || it.WorkspaceID != ws.ID {
				t.Fatalf("item %s repeated or of another workspace", it.ID)
			}
			if last != nil && (it.CreatedAt.After(last.CreatedAt) || it.CreatedAt.Equal(last.CreatedAt) && it.ID > last.ID) {
				t.Fatalf("not newest first: %s after %s", dump(it), dump(last))
			}
			seen[it.ID], last = true, it
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if len(seen) != 7 || pages != 3 {
		t.Fatalf("%d items in %d pages, want 7 in 3", len(seen), pages)
	}
	count := func(f rythme.InboxFilter) int {
		t.Helper()
		l, _, err := s.ListInboxItems(ctx(t), ws.ID, f)
		must(t, err)
		return len(l)
	}
	if n := count(rythme.InboxFilter{Network: "bluesky"}); n != 3 {
		t.Fatalf("bluesky items %d, want 3", n)
	}
	if n := count(rythme.InboxFilter{AccountID: masto.ID}); n != 4 {
		t.Fatalf("mastodon account's items %d, want 4", n)
	}
	if n := count(rythme.InboxFilter{Author: "CAROL"}); n != 1 {
		t.Fatalf("carol's items %d, want 1", n)
	}
	if n := count(rythme.InboxFilter{PostID: p.ID}); n != 1 {
		t.Fatalf("the post's items %d, want 1", n)
	}
	if n := count(rythme.InboxFilter{Status: rythme.InboxNew}); n != 7 {
		t.Fatalf("new items %d, want 7", n)
	}
	if n := count(rythme.InboxFilter{Status: rythme.InboxDone}); n != 0 {
		t.Fatalf("done items %d, want 0", n)
	}
	_, _, err = s.ListInboxItems(ctx(t), ws.ID, rythme.InboxFilter{Cursor: "garbage!"})
	wantCode(t, err, rythme.EINVALID)
	_, _, err = s.ListInboxItems(ctx(t), ws.ID, rythme.InboxFilter{Status: "archived"})
	wantCode(t, err, rythme.EINVALID)
}

// testInboxSavedOnce: pollers reading the same comments at the same time
// store each once, and only one of them is told it created it.
func testInboxSavedOnce(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	acc := newAccount(t, s, ws.ID, "mastodon")
	created := make([]int, 4)
	errs := runConcurrently(4, func(i int) error {
		var batch []*rythme.InboxItem
		for j := range 5 {
			batch = append(batch, inboxItem(ws, acc, fmt.Sprintf("c%d", j), T0))
		}
		c, err := s.SaveInboxItems(ctx(t), batch)
		created[i] = len(c)
		return err
	})
	for _, err := range errs {
		must(t, err)
	}
	total := 0
	for _, n := range created {
		total += n
	}
	list, _, err := s.ListInboxItems(ctx(t), ws.ID, rythme.InboxFilter{})
	must(t, err)
	if total != 5 || len(list) != 5 {
		t.Fatalf("created %v (total %d), stored %d; want 5 and 5", created, total, len(list))
	}
}

func init() { register(suiteCase{"ReplyTarget", testReplyTarget}) }

// testReplyTarget: a target's InReplyTo (a reply from the inbox) is
// stored and read back by every read of targets.
func testReplyTarget(t *testing.T, s rythme.Store) {
	ws := newWorkspace(t, s)
	acc := newAccount(t, s, ws.ID, "mastodon")
	p := &rythme.Post{ID: rythme.NewID(rythme.PrefixPost), WorkspaceID: ws.ID, Content: "Thanks!", ScheduledAt: T0,
		Timezone: "UTC", Author: "Ada", CreatedBy: "tok_x", CreatedAt: T0, UpdatedAt: T0}
	p.Targets = []*rythme.Target{{ID: rythme.NewID(rythme.PrefixTarget), AccountID: acc.ID, Network: acc.Network,
		Status: rythme.TargetScheduled, Version: 1, ScheduledAt: T0, CreatedAt: T0, UpdatedAt: T0, InReplyTo: "113000000000000042"}}
	must(t, s.CreatePost(ctx(t), p))
	got, err := s.GetTarget(ctx(t), p.Targets[0].ID)
	must(t, err)
	post, err := s.GetPost(ctx(t), ws.ID, p.ID)
	must(t, err)
	claimed, err := s.ClaimTarget(ctx(t), p.Targets[0].ID, 1, T0, T0.Add(time.Minute))
	must(t, err)
	if got.InReplyTo != "113000000000000042" || post.Targets[0].InReplyTo != got.InReplyTo || claimed.InReplyTo != got.InReplyTo {
		t.Fatalf("in_reply_to read back %q, %q, %q", got.InReplyTo, post.Targets[0].InReplyTo, claimed.InReplyTo)
	}
}

func init() { register(suiteCase{"InboxRules", testInboxRules}) }

// testInboxRules: rules are kept per workspace, read back whole, deleted
// once; an item's flag and assignee are saved and filtered on.
func testInboxRules(t *testing.T, s rythme.Store) {
	ws, other := newWorkspace(t, s), newWorkspace(t, s)
	r := &rythme.InboxRule{WorkspaceID: ws.ID, Name: "links", Kind: rythme.RuleLinks, Terms: []string{"spam.example"},
		Action: rythme.RuleHide, CreatedBy: "mem_ada", CreatedAt: T0}
	must(t, s.CreateInboxRule(ctx(t), r))
	must(t, s.CreateInboxRule(ctx(t), &rythme.InboxRule{WorkspaceID: other.ID, Name: "theirs", Kind: rythme.RuleWords,
		Terms: []string{"x"}, Action: rythme.RuleFlag, CreatedAt: T0}))
	list, err := s.ListInboxRules(ctx(t), ws.ID)
	must(t, err)
	if len(list) != 1 || list[0].ID != r.ID || list[0].Kind != rythme.RuleLinks || list[0].Terms[0] != "spam.example" ||
		list[0].Action != rythme.RuleHide || list[0].CreatedBy != "mem_ada" || !list[0].CreatedAt.Equal(us(T0)) {
		t.Fatalf("rules %s", dump(list))
	}
	wantCode(t, s.DeleteInboxRule(ctx(t), other.ID, r.ID), rythme.ENOTFOUND)
	must(t, s.DeleteInboxRule(ctx(t), ws.ID, r.ID))
	wantCode(t, s.DeleteInboxRule(ctx(t), ws.ID, r.ID), rythme.ENOTFOUND)

	acc := newAccount(t, s, ws.ID, "x")
	a, b := inboxItem(ws, acc, "a", T0), inboxItem(ws, acc, "b", T0)
	a.Flagged = true
	_, err = s.SaveInboxItems(ctx(t), []*rythme.InboxItem{a, b})
	must(t, err)
	flagged, _, err := s.ListInboxItems(ctx(t), ws.ID, rythme.InboxFilter{Flagged: true})
	must(t, err)
	if len(flagged) != 1 || flagged[0].ID != a.ID || !flagged[0].Flagged {
		t.Fatalf("flagged %s", dump(flagged))
	}
	upd, err := s.UpdateInboxItem(ctx(t), ws.ID, b.ID, func(x *rythme.InboxItem) error { x.Flagged = true; return nil })
	must(t, err)
	if !upd.Flagged {
		t.Fatal("the flag was not saved")
	}
	_, err = s.UpdateInboxItem(ctx(t), ws.ID, a.ID, func(x *rythme.InboxItem) error {
		x.AssigneeID, x.Status = "mem_ada", rythme.InboxAssigned
		return nil
	})
	must(t, err)
	mine, _, err := s.ListInboxItems(ctx(t), ws.ID, rythme.InboxFilter{AssigneeID: "mem_ada"})
	must(t, err)
	if len(mine) != 1 || mine[0].ID != a.ID {
		t.Fatalf("assigned to mem_ada: %s", dump(mine))
	}
	if none, _, err := s.ListInboxItems(ctx(t), ws.ID, rythme.InboxFilter{AssigneeID: "mem_bob"}); err != nil || len(none) != 0 {
		t.Fatalf("assigned to mem_bob: %s %v", dump(none), err)
	}
}

// testInboxAuthorCounts: the items of a period are counted by author
// (network and handle, case-insensitively) and kind, with the posts they
// sit under, the name and URL of the author's latest item; items outside
// the period, on another network when one is asked, or of another
// workspace are not counted.
func testInboxAuthorCounts(t *testing.T, s rythme.Store) {
	ws, other := newWorkspace(t, s), newWorkspace(t, s)
	masto, x := newAccount(t, s, ws.ID, "mastodon"), newAccount(t, s, ws.ID, "x")
	theirs := newAccount(t, s, other.ID, "mastodon")
	p1, p2 := newPost(t, s, ws.ID, T0, masto), newPost(t, s, ws.ID, T0, masto)
	item := func(a *rythme.Account, ext, handle string, kind rythme.InboxKind, postID string, at time.Duration) *rythme.InboxItem {
		it := inboxItem(&rythme.Workspace{ID: a.WorkspaceID}, a, ext, T0.Add(at))
		it.Author = rythme.InboxAuthor{Handle: handle, DisplayName: handle + " " + ext, ProfileURL: "https://social.example/" + ext}
		it.Kind, it.PostID = kind, postID
		return it
	}
	_, err := s.SaveInboxItems(ctx(t), []*rythme.InboxItem{
		item(masto, "a1", "Ann@social.example", rythme.InboxComment, p1.ID, time.Hour),
		item(masto, "a2", "ann@social.example", rythme.InboxReply, p1.ID, 2*time.Hour),
		item(masto, "a3", "ANN@social.example", rythme.InboxComment, p2.ID, 3*time.Hour),
		item(masto, "a4", "ann@social.example", rythme.InboxMention, "", 4*time.Hour),
		item(masto, "a5", "ann@social.example", rythme.InboxComment, p1.ID, 30*time.Hour), // after the period
		item(masto, "a0", "ann@social.example", rythme.InboxComment, p1.ID, -time.Hour),   // before it
		item(x, "b1", "ann@social.example", rythme.InboxComment, "", 5*time.Hour),         // another network: another author
		item(theirs, "c1", "ann@social.example", rythme.InboxComment, "", time.Hour),      // another workspace
	})
	must(t, err)
	counts, err := s.CountInboxAuthors(ctx(t), ws.ID, rythme.InboxAuthorFilter{From: T0, To: T0.Add(24 * time.Hour)})
	must(t, err)
	if len(counts) != 2 {
		t.Fatalf("counts %s, want ann on mastodon and on x", dump(counts))
	}
	var m rythme.InboxAuthorCount
	for _, c := range counts {
		if c.Network == "mastodon" {
			m = c
		}
	}
	if m.Comments != 2 || m.Replies != 1 || m.Mentions != 1 || m.Posts != 2 || m.Author.Handle != "ann@social.example" ||
		m.Author.DisplayName != "ann@social.example a4" || m.Author.ProfileURL != "https://social.example/a4" || !m.LastAt.Equal(us(T0.Add(4*time.Hour))) {
		t.Fatalf("ann on mastodon %s", dump(m))
	}
	counts, err = s.CountInboxAuthors(ctx(t), ws.ID, rythme.InboxAuthorFilter{From: T0, To: T0.Add(24 * time.Hour), Network: "x"})
	must(t, err)
	if len(counts) != 1 || counts[0].Network != "x" || counts[0].Comments != 1 || counts[0].Posts != 0 {
		t.Fatalf("on x only %s", dump(counts))
	}
}
