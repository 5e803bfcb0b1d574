package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/listening"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

type communityOut struct {
	Definition string `json:"definition"`
	Rows       []struct {
		Rank          int    `json:"rank"`
		Network       string `json:"network"`
		Handle        string `json:"handle"`
		DisplayName   string `json:"display_name"`
		Contributions int    `json:"contributions"`
		Comments      int    `json:"comments"`
		Replies       int    `json:"replies"`
		Mentions      int    `json:"mentions"`
		Posts         int    `json:"posts"`
	} `json:"rows"`
}

// TestCommunityLeaderboard: the outside people are ranked by what they
// wrote in the period (comments, replies and mentions), then by comments,
// then by posts commented, then by the latest; a handle in another case is
// the same person, the same handle on another network another; items before
// the period, and another workspace's, are not counted; the CSV has the
// same rows and columns. The ranks are worked out by hand below.
func TestCommunityLeaderboard(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	p1, p2 := e.createPost("one", time.Hour, acc), e.createPost("two", time.Hour, acc)
	foreign := e.account(e.workspace("Other"), "theirs", rythme.AccountConnected)
	now := e.clock.Now()
	n := 0
	item := func(a *rythme.Account, network, handle string, kind rythme.InboxKind, postID string, ago time.Duration) *rythme.InboxItem {
		n++
		return &rythme.InboxItem{WorkspaceID: a.WorkspaceID, AccountID: a.ID, Network: network, ExternalID: fmt.Sprintf("c%d", n),
			Kind: kind, PostID: postID, Author: rythme.InboxAuthor{Handle: handle, DisplayName: handle},
			Text: "hello", CreatedAt: now.Add(-ago)}
	}
	h := time.Hour
	items := []*rythme.InboxItem{
		// ann: 2 comments on p1 and p2 and a reply: 3, comments 2, posts 2
		item(acc, "fakenet", "ann", rythme.InboxComment, p1.ID, 5*h), item(acc, "fakenet", "ann", rythme.InboxComment, p2.ID, 4*h),
		item(acc, "fakenet", "ann", rythme.InboxReply, p1.ID, 3*h),
		// bob: 2 comments on p1 and a mention: 3, comments 2, posts 1
		item(acc, "fakenet", "bob", rythme.InboxComment, p1.ID, 5*h), item(acc, "fakenet", "Bob", rythme.InboxComment, p1.ID, 2*h),
		item(acc, "fakenet", "bob", rythme.InboxMention, "", h),
		// cat: 3 mentions: 3, comments 0
		item(acc, "fakenet", "cat", rythme.InboxMention, "", 3*h), item(acc, "fakenet", "cat", rythme.InboxMention, "", 2*h),
		item(acc, "fakenet", "cat", rythme.InboxMention, "", 6*h),
		// dan and eve: 1 comment each on p1; eve's is the later
		item(acc, "fakenet", "dan", rythme.InboxComment, p1.ID, 3*h), item(acc, "fakenet", "eve", rythme.InboxComment, p1.ID, 2*h),
		// ann on another network: another person, 1 comment, earliest
		item(acc, "x", "ann", rythme.InboxComment, "", 9*h),
		// not counted: before the period, another workspace
		item(acc, "fakenet", "dan", rythme.InboxComment, p1.ID, 40*24*h), item(acc, "fakenet", "dan", rythme.InboxComment, p1.ID, 50*24*h),
		item(foreign, "fakenet", "zed", rythme.InboxComment, "", h), item(foreign, "fakenet", "zed", rythme.InboxComment, "", h),
	}
	svc, err := listening.New(listening.Config{Store: e.store, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Receive(context.Background(), items); err != nil {
		t.Fatal(err)
	}
	type want struct {
		handle, network                    string
		total, comments, replies, mentions int
		posts                              int
	}
	check := func(path string, wants []want) {
		t.Helper()
		var out communityOut
		e.as(rythme.RoleViewer, "GET", path, nil).decode(t, &out)
		if len(out.Rows) != len(wants) || out.Definition == "" {
			t.Fatalf("%s: %d rows, want %d: %+v", path, len(out.Rows), len(wants), out)
		}
		for i, w := range wants {
			r := out.Rows[i]
			if r.Rank != i+1 || r.Handle != w.handle || r.Network != w.network || r.Contributions != w.total ||
				r.Comments != w.comments || r.Replies != w.replies || r.Mentions != w.mentions || r.Posts != w.posts {
				t.Fatalf("%s: rank %d is %+v, want %+v", path, i+1, r, w)
			}
		}
		sameLeaderboard(t, e, path)
	}
	everyone := []want{
		{"ann", "fakenet", 3, 2, 1, 0, 2}, // 3 like bob, 2 comments like bob, 2 posts to his 1
		{"bob", "fakenet", 3, 2, 0, 1, 1}, // the latest item's handle: "bob" (the mention, 1 h ago)
		{"cat", "fakenet", 3, 0, 0, 3, 0}, // 3, but no comment
		{"eve", "fakenet", 1, 1, 0, 0, 1}, // 1 like dan, later
		{"dan", "fakenet", 1, 1, 0, 0, 1},
		{"ann", "x", 1, 1, 0, 0, 0}, // 1 like dan, earlier, no post
	}
	check("/v1/reports/community", everyone)
	check("/v1/reports/community?network=fakenet", everyone[:5])
	date := func(ago time.Duration) string { return now.Add(-ago).Format("2006-01-02") }
	check("/v1/reports/community?from="+date(50*24*h)+"&to="+date(40*24*h), []want{{"dan", "fakenet", 2, 2, 0, 0, 1}})
	check("/v1/reports/community?from="+date(60*24*h)+"&to="+date(55*24*h), nil)
	expect(t, e.as(rythme.RoleViewer, "GET", "/v1/reports/community?network=myspace", nil), 422)
	expect(t, e.as(rythme.RoleViewer, "GET", "/v1/reports/community?from=2026-10-31&to=2026-10-01", nil), 422)
	expect(t, e.as(rythme.RoleViewer, "GET", "/v1/reports/community?from=yesterday", nil), 422)
}
