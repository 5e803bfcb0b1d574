package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/connectors"
	"github.com/rythmehq/rythme/connectors/mastodon"
	"github.com/rythmehq/rythme/connectors/x"
)

// networkAccount stores a connected account of network with meta.
func (e *env) networkAccount(network, instance, username string, meta map[string]string) *rythme.Account {
	e.t.Helper()
	acc := &rythme.Account{WorkspaceID: e.ws, Network: network, InstanceURL: instance, ExternalID: rythme.NewID("x"),
		Username: username, Status: rythme.AccountConnected, Meta: meta, Token: rythme.Token{AccessToken: "at-" + rythme.NewID("a")}}
	e.noLeak(acc.Token.AccessToken)
	if err := e.store.UpsertAccount(context.Background(), acc); err != nil {
		e.t.Fatal(err)
	}
	return acc
}

func (e *env) postTo(content string, mediaIDs []string, accs ...*rythme.Account) *response {
	e.t.Helper()
	var targets []map[string]string
	for _, a := range accs {
		targets = append(targets, map[string]string{"account_id": a.ID})
	}
	return e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": content, "media": mediaIDs,
		"scheduled_at": e.clock.Now().Add(time.Hour).Format(time.RFC3339Nano), "targets": targets})
}

// TestPostsUseTheInstanceLimits: issue 11's GoToSocial that announces
// 5,000 characters takes a 600-character post, while a Mastodon instance
// that announced nothing keeps Mastodon's 500.
func TestPostsUseTheInstanceLimits(t *testing.T) {
	t.Parallel()
	opt, _ := withMedia(t, 1<<20)
	e := newEnv(t, storeFor(t), opt, func(c *api.Config) {
		c.Connectors = connectors.NewRegistry(mastodon.New(), x.New(x.FakenetConfig("http://127.0.0.1:9")))
	})
	gts := e.networkAccount("mastodon", "https://gts.example", "gts", map[string]string{mastodon.MetaSoftware: "gotosocial",
		mastodon.MetaMaxCharacters: "5000", mastodon.MetaMaxMedia: "6"})
	plain := e.networkAccount("mastodon", "https://mastodon.example", "plain", nil)
	text := strings.Repeat("a", 600)

	expect(t, e.postTo(text, nil, gts), http.StatusCreated)
	res := e.postTo(text, nil, plain)
	expect(t, res, http.StatusUnprocessableEntity)
	if ae := res.err(t); !ae.hasField("content") || !strings.Contains(string(res.Body), "allows 500") {
		t.Errorf("600 characters on a 500-character server: %s", res.Body)
	}
	res = e.postTo(strings.Repeat("a", 5001), nil, gts)
	expect(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(string(res.Body), "allows 5000") {
		t.Errorf("5,001 characters on GoToSocial: %s", res.Body)
	}

	// Media count: 5 files pass GoToSocial's 6, not Mastodon's 4.
	var ids []string
	for range 5 {
		up := upload(e, rythme.RoleEditor, "a.png", pngBytes, "")
		expect(t, up, http.StatusCreated)
		var m rythme.Media
		up.decode(t, &m)
		ids = append(ids, m.ID)
	}
	expect(t, e.postTo("five", ids, gts), http.StatusCreated)
	res = e.postTo("five", ids, plain)
	expect(t, res, http.StatusUnprocessableEntity)
	if !res.err(t).hasField("media") {
		t.Errorf("5 files on Mastodon: %s", res.Body)
	}

	// The account JSON shows its effective limits.
	res = e.as(rythme.RoleViewer, "GET", "/v1/accounts", nil)
	expect(t, res, http.StatusOK)
	var list struct {
		Data []struct {
			ID     string          `json:"id"`
			Limits *rythme.Network `json:"limits"`
		} `json:"data"`
	}
	res.decode(t, &list)
	found := 0
	for _, a := range list.Data {
		switch {
		case a.ID == gts.ID && a.Limits != nil && a.Limits.MaxLength == 5000 && a.Limits.MaxMedia == 6:
			found++
		case a.ID == plain.ID && a.Limits != nil && a.Limits.MaxLength == 500 && a.Limits.MaxMedia == 4:
			found++
		}
	}
	if found != 2 {
		t.Errorf("GET /v1/accounts does not show each account's limits: %s", res.Body)
	}
}

// TestXAltTextLimit: X takes alt text up to 1,000 characters
// (POST /2/media/metadata): a longer one is refused when the post is made,
// naming the field, not when X refuses it at publish time.
func TestXAltTextLimit(t *testing.T) {
	t.Parallel()
	opt, _ := withMedia(t, 1<<20)
	e := newEnv(t, storeFor(t), opt, func(c *api.Config) {
		c.Connectors = connectors.NewRegistry(mastodon.New(), x.New(x.FakenetConfig("http://127.0.0.1:9")))
	})
	xacc := e.networkAccount("x", "https://x.com", "brand", nil)
	masto := e.networkAccount("mastodon", "https://mastodon.example", "brand", nil)
	mediaWith := func(alt string) string {
		up := upload(e, rythme.RoleEditor, "a.png", pngBytes, alt)
		expect(t, up, http.StatusCreated)
		var m rythme.Media
		up.decode(t, &m)
		return m.ID
	}
	long, ok := mediaWith(strings.Repeat("é", 1001)), mediaWith(strings.Repeat("é", 1000))
	res := e.postTo("hello", []string{long}, xacc)
	expect(t, res, http.StatusUnprocessableEntity)
	if ae := res.err(t); !ae.hasField("media") || !strings.Contains(string(res.Body), "at most 1000") {
		t.Errorf("1,001 characters of alt text on X: %s", res.Body)
	}
	expect(t, e.postTo("hello", []string{ok}, xacc), http.StatusCreated)
	expect(t, e.postTo("hello", []string{long}, masto), http.StatusCreated)
}
