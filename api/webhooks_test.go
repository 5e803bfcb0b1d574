package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

func TestWebhooks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	res := e.as(rythme.RoleManager, "POST", "/v1/webhooks", map[string]any{"url": "https://hooks.example/rythme", "events": []string{"post.published", "post.failed"}})
	expect(t, res, http.StatusCreated)
	var created struct {
		ID     string   `json:"id"`
		Secret string   `json:"secret"`
		Events []string `json:"events"`
	}
	res.decode(t, &created)
	if !strings.HasPrefix(created.Secret, "whsec_") || len(created.Secret) < 40 || len(created.Events) != 2 {
		t.Fatalf("created = %+v", created)
	}
	e.mu.Lock()
	e.leaks = append(e.leaks, created.Secret)
	e.mu.Unlock()
	list := e.as(rythme.RoleManager, "GET", "/v1/webhooks", nil) // the secret is never shown again
	expect(t, list, http.StatusOK)
	if !strings.Contains(string(list.Body), created.ID) {
		t.Fatalf("list %s lacks the webhook", list.Body)
	}

	slack := e.account(e.ws, "team-slack", rythme.AccountConnected)
	expect(t, e.as(rythme.RoleManager, "POST", "/v1/webhooks", map[string]any{"account_id": slack.ID, "events": []string{"account.needs_reconnect", "account.metrics_failing"}}), http.StatusCreated)

	otherWS := e.workspace("Other")
	foreign := e.account(otherWS, "theirs", rythme.AccountConnected)
	for name, body := range map[string]map[string]any{
		"unknown event":     {"url": "https://h.example", "events": []string{"post.liked"}},
		"no events":         {"url": "https://h.example", "events": []string{}},
		"both destinations": {"url": "https://h.example", "account_id": slack.ID, "events": []string{"post.failed"}},
		"neither":           {"events": []string{"post.failed"}},
		"not http":          {"url": "ftp://h.example", "events": []string{"post.failed"}},
		"credentials":       {"url": "https://user:pw@h.example", "events": []string{"post.failed"}},
		"foreign account":   {"account_id": foreign.ID, "events": []string{"post.failed"}},
	} {
		if res := e.as(rythme.RoleManager, "POST", "/v1/webhooks", body); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %s, want 422", name, res.Status, res.Body)
		}
	}
	expect(t, e.as(rythme.RoleEditor, "GET", "/v1/webhooks", nil), http.StatusForbidden)
	expect(t, e.as(rythme.RoleManager, "DELETE", "/v1/webhooks/"+created.ID, nil), http.StatusNoContent)
	expect(t, e.as(rythme.RoleManager, "DELETE", "/v1/webhooks/"+created.ID, nil), http.StatusNotFound)
}
