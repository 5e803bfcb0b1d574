package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

func TestThreads(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	acc := e.account(e.ws, "brand", rythme.AccountConnected)
	post := func(thread []string) *response {
		return e.as(rythme.RoleEditor, "POST", "/v1/posts", map[string]any{"content": "1/3 A thread",
			"scheduled_at": e.clock.Now().Add(time.Hour).Format(time.RFC3339), "targets": []map[string]string{{"account_id": acc.ID}},
			"thread": thread})
	}
	if res := post([]string{"2/3"}); res.Status != http.StatusUnprocessableEntity || !res.err(t).hasField("thread") {
		t.Fatalf("a thread to a network without threads: %d %s", res.Status, res.Body)
	}
	e.fake.info.Threads = true
	if res := post([]string{"2/3", strings.Repeat("x", 101)}); res.Status != http.StatusUnprocessableEntity || !res.err(t).hasField("thread[1]") {
		t.Fatalf("a part over the network's limit: %d %s", res.Status, res.Body)
	}
	if res := post([]string{"2/3", " "}); res.Status != http.StatusUnprocessableEntity || !res.err(t).hasField("thread[1]") {
		t.Fatalf("an empty part: %d %s", res.Status, res.Body)
	}
	res := post([]string{"2/3", "3/3"})
	expect(t, res, http.StatusCreated)
	var p struct {
		ID     string   `json:"id"`
		Thread []string `json:"thread"`
	}
	res.decode(t, &p)
	if len(p.Thread) != 2 || p.Thread[1] != "3/3" {
		t.Fatalf("thread = %v", p.Thread)
	}
	res = e.as(rythme.RoleEditor, "PATCH", "/v1/posts/"+p.ID, map[string]any{"thread": []string{"only part two"}})
	expect(t, res, http.StatusOK)
	res.decode(t, &p)
	if len(p.Thread) != 1 {
		t.Fatalf("edited thread = %v", p.Thread)
	}
}
