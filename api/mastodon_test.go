package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/mastodon"
	"github.com/rythmehq/rythme/fakenet"
)

// TestConnectMastodonOnFakenet runs the connect flow with the real
// Mastodon connector against the network simulator: app registration,
// PKCE authorization, token exchange, identity, and the network's limits
// on new posts.
func TestConnectMastodonOnFakenet(t *testing.T) {
	t.Parallel()
	sim := fakenet.New(fakenet.Config{})
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(sim.Close)
	conn := mastodon.New(mastodon.WithHTTPClient(srv.Client()))
	e := newEnv(t, storeFor(t), func(c *api.Config) {
		c.Connectors = connectors.NewRegistry(conn)
		c.HTTPClient = srv.Client()
	})
	instance := sim.MastodonURL(srv.URL)

	res := e.as(rythme.RoleManager, "POST", "/v1/accounts/mastodon/connect", map[string]string{"instance_url": instance})
	expect(t, res, http.StatusOK)
	var out struct {
		AuthorizeURL string `json:"authorize_url"`
	}
	res.decode(t, &out)

	// The user approves at the instance, which sends the browser back.
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(out.AuthorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(back.String(), "https://rythme.test/v1/oauth/mastodon/callback?") {
		t.Fatalf("authorize answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	res = e.do(req{method: "GET", path: back.Path + "?" + back.RawQuery})
	expect(t, res, http.StatusOK)
	var got struct{ Account rythme.Account }
	res.decode(t, &got)
	acc := got.Account
	if acc.Network != "mastodon" || acc.Username != "alice" || acc.Status != rythme.AccountConnected || acc.ExternalID == "" {
		t.Errorf("account %+v", acc)
	}
	stored, err := e.store.GetAccount(context.Background(), e.ws, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Token.AccessToken == "" {
		t.Fatal("no access token stored")
	}
	if strings.Contains(string(res.Body), stored.Token.AccessToken) {
		t.Error("the callback answered the access token")
	}
	e.noLeak(stored.Token.AccessToken, stored.Token.RefreshToken)

	// Replaying the same callback is refused.
	expect(t, e.do(req{method: "GET", path: back.Path + "?" + back.RawQuery}), http.StatusBadRequest)

	// Mastodon's limit applies to new posts, counted the way it counts.
	max := conn.Info().MaxLength
	tooLong := strings.Repeat("a", max+1)
	res = e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{
		"content": tooLong, "scheduled_at": "now", "targets": []map[string]string{{"account_id": acc.ID}},
	})
	expect(t, res, http.StatusUnprocessableEntity)
	if !res.err(t).hasField("content") || !strings.Contains(res.err(t).Error.Message, "Mastodon") {
		t.Errorf("error %+v", res.err(t).Error)
	}
	withURL := strings.Repeat("a", max-24) + " https://example.com/" + strings.Repeat("x", 100)
	res = e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{
		"content": withURL, "scheduled_at": "now", "targets": []map[string]string{{"account_id": acc.ID}},
	})
	expect(t, res, http.StatusCreated)
	res = e.as(rythme.RoleViewer, "GET", "/v1/accounts", nil)
	if !strings.Contains(string(res.Body), instance) {
		t.Errorf("accounts: %s", res.Body)
	}
}
