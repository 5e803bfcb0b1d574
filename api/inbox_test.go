package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/discord"
	"github.com/rythmehq/rythme/connectors/instagram"
	"github.com/rythmehq/rythme/connectors/linkedin"
	"github.com/rythmehq/rythme/connectors/mastodon"
	"github.com/rythmehq/rythme/connectors/reddit"
	"github.com/rythmehq/rythme/connectors/slack"
	"github.com/rythmehq/rythme/connectors/threads"
	"github.com/rythmehq/rythme/listening"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

type inboxItemOut struct {
	ID         string `json:"id"`
	AccountID  string `json:"account_id"`
	PostID     string `json:"post_id"`
	Status     string `json:"status"`
	AssigneeID string `json:"assignee_id"`
	Text       string `json:"text"`
	Author     struct {
		Handle string `json:"handle"`
	} `json:"author"`
	Notes []struct {
		Author string `json:"author"`
		Text   string `json:"text"`
	} `json:"notes"`
	Audit []struct {
		Actor  string `json:"actor"`
		Action string `json:"action"`
		Reason string `json:"reason"`
	} `json:"audit"`
}

type inboxListOut struct {
	Data       []inboxItemOut `json:"data"`
	NextCursor string         `json:"next_cursor"`
}

// seedInbox stores n comments on acc (the first on post postID), newest
// last, by authors bob0…bob{n-1}.
func (e *env) seedInbox(acc *rythme.Account, postID string, n int) []*rythme.InboxItem {
	e.t.Helper()
	var items []*rythme.InboxItem
	for i := range n {
		it := &rythme.InboxItem{WorkspaceID: acc.WorkspaceID, AccountID: acc.ID, Network: acc.Network,
			ExternalID: fmt.Sprintf("c%d", i), Kind: rythme.InboxComment,
			Author: rythme.InboxAuthor{Handle: fmt.Sprintf("bob%d@social.example", i), DisplayName: "Bob"},
			Text:   fmt.Sprintf("comment %d", i), CreatedAt: e.clock.Now().Add(time.Duration(i-n) * time.Minute)}
		if i == 0 {
			it.PostID = postID
		}
		items = append(items, it)
	}
	svc, err := listening.New(listening.Config{Store: e.store, Now: e.clock.Now})
	if err != nil {
		e.t.Fatal(err)
	}
	if created, err := svc.Receive(context.Background(), items); err != nil || len(created) != n {
		e.t.Fatalf("receive: %d created, %v", len(created), err)
	}
	return items
}

func TestInboxListsAndFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	other := e.account(e.ws, "brand2", rythme.AccountConnected)
	p := e.createPost("hello", time.Hour, acc)
	e.seedInbox(acc, p.ID, 5)
	foreignWS := e.workspace("Other")
	foreign := e.account(foreignWS, "theirs", rythme.AccountConnected)
	theirs := e.seedInbox(foreign, "", 2)

	var all []inboxItemOut
	cursor := ""
	for pages := 0; ; pages++ {
		res := e.as(rythme.RoleViewer, "GET", "/v1/inbox?limit=2&cursor="+url.QueryEscape(cursor), nil)
		expect(t, res, http.StatusOK)
		var page inboxListOut
		res.decode(t, &page)
		all = append(all, page.Data...)
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
		if pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	if len(all) != 5 || all[0].Text != "comment 4" || all[4].Text != "comment 0" {
		t.Fatalf("inbox, newest first: %+v", all)
	}
	for _, it := range all {
		if it.AccountID != acc.ID {
			t.Fatalf("another workspace's item listed: %+v", it)
		}
	}
	for q, want := range map[string]int{
		"account_id=" + acc.ID: 5, "account_id=" + other.ID: 0, "post_id=" + p.ID: 1, "status=new": 5,
		"status=done": 0, "author=%40BOB3%40social.example": 1, "network=fakenet": 5, "network=x": 0,
	} {
		res := e.as(rythme.RoleViewer, "GET", "/v1/inbox?"+q, nil)
		expect(t, res, http.StatusOK)
		var page inboxListOut
		res.decode(t, &page)
		if len(page.Data) != want {
			t.Errorf("%s: %d items, want %d", q, len(page.Data), want)
		}
	}
	for _, q := range []string{"status=archived", "limit=0", "limit=500", "cursor=nope", "author=" + url.QueryEscape("a\x01b")} {
		res := e.as(rythme.RoleViewer, "GET", "/v1/inbox?"+q, nil)
		expect(t, res, http.StatusUnprocessableEntity)
	}
	expect(t, e.as(rythme.RoleViewer, "GET", "/v1/inbox/"+theirs[0].ID, nil), http.StatusNotFound)
	expect(t, e.as(rythme.RoleEditor, "PATCH", "/v1/inbox/"+theirs[0].ID, map[string]any{"status": "done"}), http.StatusNotFound)
	expect(t, e.as(rythme.RoleEditor, "POST", "/v1/inbox/"+theirs[0].ID+"/notes", map[string]any{"text": "x"}), http.StatusNotFound)
	expect(t, e.as(rythme.RoleViewer, "GET", "/v1/inbox/garbage", nil), http.StatusNotFound)
	expect(t, e.do(req{method: "GET", path: "/v1/inbox"}), http.StatusUnauthorized)
}

