package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

// A control character (NUL, ESC, DEL…) in any text field is a 422 naming
// the field, on every backend (PostgreSQL cannot store NUL: it was a 500);
// tab, CR and LF are text.
func TestControlCharactersRefused(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b.open(t))
			acc := e.account(e.ws, "alice", rythme.AccountConnected)
			at := e.clock.Now().Add(time.Hour).Format(time.RFC3339)
			for _, c := range []struct {
				name, path, field string
				body              any
			}{
				{"content", "/v1/posts", "content", map[string]any{"content": "hi\x00there", "scheduled_at": at,
					"targets": []map[string]string{{"account_id": acc.ID}}}},
				{"variant", "/v1/posts", "targets[0].content", map[string]any{"content": "hi", "scheduled_at": at,
					"targets": []map[string]string{{"account_id": acc.ID, "content": "x\x1b[2J"}}}},
				{"tag", "/v1/posts", "tags[1]", map[string]any{"content": "hi", "scheduled_at": at, "tags": []string{"ok", "a\x00"},
					"targets": []map[string]string{{"account_id": acc.ID}}}},
				{"token name", "/v1/tokens", "name", map[string]any{"name": "ci\x00", "role": "viewer"}},
				{"campaign name", "/v1/campaigns", "name", map[string]any{"name": "Green\x00week"}},
			} {
				res := e.as(rythme.RoleAdmin, "POST", c.path, c.body)
				expect(t, res, http.StatusUnprocessableEntity)
				if er := res.err(t); !er.hasField(c.field) {
					t.Errorf("%s: the error does not name %s: %s", c.name, c.field, res.Body)
				}
			}
			res := e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": "line\r\n\tnext", "scheduled_at": at,
				"targets": []map[string]string{{"account_id": acc.ID}}})
			expect(t, res, http.StatusCreated)
		})
	}
}
