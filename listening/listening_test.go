package listening_test

import (
	"context"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/listening"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// TestReceiveStoresOnce: the same comments read twice are stored once,
// each with its "received" audit event, and only the first read reports
// them as new (what webhooks are sent for).
func TestReceiveStoresOnce(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t)
	ctx := context.Background()
	ws := &rythme.Workspace{ID: rythme.NewID(rythme.PrefixWorkspace), Name: "Team", CreatedAt: time.Now()}
	if err := st.CreateWorkspace(ctx, ws); err != nil {
		t.Fatal(err)
	}
	acc := &rythme.Account{WorkspaceID: ws.ID, Network: "mastodon", InstanceURL: "https://m.example", ExternalID: "1",
		Username: "brand", Status: rythme.AccountConnected, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := st.UpsertAccount(ctx, acc); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	svc, err := listening.New(listening.Config{Store: st, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	read := func() []*rythme.InboxItem {
		return []*rythme.InboxItem{
			{WorkspaceID: ws.ID, AccountID: acc.ID, Network: "mastodon", ExternalID: "101", Kind: rythme.InboxComment,
				Author: rythme.InboxAuthor{Handle: " bob@other.example "}, Text: "first", CreatedAt: now.Add(-time.Hour)},
			{WorkspaceID: ws.ID, AccountID: acc.ID, Network: "mastodon", ExternalID: "102", Kind: "weird",
				Author: rythme.InboxAuthor{Handle: "carol"}, Text: "second", CreatedAt: now.Add(-time.Minute)},
		}
	}
	created, err := svc.Receive(ctx, read())
	if err != nil || len(created) != 2 {
		t.Fatalf("first read: %d new, %v", len(created), err)
	}
	created, err = svc.Receive(ctx, read())
	if err != nil || len(created) != 0 {
		t.Fatalf("second read: %d new, %v", len(created), err)
	}
	items, _, err := svc.List(ctx, ws.ID, rythme.InboxFilter{Author: "@BOB@other.example"})
	if err != nil || len(items) != 1 {
		t.Fatalf("by author: %d, %v", len(items), err)
	}
	it, err := svc.Get(ctx, ws.ID, items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if it.Author.Handle != "bob@other.example" || !it.ReceivedAt.Equal(now) || len(it.Audit) != 1 ||
		it.Audit[0].Actor != "rythme" || it.Audit[0].Action != rythme.InboxActionReceived {
		t.Fatalf("item %+v", it)
	}
	all, _, err := svc.List(ctx, ws.ID, rythme.InboxFilter{})
	if err != nil || len(all) != 2 || all[0].Kind != rythme.InboxComment {
		t.Fatalf("an unknown kind is stored as a comment: %+v, %v", all, err)
	}
}