func TestInboxTriageAndNotes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	it := e.seedInbox(acc, "", 1)[0]
	ada := e.newMember("ada@example.com", "Ada", "correct horse battery", e.ws, rythme.RoleEditor)
	outsider := e.newMember("eve@example.com", "Eve", "correct horse battery", e.workspace("Elsewhere"), rythme.RoleAdmin)
	path := "/v1/inbox/" + it.ID

	expect(t, e.as(rythme.RoleViewer, "PATCH", path, map[string]any{"status": "done"}), http.StatusForbidden)
	for name, body := range map[string]map[string]any{
		"empty":             {},
		"unknown status":    {"status": "archived"},
		"outsider":          {"assignee_id": outsider.ID},
		"not an id":         {"assignee_id": "ada"},
		"assigned, nobody":  {"status": "assigned"},
		"new with assignee": {"status": "new", "assignee_id": ada.ID},
	} {
		res := e.as(rythme.RoleEditor, "PATCH", path, body)
		if res.Status != http.StatusUnprocessableEntity && res.Status != http.StatusBadRequest {
			t.Errorf("%s: status %d: %s", name, res.Status, res.Body)
		}
	}
	expect(t, e.as(rythme.RoleEditor, "PATCH", path, map[string]any{"assignee_id": 7}), http.StatusBadRequest)

	var got inboxItemOut
	patch := func(body map[string]any) inboxItemOut {
		t.Helper()
		res := e.as(rythme.RoleEditor, "PATCH", path, body)
		expect(t, res, http.StatusOK)
		var out inboxItemOut
		res.decode(t, &out)
		return out
	}
	got = patch(map[string]any{"assignee_id": ada.ID})
	if got.Status != "assigned" || got.AssigneeID != ada.ID {
		t.Fatalf("assigning: %+v", got)
	}
	got = patch(map[string]any{"assignee_id": nil})
	if got.Status != "new" || got.AssigneeID != "" {
		t.Fatalf("unassigning: %+v", got)
	}
	got = patch(map[string]any{"status": "done", "assignee_id": ada.ID})
	if got.Status != "done" || got.AssigneeID != ada.ID {
		t.Fatalf("done: %+v", got)
	}

	expect(t, e.as(rythme.RoleEditor, "POST", path+"/notes", map[string]any{"text": "  "}), http.StatusUnprocessableEntity)
	expect(t, e.as(rythme.RoleEditor, "POST", path+"/notes", map[string]any{"text": string(make([]rune, 2001))}), http.StatusUnprocessableEntity)
	expect(t, e.as(rythme.RoleViewer, "POST", path+"/notes", map[string]any{"text": "hi"}), http.StatusForbidden)
	res := e.as(rythme.RoleEditor, "POST", path+"/notes", map[string]any{"text": "They asked about pricing; Ada answers"})
	expect(t, res, http.StatusCreated)

	res = e.as(rythme.RoleViewer, "GET", path, nil)
	expect(t, res, http.StatusOK)
	got = inboxItemOut{}
	res.decode(t, &got)
	if len(got.Notes) != 1 || got.Notes[0].Text != "They asked about pricing; Ada answers" || got.Notes[0].Author != "editor" {
		t.Fatalf("notes: %+v", got.Notes)
	}
	var actions []string
	for _, a := range got.Audit {
		actions = append(actions, a.Action+":"+a.Reason)
	}
	want := []string{"received:read from fakenet", "assign:assigned to Ada", "status:new → assigned", "unassign:",
		"status:assigned → new", "assign:assigned to Ada", "status:new → done", "note:"}
	if fmt.Sprint(actions) != fmt.Sprint(want) {
		t.Fatalf("audit trail\n got  %q\n want %q", actions, want)
	}
	for _, a := range got.Audit[1:] {
		if a.Actor != "editor" {
			t.Fatalf("audit actor %q, want the editor token's name", a.Actor)
		}
	}
}

