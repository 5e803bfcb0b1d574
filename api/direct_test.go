package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// webhookConnector connects with a webhook URL, as Discord and Microsoft
// Teams do: no browser round trip.
type webhookConnector struct {
	fakeConnector
	connect func(ctx context.Context, p connectors.ConnectParams) (*connectors.Identity, rythme.Token, error)
}

func (w *webhookConnector) Connect(ctx context.Context, p connectors.ConnectParams, _ *http.Client) (*connectors.Identity, rythme.Token, error) {
	return w.connect(ctx, p)
}

var _ connectors.DirectConnector = (*webhookConnector)(nil)

func TestDirectConnectStoresTheSecretAndNeverShowsIt(t *testing.T) {
	t.Parallel()
	const secretURL = "https://discord.test/api/webhooks/123/s3cr3t-webhook-token"
	hook := &webhookConnector{fakeConnector: fakeConnector{info: rythme.Network{Name: "hook", Title: "Hook", Auth: "webhook",
		ConnectParams: []string{"webhook_url"}, MaxLength: 2000}}}
	hook.connect = func(_ context.Context, p connectors.ConnectParams) (*connectors.Identity, rythme.Token, error) {
		if !strings.HasPrefix(p["webhook_url"], "https://discord.test/") {
			return nil, rythme.Token{}, connectors.Errorf(connectors.Permanent, "Unknown Webhook")
		}
		return &connectors.Identity{ExternalID: "123", Username: "announcements", InstanceURL: "https://discord.test"},
			rythme.Token{AccessToken: p["webhook_url"]}, nil
	}
	e := newEnv(t, storetest.SQLite(t), func(c *api.Config) { c.Connectors.Register(hook) })
	e.mu.Lock()
	e.leaks = append(e.leaks, "s3cr3t-webhook-token")
	e.mu.Unlock()

	res := e.as(rythme.RoleManager, "POST", "/v1/accounts/hook/connect", map[string]string{"webhook_url": secretURL})
	expect(t, res, http.StatusCreated)
	var out struct {
		Account struct {
			ID, Username, Status string
		} `json:"account"`
	}
	res.decode(t, &out)
	if out.Account.Username != "announcements" || out.Account.Status != "connected" {
		t.Fatalf("account = %+v", out.Account)
	}
	acc, err := e.store.GetAccount(context.Background(), e.ws, out.Account.ID)
	if err != nil || acc.Token.AccessToken != secretURL {
		t.Fatalf("the webhook URL was not kept as the account's credential: %v", err)
	}

	res = e.as(rythme.RoleManager, "POST", "/v1/accounts/hook/connect", map[string]string{"webhook_url": "https://evil.test/x"})
	if res.Status < 400 || res.Status >= 500 {
		t.Fatalf("a refused webhook = %d, want a 4xx", res.Status)
	}
	if !strings.Contains(string(res.Body), "Unknown Webhook") {
		t.Fatalf("the network's reason is not shown: %s", res.Body)
	}
	expect(t, e.as(rythme.RoleEditor, "POST", "/v1/accounts/hook/connect", map[string]string{"webhook_url": secretURL}), http.StatusForbidden)
}
