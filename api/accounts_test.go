package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
)

// A disconnection through the API takes effect at once, cache or not: the
// account read a moment before (and cached) takes no new post.
func TestDisconnectTakesEffectAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeFor(t))
	acc := e.account(e.ws, "alice", rythme.AccountConnected)
	e.createPost("read and cached", time.Hour, acc)
	expect(t, e.as(rythme.RoleManager, "DELETE", "/v1/accounts/"+acc.ID, nil), http.StatusOK)
	res := e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{
		"content": "after", "scheduled_at": e.clock.Now().Add(time.Hour).Format(time.RFC3339Nano),
		"targets": []map[string]string{{"account_id": acc.ID}},
	})
	expect(t, res, http.StatusUnprocessableEntity)
	if msg := res.err(t).Error.Message; !strings.Contains(msg, "disconnected") {
		t.Errorf("message %q, want the account disconnected", msg)
	}
}