// TestNetworksSayWhichHaveAnInbox: GET /v1/networks says inbox for the
// networks whose connector reads comments, and not for the others.
func TestNetworksSayWhichHaveAnInbox(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), func(c *api.Config) {
		c.Connectors = connectors.NewRegistry(c.Connectors.All()[0], mastodon.New(), discord.New(discord.Config{}),
			instagram.New(instagram.Config{}), threads.New(threads.Config{}), reddit.New(reddit.Config{}),
			slack.New(slack.Config{}), linkedin.New(linkedin.Config{}))
	})
	type network struct {
		Name       string   `json:"name"`
		Inbox      bool     `json:"inbox"`
		Streaming  bool     `json:"inbox_streaming"`
		Reply      bool     `json:"inbox_reply"`
		Moderation []string `json:"moderation"`
	}
	read := func(e *env) map[string]network {
		res := e.as(rythme.RoleViewer, "GET", "/v1/networks", nil)
		expect(t, res, http.StatusOK)
		var out struct{ Data []network }
		res.decode(t, &out)
		got := map[string]network{}
		for _, n := range out.Data {
			got[n.Name] = n
		}
		return got
	}
	got := read(e)
	inbox := map[string]bool{}
	for name, n := range got {
		inbox[name] = n.Inbox
	}
	// LinkedIn reads comments only with its restricted scope, which its
	// default configuration does not ask for.
	if len(got) != 8 || !inbox["mastodon"] || !inbox["instagram"] || !inbox["threads"] || !inbox["reddit"] || !inbox["slack"] ||
		inbox["linkedin"] || inbox["discord"] || inbox["fakenet"] {
		t.Fatalf("inbox per network: %v", inbox)
	}
	if m := got["mastodon"]; !m.Streaming || !m.Reply || m.Moderation == nil || len(m.Moderation) != 0 {
		t.Errorf("mastodon: %+v, want streaming, replies and no moderation", m)
	}
	if th := got["threads"]; th.Streaming || !th.Reply || !slices.Equal(th.Moderation, []string{"hide", "unhide"}) {
		t.Errorf("threads: %+v, want replies, hide and unhide, no streaming", th)
	}
	if d := got["discord"]; d.Reply || d.Streaming || len(d.Moderation) != 0 {
		t.Errorf("discord: %+v, want nothing of the inbox", d)
	}

	granted := newEnv(t, storetest.SQLite(t), func(c *api.Config) {
		c.Connectors = connectors.NewRegistry(linkedin.New(linkedin.Config{
			Scopes: append(slices.Clone(linkedin.DefaultScopes), linkedin.ScopeReadComments)}))
	})
	if li := read(granted)["linkedin"]; !li.Inbox {
		t.Errorf("linkedin with %s: %+v, want an inbox", linkedin.ScopeReadComments, li)
	}
}

// replier is the fake network, able to reply.
type replier struct{ *fakeConnector }

func (replier) Replies(*rythme.Account) bool { return true }

