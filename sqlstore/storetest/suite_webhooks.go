package storetest

import (
	"testing"

	"github.com/rythmehq/rythme"
)

func init() {
	register(suiteCase{"Webhooks", testWebhooks})
}

func testWebhooks(t *testing.T, s rythme.Store) {
	ws, other := newWorkspace(t, s), newWorkspace(t, s)
	slack := newAccount(t, s, ws.ID, "slack")
	foreign := newAccount(t, s, other.ID, "slack")
	url := &rythme.Webhook{WorkspaceID: ws.ID, URL: "https://hooks.example/in", Secret: "whsec_1",
		Events: []string{rythme.EventPostPublished, rythme.EventPostFailed}, CreatedAt: T0}
	must(t, s.CreateWebhook(ctx(t), url))
	channel := &rythme.Webhook{WorkspaceID: ws.ID, AccountID: slack.ID, Secret: "whsec_2",
		Events: []string{rythme.EventAccountNeedsReconnect}, CreatedAt: T0}
	must(t, s.CreateWebhook(ctx(t), channel))
	wantCode(t, s.CreateWebhook(ctx(t), &rythme.Webhook{WorkspaceID: ws.ID, AccountID: foreign.ID, Secret: "x",
		Events: []string{rythme.EventPostFailed}}), rythme.EINVALID)

	list, err := s.ListWebhooks(ctx(t), ws.ID)
	must(t, err)
	if len(list) != 2 || list[0].ID != url.ID || list[1].AccountID != slack.ID {
		t.Fatalf("list = %s", dump(list))
	}
	if list[0].Secret != "whsec_1" || list[0].Events[1] != rythme.EventPostFailed {
		t.Fatalf("secret or events do not read back: %s", dump(list[0]))
	}
	if l, _ := s.ListWebhooks(ctx(t), other.ID); len(l) != 0 {
		t.Fatal("another workspace sees the webhooks")
	}
	subs, err := s.WebhooksFor(ctx(t), ws.ID, rythme.EventPostFailed)
	must(t, err)
	if len(subs) != 1 || subs[0].ID != url.ID {
		t.Fatalf("subscribers of post.failed = %s", dump(subs))
	}
	otherHook := &rythme.Webhook{WorkspaceID: other.ID, URL: "https://hooks.example/other", Secret: "whsec_3",
		Events: []string{rythme.EventPostPublished}, CreatedAt: T0}
	must(t, s.CreateWebhook(ctx(t), otherHook))
	many, err := s.WebhooksOf(ctx(t), []string{ws.ID, other.ID, rythme.NewID(rythme.PrefixWorkspace)})
	must(t, err)
	if len(many) != 3 || many[0].Secret == "" {
		t.Fatalf("webhooks of two workspaces = %s", dump(many))
	}
	if none, err := s.WebhooksOf(ctx(t), nil); err != nil || len(none) != 0 {
		t.Fatalf("webhooks of no workspace = %s, %v", dump(none), err)
	}
	must(t, s.DeleteWebhook(ctx(t), other.ID, otherHook.ID))
	got, err := s.GetWebhook(ctx(t), channel.ID)
	must(t, err)
	if got.AccountID != slack.ID || got.Secret != "whsec_2" {
		t.Fatalf("get = %s", dump(got))
	}
	wantCode(t, s.DeleteWebhook(ctx(t), other.ID, url.ID), rythme.ENOTFOUND)
	must(t, s.DeleteWebhook(ctx(t), ws.ID, url.ID))
	wantCode(t, s.DeleteWebhook(ctx(t), ws.ID, url.ID), rythme.ENOTFOUND)
	_, err = s.GetWebhook(ctx(t), url.ID)
	wantCode(t, err, rythme.ENOTFOUND)
}
