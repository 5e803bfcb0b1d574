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
	"github.com/rythmehq/rythme/connectors/discord"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// commenter is the fake network, taking first comments.
type commenter struct{ *fakeConnector }

func (commenter) Comments(*rythme.Account) bool { return true }
func (commenter) Comment(context.Context, *rythme.Account, *http.Client, connectors.CommentRequest) (*connectors.Published, error) {
	return nil, connectors.Errorf(connectors.Permanent, "the API never publishes")
}

// TestFirstComment: a post carries first_comment, checked as the network
// counts; a target whose network takes none answers 422 naming it; an edit
// changes it; GET /v1/networks says which networks take one.
func TestFirstComment(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), func(c *api.Config) {
		c.Connectors = connectors.NewRegistry(commenter{c.Connectors.All()[0].(*fakeConnector)}, discord.New(discord.Config{}))
	})
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	hook := &rythme.Account{WorkspaceID: e.ws, Network: discord.Name, ExternalID: "hook-1", Username: "announcements",
		Status: rythme.AccountConnected, Token: rythme.Token{AccessToken: "https://discord.com/api/webhooks/1/x"},
		CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
	if err := e.store.UpsertAccount(context.Background(), hook); err != nil {
		t.Fatal(err)
	}
	at := e.clock.Now().Add(time.Hour).Format(time.RFC3339)
	post := func(comment string, accts ...string) *response {
		targets := []map[string]string{}
		for _, a := range accts {
			targets = append(targets, map[string]string{"account_id": a})
		}
		return e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": "A post", "scheduled_at": at,
			"targets": targets, "first_comment": comment})
	}

	res := post("The link: https://rythme.example/more", acc.ID, hook.ID)
	if res.Status != http.StatusUnprocessableEntity || !res.err(t).hasField("first_comment") ||
		!strings.Contains(string(res.Body), "targets[1] (Discord) publish no first comment") {
		t.Fatalf("a first comment to Discord: %d %s", res.Status, res.Body)
	}
	if res := post(strings.Repeat("x", 101), acc.ID); res.Status != http.StatusUnprocessableEntity || !res.err(t).hasField("first_comment") ||
		!strings.Contains(string(res.Body), "Fakenet: is 101 characters") {
		t.Fatalf("a first comment over the network's limit: %d %s", res.Status, res.Body)
	}
	if res := post("  ", acc.ID); res.Status != http.StatusUnprocessableEntity || !res.err(t).hasField("first_comment") {
		t.Fatalf("a blank first comment: %d %s", res.Status, res.Body)
	}
	// A recurring post's first comment is checked by the same rule.
	rec := e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": "Every week", "scheduled_at": at,
		"targets": []map[string]string{{"account_id": acc.ID}, {"account_id": hook.ID}}, "first_comment": "More", "recurrence": "FREQ=WEEKLY;COUNT=3"})
	if rec.Status != http.StatusUnprocessableEntity || !rec.err(t).hasField("first_comment") ||
		!strings.Contains(string(rec.Body), "targets[1] (Discord) publish no first comment") {
		t.Fatalf("a recurring post with a first comment to Discord: %d %s", rec.Status, rec.Body)
	}
	if q := e.queue.take(); len(q) != 0 {
		t.Fatalf("refused posts queued %v", q)
	}

	res = post("The link: https://rythme.example/more", acc.ID)
	expect(t, res, http.StatusCreated)
	var p struct {
		ID           string `json:"id"`
		FirstComment string `json:"first_comment"`
	}
	res.decode(t, &p)
	if p.FirstComment != "The link: https://rythme.example/more" {
		t.Fatalf("first_comment = %q", p.FirstComment)
	}
	got, err := e.store.GetPost(context.Background(), e.ws, p.ID)
	if err != nil || got.FirstComment != p.FirstComment {
		t.Fatalf("stored first comment %q, %v", got.FirstComment, err)
	}

	res = e.as(rythme.RoleEditor, "PATCH", "/v1/posts/"+p.ID, map[string]any{"first_comment": "Now with more"})
	expect(t, res, http.StatusOK)
	res.decode(t, &p)
	if p.FirstComment != "Now with more" {
		t.Fatalf("edited first_comment = %q", p.FirstComment)
	}
	res = e.as(rythme.RoleEditor, "PATCH", "/v1/posts/"+p.ID, map[string]any{"first_comment": ""})
	expect(t, res, http.StatusOK)
	var removed map[string]any
	res.decode(t, &removed)
	if _, ok := removed["first_comment"]; ok {
		t.Fatalf("removed first_comment is still there: %v", removed["first_comment"])
	}

	var nets struct {
		Data []struct {
			Name         string `json:"name"`
			FirstComment bool   `json:"first_comment"`
		} `json:"data"`
	}
	e.as(rythme.RoleViewer, "GET", "/v1/networks", nil).decode(t, &nets)
	says := map[string]bool{}
	for _, n := range nets.Data {
		says[n.Name] = n.FirstComment
	}
	if !says["fakenet"] || says[discord.Name] || len(says) != 2 {
		t.Errorf("networks say first_comment %v; want fakenet true, discord false", says)
	}
}