// TestInboxReply: a reply is a post with one target answering the item,
// queued like any post, named in the item's audit trail; a reply to a
// hidden item is refused (409) and makes nothing; a network that cannot
// reply is refused (422); the text is checked as the network counts.
func TestInboxReply(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	items := e.seedInbox(acc, "", 2)
	path := "/v1/inbox/" + items[0].ID + "/reply"

	// The fake network cannot reply: 422, nothing made.
	expect(t, e.as(rythme.RoleEditor, "POST", path, map[string]any{"text": "Thanks!"}), http.StatusUnprocessableEntity)

	e2 := newEnv(t, storetest.SQLite(t), func(c *api.Config) {
		c.Connectors = connectors.NewRegistry(replier{c.Connectors.All()[0].(*fakeConnector)})
	})
	acc2 := e2.account(e2.ws, "brand", rythme.AccountConnected)
	its := e2.seedInbox(acc2, "", 2)
	p2 := "/v1/inbox/" + its[0].ID + "/reply"
	expect(t, e2.as(rythme.RoleViewer, "POST", p2, map[string]any{"text": "Thanks!"}), http.StatusForbidden)
	expect(t, e2.as(rythme.RoleEditor, "POST", p2, map[string]any{"text": strings.Repeat("x", 101)}), http.StatusUnprocessableEntity)
	expect(t, e2.as(rythme.RoleEditor, "POST", p2, map[string]any{"text": "Thanks!", "extra": 1}), http.StatusBadRequest)
	if q := e2.queue.take(); len(q) != 0 {
		t.Fatalf("refused replies queued %v", q)
	}

	res := e2.as(rythme.RoleEditor, "POST", p2, map[string]any{"text": "Thanks for asking!"})
	expect(t, res, http.StatusCreated)
	var out struct {
		Post struct {
			ID      string `json:"id"`
			Content string `json:"content"`
			Targets []struct {
				ID        string `json:"id"`
				AccountID string `json:"account_id"`
				Status    string `json:"status"`
				InReplyTo string `json:"in_reply_to"`
			} `json:"targets"`
		} `json:"post"`
		Item inboxItemOut `json:"item"`
	}
	res.decode(t, &out)
	if out.Post.Content != "Thanks for asking!" || len(out.Post.Targets) != 1 || out.Post.Targets[0].InReplyTo != its[0].ExternalID ||
		out.Post.Targets[0].AccountID != acc2.ID || out.Post.Targets[0].Status != "scheduled" {
		t.Fatalf("reply post %+v", out.Post)
	}
	last := out.Item.Audit[len(out.Item.Audit)-1]
	if last.Action != "reply" || last.Reason != "post "+out.Post.ID {
		t.Fatalf("audit %+v", out.Item.Audit)
	}
	if q := e2.queue.take(); len(q) != 1 || q[0].ID != out.Post.Targets[0].ID {
		t.Fatalf("queued %v, want the reply's target", q)
	}

	// Hidden: 409, nothing made, nothing recorded.
	expect(t, e2.as(rythme.RoleEditor, "PATCH", "/v1/inbox/"+its[1].ID, map[string]any{"status": "hidden"}), http.StatusOK)
	before := e2.as(rythme.RoleViewer, "GET", "/v1/inbox/"+its[1].ID, nil)
	res = e2.as(rythme.RoleEditor, "POST", "/v1/inbox/"+its[1].ID+"/reply", map[string]any{"text": "Thanks!"})
	expect(t, res, http.StatusConflict)
	if !strings.Contains(string(res.Body), "hidden") {
		t.Fatalf("the refusal does not say why: %s", res.Body)
	}
	after := e2.as(rythme.RoleViewer, "GET", "/v1/inbox/"+its[1].ID, nil)
	if string(before.Body) != string(after.Body) {
		t.Fatalf("a refused reply changed the item:\n%s\n%s", before.Body, after.Body)
	}
	if q := e2.queue.take(); len(q) != 0 {
		t.Fatalf("a reply to a hidden item queued %v", q)
	}
	list := e2.as(rythme.RoleViewer, "GET", "/v1/posts", nil)
	var posts struct{ Data []struct{ ID string } }
	list.decode(t, &posts)
	if len(posts.Data) != 1 {
		t.Fatalf("%d posts, want only the one reply", len(posts.Data))
	}
}

// threadReplier is the fake network, replying to another id than the
// item's own (as Slack replies under a thread's parent).
type threadReplier struct{ replier }

func (threadReplier) ReplyTo(externalID, _ string) string { return "parent-of-" + externalID }

// TestInboxReplyAddressed: on a network that says where a reply to an
// item goes (connectors.ReplyAddresser), the reply's target answers that.
func TestInboxReplyAddressed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), func(c *api.Config) {
		c.Connectors = connectors.NewRegistry(threadReplier{replier{c.Connectors.All()[0].(*fakeConnector)}})
	})
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	its := e.seedInbox(acc, "", 1)
	res := e.as(rythme.RoleEditor, "POST", "/v1/inbox/"+its[0].ID+"/reply", map[string]any{"text": "Thanks!"})
	expect(t, res, http.StatusCreated)
	var out struct {
		Post struct {
			Targets []struct {
				InReplyTo string `json:"in_reply_to"`
			} `json:"targets"`
		} `json:"post"`
	}
	res.decode(t, &out)
	if len(out.Post.Targets) != 1 || out.Post.Targets[0].InReplyTo != "parent-of-"+its[0].ExternalID {
		t.Fatalf("reply post %s", res.Body)
	}
}

// TestInboxRules: a bad regular expression answers 400 and stores nothing;
// rules flag or hide the items that arrive after them, each action in the
// item's audit trail naming the rule; flagged=true lists them; a deleted
// rule no longer acts.
func TestInboxRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	res := e.as(rythme.RoleManager, "POST", "/v1/moderation-rules", map[string]any{"name": "cards", "kind": "regex", "terms": []string{"(\\d{4"}, "action": "hide"})
	expect(t, res, http.StatusBadRequest)
	if !strings.Contains(string(res.Body), "terms[0]") {
		t.Fatalf("the refusal does not name the field: %s", res.Body)
	}
	expect(t, e.as(rythme.RoleManager, "POST", "/v1/moderation-rules", map[string]any{"name": "x", "kind": "words", "action": "flag"}), http.StatusUnprocessableEntity)
	expect(t, e.as(rythme.RoleEditor, "POST", "/v1/moderation-rules", map[string]any{"name": "x", "kind": "words", "terms": []string{"a"}, "action": "flag"}), http.StatusForbidden)
	var listed struct{ Data []struct{ ID string } }
	e.as(rythme.RoleViewer, "GET", "/v1/moderation-rules", nil).decode(t, &listed)
	if len(listed.Data) != 0 {
		t.Fatalf("refused rules were stored: %+v", listed)
	}
	var flag, hide struct{ ID string }
	res = e.as(rythme.RoleManager, "POST", "/v1/moderation-rules", map[string]any{"name": "rude", "kind": "words", "terms": []string{"comment"}, "action": "flag"})
	expect(t, res, http.StatusCreated)
	res.decode(t, &flag)
	res = e.as(rythme.RoleManager, "POST", "/v1/moderation-rules", map[string]any{"name": "no 3s", "kind": "regex", "terms": []string{`\b3$`}, "action": "hide"})
	expect(t, res, http.StatusCreated)
	res.decode(t, &hide)

	items := e.seedInbox(acc, "", 4) // "comment 0" … "comment 3": all flagged, the last hidden
	for _, it := range items {
		got := e.as(rythme.RoleViewer, "GET", "/v1/inbox/"+it.ID, nil)
		var out struct {
			inboxItemOut
			Flagged bool `json:"flagged"`
		}
		got.decode(t, &out)
		wantStatus := "new"
		if it.Text == "comment 3" {
			wantStatus = "hidden"
		}
		if !out.Flagged || out.Status != wantStatus {
			t.Fatalf("%s: flagged %v status %s, want flagged and %s", it.Text, out.Flagged, out.Status, wantStatus)
		}
		var rules []string
		for _, a := range out.Audit {
			if a.Action == "flag" || a.Action == "hide" {
				rules = append(rules, a.Actor+"/"+a.Action+"/"+a.Reason)
			}
		}
		if rules[0] != "rule rude/flag/matched the word comment" || (wantStatus == "hidden") != (len(rules) == 2) {
			t.Fatalf("%s: audit %q", it.Text, rules)
		}
	}
	var page inboxListOut
	e.as(rythme.RoleViewer, "GET", "/v1/inbox?flagged=true", nil).decode(t, &page)
	if len(page.Data) != 4 {
		t.Fatalf("flagged: %d, want 4", len(page.Data))
	}
	expect(t, e.as(rythme.RoleManager, "DELETE", "/v1/moderation-rules/"+flag.ID, nil), http.StatusNoContent)
	expect(t, e.as(rythme.RoleManager, "DELETE", "/v1/moderation-rules/"+flag.ID, nil), http.StatusNotFound)
	other := e.account(e.ws, "brand2", rythme.AccountConnected)
	later := e.seedInbox(other, "", 1)[0]
	var out struct {
		Flagged bool `json:"flagged"`
	}
	e.as(rythme.RoleViewer, "GET", "/v1/inbox/"+later.ID, nil).decode(t, &out)
	if out.Flagged {
		t.Fatal("a deleted rule still flags")
	}
}

type apiModQueue struct{ n int }

func (q *apiModQueue) EnqueueModeration(context.Context, listening.ModerationTask) error {
	q.n++
	return nil
}

// TestInboxModerationRefusals: an action a network does not allow answers
// 422 naming why (Mastodon deletes only one's own statuses and cannot hide
// a reply), and nothing is queued or recorded.
func TestInboxModerationRefusals(t *testing.T) {
	t.Parallel()
	q := &apiModQueue{}
	e := newEnv(t, storetest.SQLite(t), func(c *api.Config) {
		c.Connectors = connectors.NewRegistry(c.Connectors.All()[0], mastodon.New())
		c.Moderation = q
	})
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	masto := &rythme.Account{WorkspaceID: e.ws, Network: "mastodon", InstanceURL: "https://m.example", ExternalID: "9",
		Username: "brand", Status: rythme.AccountConnected, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := e.store.UpsertAccount(context.Background(), masto); err != nil {
		t.Fatal(err)
	}
	fake, m := e.seedInbox(acc, "", 1)[0], e.seedInbox(masto, "", 1)[0]
	expect(t, e.as(rythme.RoleEditor, "POST", "/v1/inbox/"+m.ID+"/moderation", map[string]any{"action": "hide"}), http.StatusForbidden)
	for _, c := range []struct {
		id, action, says string
	}{
		{m.ID, "delete", "only its own statuses"},
		{m.ID, "hide", "no way to hide a reply"},
		{fake.ID, "hide", "no way to hide"},
		{m.ID, "ban", "hide, unhide or delete"},
	} {
		before := e.as(rythme.RoleViewer, "GET", "/v1/inbox/"+c.id, nil)
		res := e.as(rythme.RoleManager, "POST", "/v1/inbox/"+c.id+"/moderation", map[string]any{"action": c.action})
		expect(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(string(res.Body), c.says) {
			t.Fatalf("%s: %s, want it to say %q", c.action, res.Body, c.says)
		}
		if after := e.as(rythme.RoleViewer, "GET", "/v1/inbox/"+c.id, nil); string(after.Body) != string(before.Body) {
			t.Fatalf("%s: a refused action changed the item", c.action)
		}
	}
	if q.n != 0 {
		t.Fatalf("%d refused actions queued", q.n)
	}
}

// TestInboxAssignedTo: GET /v1/inbox?assignee_id= lists one member's
// items; "me" is the signed-in member, and a token (no member) or a value
// that is no member's id is refused.
func TestInboxAssignedTo(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	items := e.seedInbox(acc, "", 3)
	ada := e.newMember("ada@example.com", "Ada", "correct horse battery", e.ws, rythme.RoleEditor)
	bob := e.newMember("bob@example.com", "Bob", "correct horse battery", e.ws, rythme.RoleEditor)
	for i, m := range []*rythme.Member{ada, ada, bob} {
		expect(t, e.as(rythme.RoleEditor, "PATCH", "/v1/inbox/"+items[i].ID, map[string]any{"assignee_id": m.ID}), http.StatusOK)
	}
	ids := func(res *response) []string {
		t.Helper()
		expect(t, res, http.StatusOK)
		var page struct{ Data []inboxItemOut }
		res.decode(t, &page)
		var out []string
		for _, it := range page.Data {
			out = append(out, it.AssigneeID)
		}
		return out
	}
	if got := ids(e.as(rythme.RoleViewer, "GET", "/v1/inbox?assignee_id="+bob.ID, nil)); !slices.Equal(got, []string{bob.ID}) {
		t.Errorf("bob's items: assignees %v", got)
	}
	b := e.browser()
	b.signIn("ada@example.com", "correct horse battery")
	if got := ids(b.do("GET", "/v1/inbox?assignee_id=me", nil, nil)); !slices.Equal(got, []string{ada.ID, ada.ID}) {
		t.Errorf("ada's own items: assignees %v", got)
	}
	expect(t, e.as(rythme.RoleViewer, "GET", "/v1/inbox?assignee_id=me", nil), http.StatusUnprocessableEntity)
	expect(t, e.as(rythme.RoleViewer, "GET", "/v1/inbox?assignee_id=ada", nil), http.StatusUnprocessableEntity)
}
